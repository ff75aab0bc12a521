"""Reading LA files as they come: the official templates, CSV encodings and delimiters, provenance."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import JUNE_XLSX, REPO

from kit import standards
from kit.check import check_files
from kit.core.errors import KitError
from kit.detect import detect
from kit.read.files import excel_text, read_file, sniff_delimiter, sniff_encoding
from kit.standards import normalise_header

sys.path.insert(0, str(REPO / "tests" / "data" / "malformed"))
from make_corpus import COLUMNS, XLSX_COLUMNS, csv_text, placement  # noqa: E402

SECTION_ROW = "Determinants of placement availability" + "," * (len(COLUMNS) - 1) + "\r\n"


def col(name: str, columns=COLUMNS) -> int:
    return columns.index(name)


@pytest.fixture(scope="module")
def june_with_data(tmp_path_factory, official):
    """The official June 2026 workbook as an LA fills it in: example row kept, three placements."""
    wb = openpyxl.load_workbook(JUNE_XLSX)
    ws = wb["Data Collection"]
    rows = [placement(i, XLSX_COLUMNS) for i in (1, 2, 3)]
    for r, row in enumerate(rows, start=5):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c).value = value or None
    letter = {name: i + 1 for i, name in enumerate(XLSX_COLUMNS)}
    ws.cell(5, letter["Date_entry_referral"]).value = dt.datetime(2024, 2, 12)  # a real Excel date
    ws.cell(6, letter["Date_entry_referral"]).value = "21/03/2024"  # a date typed as text
    ws.cell(5, letter["cost_total_weekly"]).value = 1234.5  # a number
    ws.cell(6, letter["cost_total_weekly"]).value = "£1,020.75"  # money typed as text
    ws.cell(7, letter["cost_total_weekly"]).value = "TBC"  # not an amount: a finding at AF7
    ws.cell(7, letter["number_of_siblings_to_place_with"]).value = 2.0  # Excel's float count
    ws.cell(7, letter["how_many_siblings_were_placed_together"]).value = "1"  # a number stored as text
    ws.cell(5, letter["education_continuity"]).value = "Yes"  # "was education disrupted?" Yes
    path = tmp_path_factory.mktemp("june") / "LA01 June template Q1.xlsx"
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# The official national templates


@pytest.mark.parametrize("name", ["National-Placement-Standard-Excel-20260427.xlsx", JUNE_XLSX.name])
def test_official_templates_are_understood(official, name):
    table = read_file(official / "templates" / name)
    layout_id = "xlsx-2026-04" if "0427" in name else "xlsx-2026-06"
    layout = standards.load("placements", "1").layout(layout_id)
    assert table.sheet == "Data Collection"  # not "Data Validation and Drop Downs", an older layout
    assert table.headers == layout.columns
    assert table.header_row == 2  # row 1 holds the merged section headings
    assert table.template_rows == {3: "the template's question row", 4: "the template's example row"}
    assert len(table.data) == 0  # the used range runs to row 1,000 but nothing else is filled
    assert [f.rule for f in table.findings] == ["no_data_rows"]
    assert "row 4 skipped: the template's example row (not data)" in table.evidence
    det = detect(table)
    assert det.layout.id == layout_id and det.version == "1"
    assert any("exactly those of the" in line for line in det.evidence)


def test_a_filled_in_template_reads_only_real_rows_with_their_provenance(june_with_data):
    table = read_file(june_with_data)
    assert list(table.data.index) == [5, 6, 7]  # question row 3 and example row 4 are not data
    cell = table.data.loc
    assert cell[5, col("Date_entry_referral", XLSX_COLUMNS)] == "2024-02-12"
    assert cell[6, col("Date_entry_referral", XLSX_COLUMNS)] == "21/03/2024"
    assert cell[5, col("cost_total_weekly", XLSX_COLUMNS)] == "1234.5"
    assert cell[7, col("number_of_siblings_to_place_with", XLSX_COLUMNS)] == "2"

    result = check_files([june_with_data], la="LA01", run_checks=False)
    summary = result.summary()
    assert summary["rows_in"] == 3 == summary["rows_standard"]
    data = result.data.set_index("_source_row")
    assert data.loc[5, "referralDate"] == pd.Timestamp("2024-02-12")
    assert data.loc[6, "referralDate"] == pd.Timestamp("2024-03-21")
    assert data.loc[5, "totalWeeklyCost"] == 1234.5 and data.loc[6, "totalWeeklyCost"] == 1020.75
    assert data.loc[7, "siblingCount"] == 2 and data.loc[7, "siblingsPlacedTogether"] == 1
    assert not data.loc[5, "isEducationContinuous"]  # "education disrupted? Yes"
    assert set(result.data["_source_file"]) == {june_with_data.name} and set(result.data["_la"]) == {"LA01"}
    # the template lacks the sexual-exploitation column by design: one warning, not an error per row
    by_design = result.findings[result.findings["rule"] == "missing_by_design"]
    assert by_design["field"].tolist() == ["riskSexualExploitation"]
    assert "riskSexualExploitation" in summary["missing_by_design"]


def test_findings_name_the_row_and_column_letter_the_officer_sees(june_with_data):
    result = check_files([june_with_data], run_checks=False)
    bad = result.findings[result.findings["rule"] == "not_amount"]
    # cost_total_weekly is column AF of the June template; the placement is on row 7
    assert bad[["source_row", "source_column", "field", "value"]].values.tolist() == [
        [7, "AF", "totalWeeklyCost", "TBC"]
    ]


# ---------------------------------------------------------------------------------------------
# CSV encodings and delimiters


def _write(path, rows, encoding="utf-8", delimiter=",", header=COLUMNS, before=""):
    path.write_bytes((before + csv_text(rows, header, delimiter)).encode(encoding))
    return path


def test_windows_1252_csv_with_pound_costs(tmp_path):
    rows = [placement(1, name_of_officer_referral="Zoë Brontë"), placement(2)]
    path = _write(tmp_path / "cp1252.csv", rows, encoding="cp1252")
    assert b"\xa3" in path.read_bytes()  # £ as Windows writes it
    table = read_file(path)
    assert table.encoding == "cp1252" and "Windows-1252" in table.evidence[0]
    result = check_files([path], run_checks=False)
    assert result.data["totalWeeklyCost"].tolist() == [1234.5, 4350.0]
    assert result.data["referralOfficerName"].tolist() == ["Zoë Brontë", "A Khan"]


def test_a_bom_does_not_end_up_in_the_first_header(tmp_path):
    path = _write(tmp_path / "bom.csv", [placement(1)], encoding="utf-8-sig")
    table = read_file(path)
    assert table.headers[0] == "child_ID"
    assert detect(table).layout.id == "csv-2026-06"


@pytest.mark.parametrize(
    ("delimiter", "word"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe"), (",", "comma")]
)
def test_delimiters_are_detected(tmp_path, delimiter, word):
    # commas inside money must not fool the sniffer into splitting a semicolon file on commas
    path = _write(tmp_path / "d.csv", [placement(i) for i in (1, 2, 3)], delimiter=delimiter)
    table = read_file(path)
    assert table.delimiter == delimiter and f"{word}-separated" in table.evidence[0]
    assert table.headers == COLUMNS
    assert table.data.loc[2, col("cost_total_weekly")] == "£1,234.50"


def test_utf16_text_from_excel(tmp_path):
    path = _write(tmp_path / "unicode.txt", [placement(1)], encoding="utf-16", delimiter="\t")
    table = read_file(path)
    assert table.encoding == "utf-16" and table.headers == COLUMNS
    assert table.data.loc[2, 0] == "LA900001"


def test_sniffers():
    assert sniff_encoding(b"\xef\xbb\xbfchild_ID") == "utf-8-sig"
    assert sniff_encoding("£5".encode("cp1252")) == "cp1252"
    assert sniff_encoding("£5".encode()) == "utf-8"
    assert sniff_encoding("child_ID,x".encode("utf-16-le")) == "utf-16-le"
    assert sniff_delimiter("a;b;c\n1;£1,234.50;3\n") == ";"


# ---------------------------------------------------------------------------------------------
# Header row, row numbers, blank rows


def test_national_csv_section_row_and_row_numbers(tmp_path):
    path = _write(tmp_path / "national.csv", [placement(1), placement(2)], before=SECTION_ROW)
    table = read_file(path)
    assert table.header_row == 2 and "header in row 2" in table.evidence[0]
    assert list(table.data.index) == [3, 4]  # the row numbers an officer sees in Excel
    assert table.data.loc[3, 0] == "LA900001"


def test_blank_rows_inside_are_counted_and_blank_rows_at_the_end_ignored(tmp_path):
    blank = [""] * len(COLUMNS)
    path = _write(tmp_path / "blanks.csv", [placement(1), blank, placement(2), blank, blank, blank])
    table = read_file(path)
    assert list(table.data.index) == [2, 3, 4]
    assert "3 empty rows after the last row of data ignored" in table.evidence
    summary = check_files([path], run_checks=False).summary()
    assert (summary["rows_in"], summary["rows_standard"], summary["rows_blank"]) == (3, 2, 1)


def test_ragged_rows_wider_than_the_header_never_shift_columns(tmp_path):
    # pandas alone would take the first cell of a wider first row as a row label and shift
    # every column; a stray cell must be reported, and the child ID stay the child ID
    rows = [placement(1) + ["stray"], placement(2)]
    path = _write(tmp_path / "wide.csv", rows)
    table = read_file(path)
    assert table.data[0].tolist() == ["LA900001", "LA900002"]
    assert [(f.rule, f.source_row) for f in table.findings] == [("ragged_row", 2)]


def test_quote_never_closed_loses_no_row(tmp_path):
    lines = csv_text([placement(i) for i in (1, 2, 3, 4)]).splitlines(keepends=True)
    lines[2] = lines[2].replace(",A Khan,", ',"A Khan,', 1)  # row 3 opens a quote; nothing closes it
    path = tmp_path / "quote.csv"
    path.write_text("".join(lines), encoding="utf-8")
    result = check_files([path], run_checks=False)
    assert result.data["childId"].tolist() == ["LA900001", "LA900002", "LA900003", "LA900004"]
    quote = result.findings[result.findings["rule"] == "unclosed_quote"]
    assert quote["source_row"].tolist() == [3] and "rows 3 to 5" in quote["message"].iloc[0]


@pytest.mark.parametrize(
    ("stray", "row", "words"), [("LA900002,", 3, "rows 3 to 4"), ("LA900003,", 4, "one cell")]
)
def test_quote_open_to_the_end_of_the_file_loses_no_row(tmp_path, stray, row, words):
    # no other quote mark in the file: the stray one runs to the end of the file
    rows = [placement(i, cost_total_weekly="980", cost_core_weekly="") for i in (1, 2, 3)]
    text = csv_text(rows)
    assert '"' not in text
    path = tmp_path / "eof.csv"
    path.write_text(text.replace(stray, '"' + stray, 1), encoding="utf-8")
    result = check_files([path], run_checks=False)
    assert result.summary()["rows_in"] == 3 and result.data["childId"].iloc[0] == "LA900001"
    quote = result.findings[result.findings["rule"] == "unclosed_quote"]
    assert quote["source_row"].tolist() == [row] and words in quote["message"].iloc[0]


def test_a_windows_1252_line_far_down_a_utf8_file(tmp_path):
    # the first 64 KB are UTF-8, so the fast reader starts; the late £ (byte A3) sends it back
    rows = [placement(i, name_of_officer_referral="Zoë Smith") for i in range(1, 400)]
    text = csv_text(rows)
    late = csv_text([placement(400, cost_total_weekly="£99.00")]).split("\r\n", 1)[1]
    path = tmp_path / "appended.csv"
    path.write_bytes(text.encode("utf-8") + late.encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    result = check_files([path], run_checks=False)
    assert result.data["totalWeeklyCost"].iloc[-1] == 99.0
    assert result.data["referralOfficerName"].iloc[0] == "Zoë Smith"
    mixed = result.findings[result.findings["rule"] == "mixed_encoding"]
    assert mixed["source_row"].tolist() == [401] and result.files[0].table.encoding == "mixed"


def test_cells_longer_than_pythons_csv_limit_are_read_in_the_careful_reader(tmp_path):
    long_text = "x" * 300_000
    rows = [placement(1, additional_support_other=long_text) + ["stray"], placement(2)]
    table = read_file(_write(tmp_path / "long.csv", rows))
    assert table.data.loc[2, col("additional_support_other")] == long_text
    assert [f.rule for f in table.findings] == ["ragged_row"]


def test_excel_text():
    assert excel_text(dt.datetime(2024, 2, 12)) == "2024-02-12"
    assert excel_text(dt.datetime(2024, 2, 12, 9, 30)) == "2024-02-12 09:30:00"
    assert excel_text(2.0) == "2" and excel_text(1234.5) == "1234.5"
    assert excel_text(True) == "TRUE" and excel_text(None) == ""


# ---------------------------------------------------------------------------------------------
# Several files per LA


def test_quarterly_files_combine_and_keep_their_provenance(tmp_path, june_with_data):
    q2 = _write(tmp_path / "LA01_Q2.csv", [placement(i) for i in (11, 12)], before=SECTION_ROW)
    q3 = _write(tmp_path / "LA01_Q3.csv", [placement(i) for i in (21, 22, 23)] + [[""] * len(COLUMNS)])
    result = check_files([june_with_data, q2, q3], la="LA01", run_checks=False)
    summary = result.summary()
    assert [f["rows_in"] for f in summary["files"]] == [3, 2, 3]
    assert (
        summary["rows_in"] == 8 == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
    )
    provenance = list(zip(result.data["_source_file"], result.data["_source_row"], strict=True))
    assert provenance == [
        (june_with_data.name, 5),
        (june_with_data.name, 6),
        (june_with_data.name, 7),
        ("LA01_Q2.csv", 3),
        ("LA01_Q2.csv", 4),
        ("LA01_Q3.csv", 2),
        ("LA01_Q3.csv", 3),
        ("LA01_Q3.csv", 4),
    ]
    assert result.data.loc[3, "childId"] == "LA900011"


def test_content_decides_the_reader_not_the_name(tmp_path, june_with_data):
    renamed = tmp_path / "really_a_workbook.csv"
    renamed.write_bytes(june_with_data.read_bytes())
    assert read_file(renamed).sheet == "Data Collection"


def test_missing_file_and_folder_are_one_line_errors(tmp_path):
    with pytest.raises(KitError, match="does not exist"):
        read_file(tmp_path / "nope.csv")
    with pytest.raises(KitError, match="is a folder"):
        read_file(tmp_path)


# ---------------------------------------------------------------------------------------------
# The sample region: six LAs, six shapes of file (sample_data/README.md)

SAMPLE = REPO / "sample_data"
# LA -> (layout the files are in, rows under the header that are the template's own)
SHAPES = {
    "Z01": ("xlsx-2026-06", {3: "the template's question row"}),  # example row deleted
    "Z02": ("xlsx-2026-06", {3: "the template's question row", 4: "the template's example row"}),
    "Z03": ("xlsx-2026-04", {3: "the template's question row", 4: "the template's example row"}),
    "Z04": ("csv-2026-06", {}),
    "Z05": (None, {}),
    "Z06": ("csv-2026-v2-draft", {}),
}


@pytest.fixture(scope="module")
def region():
    path = SAMPLE / "region.yml"
    if not path.exists():
        pytest.fail(f"{path} is missing: run 'python -m kit synth --out sample_data'")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def answer_key():
    return pd.read_csv(SAMPLE / "answer_key.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sample_checked(region):
    """Every sample LA's files through read, detect, map and convert (no quality checks)."""
    return {
        la["code"]: check_files([SAMPLE / p for p in la["placements"]], la=la["code"], run_checks=False)
        for la in region["las"]
    }


