"""Person Standard checks: mapping, crosswalks, identifiers and profile rules, on real files.

The sample region's person extracts (``sample_data/region.yml``: each LA's ``persons`` and
``person_mapping``) go through ``python -m kit check --standard person``; every planted identifier
defect of the answer key must be found where the LA officer would look for it. A small extract
written here covers the rules the sample does not plant.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import REPO

from kit import standards
from kit.core.findings import COLUMNS
from kit.person.suite import profile_required

pytestmark = pytest.mark.slow

SAMPLE = Path(os.environ.get("KIT_SAMPLE_DATA", REPO / "sample_data"))
TODAY = dt.date(2026, 11, 24)
PERSON = standards.load("person", "1.0.0")


def run_kit(*args):
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def sample_la(code: str | None = None) -> dict:
    region = SAMPLE / "region.yml"
    if not region.exists():
        pytest.fail("sample_data/region.yml is missing: run 'python -m kit synth --out sample_data'")
    las = [la for la in yaml.safe_load(region.read_text(encoding="utf-8"))["las"] if la.get("persons")]
    # the first LA whose extract needs a mapping file (its own headers, NHS numbers spaced 3-3-4)
    return next(la for la in las if (la["code"] == code if code else la.get("person_mapping")))


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """The CLI run on one LA's person extract, and what it wrote."""
    la = sample_la()
    out = tmp_path_factory.mktemp("person_check")
    args = ["check", str(SAMPLE / la["persons"]), "--standard", "person", "--profile", "subject_of_care"]
    args += ["--mapping", str(SAMPLE / la["person_mapping"]), "--la", la["code"], "--out", str(out)]
    run = run_kit(*args)
    assert run.returncode == 0, run.stderr
    read = dict(dtype=str, keep_default_na=False, na_filter=False)
    return {
        "la": la,
        "out": out,
        "stdout": run.stdout,
        "source": pd.read_csv(SAMPLE / la["persons"], encoding_errors="replace", **read),
        "standard": pd.read_csv(out / "standard.csv", **read),
        "findings": pd.read_csv(out / "findings.csv", **read),
        "summary": json.loads((out / "summary.json").read_text(encoding="utf-8")),
    }


def test_check_writes_the_contract_outputs(checked):
    out, summary = checked["out"], checked["summary"]
    for name in ("standard.csv", "findings.csv", "summary.json", "feedback.xlsx"):
        assert (out / name).is_file(), name
    assert list(checked["findings"].columns) == COLUMNS
    assert list(checked["standard"].columns) == [*PERSON.field_names, "_la", "_source_file", "_source_row"]
    assert summary["standard"] == "person" and summary["version"] == "1.0.0"
    assert summary["rows_in"] == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
    assert summary["rows_standard"] == len(checked["source"]) == len(checked["standard"])
    assert summary["errors"] == (checked["findings"]["severity"] == "error").sum() > 0
    workbook = openpyxl.load_workbook(out / "feedback.xlsx", read_only=True)
    assert workbook["Findings"].max_row == len(checked["findings"]) + 1


def test_every_planted_identifier_defect_is_an_error_at_its_row_and_column(checked):
    key = pd.read_csv(SAMPLE / "answer_key.csv", dtype=str, keep_default_na=False)
    planted = key[key["file"] == checked["la"]["persons"]]
    assert len(planted) >= 4 and set(planted["field"]) <= {"nhsNumber", "upn"}
    f = checked["findings"]
    found = {(r.source_row, r.source_column, r.field) for r in f[f["severity"] == "error"].itertuples()}
    for p in planted.itertuples():
        assert (p.source_row, p.source_column, p.field) in found, f"{p.kind} {p.value} at row {p.source_row}"
    rules = set(f[f["source_row"].isin(planted["source_row"])]["rule"])
    assert {"nhs_number_check_digit", "upn_check_digit", "bad_format"} <= rules


def test_identifiers_are_normalised_and_failed_ones_left_empty(checked):
    std, source = checked["standard"], checked["source"]
    nhs = std["nhsNumber"]
    assert nhs.str.fullmatch(r"(\d{10})?").all()
    assert source.iloc[:, 6].str.contains(" ").any()  # the LA spaces NHS numbers 3-3-4 ...
    assert (nhs != "").sum() > 0.8 * len(std)  # ... and they were kept, without the spaces
    bad_rows = checked["findings"].query("rule == 'nhs_number_check_digit'")["source_row"]
    assert (std.loc[std["_source_row"].isin(bad_rows), "nhsNumber"] == "").all()
    upn = std["upn"]
    assert upn.str.fullmatch(r"([A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z])?").all()


