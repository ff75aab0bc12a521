"""Quality checks: the suite generated from the standard, run by Great Expectations, read as findings."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from conftest import REPO, SHACL_EXAMPLES

from kit import standards
from kit.check import check_files, check_frame
from kit.checks import build_checks
from kit.outputs import write_outputs
from kit.outputs.jsonld import flatten_record, read_records

TODAY = dt.date(2026, 11, 24)
V1 = standards.load("placements", "1")
CSV_COLUMNS = V1.layout("csv-2026-06").columns

CLEAN = {
    "child_ID": "C1", "when_placement_is_needed_by": "< 5 days", "number_of_siblings_to_place_with": "1",
    "is_preferred_location_local": "No", "out_of_LA_reason": "Court order",
    "communication_language_learning_needs": "No", "specific_communication_and_language_requirements": "None",
    "adaptation_to_the_home": "No", "cultural_needs": "Required",
    "who_can_the_child_be_cared_for_alongside": "No preference", "can_child_live_with_pets": "No",
    "additional_support": "NA", "additional_support_other": "", "dol": "No", "foster_care_suitability": "Preferred",
    "residential_care_suitability": "Unsuitable", "supported_accommodation": "Unsuitable",
    "cost_core_weekly": "800", "cost_additional_support_weekly": "100", "cost_education_weekly": "0",
    "cost_other_weekly": "100", "cost_total_weekly": "1000", "placement_location": "QA1",
    "preferrability_of_placement_location": "Yes", "education_continuity": "No", "provider_URN": "SC123456",
    "how_many_siblings_were_placed_together": "1", "placement_type": "Foster", "name_of_officer_referral": "AB",
    "Date_entry_referral": "12/2/2024", "name_of_officer_placement": "CD", "date_entry_placement": "20/02/2024",
    "name_of_officer_placement_cost": "EF", "date_entry_placement_cost": "21/02/2024",
}  # fmt: skip
for _c in CSV_COLUMNS:
    if _c.startswith("risk_"):
        CLEAN[_c] = "No known risk"

# (changes to a clean row, the field the finding must point at, the rule, the severity)
PLANTED = [
    ({"placement_type": "Kinship foster"}, "placementType", "unknown_code", "error"),
    ({"cost_total_weekly": "-5", "cost_core_weekly": ""}, "totalWeeklyCost", "below_minimum", "error"),
    ({"cost_total_weekly": "50", "cost_core_weekly": "", "cost_other_weekly": ""}, "totalWeeklyCost", "total_cost_sense_range", "warning"),
    ({"cost_total_weekly": "TBC"}, "totalWeeklyCost", "not_amount", "error"),
    ({"how_many_siblings_were_placed_together": "3"}, "siblingsPlacedTogether", "siblings_together_not_more_than_planned", "warning"),
    ({"cost_core_weekly": "900"}, "totalWeeklyCost", "cost_breakdown_adds_up", "warning"),
    ({"residential_care_suitability": "Preferred"}, "fosterCareSuitability", "one_preferred_type_of_home", "warning"),
    ({"specific_communication_and_language_requirements": "None;BSL"}, "specificCommunicationRequirement", "communication_none_alone", "warning"),
    ({"Date_entry_referral": "01/03/2024"}, "referralDate", "referral_before_placement", "warning"),
    ({"date_entry_placement_cost": "01/01/2030"}, "costDate", "dates_not_in_future", "warning"),
    ({"additional_support": "Other"}, "additionalSupportOther", "additional_support_other_text", "error"),
    ({"is_preferred_location_local": "Yes"}, "outOfLAReason", "out_of_la_reason_only_when_not_local", "warning"),
    ({"Date_entry_referral": ""}, "referralDate", "required", "error"),
    ({"placement_location": "12345"}, "placementLocation", "not_outward_code", "error"),
    ({"date_entry_placement": "12/31/2025"}, "placementDate", "not_a_date", "error"),
    ({"dol": "Maybe"}, "deprivationOfLiberty", "not_yes_no", "error"),
    ({"how_many_siblings_were_placed_together": "1.5"}, "siblingsPlacedTogether", "not_whole_number", "error"),
]  # fmt: skip
# Known variant spellings: normalised silently, never a finding.
VARIANTS = {
    "when_placement_is_needed_by": "< 5days", "communication_language_learning_needs": "Not Specified",
    "who_can_the_child_be_cared_for_alongside": "With Other children recommended",
    "can_child_live_with_pets": "Yes - must", "risk_to_child_self_harm": "Risk Present",
    "placement_type": "Residential ", "residential_care_suitability": " Unsuitable", "out_of_LA_reason": "Court Order",
    "cost_total_weekly": "£1,000.00",
}  # fmt: skip


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow([r.get(c, "") for c in CSV_COLUMNS])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    rows = [dict(CLEAN, child_ID="C0")]
    for i, (change, *_rest) in enumerate(PLANTED, start=1):
        rows.append({**CLEAN, "child_ID": f"C{i}", **change})
    rows.append({**CLEAN, "child_ID": "V1", **VARIANTS})
    rows.append(dict(rows[0]))  # an exact copy of the first row
    rows.append({**CLEAN, "child_ID": "C0", "name_of_officer_placement": "ZZ"})  # same child, same date
    path = tmp_path_factory.mktemp("planted") / "la_planted.csv"
    _write(path, rows)
    return check_files([path], la="LA9", today=TODAY)


def test_each_planted_defect_is_found_on_its_row_and_field(planted):
    found = {(int(r.source_row), r.field, r.rule, r.severity) for r in planted.findings.itertuples()}
    for i, (_, field, rule, severity) in enumerate(PLANTED, start=1):
        assert (i + 2, field, rule, severity) in found, f"row {i + 2}: expected {rule} on {field}"


def test_clean_rows_and_known_variants_raise_nothing(planted):
    rows = planted.findings["source_row"].astype(int)
    assert not (rows == 2).any(), planted.findings[rows == 2]
    variant_row = len(PLANTED) + 3
    assert not (rows == variant_row).any(), planted.findings[rows == variant_row]
    variant = planted.data[planted.data["_source_row"] == variant_row].iloc[0]
    assert variant["neededBy"] == "< 5 days" and variant["pets"] == "Yes-must"
    assert variant["riskSelfHarm"] == "Risk present" and variant["totalWeeklyCost"] == 1000.0


def test_duplicates_flag_the_later_copy_only_once(planted):
    f = planted.findings
    copy_row, same_child_row = len(PLANTED) + 4, len(PLANTED) + 5
    assert set(f.loc[f["rule"] == "no_duplicate_rows", "source_row"]) == {copy_row}
    assert set(f.loc[f["rule"] == "one_row_per_child_placement", "source_row"]) == {same_child_row}


def test_findings_name_the_cell_the_officer_sees(planted):
    f = planted.findings
    bad = f[(f["rule"] == "not_amount")].iloc[0]
    assert bad["source_column"] == "AG" and bad["value"] == "TBC" and bad["la"] == "LA9"
    assert "'TBC' is not an amount in pounds" in bad["message"]
    assert list(f.columns) == ["la", "source_file", "source_row", "source_column", "field", "value", "rule",
                               "severity", "message"]  # fmt: skip


def test_values_that_fail_an_error_check_are_left_empty(planted):
    data = planted.data.set_index("_source_row")
    negative_row = 2 + 1 + [p[2] for p in PLANTED].index("below_minimum")
    assert pd.isna(data.loc[negative_row, "totalWeeklyCost"])
    warning_row = 2 + 1 + [p[2] for p in PLANTED].index("total_cost_sense_range")
    assert data.loc[warning_row, "totalWeeklyCost"] == 50.0  # a warning keeps the value


def test_row_accounting_adds_up(planted):
    s = planted.summary()
    assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"] == len(PLANTED) + 4
    assert s["errors"] == int((planted.findings["severity"] == "error").sum())


@pytest.mark.parametrize(
    "name, expected",
    [
        ("invalid-bad-enum", {("specificCommunicationRequirement", "unknown_code"), ("pets", "unknown_code"),
                              ("riskSelfHarm", "unknown_code")}),
        ("invalid-cost-out-of-range", {("totalWeeklyCost", "total_cost_sense_range")}),
        ("invalid-negative-cost", {("otherWeeklyCost", "below_minimum")}),
        ("invalid-postcode", {("placementLocation", "not_outward_code")}),
        ("invalid-other-missing-text", {("outOfLAReasonOther", "out_of_la_reason_other_text"),
                                        ("specificCommunicationRequirementOther", "communication_other_text"),
                                        ("culturalNeedsOther", "cultural_needs_other_text"),
                                        ("additionalSupportOther", "additional_support_other_text")}),
        ("valid-placement", set()),
        ("valid-other-options", set()),
        ("valid-neededby-symbolic", set()),
    ],
)  # fmt: skip
def test_official_examples_are_judged_as_their_names_say(official, name, expected):
    rows = [flatten_record(r) for r in read_records(SHACL_EXAMPLES / f"{name}.jsonld")]
    result = check_frame(pd.DataFrame(rows), name=name, version="1", today=TODAY)
    got = {(r.field, r.rule) for r in result.findings.itertuples()}
    assert got == expected


def test_official_missing_required_example_fails_for_missing_required_fields(official):
    rows = [flatten_record(r) for r in read_records(SHACL_EXAMPLES / "invalid-missing-required.jsonld")]
    result = check_frame(pd.DataFrame(rows), name="missing", version="1", today=TODAY)
    f = result.findings
    assert len(f) and set(f["rule"]) <= {"missing_column", "required"} and set(f["severity"]) == {"error"}
    assert {"riskSelfHarm", "riskMissing"} <= set(f["field"])


def test_feedback_workbook_highlights_cells_and_never_writes_formulas(tmp_path):
    rows = [dict(CLEAN, child_ID="=1+1"), dict(CLEAN, child_ID="C2", cost_total_weekly="TBC"),
            dict(CLEAN, child_ID="@SUM(A1)", placement_location="-QA1")]  # fmt: skip
    path = tmp_path / "hostile.csv"
    _write(path, rows)
    result = check_files([path], la="LA8", today=TODAY)
    paths = write_outputs(result, tmp_path / "out")
    wb = openpyxl.load_workbook(paths["feedback"])
    assert wb.sheetnames[:2] == ["Summary", "Findings"]
    rows_sheet = wb[wb.sheetnames[2]]
    assert rows_sheet["A2"].value == "=1+1" and rows_sheet["A2"].data_type == "s"
    assert rows_sheet["A4"].value == "@SUM(A1)" and rows_sheet["A4"].data_type == "s"
    bad = rows_sheet["AG3"]
    assert (
        bad.value == "TBC" and bad.fill.fgColor.rgb.endswith("F4CCCC") and "not an amount" in bad.comment.text
    )
    summary_text = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if c]
    assert "What to fix first" in summary_text and any("TBC" in str(c) for c in summary_text)
    finding_rows = list(wb["Findings"].iter_rows(min_row=2, values_only=True))
    assert len(finding_rows) == len(result.findings)
    for cell in wb["Findings"]["A"][1:]:
        assert cell.data_type != "f"


def test_quality_report_is_offline(planted, tmp_path):
    paths = write_outputs(planted, tmp_path)
    html = paths["quality_report"].read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "Completeness by field and LA" in html and "not_amount" in html


def test_every_rule_in_the_standard_files_becomes_a_check():
    for version in ("0.1", "1", "2"):
        std = standards.load("placements", version)
        rules = {c.rule for c in build_checks(std)}
        assert {r.id for r in std.rules} <= rules, version


def test_check_command_writes_the_contract_outputs(tmp_path):
    path = tmp_path / "q.csv"
    _write(path, [dict(CLEAN), dict(CLEAN, child_ID="C2", placement_type="Kinship foster")])
    out = subprocess.run(
        [sys.executable, "-m", "kit", "check", str(path), "--la", "LA7", "--out", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"standard.csv", "findings.csv", "summary.json", "feedback.xlsx"} <= names
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", dtype=str, keep_default_na=False)
    assert findings[["source_row", "source_column", "field", "rule"]].values.tolist() == [
        ["3", "AM", "placementType", "unknown_code"]
    ]
    standard = pd.read_csv(tmp_path / "out" / "standard.csv", dtype=str, keep_default_na=False)
    assert standard.loc[1, "placementType"] == "" and standard.loc[0, "placementType"] == "Foster"
    assert list(standard.columns[-3:]) == ["_la", "_source_file", "_source_row"]


def test_conversion_alone_decides_whether_a_value_can_be_read():
    from kit.convert.values import VALUE_RULES

    for version in ("0.1", "1", "2"):
        rules = {c.rule for c in build_checks(standards.load("placements", version))}
        assert not rules & VALUE_RULES, f"the suite re-checks value types: {sorted(rules & VALUE_RULES)}"


def test_the_checks_stage_returns_a_new_result_and_changes_nothing_it_was_given():
    import dataclasses

    from kit.check import run_quality_checks

    frame = pd.DataFrame(
        {
            "child_id": ["C1", "C2"],
            "total_weekly_cost": ["-5", "not money"],
            "placement_type": ["Foster", "Castle"],
        }
    )
    converted = check_frame(frame, run_checks=False)
    before_findings, before_data = converted.findings.copy(), converted.data.copy()
    checked = run_quality_checks(converted)
    assert checked is not converted and checked.checked and not converted.checked
    pd.testing.assert_frame_equal(converted.findings, before_findings)
    pd.testing.assert_frame_equal(converted.data, before_data)
    # conversion's findings are kept, once: the amount that is not money and the unknown code
    rules = checked.findings.groupby("rule").size().to_dict()
    assert rules.get("not_amount") == 1 and rules.get("unknown_code") == 1
    assert rules.get("below_minimum") == 1 and pd.isna(checked.data["totalWeeklyCost"]).all()
    with pytest.raises(dataclasses.FrozenInstanceError):
        checked.findings = before_findings
