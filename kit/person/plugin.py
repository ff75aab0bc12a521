"""The person standard's plug-in: its converters, its table step, its checks and its profiles.

The person standard file names this module (``plugin: kit.person.plugin``); the kit imports it when
it checks a person file (``kit.convert.registry.load_plugin``), and importing it registers, under the
standard's name:

* in ``kit.convert``: the converters of the person types and crosswalked codes, and the step that
  fills in gender where a file records only sex (``kit.person.conversion``);
* in ``kit.checks``: the profile's suite, the profile's missing columns, the rules whose errors
  leave a value empty, the person expectations, and the profiles the user chooses between.

Nothing in kit.check, kit.convert or kit.checks imports kit.person.
"""

from __future__ import annotations

from kit.checks.registry import SuitePlugin, register_suite
from kit.convert.registry import register_converters, register_table_step
from kit.person.conversion import derive_gender, person_converter
from kit.person.quality import build_suite, judged_files, missing_columns, required_columns
from kit.person.suite import blanking_rules

STANDARD = "person"  # the `standard:` name of the file that names this plug-in

register_converters(STANDARD, person_converter)
register_table_step(STANDARD, derive_gender)
register_suite(
    STANDARD,
    SuitePlugin(
        build_checks=build_suite,
        file_findings=missing_columns,
        blanking_rules=blanking_rules,
        expectations="kit.person.expectations",
        profiles={
            "subject_of_care": "children and adults receiving care",
            "connected": "relatives, carers and contacts",
            "relationships": "links between people, checked with the person records they refer to",
        },
        profiles_of="Person Standard",
        required_columns=required_columns,
        judged_files=judged_files,
    ),
)