def test_crosswalks_turn_dfe_codes_into_the_standard_codes(checked):
    std, source, f = checked["standard"], checked["source"], checked["findings"]
    ethnic = source.iloc[:, 5]
    assert (std.loc[ethnic == "WBRI", "ethnicityCode"] == "13").all() and (ethnic == "WBRI").any()
    gaps = ethnic.isin(["REFU", "NOBT", "WROM"])
    assert gaps.any() and (std.loc[gaps, "ethnicityCode"] == "").all()
    gap_rows = set(std.loc[gaps, "_source_row"])
    assert gap_rows == set(f.query("rule == 'crosswalk_gap'")["source_row"])
    assert gap_rows <= set(
        f.query("rule == 'required_for_profile' and field == 'ethnicityCode'")["source_row"]
    )
    ooth = ethnic == "OOTH"
    assert (std.loc[ooth, "ethnicityCode"] == "19").all()
    assert set(std.loc[ooth, "_source_row"]) == set(f.query("rule == 'crosswalk_approximate'")["source_row"])
    assert set(std["sexCode"]) | set(std["genderCode"]) <= {"1", "2", "9", "X", ""}


def test_missing_columns_are_reported_once_per_file(checked):
    mapping = yaml.safe_load((SAMPLE / checked["la"]["person_mapping"]).read_text(encoding="utf-8"))
    mapped = {v for v in mapping["columns"].values() if v}
    if "sexCode" in mapped:  # a sex column with no gender column gives genderCode X (not known)
        mapped.add("genderCode")
    missing = checked["findings"].query("rule == 'missing_column'")
    assert set(missing["field"]) == set(profile_required(PERSON, "subject_of_care")) - mapped
    assert (missing["source_row"] == "").all() and not missing["field"].duplicated().any()


