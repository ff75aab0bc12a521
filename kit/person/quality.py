"""The person standard's checks, as the shared checks stage runs them (registered by ``kit.person.plugin``).

The shared stage (:func:`kit.checks.check_quality`) calls, for a person extract whose values the
shared conversion and the person converters have already read:

1. :func:`build_suite`: the chosen profile's checks (``kit.person.suite``), run through ONE Great
   Expectations checkpoint;
2. :func:`missing_columns`: fields the chosen profile requires but the file has no column for
   (one finding per file).

Values that fail a check digit or are in the future are left empty in the standard table
(``kit.person.suite.blanking_rules``). Great Expectations is imported by the checks stage, never here.
"""

from __future__ import annotations

import datetime as dt

from kit.core.errors import KitError
from kit.core.findings import Finding
from kit.person.suite import build_person_checks, profile_required, profile_title, profiles


def build_suite(std, present: set[str], by_design, profile: str | None, today: dt.date | None) -> list:
    """The checks of ``profile`` that the file's fields (``present``) can be judged by."""
    if profile not in profiles(std):
        raise KitError(
            "Say which Person Standard profile the records follow: subject_of_care (children and adults "
            "receiving care) or connected (relatives, carers and contacts)."
        )
    return build_person_checks(std, profile, present, today or dt.date.today())


def missing_columns(result, present: set[str]) -> list[Finding]:
    """One finding per file for each field the profile requires that no column holds."""
    std, profile = result.standard, result.profile
    title = profile_title(std, profile).lower()
    out = []
    for fr in result.files:
        for name in profile_required(std, profile):
            if name in present:
                continue
            f = std.field(name)
            out.append(
                Finding(
                    la=result.la, source_file=fr.table.path.name, field=name, rule="missing_column", severity="error",
                    message=f"No column holds {f.title} ({name}), which the {title} profile requires. "
                    "Add the column or map it in the mapping file.",
                )
            )  # fmt: skip
    return out


__all__ = ["build_suite", "missing_columns"]
