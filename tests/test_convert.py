"""Value conversions the standard needs: each rule on real fields of the v1 standard file."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kit import standards
from kit.convert.values import (
    VALUE_RULES,
    canonical_text,
    convert_column,
    parse_date,
    split_multi,
    user_codes,
)

V1 = standards.load("placements", "1")


def convert(field: str, cells: list, first_row: int = 5, **kwargs):
    """Convert ``cells`` as column AF of rows ``first_row``... of file q1.csv for LA01."""
    raw = pd.Series(cells, index=pd.RangeIndex(first_row, first_row + len(cells)), dtype=object)
    return convert_column(raw, V1.field(field), V1, letter="AF", source_file="q1.csv", la="LA01", **kwargs)


def values(result) -> list:
    return [None if pd.isna(v) else v for v in result.values.tolist()]


def rules(result) -> list[tuple[int, str, str]]:
    return [(f.source_row, f.rule, f.value) for f in result.findings]


# ---------------------------------------------------------------------------------------------
# Dates: day first, never month first


def test_uk_dates_are_day_first_and_month_first_is_an_error_not_a_guess():
    result = convert("referralDate", ["12/2/2024", "12/31/2024", "12/02/2024", "1/4/2024"])
    assert values(result)[0] == pd.Timestamp("2024-02-12")
    assert values(result)[1] is None  # 31st month: not a date, and not silently 31 December
    assert values(result)[2] == pd.Timestamp("2024-02-12")
    assert values(result)[3] == pd.Timestamp("2024-04-01")
    assert rules(result) == [(6, "not_a_date", "12/31/2024")]
    finding = result.findings[0]
    assert (finding.la, finding.source_file, finding.source_column, finding.field, finding.severity) == (
        "LA01",
        "q1.csv",
        "AF",
        "referralDate",
        "error",
    )
    assert "day first" in finding.message and "12/02/2024" in finding.message
    # the quality checks read the original text of a bad value, the ISO text of a good one
    assert result.text.tolist() == ["2024-02-12", "12/31/2024", "2024-02-12", "2024-04-01"]


def test_iso_text_and_excel_dates_mix_in_one_column():
    result = convert(
        "placementDate", ["2024-03-21", "2024-03-21 00:00:00", "45372", "21 Mar 2024", "21/03/2024 14:30"]
    )
    assert values(result) == [pd.Timestamp("2024-03-21")] * 5
    assert rules(result) == [(7, "excel_serial_date", "45372")]
    assert result.findings[0].severity == "warning"


@pytest.mark.parametrize(
    ("text", "expected", "note"),
    [
        ("12/2/2024", dt.date(2024, 2, 12), ""),
        ("12-02-2024", dt.date(2024, 2, 12), ""),
        ("12.2.2024", dt.date(2024, 2, 12), ""),
        ("2024/02/12", dt.date(2024, 2, 12), ""),
        ("12/02/24", dt.date(2024, 2, 12), "two_digit_year"),
        ("29/02/2023", None, ""),  # not a leap year
        ("2024-02-30", None, ""),
        ("Feb 12 2024", None, ""),  # month first in words: still not guessed
        ("45000.5", None, ""),  # a serial with a time part is not a date
    ],
)
def test_parse_date(text, expected, note):
    assert parse_date(text) == (expected, note)


def test_iso_date_format_refuses_day_first_text():
    result = convert("costDate", ["12/2/2024", "2024-02-12"], date_format="iso")
    assert values(result) == [None, pd.Timestamp("2024-02-12")]
    assert rules(result) == [(5, "not_a_date", "12/2/2024")]
    assert "YYYY-MM-DD" in result.findings[0].message


def test_date_column_dtype_and_empty_cells():
    result = convert("costDate", ["", "NA", None, "1/1/2025"])
    assert str(result.values.dtype) == "datetime64[s]"
    assert values(result) == [None, None, None, pd.Timestamp("2025-01-01")]
    assert result.findings == []


# ---------------------------------------------------------------------------------------------
# Money and counts


def test_money_in_pounds_with_thousands_commas():
    result = convert(
        "totalWeeklyCost", ["£1,234.50", "£23,000.00", "1234.5", " £ 980 ", "(100.00)", "NA", ""]
    )
    assert values(result) == [1234.5, 23000.0, 1234.5, 980.0, -100.0, None, None]
    assert str(result.values.dtype) == "Float64"
    assert result.findings == []


def test_amounts_that_would_need_a_guess_are_errors():
    cells = ["1.234,50", "12,34", "TBC", "€50", "1e3"]
    result = convert("coreWeeklyCost", cells)
    assert values(result) == [None] * 5  # never 1.2345 or 1234
    assert [r[1] for r in rules(result)] == ["not_amount"] * 5
    assert [r[2] for r in rules(result)] == cells


def test_counts_are_whole_numbers():
    result = convert("siblingCount", ["2", "2.0", "1,000", "NA", "1.5", "two", "99999999999"])
    assert values(result) == [2, 2, 1000, None, None, None, None]
    assert str(result.values.dtype) == "Int64"
    assert [r[1:] for r in rules(result)] == [
        ("not_whole_number", "1.5"),
        ("not_whole_number", "two"),
        ("not_whole_number", "99999999999"),
    ]


# ---------------------------------------------------------------------------------------------
# Booleans, and the template's "was education disrupted?"


def test_yes_no_spellings():
    result = convert("deprivationOfLiberty", ["Yes", "no", "Y", "N", "TRUE", "false", "Maybe"])
    assert values(result) == [True, False, True, False, True, False, None]
    assert rules(result) == [(11, "not_yes_no", "Maybe")]
    assert str(result.values.dtype) == "boolean"


def test_education_disrupted_yes_means_not_continuous():
    result = convert("isEducationContinuous", ["Yes", "No", ""], invert=True)
    assert values(result) == [False, True, None]
    assert result.text.tolist() == ["false", "true", None]


# ---------------------------------------------------------------------------------------------
# Codes


def test_known_variant_spellings_become_the_code_without_a_finding():
    result = convert("neededBy", ["< 5days", "<5 days", "today ", "Within 5 days", ">5 days"])
    assert values(result) == ["< 5 days", "< 5 days", "Today", "< 5 days", "> 5 days"]
    risk = convert("riskMissing", ["Risk Present", "risk present", "No known risk"])
    assert values(risk) == ["Risk present", "Risk present", "No known risk"]
    kind = convert("placementType", ["Residential ", "Supported Accomodation"])
    assert values(kind) == ["Residential", "Supported Accommodation"]
    assert result.findings == risk.findings == kind.findings == []


def test_unknown_code_is_an_error_that_keeps_the_original_value():
    result = convert("placementType", ["Foster", " Kinship foster ", "Foster"])
    assert values(result) == ["Foster", None, "Foster"]
    assert rules(result) == [(6, "unknown_code", "Kinship foster")]  # the cell as typed, trimmed
    assert "'Kinship foster' is not one of the allowed answers" in result.findings[0].message
    assert "'Foster'" in result.findings[0].message and "Choose one of them" in result.findings[0].message
    assert result.text.tolist() == ["Foster", "Kinship foster", "Foster"]
    assert "unknown_code" in VALUE_RULES


def test_a_value_the_user_mapped_becomes_their_code_silently():
    result = convert(
        "placementType",
        ["Kinship foster", "kinship FOSTER", "Secure unit"],
        user_values={"Kinship foster": "Foster"},
    )
    assert values(result) == ["Foster", "Foster", None]
    assert rules(result) == [(7, "unknown_code", "Secure unit")]


def test_a_mapping_never_invents_a_value():
    # a value mapped to null stays an error; a target that is not a code is never written
    left = convert("placementType", ["Kinship foster"], user_values={"Kinship foster": None})
    typo = convert("placementType", ["Kinship foster"], user_values={"Kinship foster": "Fostr"})
    for result in (left, typo):
        assert values(result) == [None]
        assert [r[1] for r in rules(result)] == ["unknown_code"]
    codes = V1.codes_for("placementType")
    assert user_codes({"Kinship foster": "foster", "Other": None}, codes) == {
        "kinshipfoster": "Foster",
        "other": None,
    }


def test_na_is_a_code_of_additional_support_but_empty_elsewhere():
    support = convert("additionalSupport", ["NA", "n/a", "Taxis to school;NA", ""])
    assert values(support) == ["NA", "NA", "Taxis to school;NA", None]
    reason = convert("outOfLAReason", ["NA", "N/A", "Court Order"])
    assert values(reason) == [None, None, "Court order"]
    assert support.findings == reason.findings == []


def test_none_is_a_code_of_specific_communication_requirement():
    result = convert(
        "specificCommunicationRequirement", ["None", "none", "ESOL;BSL", "ESOL; BSL; ESOL", "NA"]
    )
    assert values(result) == ["None", "None", "ESOL;BSL", "ESOL;BSL", None]
    assert result.findings == []


def test_multi_valued_cells_split_on_semicolons_and_commas_are_a_warning():
    result = convert("additionalSupport", ["Taxis to school, Therapeutic support", "Taxis to school;Karate"])
    assert values(result) == ["Taxis to school;Therapeutic support", None]
    assert rules(result) == [
        (5, "multi_separator", "Taxis to school, Therapeutic support"),
        (6, "unknown_code", "Taxis to school;Karate"),
    ]
    assert "'Taxis to school;Karate' is not one of" in result.findings[1].message  # the whole cell
    assert split_multi(" ESOL ;; BSL ") == ["ESOL", "BSL"]


# ---------------------------------------------------------------------------------------------
# Outward codes


def test_outward_codes_upper_cased_and_full_postcodes_cut_with_a_warning():
    result = convert("placementLocation", ["ta1", " bs10 ", "TA1 1AA", "sw1a1aa", "12345", "NA"])
    assert values(result) == ["TA1", "BS10", "TA1", "SW1A", None, None]
    assert rules(result) == [
        (7, "full_postcode", "TA1 1AA"),
        (8, "full_postcode", "sw1a1aa"),
        (9, "not_outward_code", "12345"),
    ]
    full = result.findings[0]
    assert full.severity == "warning" and "(TA1)" in full.message


# ---------------------------------------------------------------------------------------------
# The column as a whole


def test_free_text_is_trimmed_and_keeps_row_labels():
    result = convert("childId", [" LA900001", "LA900002 ", "", None], first_row=12)
    assert result.values.index.tolist() == [12, 13, 14, 15]
    assert values(result) == ["LA900001", "LA900002", None, None]
    assert result.findings == []


def test_each_distinct_value_is_converted_once_and_every_row_gets_its_finding():
    cells = ["12/31/2024"] * 3 + ["12/2/2024"] * 2
    result = convert("referralDate", cells)
    assert [f.source_row for f in result.findings] == [5, 6, 7]
    assert len(result.values) == len(cells) == len(result.text)


def test_canonical_text():
    assert canonical_text(True) == "true"
    assert canonical_text(1234.5) == "1234.5"
    assert canonical_text(dt.date(2024, 2, 12)) == "2024-02-12"
    assert canonical_text(None) is None
    assert canonical_text(np.int64(3)) == "3"