def test_check_without_a_profile_is_one_plain_line_and_exit_2(tmp_path):
    la = sample_la()
    run = run_kit("check", str(SAMPLE / la["persons"]), "--standard", "person", "--out", str(tmp_path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and "--profile subject_of_care" in run.stderr


# ---------------------------------------------------------------------------------------------
# Rules the sample does not plant, on a small extract written here (one row per case).

HEADERS = ["CHILD", "Forename", "Surname", "DOB", "DOB Accuracy", "Sex", "GenderCurrent", "ETHNIC", "NHS Number",
           "UPN", "ULN", "Address Line 1", "Town", "Post Code", "Deceased", "Date of Death"]  # fmt: skip
BASE = {"Forename": "Ada", "Surname": "Stone", "DOB": "15/03/2014", "Sex": "F", "GenderCurrent": "2",
        "ETHNIC": "WBRI", "Address Line 1": "1 Mill Road", "Town": "Quillby", "Post Code": "QQ1 2AB",
        "Deceased": "No"}  # fmt: skip
# (changes to a clean row, the field a finding must point at, its rule, its severity) -- None: no finding
CASES = [
    ({}, None, None, None),
    ({"NHS Number": "943-476-5919", "Post Code": "qq12ab"}, None, None, None),  # normalised quietly
    ({"UPN": "UN2"}, None, None, None),  # a reason for having no UPN: not a UPN, not a problem
    ({"Deceased": "No", "Date of Death": "01/02/2025"}, "deceasedDate", "consistent_deceased", "error"),
    ({"Deceased": "Yes"}, "isDeceased", "consistent_deceased_missing_date", "warning"),
    ({"DOB": "01/01/2030"}, "dateOfBirth", "dates_not_future", "error"),
    ({"DOB": "02/05/1984"}, "dateOfBirth", "plausible_age_subject_of_care", "warning"),
    ({"DOB": "03/06/2012", "DOB Accuracy": "uaa"}, "dateOfBirth", "dob_unknown_day_is_15th", "warning"),
    ({"DOB Accuracy": "XAA"}, "dateOfBirthAccuracy", "bad_format", "error"),
    ({"UPN": "A80120000501A"}, "upn", "temporary_upn", "warning"),
    ({"UPN": "B80120000501A"}, "upn", "upn_check_digit", "error"),
    ({"ULN": "9276308687"}, "uln", "uln_check_digit", "error"),
    ({"NHS Number": "0000000000"}, "nhsNumber", "nhs_number_check_digit", "error"),
    ({"NHS Number": "94347659"}, "nhsNumber", "bad_format", "error"),
    ({"Post Code": "QQ1"}, "postcode", "bad_format", "error"),
    ({"Sex": "U"}, "sexCode", "crosswalk_approximate", "warning"),
    ({"GenderCurrent": "9"}, "genderCode", "crosswalk_approximate", "warning"),
    ({"ETHNIC": "NOBT"}, "ethnicityCode", "crosswalk_gap", "warning"),
    ({"ETHNIC": "-8"}, "ethnicityCode", "code_to_query", "warning"),
    ({"Surname": ""}, "familyName", "required", "error"),
    ({"Town": ""}, "city", "required_for_profile", "error"),
]
CLEAN_ROWS = 3  # the first three cases raise nothing


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from kit.check import check_files

    path = tmp_path_factory.mktemp("small") / "cases.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for k, (change, *_rest) in enumerate(CASES):
            row = {**BASE, "CHILD": f"P{k}", **change}
            w.writerow([row.get(h, "") for h in HEADERS])
        w.writerow([{**BASE, "CHILD": "P1"}.get(h, "") for h in HEADERS])  # P1 again: a repeated ID
    subject = check_files([path], standard="person", profile="subject_of_care", la="992", today=TODAY)
    connected = check_files([path], standard="person", profile="connected", la="992", today=TODAY)
    return subject, connected


@pytest.fixture(scope="module")
def ssda903_style(tmp_path_factory):
    """A 903-style header table: SEX 1/2 and no gender column."""
    from kit.check import check_files

    path = tmp_path_factory.mktemp("ssda903") / "header.csv"
    path.write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN\r\nC1,1,01/02/2015,WBRI,\r\nC2,2,15/06/2012,MWBC,UN1\r\nC3,2,15/06/2011,,\r\n",
        encoding="utf-8",
    )
    return check_files([path], standard="person", profile="subject_of_care", la="992", today=TODAY)


def test_sex_is_never_copied_into_gender(ssda903_style):
    data, f = ssda903_style.data, ssda903_style.findings
    assert list(data["sexCode"]) == ["1", "2", "2"] and list(data["genderCode"]) == ["X", "X", "X"]
    note = f[f["rule"] == "gender_not_recorded"]
    assert len(note) == 1 and note.iloc[0]["source_column"] == "B" and "not gender" in note.iloc[0]["message"]
    assert list(data["ethnicityCode"][:2]) == ["13", "11"]
    assert "genderCode" not in set(f.loc[f["rule"] == "missing_column", "field"])


def test_each_case_gives_its_finding_on_its_row_and_field(small):
    subject, _ = small
    found = {
        (int(r.source_row), r.field, r.rule, r.severity)
        for r in subject.findings.dropna(subset=["source_row"]).itertuples()
    }
    for k, (_change, field, rule, severity) in enumerate(CASES):
        if field:
            assert (k + 2, field, rule, severity) in found, f"row {k + 2}: expected {rule} on {field}"
    rows = subject.findings["source_row"].dropna().astype(int)
    assert not rows.isin(range(2, 2 + CLEAN_ROWS)).any(), subject.findings[
        rows.isin(range(2, 2 + CLEAN_ROWS))
    ]
    assert (len(CASES) + 2, "personId", "unique_person_id", "error") in found


def test_values_are_normalised_crosswalked_or_left_empty(small):
    data = small[0].data.drop_duplicates("personId").set_index("personId", drop=False)
    assert data.at["P1", "nhsNumber"] == "9434765919" and data.at["P1", "postcode"] == "QQ1 2AB"
    assert data.at["P2", "upn"] is None or pd.isna(data.at["P2", "upn"])
    assert data.at["P0", "sexCode"] == "2" and data.at["P15", "sexCode"] == "X"  # CIN Sex F and U
    assert data.at["P0", "genderCode"] == "2" and data.at["P16", "genderCode"] == "9"  # GenderCurrent
    assert data.at["P0", "ethnicityCode"] == "13" and pd.isna(data.at["P17", "ethnicityCode"])
    assert data.at["P7", "dateOfBirthAccuracy"] == "UAA"
    for case, field in (("P5", "dateOfBirth"), ("P12", "nhsNumber"), ("P10", "upn"), ("P11", "uln")):
        assert pd.isna(data.at[case, field]), f"{case}: a value that failed its check is left empty"


def test_the_profile_decides_what_is_required(small):
    subject, connected = small
    rules = set(connected.findings["rule"])
    assert "required_for_profile" in set(subject.findings["rule"])
    assert "required_for_profile" not in rules and "plausible_age_subject_of_care" not in rules
    assert {"nhs_number_check_digit", "consistent_deceased", "required"} <= rules  # the same everywhere
    assert connected.profile == "connected" and connected.checked


def test_importing_the_person_modules_does_not_import_great_expectations():
    code = "import sys, kit, kit.person, kit.outputs.jsonld; print('great_expectations' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_overview_tables_show_rows_and_rules_not_identifiers(small):
    from kit.region.persons import findings_by_rule, identifier_problems

    subject, _ = small
    table = findings_by_rule(subject)
    assert list(table["severity"]).index("warning") > list(table["severity"]).index("error")  # errors first
    nhs = table[table["rule"] == "nhs_number_check_digit"].iloc[0]
    assert nhs["example"].startswith("NHS number … fails") and nhs["findings"] == 1
    problems = identifier_problems(subject)
    assert "value" not in problems.columns
    assert {"nhs_number_check_digit", "upn_check_digit", "uln_check_digit", "unique_person_id"} <= set(
        problems["rule"]
    )
