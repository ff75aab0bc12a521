"""Check quality: the standard's expectation suite, run by Great Expectations, read as findings.

``check_quality(result)`` takes what :func:`kit.check.check_files` converted, builds the suite
for the file's standard version from the standard file (``suite.build_checks``, or the suite of
the standard's plug-in, :mod:`kit.checks.registry`), runs it through Great Expectations on pandas,
and turns every unexpected value into a row of the findings table with the source row and column
letter the LA officer sees. It returns a :class:`kit.core.results.Checked`: all the findings,
tidied, and a copy of the standard table with values that failed a value-blanking check left
empty (the contract). The result it was given is not changed.

Whether a cell can be read as its type or code was decided by conversion (``kit.convert``), whose
findings are already in the result; the suite does not judge that again.

Great Expectations is imported here, inside the functions, never by ``import kit``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

import pandas as pd

from kit.checks.registry import SuitePlugin, suite_plugin
from kit.checks.suite import BLANKING_RULES, Check, build_checks
from kit.convert.values import VALUE_RULES
from kit.core.findings import Finding, to_frame
from kit.core.results import Checked

__all__ = ["Check", "build_checks", "check_quality", "record_outcomes", "run_checks"]


@dataclass
class CheckOutcome:
    check: Check
    rows: list[int]  # positions in the checked table
    error: str = ""  # set when Great Expectations could not run the check


def _expectation(check: Check, plugin: SuitePlugin | None = None):
    """The expectation object of a check: the kit's own, the standard plug-in's, or Great Expectations' core."""
    import importlib

    import great_expectations.expectations as gxe

    from kit.checks import expectations as kit_gxe

    own = importlib.import_module(plugin.expectations) if plugin and plugin.expectations else None
    cls = (
        getattr(kit_gxe, check.expectation, None)
        or getattr(own, check.expectation, None)
        or getattr(gxe, check.expectation)
    )
    kwargs = {k: v for k, v in check.kwargs.items() if v is not None or k in ("min_value", "max_value")}
    return cls(**kwargs)


def run_checks(
    table: pd.DataFrame, checks: list[Check], plugin: SuitePlugin | None = None
) -> list[CheckOutcome]:
    """Run ``checks`` on ``table`` (text cells, nulls for empty) in one Great Expectations checkpoint."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if not checks or table.empty:
        return [CheckOutcome(c, []) for c in checks]
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="kit")
    batch = source.add_dataframe_asset(name="standard").add_batch_definition_whole_dataframe(name="all rows")
    expectations = []
    for check in checks:
        exp = _expectation(check, plugin)
        exp.notes = check.id  # ties each result back to its check
        expectations.append(exp)
    # Validating the batch directly (not through a stored validation definition) keeps GX from
    # serialising every unexpected index into its results store, which costs more than the checks.
    suite = gx.ExpectationSuite(name="standard", expectations=expectations)
    result = batch.get_batch(batch_parameters={"dataframe": table}).validate(
        suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": 0}
    )
    by_id = {c.id: c for c in checks}
    outcomes = []
    for r in result.results:
        check = by_id[r.expectation_config.notes]
        info = r.exception_info or {}
        if info.get("raised_exception"):
            outcomes.append(CheckOutcome(check, [], str(info.get("exception_message"))))
            continue
        rows = r.result.get("unexpected_index_list") or []
        outcomes.append(CheckOutcome(check, [int(i) for i in rows]))
    return outcomes


def _original(cell: tuple[pd.DataFrame, int] | None, row: int) -> str:
    """The cell as the LA typed it (findings quote the user's own text, not the kit's reading)."""
    if cell is None:
        return ""
    data, position = cell
    try:
        return str(data.at[row, position]).strip()
    except KeyError:
        return ""


def _tidy(findings: pd.DataFrame, checks: list[Check], value_rules: set[str]) -> pd.DataFrame:
    """One problem, one finding: drop echoes of a finding that already says it.

    A value that is an error (e.g. a negative cost) is not also reported by a sense-range
    warning on the same cell (a crosswalk note still explains where a value came from); a row
    that is an exact copy of another is not also reported as a repeated child and date.
    """
    if findings.empty:
        return findings
    key = ["source_file", "source_row", "field"]
    value_errors = findings[(findings["severity"] == "error") & findings["rule"].isin(value_rules)]
    error_cells = set(map(tuple, value_errors[key].astype(str).to_numpy()))
    cell = findings[key].astype(str).apply(tuple, axis=1)
    echo = (
        (findings["severity"] == "warning")
        & cell.isin(error_cells)
        & ~findings["rule"].str.startswith("crosswalk")
    )
    row_dupes = {
        c.rule for c in checks if c.expectation == "ExpectRowsNotToRepeatEarlierRows" and c.field == "(row)"
    }
    key_dupes = {
        c.rule for c in checks if c.expectation == "ExpectRowsNotToRepeatEarlierRows" and c.field != "(row)"
    }
    copied = findings[findings["rule"].isin(row_dupes)]
    copied_rows = set(map(tuple, copied[["source_file", "source_row"]].astype(str).to_numpy()))
    rowkey = findings[["source_file", "source_row"]].astype(str).apply(tuple, axis=1)
    echo |= findings["rule"].isin(key_dupes) & rowkey.isin(copied_rows)
    return findings[~echo].reset_index(drop=True)


def check_quality(result, today: dt.date | None = None) -> Checked:
    """Run the standard's suite on a :class:`kit.core.results.CheckResult`; return the findings and emptied values."""
    std = result.standard
    plugin = suite_plugin(std)
    present = result.present
    by_design = {x for f in result.files if f.detection.layout for x in f.detection.layout.missing_by_design}
    extra: list[Finding] = []
    if plugin is None:
        checks = build_checks(std, present, by_design)
        if today is not None:
            checks = [_on_day(c, today) for c in checks]
    else:
        checks = plugin.build_checks(std, present, by_design, result.profile, today)
        extra = plugin.file_findings(result, present) if plugin.file_findings else []
    table = result.text[[f.name for f in std.fields]].reset_index(drop=True)
    blanking = BLANKING_RULES | (
        plugin.blanking_rules(std) if plugin and plugin.blanking_rules else frozenset()
    )
    checked = record_outcomes(result, checks, run_checks(table, checks, plugin), table, blanking, extra)
    judged = plugin.judged_files(result) if plugin and plugin.judged_files else None
    if judged is not None:  # the plug-in reports on some files only (the others were read to judge them)
        keep = checked.findings["source_file"].isin(judged) | (
            checked.findings["source_file"].fillna("") == ""
        )
        checked = replace(checked, findings=checked.findings[keep].reset_index(drop=True))
    return checked


