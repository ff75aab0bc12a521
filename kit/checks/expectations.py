"""The kit's own Great Expectations expectations, for rules GX has no expectation for.

Each is a class-based expectation on the pandas engine (GX's ``UnexpectedRowsExpectation`` does
not run on pandas). Importing this module imports Great Expectations (about five seconds), so
only the checking code imports it.

Every expectation reads the quality table: text cells holding canonical values (codes, ISO
dates, plain numbers, ``true``/``false``), the original text where a value failed to convert,
and nulls for empty cells. Column-map expectations skip nulls (GX's rule); the multi-column
ones decide about nulls themselves (``ignore_row_if="never"``).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, MulticolumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial
from great_expectations.expectations.metrics.map_metric_provider import MulticolumnMapMetricProvider
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)

IgnoreRowIf = Literal["all_values_are_missing", "any_value_is_missing", "never"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def _filled(series: pd.Series) -> pd.Series:
    # The quality table never holds empty or blank strings: conversion turns them into nulls.
    return series.notna()


def _iso_dates(series: pd.Series) -> pd.Series:
    """Valid ISO dates as datetimes; anything else NaT."""
    text = series.astype("string")
    return pd.to_datetime(
        text.where(text.str.match(ISO_DATE.pattern, na=False)), format="%Y-%m-%d", errors="coerce"
    )


def _condition(
    other: pd.Series, when_equals=None, when_not_equals=None, when_contains=None, when_present=False
):
    """Rows where a rule's ``when:`` holds (text comparisons, case as canonical)."""
    text = other.astype("string")
    if when_equals is not None:
        return (text == when_equals).fillna(False).astype(bool)
    if when_not_equals is not None:
        return (_filled(other) & (text != when_not_equals)).fillna(False).astype(bool)
    if when_contains is not None:
        parts = text.fillna("").str.split(";")
        return parts.map(lambda ps: when_contains in [p.strip() for p in ps]).astype(bool)
    return _filled(other)


# ---------------------------------------------------------------------------------------------
# Single-column expectations


class ColumnValuesCodesFromList(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.codes_from_list"
    condition_value_keys = ("value_set", "separator")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, value_set, separator, **kwargs):
        allowed = set(value_set)
        uniques = {
            v: all(p.strip() in allowed for p in str(v).split(separator) if p.strip())
            for v in column.unique()
        }
        return column.map(uniques)


class ExpectColumnValuesToBeCodesFromList(ColumnMapExpectation):
    """Expect every value of a multi-valued column to list only allowed codes, separated by ';'."""

    value_set: list
    separator: str = ";"
    map_metric = "kit.column_values.codes_from_list"
    success_keys = ("value_set", "separator", "mostly")


