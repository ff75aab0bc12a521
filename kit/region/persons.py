"""Person extracts of a whole region, and plain tables of what the checks found.

* :func:`check_region_persons` checks every LA's person extract named in a ``region.yml`` (its
  ``persons`` and ``person_mapping`` keys) with one profile, for duplicate finding across LAs;
* :func:`findings_by_rule` and :func:`identifier_problems` turn a check's findings into the short
  tables a notebook shows: counts by rule, and where the identifier problems are (row, column and
  rule, never the identifier itself).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.standards import common_roles


def identifier_fields() -> tuple[str, ...]:
    """The person ID and the identifiers (NHS number, UPN, ULN): the person standard's roles."""
    roles = common_roles("person")
    return (roles.person, *roles.identifiers.fields)


# Findings whose message quotes a column header or a code list entry, never a person's own value.
GENERIC_RULES = {
    "gender_not_recorded", "column_guessed", "duplicate_column", "new_column", "missing_column",
    "crosswalk_gap", "crosswalk_approximate", "code_to_query",
}  # fmt: skip


def check_region_persons(
    region_file: str | Path,
    profile: str = "subject_of_care",
    las: list[str] | None = None,
    today: dt.date | None = None,
    run_checks: bool = True,
) -> dict:
    """Check each LA's person extract listed in ``region_file``: LA code -> :class:`kit.check.CheckResult`.

    ``las`` limits it to some LA codes (default: every LA with a ``persons`` file). With
    ``run_checks=False`` (enough for finding duplicates, and faster) the values are still
    normalised and crosswalked (that is conversion), but the profile's checks do not run.
    """
    from kit.check import check_files
    from kit.region.config import load_region_config

    config = load_region_config(region_file)
    chosen = [la for la in config.las if la.persons and (las is None or la.code in las)]
    if las is not None:
        unknown = sorted(set(las) - {la.code for la in chosen})
        if unknown:
            raise KitError(
                f"{Path(region_file).name} has no person extract for LA {', '.join(unknown)}: "
                "add a 'persons:' file for it, or leave it out."
            )
    if not chosen:
        raise KitError(f"{Path(region_file).name} names no person extracts: add 'persons:' to each LA.")
    results = {}
    for la in chosen:
        result = check_files(
            [la.persons],
            standard="person",
            la=la.code,
            mapping=la.person_mapping,
            profile=profile,
            today=today,
            run_checks=run_checks,
        )
        results[la.code] = result
    return results


def _findings(result_or_findings) -> pd.DataFrame:
    return result_or_findings if isinstance(result_or_findings, pd.DataFrame) else result_or_findings.findings


def findings_by_rule(result_or_findings) -> pd.DataFrame:
    """Counts of findings by severity, rule and field, errors first, with one example message each.

    The example's own value is blanked out (``NHS number … fails the check``): the table is for the
    region's overview, and an identifier or a date of birth has no place in it.
    """
    f = _findings(result_or_findings)
    if f.empty:
        return pd.DataFrame(columns=["severity", "rule", "field", "findings", "example"])
    personal = ~f["rule"].isin(GENERIC_RULES)  # the others quote a header or a code, not a person's value
    f = f.assign(
        message=[
            m.replace(v, "…", 1) if p and len(v) > 1 else m
            for m, v, p in zip(f["message"], f["value"], personal, strict=True)
        ]
    )
    table = (
        f.groupby(["severity", "rule", "field"], sort=False)
        .agg(findings=("message", "size"), example=("message", "first"))
        .reset_index()
    )
    table["order"] = table["severity"].map({"error": 0, "warning": 1})
    table = table.sort_values(["order", "findings", "rule"], ascending=[True, False, True], kind="stable")
    return table.drop(columns="order").reset_index(drop=True)


def identifier_problems(result_or_findings) -> pd.DataFrame:
    """Where the identifier findings are: file, row, column, field, rule and severity (no values)."""
    f = _findings(result_or_findings)
    rows = f[f["field"].isin(identifier_fields())]
    cols = ["source_file", "source_row", "source_column", "field", "rule", "severity"]
    return (
        rows[cols].sort_values(["source_file", "source_row", "field"], kind="stable").reset_index(drop=True)
    )


__all__ = ["check_region_persons", "findings_by_rule", "identifier_problems"]
