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

import pandas as pd

from kit.errors import KitError
from kit.findings import Finding, to_frame
from kit.person.conversion import convert_person
from kit.person.suite import (
    PERSON_VALUE_RULES,
    PROFILES,
    build_person_checks,
    profile_required,
    profile_title,
)
from kit.quality.suite import VALUE_LEVEL_RULES, Check


def run_person_checks(table: pd.DataFrame, checks: list[Check]) -> dict[str, tuple[list[int], str]]:
    """Run ``checks`` on ``table`` in one Great Expectations validation (the kit's shared runner).

    Out: check id -> (positions of the rows that failed, error text if GX could not run it).
    """
    from kit.quality import run_checks

    return {o.check.id: (o.rows, o.error) for o in run_checks(table, checks)}


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


def _tidy(findings: pd.DataFrame, value_rules: set[str], checks: list[Check]) -> pd.DataFrame:
    """One problem, one finding.

    No warning on a cell that already has a value error (a crosswalk note still explains where a
    value came from), and a row that is an exact copy of another is not also reported as a
    repeated ID.
    """
    if findings.empty:
        return findings
    key = ["source_file", "source_row", "field"]
    errors = findings[(findings["severity"] == "error") & findings["rule"].isin(value_rules)]
    error_cells = set(map(tuple, errors[key].astype(str).to_numpy()))
    cell = findings[key].astype(str).apply(tuple, axis=1)
    echo = (
        (findings["severity"] == "warning")
        & cell.isin(error_cells)
        & ~findings["rule"].str.startswith("crosswalk")
    )
    copies = {
        c.rule for c in checks if c.expectation == "ExpectRowsNotToRepeatEarlierRows" and c.field == "(row)"
    }
    keys = {
        c.rule for c in checks if c.expectation == "ExpectRowsNotToRepeatEarlierRows" and c.field != "(row)"
    }
    rowkey = findings[["source_file", "source_row"]].astype(str).apply(tuple, axis=1)
    copied = set(rowkey[findings["rule"].isin(copies)])
    echo |= findings["rule"].isin(keys) & rowkey.isin(copied)
    return findings[~echo].reset_index(drop=True)


def check_person_quality(result, today: dt.date | None = None) -> None:
    """Convert, check and report a person :class:`kit.check.CheckResult` in place (see module doc)."""
    from kit.convert import VALUE_RULES

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
    outcomes = run_person_checks(table, checks)

    letters = {(f.table.path.name, m.field): m.letter for f in result.files for m in f.matches if m.applied}
    cells = {
        (f.table.path.name, m.field): (f.table.data, m.position)
        for f in result.files
        for m in f.matches
        if m.applied
    }
    files = result.text["_source_file"].to_numpy()
    rows = result.text["_source_row"].to_numpy()
    value_rules = VALUE_LEVEL_RULES | PERSON_VALUE_RULES
    findings: list[Finding] = _missing_columns(result, present)  # conversion's are in result.findings
    blank: dict[str, list[int]] = {}
    for check in checks:
        positions, error = outcomes.get(check.id, ([], ""))
        if error:
            findings.append(
                Finding(la=result.la, field=check.field, rule=check.rule, severity="warning",
                        message=f"The check '{check.sentence}' could not run: {error}")
            )  # fmt: skip
            continue
        for pos in positions:
            source = cells.get((files[pos], check.field))
            value = str(source[0].at[int(rows[pos]), source[1]]).strip() if source else ""
            shown = value
            if not shown and check.field in table.columns and pd.notna(table.at[pos, check.field]):
                shown = str(table.at[pos, check.field])  # a value the kit filled in (no cell of its own)
            findings.append(
                Finding(
                    la=result.la,
                    source_file=files[pos],
                    source_row=int(rows[pos]),
                    source_column=letters.get((files[pos], check.field), ""),
                    field=check.field,
                    value=value,
                    rule=check.rule,
                    severity=check.severity,
                    message=check.message.replace("{value}", shown).replace("{field}", check.field),
                )
            )
            if check.severity == "error" and check.rule in value_rules:
                blank.setdefault(check.field, []).append(pos)
    # The suite has now judged every value: conversion's own value findings give way to it.
    kept = result.findings[~result.findings["rule"].isin(VALUE_RULES)]
    result.findings = _tidy(
        to_frame(pd.concat([kept, to_frame(findings)], ignore_index=True)), value_rules, checks
    )
    for name, positions in blank.items():
        result.data.loc[result.data.index[positions], name] = None
    result.checked = True
    result.checks = checks


__all__ = ["check_person_quality", "run_person_checks"]
