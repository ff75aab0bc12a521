"""Check a person extract: person conversion, the profile's suite in Great Expectations, findings.

``check_person_quality(result)`` is what :func:`kit.check.check_files` calls for the person
standard once the shared conversion is done. It

1. normalises identifiers and postcodes and applies the crosswalks (``kit.person.conversion``);
2. reports fields the chosen profile requires but the file has no column for (once per file);
3. runs the profile's checks (``kit.person.suite``) through ONE Great Expectations checkpoint;
4. turns every unexpected value into a finding with the source row and column letter the LA
   officer sees, and leaves values that failed an error-level value check empty in the standard
   table (the contract).

Great Expectations is imported inside the functions, never by ``import kit``.
"""

from __future__ import annotations

import datetime as dt

from kit.checks import record_outcomes, run_checks
from kit.checks.suite import VALUE_LEVEL_RULES
from kit.core.errors import KitError
from kit.core.findings import Finding
from kit.person.conversion import convert_person
from kit.person.suite import (
    PERSON_VALUE_RULES,
    PROFILES,
    build_person_checks,
    profile_required,
    profile_title,
)


def _missing_columns(result, present: set[str]) -> list[Finding]:
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


def check_person_quality(result, today: dt.date | None = None) -> None:
    """Convert, check and report a person :class:`kit.check.CheckResult` in place (see module doc)."""
    if result.profile not in PROFILES:
        raise KitError(
            "Say which Person Standard profile the records follow: subject_of_care (children and adults "
            "receiving care) or connected (relatives, carers and contacts)."
        )
    std = result.standard
    today = today or dt.date.today()
    conversion = convert_person(result)
    present = {m.field for f in result.files for m in f.matches if m.applied and m.how != "duplicate"}
    present |= conversion.derived
    checks = build_person_checks(std, result.profile, present, today)
    table = result.text[[f.name for f in std.fields]].reset_index(drop=True)
    record_outcomes(
        result,
        checks,
        run_checks(table, checks),
        table,
        value_rules=VALUE_LEVEL_RULES | PERSON_VALUE_RULES,
        extra=_missing_columns(result, present),  # conversion's own findings are already in result.findings
    )


__all__ = ["check_person_quality"]
