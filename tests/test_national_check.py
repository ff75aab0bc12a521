"""The national validator's verdict, predicted: every record the official SHACL shape rejects is flagged.

The official v1 shape (vendored in kit/standards/official/shacl/) is run with pyshacl on what
``kit jsonld`` exports. Whatever it rejects, ``kit check`` must already have told the LA about, on
that row, or once for the whole file where the file has no column for the field at all (a June
xlsx has no sexual-exploitation column: every record fails nationally, and the file-level
finding says so). Checked on every sample LA's files and on the official example records.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO, SAMPLE_DATA, SHACL_EXAMPLES, TODAY

from kit.check import check_files, check_frame
from kit.outputs import write_outputs
from kit.outputs.jsonld import export_jsonld, flatten_record, read_records
from kit.outputs.national_check import VERDICT_COLUMNS, national_verdict

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
FLAGGING = {"error", "warning"}


def uncovered(verdict, findings: pd.DataFrame) -> pd.DataFrame:
    """The shape's rejections (SHACL Violations) that no finding of the check speaks to."""
    rejected = verdict.problems[verdict.problems["severity"] == "error"]
    f = findings[findings["severity"].isin(FLAGGING)]
    f = f.assign(source_row=f["source_row"].map(lambda v: "" if pd.isna(v) else str(int(v))))
    on_row = set(zip(f["source_file"], f["source_row"], strict=True))
    file_level = set(
        zip(f.loc[f["source_row"] == "", "source_file"], f.loc[f["source_row"] == "", "field"], strict=True)
    )
    keep = [
        (file, str(row)) not in on_row and (file, field) not in file_level
        for file, row, field in zip(
            rejected["source_file"], rejected["source_row"], rejected["field"], strict=True
        )
    ]
    return rejected[keep]


@pytest.mark.parametrize("example", sorted(p.stem for p in SHACL_EXAMPLES.glob("*.jsonld")))
def test_every_official_example_the_shape_rejects_has_a_finding(example, tmp_path):
    path = SHACL_EXAMPLES / f"{example}.jsonld"
    verdict = national_verdict(path)
    records = read_records(path)
    result = check_frame(
        pd.DataFrame([flatten_record(r) for r in records]), name=example, version="1", today=TODAY
    )
    findings = result.findings[result.findings["severity"].isin(FLAGGING)]
    # The official examples themselves write amounts as JSON numbers and outOfLAReason as a plain
    # word, which the official shape rejects even in the "valid" ones: the verdict calls those
    # "format" problems, and the kit's own export of the same records must not have them.
    data = verdict.problems[verdict.problems["kind"] == "data"]
    assert bool(len(data)) == example.startswith("invalid-"), example
    assert set(verdict.problems["kind"]) <= {"data", "format"}
    whole_file = findings["source_row"].isna().any()
    # Records and rows are in the same order: the first record is the first data row after the header.
    rows = sorted(result.data["_source_row"].astype(int))
    flagged_rows = set(findings["source_row"].dropna().astype(int))
    for i, record in enumerate(records):
        if record.get("@id") in set(data["record"]):
            assert whole_file or rows[i] in flagged_rows, f"{example}: {record.get('@id')} has no finding"

    out = tmp_path / "out"
    write_outputs(result, out)
    export_jsonld(out / "standard.csv", "placements", out / "records.jsonld")
    again = national_verdict(out / "records.jsonld", out / "standard.csv")
    assert (again.problems["kind"] == "data").all(), again.problems.to_string()
    assert uncovered(again, result.findings).empty
    if example.startswith("valid-"):
        assert again.rejected == 0, again.problems.to_string()


def _june_csv_choosing_other(tmp_path) -> tuple:
    """A June-layout CSV (no column for the out-of-LA reason's text, by design) where one row chose Other."""
    source = SAMPLE_DATA / "placements" / "Z04" / "Z04_Sallowdene_2026-27_Q1.csv"
    raw = source.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "cp1252"
    rows = list(csv.reader(raw.decode(encoding).splitlines()))
    header = rows[1]
    reason, local = header.index("out_of_LA_reason"), header.index("is_preferred_location_local")
    target = next(i for i in range(4, len(rows)) if rows[i][reason].strip())  # a row that gave a reason
    rows[target][reason] = "Other"
    rows[target][local] = "No"
    path = tmp_path / "june_other.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path, target + 1, reason


def test_other_without_a_text_column_is_a_warning_on_that_row_naming_the_national_consequence(tmp_path):
    path, row, reason_col = _june_csv_choosing_other(tmp_path)
    result = check_files([path], la="Z04", version="1", today=TODAY)
    assert "outOfLAReasonOther" in result.summary()["missing_by_design"]
    f = result.findings
    mine = f[(f["rule"] == "out_of_la_reason_other_text") & (f["source_row"] == row)]
    assert len(mine) == 1, f[f["source_row"] == row].to_string()
    hit = mine.iloc[0]
    assert hit["severity"] == "warning" and hit["field"] == "outOfLAReason" and hit["value"] == "Other"
    from kit.core.findings import column_letter

    assert hit["source_column"] == column_letter(reason_col)
    assert "national validator will reject" in hit["message"]

    out = tmp_path / "out"
    write_outputs(result, out)
    export_jsonld(out / "standard.csv", "placements", out / "records.jsonld")
    verdict = national_verdict(out / "records.jsonld", out / "standard.csv")
    mine = verdict.problems[verdict.problems["source_row"] == str(row)]
    assert "When outOfLAReason is olr:OutOfLAReasonOther" in " ".join(mine["official_message"])
    assert uncovered(verdict, result.findings).empty


def test_jsonld_validate_says_per_record_why_it_would_be_rejected(tmp_path):
    path, row, _ = _june_csv_choosing_other(tmp_path)
    out = tmp_path / "out"
    write_outputs(check_files([path], la="Z04", version="1", today=TODAY), out)
    run = subprocess.run(
        [sys.executable, "-m", "kit", "jsonld", str(out / "standard.csv"), "--standard", "placements",
         "--out", str(out / "records.jsonld"), "--validate"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "would be rejected by the national validator" in run.stdout
    assert f"june_other.csv row {row} (error): The out-of-LA reason is Other" in run.stdout
    report = pd.read_csv(out / "records-national-check.csv", dtype=str, keep_default_na=False)
    assert list(report.columns) == VERDICT_COLUMNS
    assert set(report["severity"]) <= FLAGGING and (report["message"] != "").all()
    assert (report["la"] == "Z04").all()
    doc = json.loads((out / "records.jsonld").read_text(encoding="utf-8"))
    assert report["record"].isin([r["@id"] for r in doc["@graph"]]).all()


def test_the_verdict_says_when_everything_passes_and_tells_format_from_data():
    clean = national_verdict(SHACL_EXAMPLES / "valid-neededby-symbolic.jsonld")
    assert clean.problems.empty and clean.rejected == 0
    assert clean.describe() == f"All {clean.records} records pass the official national SHACL shape."

    written = national_verdict(SHACL_EXAMPLES / "valid-placement.jsonld")
    assert written.rejected == 1 and set(written.problems["kind"]) == {"format"}
    by_field = dict(zip(written.problems["field"], written.problems["message"], strict=True))
    assert "written as the number 2500.0" in by_field["coreWeeklyCost"]
    assert (
        "'Court order' for Reason preferred location is outside the LA is written as a plain word"
        in (by_field["outOfLAReason"])
    )
    assert "1 of 1 records would be rejected by the national validator" in written.describe()
