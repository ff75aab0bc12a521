"""Bad input never crashes and never loses a row.

Each file of ``tests/data/malformed/`` (written by ``make_corpus.py`` there) is one way an LA's
file arrives broken. A file that cannot be used at all must stop ``python -m kit check`` with
exit status 2 and exactly one line on stderr that names the file and says what to do; a file
that is usable but damaged must give row-level findings, with every row accounted for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from conftest import REPO

from kit import standards
from kit.check import check_files
from kit.outputs import write_outputs

CORPUS = REPO / "tests" / "data" / "malformed"

# file -> words the one-line error must contain (besides the file's name)
UNUSABLE = {
    "empty.csv": "is empty",
    "whitespace_only.csv": "is empty",
    "all_blank_rows.csv": "has no header row",
    "binary_junk.csv": "looks like binary data",
    "pdf_named.csv": "is a PDF document",
    "password_protected.xlsx": "remove the password",
    "old_format.xls": "save it as .xlsx",
    "empty.xlsx": "is empty",
    "corrupt_truncated.xlsx": "may be corrupt",
    "zip_not_a_workbook.xlsx": "may be corrupt",
    "wrong_sheets.xlsx": "Pick the data sheet with --sheet",
    "not_placements.csv": "none of its 3 column names",
    "thousands_of_columns.csv": "3,000 columns",
    "html_named.xls": "is a web page (HTML)",
    "opendocument.ods": "is an OpenDocument spreadsheet (.ods)",
}
# file -> (rule of the finding it must give, or None for a file that reads cleanly, row of it)
DAMAGED = {
    "header_only.csv": ("no_data_rows", 1),
    "duplicate_headers.csv": ("duplicate_column", 1),
    "ragged_rows.csv": ("ragged_row", 3),
    "nul_bytes.csv": ("nul_characters", 3),
    "mixed_encodings.csv": ("mixed_encoding", 5),
    "very_long_cells.csv": (None, None),
    "unclosed_quote.csv": ("unclosed_quote", 4),
    "trailing_delimiters.csv": (None, None),
    "unnamed_column.csv": ("unnamed_column", 1),
    "blank_and_idless_rows.csv": ("missing_child_id", 5),
    "title_rows_above_header.csv": (None, None),
    "example_row_left_in.csv": ("template_example_row", 3),
    "decimal_commas.csv": ("not_amount", 2),
    "month_first_dates.csv": ("not_a_date", 2),
    "formula_payloads.csv": (
        "unknown_code",
        3,
    ),  # cells that would run as formulas: tests/test_safe_outputs.py
    "mixed_line_endings.csv": (None, None),
    "csv_named_xlsx.xlsx": (None, None),
    "formulas_without_values.xlsx": (None, None),
    "wrong_used_range.xlsx": (None, None),
    "data_on_second_sheet.xlsx": (None, None),
    "cells_outside_header.xlsx": ("cells_outside_header", 1),
    # issue 17 (tests/test_hostile_inputs.py asserts them in full)
    "placeholder_child_ids.csv": ("placeholder_id", 3),
    "invisible_and_lookalike_ids.csv": ("hidden_characters_in_id", 3),
    "implausible_values.csv": ("implausible_date", 3),
    "every_child_id_blank.csv": ("missing_child_id", 2),
    "hidden_sheets.xlsx": ("hidden_sheet", 1),
}


def run_kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """``python -m kit check FILE --out DIR`` for every unusable file (run side by side: it is slow)."""
    out = tmp_path_factory.mktemp("refused")

    def check(name: str):
        return name, out / name, run_kit("check", str(CORPUS / name), "--out", str(out / name))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return {name: (folder, proc) for name, folder, proc in pool.map(check, UNUSABLE)}


def test_the_corpus_is_complete_small_and_every_file_is_tested():
    files = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "make_corpus.py")
    assert len(files) >= 20
    assert set(files) == set(UNUSABLE) | set(DAMAGED), "a corpus file has no expectation in this test"
    assert sum((CORPUS / f).stat().st_size for f in files) < 2_000_000


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_an_unusable_file_stops_with_one_plain_line(refused, name):
    folder, proc = refused[name]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("kit: ") and name in line and UNUSABLE[name] in line
    assert "Traceback" not in proc.stderr and "Error:" not in line.split(name)[0]
    assert not (folder / "standard.csv").exists()


def test_a_sheet_that_is_not_there_is_one_line(tmp_path):
    proc = run_kit(
        "check", str(CORPUS / "data_on_second_sheet.xlsx"), "--sheet", "Data", "--out", str(tmp_path)
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "kit: data_on_second_sheet.xlsx has no sheet called 'Data'; its sheets are: Cover, Placements. "
        "Give one of those names with --sheet."
    ]


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_a_damaged_file_gives_findings_and_loses_no_row(tmp_path, name):
    rule, row = DAMAGED[name]
    result = check_files([CORPUS / name], la="LA09", run_checks=False)
    summary = result.summary()
    assert summary["rows_in"] == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
    findings = result.findings
    if rule is None:
        assert summary["errors"] == 0, findings[findings["severity"] == "error"].to_string()
        assert summary["rows_in"] == summary["rows_standard"] > 0
    else:
        hit = findings[findings["rule"] == rule]
        assert not hit.empty, findings.to_string()
        assert int(hit["source_row"].iloc[0]) == row
        assert (hit["la"] == "LA09").all() and (hit["source_file"] == name).all()
        assert hit["message"].str.len().gt(20).all()
    paths = write_outputs(result, tmp_path)
    standard = pd.read_csv(paths["standard"], dtype=str, keep_default_na=False)
    assert len(standard) == summary["rows_standard"]
    assert json.loads(paths["summary"].read_text())["rows_in"] == summary["rows_in"]


# ---------------------------------------------------------------------------------------------
# What the damaged files must read as, cell by cell


def check(name: str):
    return check_files([CORPUS / name], run_checks=False)


def test_ragged_rows_keep_every_row_and_their_own_cells():
    result = check("ragged_rows.csv")
    assert result.data["childId"].tolist() == [f"LA90000{i}" for i in range(1, 6)]
    assert result.data["_source_row"].tolist() == [2, 3, 4, 5, 6]
    # row 5 was cut short after ten cells: the rest is empty, not borrowed from another row
    row5 = result.data.set_index("_source_row").loc[5]
    assert pd.isna(row5["totalWeeklyCost"]) and row5["neededBy"] == "< 5 days"


def test_nul_bytes_are_removed_and_reported():
    result = check("nul_bytes.csv")
    assert result.data["childId"].tolist()[1] == "LA900002"
    assert result.data["outOfLAReason"].tolist()[1] == "Court order"
    nul = result.findings[result.findings["rule"] == "nul_characters"]
    assert nul["value"].tolist() == ["6 NUL characters"]


def test_mixed_encodings_read_each_line_in_its_own_encoding():
    result = check("mixed_encodings.csv")
    names = result.data["referralOfficerName"].tolist()
    assert names[0] == "Zoë Smith" and names[4] == "Zoë Smith"  # a UTF-8 line and a Windows-1252 line
    assert result.data["totalWeeklyCost"].tolist() == [1234.5, 4350.0, 980.0, 1020.75, 1234.5]


def test_a_stray_quote_does_not_swallow_the_next_row():
    result = check("unclosed_quote.csv")
    assert result.data["childId"].tolist() == [f"LA90000{i}" for i in range(1, 6)]
    assert result.data.loc[3, "placementOfficerName"] == "M Patel"  # row 5, read on its own


def test_very_long_cells_are_kept_whole():
    result = check("very_long_cells.csv")
    assert len(result.data.loc[2, "additionalSupportOther"]) > 150_000


def test_trailing_delimiters_do_not_shift_columns():
    result = check("trailing_delimiters.csv")
    assert result.data["childId"].tolist() == [f"LA90000{i}" for i in range(1, 6)]
    assert result.data["neededBy"].tolist()[:2] == ["Today", "< 5 days"]


def test_an_unnamed_column_with_values_is_kept_as_the_las_own():
    result = check("unnamed_column.csv")
    assert result.extra["AT: unnamed column AT"].tolist() == ["checked by JS"] * 5
    assert "unnamed column AT" in result.summary()["unmapped_columns"]


def test_blank_rows_and_rows_without_a_child_id_are_counted():
    summary = check("blank_and_idless_rows.csv").summary()
    assert (
        summary["rows_in"],
        summary["rows_standard"],
        summary["rows_blank"],
        summary["rows_rejected"],
    ) == (6, 3, 2, 1)


def test_title_rows_above_the_header_shift_the_row_numbers():
    result = check("title_rows_above_header.csv")
    assert result.files[0].table.header_row == 4
    assert result.data["_source_row"].tolist() == [5, 6, 7, 8, 9]


def test_duplicate_columns_use_the_first_and_keep_the_second():
    result = check("duplicate_headers.csv")
    assert result.data["childId"].tolist()[0] == "LA900001"
    assert result.extra["AU: child_ID"].tolist() == ["OTHER-ID"] * 5


def test_excel_oddities():
    assert check("wrong_used_range.xlsx").data["_source_row"].tolist() == list(range(2, 14))
    assert check("data_on_second_sheet.xlsx").files[0].table.sheet == "Placements"
    formulas = check("formulas_without_values.xlsx")  # no cached value: empty, never "=SUM(...)"
    assert formulas.data["totalWeeklyCost"].isna().all()
    assert not formulas.files[0].table.data.apply(lambda s: s.str.startswith("=")).any().any()
    outside = check("cells_outside_header.xlsx")
    assert outside.extra["AU: unnamed column AU"].tolist() == ["", "", "note: check cost", "", ""]


def test_a_damaged_file_through_the_command_line(tmp_path):
    proc = run_kit("check", str(CORPUS / "ragged_rows.csv"), "--la", "LA09", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (
        summary["rows_in"] == 5 == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
    )
    findings = pd.read_csv(tmp_path / "findings.csv", dtype=str, keep_default_na=False)
    assert list(findings.columns) == [
        "la", "source_file", "source_row", "source_column", "field", "value", "rule", "severity", "message"
    ]  # fmt: skip
    ragged = findings[findings["rule"] == "ragged_row"]
    assert ragged[["la", "source_row", "severity"]].values.tolist() == [["LA09", "3", "error"]]
    standard = pd.read_csv(tmp_path / "standard.csv", dtype=str, keep_default_na=False)
    v1 = standards.load("placements", "1")
    assert list(standard.columns) == [*v1.field_names, "_la", "_source_file", "_source_row"]
    first = standard.iloc[0]
    assert (first["childId"], first["_source_row"], first["_la"]) == ("LA900001", "2", "LA09")
    assert (first["referralDate"], first["totalWeeklyCost"], first["neededBy"]) == (
        "2024-02-12",
        "1234.5",
        "Today",
    )
    assert first["isEducationContinuous"] == "true"  # "was education disrupted?" No