class ColumnValuesRealDates(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.real_dates"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return _iso_dates(column).notna().to_numpy()


class ExpectColumnValuesToBeRealDates(ColumnMapExpectation):
    """Expect column values to be real calendar dates (the kit has already read them day first)."""

    map_metric = "kit.column_values.real_dates"
    success_keys = ("mostly",)


class ColumnValuesNumbersBetween(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.numbers_between"
    condition_value_keys = ("min_value", "max_value")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, min_value=None, max_value=None, **kwargs):
        num = _numbers(column)
        ok = num.isna()  # not a number: the format check's business, not this one's
        inside = pd.Series(True, index=column.index)
        if min_value is not None:
            inside &= num >= min_value
        if max_value is not None:
            inside &= num <= max_value
        return (ok | inside).to_numpy()


class ExpectColumnValuesToBeNumbersBetween(ColumnMapExpectation):
    """Expect numbers in a text column to lie between min_value and max_value (either may be None)."""

    min_value: float | None = None
    max_value: float | None = None
    map_metric = "kit.column_values.numbers_between"
    success_keys = ("min_value", "max_value", "mostly")


class ColumnValuesNotInTheFuture(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.not_in_the_future"
    condition_value_keys = ("today",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, today, **kwargs):
        dates = _iso_dates(column)
        return (dates.isna() | (dates <= pd.Timestamp(today))).to_numpy()


class ExpectColumnValuesToNotBeInTheFuture(ColumnMapExpectation):
    """Expect dates not to be after ``today`` (the day of the check)."""

    today: str
    map_metric = "kit.column_values.not_in_the_future"
    success_keys = ("today", "mostly")


class ColumnValuesHoldCodeAlone(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.code_alone"
    condition_value_keys = ("code", "separator")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, code, separator, **kwargs):
        def alone(v):
            parts = [p.strip() for p in str(v).split(separator) if p.strip()]
            return code not in parts or len(parts) == 1

        uniques = {v: alone(v) for v in column.unique()}
        return column.map(uniques)


class ExpectColumnValuesToHoldCodeAlone(ColumnMapExpectation):
    """Expect a multi-valued column that holds ``code`` (e.g. None) to hold nothing else."""

    code: str
    separator: str = ";"
    map_metric = "kit.column_values.code_alone"
    success_keys = ("code", "separator", "mostly")


class ColumnValuesNotRepeatingEarlierValues(ColumnMapMetricProvider):
    condition_metric_name = "kit.column_values.not_repeating_earlier"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return ~column.duplicated(keep="first")


class ExpectColumnValuesNotToRepeatEarlierValues(ColumnMapExpectation):
    """Expect no value to repeat an earlier row's value (the first occurrence is not flagged)."""

    map_metric = "kit.column_values.not_repeating_earlier"
    success_keys = ("mostly",)


# ---------------------------------------------------------------------------------------------
# Multi-column expectations (column_list[0] is the field the rule is about)


class _ConditionalMetric(MulticolumnMapMetricProvider):
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_list",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ("when_equals", "when_not_equals", "when_contains", "when_present")


class ColumnFilledWhen(_ConditionalMetric):
    condition_metric_name = "kit.multicolumn.filled_when"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        target, other = column_list.iloc[:, 0], column_list.iloc[:, 1]
        return ~(_condition(other, **_when(kwargs)) & ~_filled(target))


class ColumnEmptyUnless(_ConditionalMetric):
    condition_metric_name = "kit.multicolumn.empty_unless"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        target, other = column_list.iloc[:, 0], column_list.iloc[:, 1]
        return ~(_filled(target) & _filled(other) & ~_condition(other, **_when(kwargs)))


class ColumnEqualsValueExactlyWhen(_ConditionalMetric):
    condition_metric_name = "kit.multicolumn.equals_value_exactly_when"
    condition_value_keys = (*_ConditionalMetric.condition_value_keys, "value")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, value, **kwargs):
        target, other = column_list.iloc[:, 0], column_list.iloc[:, 1]
        both = _filled(target) & _filled(other)
        holds = _condition(other, **_when(kwargs))
        is_value = (target.astype("string") == value).fillna(False).astype(bool)
        return ~both | (holds == is_value)


def _when(kwargs) -> dict:
    return {
        k: kwargs.get(k)
        for k in ("when_equals", "when_not_equals", "when_contains", "when_present")
        if kwargs.get(k)
    }


class _ConditionalExpectation(MulticolumnMapExpectation):
    when_equals: str | None = None
    when_not_equals: str | None = None
    when_contains: str | None = None
    when_present: bool = False
    ignore_row_if: IgnoreRowIf = "never"
    success_keys: ClassVar[tuple] = (
        "when_equals",
        "when_not_equals",
        "when_contains",
        "when_present",
        "mostly",
    )


class ExpectColumnToBeFilledWhen(_ConditionalExpectation):
    """Expect the first column to be filled in on rows where the second meets the condition."""

    map_metric = "kit.multicolumn.filled_when"


class ExpectColumnToBeEmptyUnless(_ConditionalExpectation):
    """Expect the first column to be filled in only on rows where the second meets the condition."""

    map_metric = "kit.multicolumn.empty_unless"


class ExpectColumnToEqualValueExactlyWhen(_ConditionalExpectation):
    """Expect the first column to equal ``value`` exactly on the rows where the second meets the condition."""

    value: str
    map_metric = "kit.multicolumn.equals_value_exactly_when"
    success_keys: ClassVar[tuple] = (*_ConditionalExpectation.success_keys, "value")


class _PlainMetric(MulticolumnMapMetricProvider):
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_list",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )


class ValuesNotExceedOther(_PlainMetric):
    condition_metric_name = "kit.multicolumn.not_exceed_other"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        a, b = _numbers(column_list.iloc[:, 0]), _numbers(column_list.iloc[:, 1])
        return (a.isna() | b.isna() | (a <= b)).astype(bool)


class ExpectColumnValuesToNotExceedOther(MulticolumnMapExpectation):
    """Expect the first column's number not to be more than the second's, where both are numbers."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.not_exceed_other"
    success_keys = ("mostly",)


class ColumnsAddUpToTotal(_PlainMetric):
    condition_metric_name = "kit.multicolumn.add_up_to_total"
    condition_value_keys = ("tolerance",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, tolerance=0.0, **kwargs):
        nums = column_list.apply(_numbers)
        parts, total = nums.iloc[:, :-1], nums.iloc[:, -1]
        complete = parts.notna().all(axis=1) & total.notna()
        return (~complete | ((parts.sum(axis=1) - total).abs() <= tolerance)).astype(bool)


class ExpectColumnsToAddUpToTotal(MulticolumnMapExpectation):
    """Expect the columns before the last to add up to the last (within ``tolerance``) when all are filled in."""

    tolerance: float = 0.0
    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.add_up_to_total"
    success_keys = ("tolerance", "mostly")


class ColumnsHoldValueExactly(_PlainMetric):
    condition_metric_name = "kit.multicolumn.hold_value_exactly"
    condition_value_keys = ("value", "times")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, value, times, **kwargs):
        answered = column_list.notna().any(axis=1)
        count = (column_list.astype("string") == value).fillna(False).sum(axis=1)
        return (~answered | (count == times)).astype(bool)


class ExpectColumnsToHoldValueExactly(MulticolumnMapExpectation):
    """Expect exactly ``times`` of the columns to hold ``value`` on each row with any answer."""

    value: str
    times: int = 1
    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.hold_value_exactly"
    success_keys = ("value", "times", "mostly")


class DatesInOrder(_PlainMetric):
    condition_metric_name = "kit.multicolumn.dates_in_order"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        first, second = _iso_dates(column_list.iloc[:, 0]), _iso_dates(column_list.iloc[:, 1])
        return (first.isna() | second.isna() | (first <= second)).astype(bool)


class ExpectDatesInOrder(MulticolumnMapExpectation):
    """Expect the first column's date to be on or before the second's, where both are real dates."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.dates_in_order"
    success_keys = ("mostly",)


class ColumnsFilledTogether(_PlainMetric):
    condition_metric_name = "kit.multicolumn.filled_together"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        first = _filled(column_list.iloc[:, 0])
        rest = np.column_stack([_filled(column_list.iloc[:, i]) for i in range(1, column_list.shape[1])])
        return (~first | rest.all(axis=1)).astype(bool)


class ExpectColumnsFilledTogether(MulticolumnMapExpectation):
    """Expect every other column to be filled in on rows where the first is filled in."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.filled_together"
    success_keys = ("mostly",)


class ColumnFilledWhenPartIs(_PlainMetric):
    condition_metric_name = "kit.multicolumn.filled_when_part_is"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        first = _filled(column_list.iloc[:, 0])
        rest = np.column_stack([_filled(column_list.iloc[:, i]) for i in range(1, column_list.shape[1])])
        return (first | ~rest.any(axis=1)).astype(bool)


class ExpectColumnToBeFilledWhenPartIs(MulticolumnMapExpectation):
    """Expect the first column to be filled in on rows where any of the others (its part) is."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.filled_when_part_is"
    success_keys = ("mostly",)


class RowsNotRepeatingEarlierRows(_PlainMetric):
    condition_metric_name = "kit.multicolumn.rows_not_repeating"
    condition_value_keys = ("skip_if_any_missing",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, skip_if_any_missing=False, **kwargs):
        repeated = column_list.astype("string").duplicated(keep="first")
        if skip_if_any_missing:
            repeated &= column_list.notna().all(axis=1)
        return ~repeated


class ExpectRowsNotToRepeatEarlierRows(MulticolumnMapExpectation):
    """Expect no row to repeat an earlier row in these columns (the first copy is not flagged)."""

    skip_if_any_missing: bool = False
    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.multicolumn.rows_not_repeating"
    success_keys = ("skip_if_any_missing", "mostly")
