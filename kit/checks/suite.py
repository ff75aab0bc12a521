"""The checks of a standard version, derived from its standard file (no Great Expectations here).

Each :class:`Check` is one expectation: which Great Expectations class runs it and with what
arguments, the finding rule it produces, its severity, the message an LA officer reads, and the
sentence the "what we check" guide prints. ``build_checks`` derives them from the field
definitions (required, bounds) and the file's ``rules:``. Whether a cell can be read as its type
or code (code lists, yes/no, numbers, dates, patterns, lengths) is conversion's to decide
(``kit.convert.values``): the suite runs the remaining rules on the values conversion read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from kit.standards import Field, Rule, Standard

# Checks of a single typed value: when one fails with an error, the value is left empty in
# standard.csv (the contract) and kept in findings.csv. Whether a cell can be read as its type or
# code at all is decided by conversion (kit.convert.values.VALUE_RULES), not here.
BLANKING_RULES = frozenset({"below_minimum", "above_maximum"})


@dataclass
class Check:
    """One expectation and how its failures read as findings."""

    id: str  # unique within a suite
    rule: str  # the finding's rule name
    severity: str
    field: str  # the field a finding points at (its column letter)
    expectation: str  # the Great Expectations class name (core or kit custom)
    kwargs: dict[str, Any]
    message: str  # may use {value}
    sentence: str  # for the "what we check" guide
    fields: list[str] = field(default_factory=list)  # every field the check reads
    source: str = ""

    @property
    def blanks_value(self) -> bool:
        return self.severity == "error" and self.rule in BLANKING_RULES


def _money(v: float | None) -> str:
    return f"£{v:,.0f}" if v is not None else ""


def _text(value: Any) -> str:
    """A rule parameter as the text the checks compare (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _field_checks(f: Field, std: Standard, present: set[str] | None = None) -> list[Check]:
    checks: list[Check] = []
    col = {"column": f.name}
    if f.required and f.section in std.optional_sections():
        # A required field of an optional part (the actual placement) is required on the rows
        # that carry that part: rows where any other field of the part is filled in.
        others = [
            n for n in std.section_fields(f.section) if n != f.name and (present is None or n in present)
        ]
        if others:
            checks.append(
                Check(
                    f"{f.name}.required", "required", "error", f.name, "ExpectColumnToBeFilledWhenPartIs",
                    {"column_list": [f.name, *others]},
                    f"{f.title} is empty, but the rest of this part of the record is filled in and the standard "
                    "requires it. Fill it in.",
                    "is filled in on every row that records this part of the record (required)",
                    [f.name], "standard: required field of an optional part",
                )
            )  # fmt: skip
    elif f.required:
        checks.append(
            Check(
                f"{f.name}.required", "required", "error", f.name, "ExpectColumnValuesToNotBeNull", col,
                f"{f.title} is empty, but the standard requires it. Fill it in.",
                "is filled in on every row (required)", [f.name], "standard: required field",
            )
        )  # fmt: skip
    # Codes, yes/no, numbers, dates, patterns and lengths: conversion (kit.convert) decides whether
    # a cell can be read as its type, once; the suite judges the values it read.
    if f.type in ("integer", "decimal") and (f.min is not None or f.max is not None):
        if f.min is not None:
            what = "amount" if f.type == "decimal" else "number"
            checks.append(
                Check(
                    f"{f.name}.min", "below_minimum", "error", f.name, "ExpectColumnValuesToBeNumbersBetween",
                    {**col, "min_value": float(f.min), "max_value": None},
                    f"{{value}} is below {f.min:g}; a negative {what} cannot be right. Correct it."
                    if f.min == 0
                    else f"{{value}} is below the minimum of {f.min:g}. Correct it.",
                    f"is at least {f.min:g}", [f.name], "standard: minimum",
                )
            )  # fmt: skip
        if f.max is not None:
            top = f"{f.max:,.0f}" if float(f.max).is_integer() else f"{f.max:g}"  # 1,000,000, not 1e+06
            checks.append(
                Check(
                    f"{f.name}.max", "above_maximum", "error", f.name, "ExpectColumnValuesToBeNumbersBetween",
                    {**col, "min_value": None, "max_value": float(f.max)}, f"{{value}} is above the maximum of {top}.",
                    f"is at most {top}", [f.name], "standard: maximum",
                )
            )  # fmt: skip
    return checks


def _when(rule: Rule) -> tuple[str, dict[str, Any], str]:
    """(condition field, its GX arguments, its plain-English wording) of a rule's ``when:``."""
    when = rule.params.get("when") or {}
    other = when["field"]
    if "equals" in when:
        return other, {"when_equals": _text(when["equals"])}, f"{other} is {_text(when['equals'])}"
    if "not_equals" in when:
        return (
            other,
            {"when_not_equals": _text(when["not_equals"])},
            f"{other} is not {_text(when['not_equals'])}",
        )
    if "contains" in when:
        return (
            other,
            {"when_contains": _text(when["contains"])},
            f"{other} includes {_text(when['contains'])}",
        )
    return other, {"when_present": True}, f"{other} is filled in"


def _rule_checks(rule: Rule, std: Standard) -> list[Check]:
    p = rule.params
    base = dict(rule=rule.id, severity=rule.severity, message=rule.message, source=rule.source)
    kind = rule.kind
    if kind == "range":
        lo, hi = p.get("min"), p.get("max")
        if lo is not None and hi is not None:
            sentence = f"is between {_money(lo)} and {_money(hi)}"
        elif lo is not None:
            sentence = f"is at least {_money(lo)}"
        else:
            sentence = f"is at most {_money(hi)}"
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectColumnValuesToBeNumbersBetween",
                  kwargs={"column": p["field"], "min_value": lo, "max_value": hi}, sentence=sentence, fields=[p["field"]], **base)
        ]  # fmt: skip
    if kind in ("required_if", "only_if", "consistent"):
        other, cond, wording = _when(rule)
        target = p["field"]
        if kind == "required_if":
            expectation, kwargs, sentence = "ExpectColumnToBeFilledWhen", cond, f"is filled in when {wording}"
        elif kind == "only_if":
            expectation, kwargs, sentence = (
                "ExpectColumnToBeEmptyUnless",
                cond,
                f"is filled in only when {wording}",
            )
        else:
            equals = _text(p["equals"])
            expectation = "ExpectColumnToEqualValueExactlyWhen"
            kwargs = {**cond, "value": equals}
            sentence = f"is {equals} exactly when {wording}"
        return [
            Check(id=rule.id, field=target, expectation=expectation, kwargs={"column_list": [target, other], **kwargs},
                  sentence=sentence, fields=[target, other], **base)
        ]  # fmt: skip
    if kind == "not_greater_than":
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectColumnValuesToNotExceedOther",
                  kwargs={"column_list": [p["field"], p["other"]]}, sentence=f"is not more than {p['other']}",
                  fields=[p["field"], p["other"]], **base)
        ]  # fmt: skip
    if kind == "sum_equals":
        parts = list(p["fields"])
        return [
            Check(id=rule.id, field=p["total"], expectation="ExpectColumnsToAddUpToTotal",
                  kwargs={"column_list": [*parts, p["total"]], "tolerance": float(p.get("tolerance", 0))},
                  sentence=f"equals {' + '.join(parts)} when all of them are filled in (within £{p.get('tolerance', 0)})",
                  fields=[*parts, p["total"]], **base)
        ]  # fmt: skip
    if kind == "count_of_value":
        cols = list(p["fields"])
        return [
            Check(id=rule.id, field=cols[0], expectation="ExpectColumnsToHoldValueExactly",
                  kwargs={"column_list": cols, "value": _text(p["value"]), "times": int(p["exactly"])},
                  sentence=f"exactly {p['exactly']} of {', '.join(cols)} is {p['value']}", fields=cols, **base)
        ]  # fmt: skip
    if kind == "exclusive_code":
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectColumnValuesToHoldCodeAlone",
                  kwargs={"column": p["field"], "code": _text(p["code"]), "separator": ";"},
                  sentence=f"does not combine {p['code']} with other answers", fields=[p["field"]], **base)
        ]  # fmt: skip
    if kind == "date_order":
        return [
            Check(id=rule.id, field=p["earlier"], expectation="ExpectDatesInOrder",
                  kwargs={"column_list": [p["earlier"], p["later"]]}, sentence=f"is on or before {p['later']}",
                  fields=[p["earlier"], p["later"]], **base)
        ]  # fmt: skip
    if kind == "not_future":
        return [
            Check(id=f"{rule.id}.{name}", field=name, expectation="ExpectColumnValuesToNotBeInTheFuture",
                  kwargs={"column": name, "today": dt.date.today().isoformat()}, sentence="is not in the future",
                  fields=[name], **base)
            for name in p["fields"]
        ]  # fmt: skip
    if kind == "required_together":
        requires = list(p["requires"])
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectColumnsFilledTogether",
                  kwargs={"column_list": [p["field"], *requires]},
                  sentence=f"when filled in, {', '.join(requires)} are filled in too", fields=[p["field"], *requires], **base)
        ]  # fmt: skip
    if kind == "unique_rows":
        cols = [f.name for f in std.fields]
        return [
            Check(id=rule.id, field="(row)", expectation="ExpectRowsNotToRepeatEarlierRows",
                  kwargs={"column_list": cols, "skip_if_any_missing": False},
                  sentence="no row is an exact copy of an earlier row", fields=cols, **base)
        ]  # fmt: skip
    if kind == "unique_key":
        cols = list(p["fields"])
        if len(cols) == 1:
            return [
                Check(id=rule.id, field=cols[0], expectation="ExpectColumnValuesNotToRepeatEarlierValues",
                      kwargs={"column": cols[0]}, sentence=f"no two rows share the same {cols[0]}", fields=cols, **base)
            ]  # fmt: skip
        return [
            Check(id=rule.id, field=cols[-1], expectation="ExpectRowsNotToRepeatEarlierRows",
                  kwargs={"column_list": cols, "skip_if_any_missing": True},
                  sentence=f"no two rows share the same {' and '.join(cols)}", fields=cols, **base)
        ]  # fmt: skip
    return []  # person-only kinds are checked by the person module