def _on_day(check: Check, today: dt.date) -> Check:
    """``check`` judged on ``today`` (checks of dates not in the future)."""
    if "today" not in check.kwargs:
        return check
    return replace(check, kwargs={**check.kwargs, "today": today.isoformat()})


def record_outcomes(
    result,
    checks: list[Check],
    outcomes: list[CheckOutcome],
    table: pd.DataFrame,
    blanking_rules: set[str] | frozenset[str] = BLANKING_RULES,
    extra: list[Finding] | None = None,
) -> Checked:
    """A suite's outcomes as findings with the LA's row and column, after those ``result`` has.

    Values that failed an error-level check of ``blanking_rules`` are left empty in a copy of the
    standard table; ``extra`` findings (e.g. a profile's missing columns) join them. ``result`` is
    not changed.
    """
    matched = [(f.table, m) for f in result.files for m in f.matches if m.applied]
    letters = {(t.path.name, m.field): m.letter for t, m in matched}
    cells = {(t.path.name, m.field): (t.data, m.position) for t, m in matched}
    files = result.text["_source_file"].to_numpy()
    rows = result.text["_source_row"].to_numpy()
    findings: list[Finding] = list(extra or [])
    blank: dict[str, list[int]] = {}
    for outcome in outcomes:
        check = outcome.check
        if outcome.error:
            findings.append(
                Finding(la=result.la, field=check.field, rule=check.rule, severity="warning",
                        message=f"The check '{check.sentence}' could not run: {outcome.error}")
            )  # fmt: skip
            continue
        for pos in outcome.rows:
            value = _original(cells.get((files[pos], check.field)), int(rows[pos]))
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
            if check.severity == "error" and check.rule in blanking_rules:
                blank.setdefault(check.field, []).append(pos)
    value_rules = VALUE_RULES | set(blanking_rules)  # the errors that say a value cannot be used
    every = to_frame(pd.concat([result.findings, to_frame(findings)], ignore_index=True))
    data = result.data.copy()
    for name, positions in blank.items():
        data.loc[data.index[positions], name] = None
    return Checked(_tidy(every, checks, value_rules), data, tuple(checks))
