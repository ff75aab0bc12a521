"""Great Expectations expectations for the Person Standard's own checks.

Class-based expectations on the pandas engine, like ``kit.checks.expectations``: the check-digit
algorithms of the NHS number, UPN and ULN, temporary UPNs and UPN LA codes, an age plausible for
the profile, a deceased flag consistent with a date of death, and a date consistent with its
accuracy indicator. Importing this module imports Great Expectations (about five seconds), so
only the checking code imports it.

They read the quality table: text cells holding normalised values (``9434765919``, ``QA1 1AA``,
ISO dates, ``true``/``false``), the original text where a value failed to convert, nulls for
empty cells. A check-digit expectation passes a value of the wrong shape: the format check
reports that, so one mistake is one finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, MulticolumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)

from kit.checks.expectations import IgnoreRowIf, _filled, _iso_dates, _PlainMetric  # shared helpers
from kit.person.identifiers import (
    NHS_PATTERN,
    ULN_PATTERN,
    UPN_PATTERN,
    nhs_numbers_valid,
    ulns_valid,
    upns_valid,
)
from kit.person.relationships import link_outcomes


def _shaped(column: pd.Series, pattern) -> np.ndarray:
    return column.astype("string").str.fullmatch(pattern.pattern[1:-1]).fillna(False).to_numpy(bool)


# ---------------------------------------------------------------------------------------------
# Identifiers


class ColumnValuesNhsCheckDigit(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.nhs_check_digit"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return ~_shaped(column, NHS_PATTERN) | nhs_numbers_valid(column, normalise=False)


class ExpectColumnValuesToPassNhsNumberCheck(ColumnMapExpectation):
    """Expect 10-digit NHS numbers to pass the modulus 11 check and not be repeated-digit placeholders."""

    map_metric = "kit.person.column_values.nhs_check_digit"
    success_keys = ("mostly",)


class ColumnValuesUpnCheckLetter(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.upn_check_letter"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return ~_shaped(column, UPN_PATTERN) | upns_valid(column, normalise=False)


class ExpectColumnValuesToPassUpnCheck(ColumnMapExpectation):
    """Expect well-formed UPNs to start with their check letter (modulus 23)."""

    map_metric = "kit.person.column_values.upn_check_letter"
    success_keys = ("mostly",)


class ColumnValuesUlnCheckDigit(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.uln_check_digit"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return ~_shaped(column, ULN_PATTERN) | ulns_valid(column, normalise=False)


class ExpectColumnValuesToPassUlnCheck(ColumnMapExpectation):
    """Expect well-formed ULNs to pass the ULN check (weighted sum mod 11 equal to 10)."""

    map_metric = "kit.person.column_values.uln_check_digit"
    success_keys = ("mostly",)


class ColumnValuesNotTemporaryUpn(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.not_temporary_upn"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        text = column.astype("string")
        temporary = _shaped(column, UPN_PATTERN) & ~text.str[12].str.isdigit().fillna(True).to_numpy(bool)
        return ~temporary


class ExpectColumnValuesToNotBeTemporaryUpns(ColumnMapExpectation):
    """Expect UPNs not to be temporary ones (a letter, not a digit, as the 13th character)."""

    map_metric = "kit.person.column_values.not_temporary_upn"
    success_keys = ("mostly",)


class ColumnValuesUpnLaCodeKnown(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.upn_la_code_known"
    condition_value_keys = ("la_codes",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, la_codes, **kwargs):
        known = set(la_codes)
        la = column.astype("string").str[1:4]
        return ~_shaped(column, UPN_PATTERN) | la.isin(known).fillna(True).to_numpy(bool)


class ExpectColumnValuesToHaveKnownUpnLaCodes(ColumnMapExpectation):
    """Expect characters 2-4 of a UPN to be an LA number DfE recognises (CIN rule 1530)."""

    la_codes: list
    map_metric = "kit.person.column_values.upn_la_code_known"
    success_keys = ("la_codes", "mostly")


# ---------------------------------------------------------------------------------------------
# Dates


class ColumnValuesAgeBetween(ColumnMapMetricProvider):
    condition_metric_name = "kit.person.column_values.age_between"
    condition_value_keys = ("min_years", "max_years", "today")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, min_years, max_years, today, **kwargs):
        born = _iso_dates(column)
        day = pd.Timestamp(today)
        # Whole years on the day of the check: subtract one when this year's birthday is still to come.
        years = (
            day.year
            - born.dt.year
            - ((born.dt.month > day.month) | ((born.dt.month == day.month) & (born.dt.day > day.day)))
        )
        inside = (years >= min_years) & (years <= max_years)
        return (born.isna() | inside).fillna(True).to_numpy(bool)


class ExpectColumnValuesToGiveAgeBetween(ColumnMapExpectation):
    """Expect dates of birth to give an age (in whole years on ``today``) between min_years and max_years."""

    min_years: int
    max_years: int
    today: str
    map_metric = "kit.person.column_values.age_between"
    success_keys = ("min_years", "max_years", "today", "mostly")


class DeathDateOnlyIfDeceased(_PlainMetric):
    condition_metric_name = "kit.person.multicolumn.death_date_only_if_deceased"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        deceased, date = column_list.iloc[:, 0].astype("string"), column_list.iloc[:, 1]
        return ~(_filled(date) & (deceased == "false").fillna(False)).astype(bool)


class ExpectDeathDateOnlyWhenDeceased(MulticolumnMapExpectation):
    """Expect no date of death (second column) where Deceased (first column) is false."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.person.multicolumn.death_date_only_if_deceased"
    success_keys = ("mostly",)