@pytest.mark.parametrize("code", sorted(SHAPES))
def test_each_sample_la_is_read_in_its_own_shape(region, sample_checked, code):
    la = next(la for la in region["las"] if la["code"] == code)
    layout_id, template_rows = SHAPES[code]
    first = read_file(SAMPLE / la["placements"][0])
    det = detect(first)
    assert (det.layout.id if det.layout else None) == layout_id
    assert det.version == la["placements_version"]
    assert first.template_rows == template_rows
    assert first.headers[0] == "child_ID"  # no BOM, whatever the encoding
    result = sample_checked[code]
    summary = result.summary()
    assert summary["rows_in"] == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
    assert len(summary["files"]) == len(la["placements"]) == result.data["_source_file"].nunique()
    assert set(result.data["_la"]) == {code}


def test_the_sample_csv_in_windows_1252_reads_its_pound_signs(region):
    la = next(la for la in region["las"] if la["code"] == "Z04")
    table = read_file(SAMPLE / la["placements"][0])
    assert table.encoding == "cp1252" and table.header_row == 2
    costs = table.data[col("cost_total_weekly")]
    assert costs.str.startswith("£").any() and not costs.str.contains("\ufffd").any()


READABLE = {  # planted defect -> the finding the reader and converter must give on its cell
    "month_first_date": "not_a_date",
    "impossible_date": "not_a_date",
    "cost_not_a_number": "not_amount",
    "siblings_not_a_number": "not_whole_number",
    "not_yes_no": "not_yes_no",
    "full_postcode": "full_postcode",
    "malformed_outward_code": "not_outward_code",
    "unknown_code_placement_type": "unknown_code",
    "unknown_code_pets": "unknown_code",
    "unknown_code_risk": "unknown_code",
    "missing_child_id": "missing_child_id",
}