def build_checks(
    std: Standard, present: set[str] | None = None, by_design: set[str] | frozenset = frozenset()
) -> list[Check]:
    """Every check of ``std``; with ``present`` (fields the file carries), only those it can judge.

    A field with no column in the file is reported once as a missing column, not on every row,
    so its checks (and rules that read it) are left out, with one exception: an "Other needs its
    text" rule still runs when the text column is absent (every such row lacks the text). When the
    file's template has no column for the text by design, the rule's
    ``if_text_column_missing_by_design`` variant runs instead (a warning on the cell that chose
    Other, naming the national consequence), or nothing if the rule has no such variant.
    """
    checks = [c for f in std.fields for c in _field_checks(f, std, present)]
    rule_checks = [(r, c) for r in std.rules for c in _rule_checks(r, std)]
    if present is None:
        return checks + [c for _, c in rule_checks]
    kept = [c for c in checks if c.field == "(row)" or set(c.fields) <= present]
    for rule, c in rule_checks:
        missing = set(c.fields) - present
        text_absent = rule.kind == "required_if" and missing == {c.field}
        if c.field == "(row)" or not missing or (text_absent and c.field not in by_design):
            kept.append(c)
        elif text_absent and rule.params.get("if_text_column_missing_by_design"):
            kept.append(_without_text_column(rule, c))
    return kept


def _without_text_column(rule: Rule, check: Check) -> Check:
    """An "Other needs its text" check for a layout with no column for the text, by design.

    The national validator rejects every record that chose Other without the text, whatever the
    template offered, so the row is flagged, on the cell that chose Other, with the rule's variant
    severity and message (the standard file's ``if_text_column_missing_by_design``).
    """
    variant = rule.params["if_text_column_missing_by_design"]
    chosen = next(f for f in check.fields if f != check.field)
    return replace(
        check,
        id=f"{check.id}:no_text_column",
        field=chosen,
        severity=variant.get("severity", "warning"),
        message=" ".join(str(variant.get("message", rule.message)).split()),
        sentence=f"{check.sentence} (as a warning where the layout has no column for {check.field})",
    )