class DeathDateIfDeceased(_PlainMetric):
    condition_metric_name = "kit.person.multicolumn.death_date_if_deceased"

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        deceased, date = column_list.iloc[:, 0].astype("string"), column_list.iloc[:, 1]
        return ~((deceased == "true").fillna(False) & ~_filled(date)).astype(bool)


class ExpectDeathDateWhenDeceased(MulticolumnMapExpectation):
    """Expect a date of death (second column) where Deceased (first column) is true."""

    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.person.multicolumn.death_date_if_deceased"
    success_keys = ("mostly",)


class DateMatchesAccuracy(_PlainMetric):
    condition_metric_name = "kit.person.multicolumn.date_matches_accuracy"
    condition_value_keys = ("position", "letter", "expected_day")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, position, letter, expected_day, **kwargs):
        dates = _iso_dates(column_list.iloc[:, 0])
        accuracy = column_list.iloc[:, 1].astype("string")
        index = {"day": 0, "month": 1, "year": 2}[position]
        flagged = (accuracy.str.len() == 3) & (accuracy.str[index] == letter)
        wrong = flagged.fillna(False) & dates.notna() & (dates.dt.day != expected_day)
        return ~wrong.fillna(False).astype(bool)


class ExpectDateToMatchAccuracyIndicator(MulticolumnMapExpectation):
    """Expect a date (first column) whose accuracy indicator (second) has ``letter`` at ``position`` to fall on ``expected_day``.

    All three come from the standard's ``accuracy_consistent`` rule (day, U, 15 in person 1.0.0).
    """

    position: str
    letter: str
    expected_day: int
    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.person.multicolumn.date_matches_accuracy"
    success_keys = ("position", "letter", "expected_day", "mostly")


# ---------------------------------------------------------------------------------------------
# Relationships: a link judged against the other rows (kit.person.relationships)


class RelationshipLinkHolds(_PlainMetric):
    condition_metric_name = "kit.person.multicolumn.relationship_link_holds"
    condition_value_keys = ("check", "kinds", "reverse", "min_years")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, check, kinds, reverse, min_years, **kwargs):
        # The whole table arrives here, so a link can be judged against every other row.
        return pd.Series(
            link_outcomes(column_list, check, kinds, reverse, min_years), index=column_list.index
        )


class ExpectRelationshipLinksToHold(MulticolumnMapExpectation):
    """Expect each link (person ID, related person ID, relationship, date of birth) to pass ``check``.

    ``check`` is one of ``kit.person.relationships.LINK_CHECKS``: not a link to oneself, a related
    person in the extract, a link back, a link back that agrees, parents old enough to be parents.
    """

    check: str
    kinds: dict
    reverse: dict
    min_years: int = 12
    ignore_row_if: IgnoreRowIf = "never"
    map_metric = "kit.person.multicolumn.relationship_link_holds"
    success_keys = ("check", "kinds", "reverse", "min_years", "mostly")