def test_every_planted_value_defect_is_found_on_its_cell(sample_checked, answer_key):
    planted = answer_key[answer_key["kind"].isin(READABLE)]
    assert len(planted) >= 60
    found = set()
    for result in sample_checked.values():
        for f in result.findings.dropna(subset=["source_row"]).itertuples():
            found.add((f.source_file, int(f.source_row), f.source_column, f.rule))
    for p in planted.itertuples():
        cell = (Path(p.file).name, int(p.source_row), p.source_column, READABLE[p.kind])
        assert cell in found, f"{p.kind} {p.value!r} in {p.file} row {p.source_row} column {p.source_column}"


def test_planted_variant_spellings_become_codes_without_a_finding(sample_checked):
    variants = pd.read_csv(SAMPLE / "variants_key.csv", dtype=str, keep_default_na=False)
    assert len(variants) > 100
    for code, result in sample_checked.items():
        data = result.data.set_index(["_source_file", "_source_row"])
        flagged = {(f.source_file, f.source_row, f.field) for f in result.findings.itertuples()}
        headers = {
            (f.table.path.name, m.field): m.header for f in result.files for m in f.matches if m.applied
        }
        for v in variants[variants["la"] == code].itertuples():
            key = (Path(v.file).name, int(v.source_row))
            assert (*key, v.field) not in flagged, v
            value = data.loc[key, v.field]
            if result.standard.field(v.field).type == "boolean":
                # "education disrupted? No" in the template is isEducationContinuous = true
                header = normalise_header(headers[(key[0], v.field)])
                inverted = result.standard.field(v.field).invert_from_template and header != v.field.lower()
                assert value == ((v.canonical == "Yes") != inverted), v
            else:
                assert value == v.canonical, v
