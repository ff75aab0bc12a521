"""One reader for every input file: reference files in any encoding, pipes and folders refused.

The SSDA903, Ofsted and postcode readers go through :mod:`kit.read`, so a file saved as
Windows-1252, as UTF-8 with a byte-order mark, with its lines in a mix of the two, or as a
workbook gives the same table as clean UTF-8 text, and the codes ``NA`` and ``None`` stay text.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import REPO, no_hang

from kit.core.errors import KitError
from kit.mapping.mapping_file import load_mapping
from kit.outputs.feedback import copy_with_fixes
from kit.read import read_file, read_table, read_text
from kit.region.ofsted import read_register
from kit.region.postcodes import read_districts
from kit.region.ssda903 import read_903_file

SAMPLE = REPO / "sample_data"
ENCODINGS = ["cp1252", "utf-8-sig", "mixed", "xlsx"]


def _rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def _lines(rows: list[list[str]]) -> list[str]:
    return [",".join(f'"{c}"' if "," in c else c for c in row) + "\r\n" for row in rows]


def _save(rows: list[list[str]], path: Path, how: str) -> Path:
    """The table saved the way an LA's system or Excel might: ``utf-8``, ``cp1252``, ``utf-8-sig``,
    ``mixed`` (the first half of the lines UTF-8, the rest Windows-1252) or ``xlsx`` (every cell as text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "xlsx":
        path = path.with_suffix(".xlsx")
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(path)
        return path
    lines = _lines(rows)
    if how == "mixed":
        utf8 = [i < len(lines) // 2 for i in range(len(lines))]
        assert any(u and not ln.isascii() for u, ln in zip(utf8, lines, strict=True))
        assert any(not u and not ln.isascii() for u, ln in zip(utf8, lines, strict=True))
        data = b"".join(ln.encode("utf-8" if u else "cp1252") for u, ln in zip(utf8, lines, strict=True))
    else:
        data = "".join(lines).encode(how)
    path.write_bytes(data)
    return path


def _with_codes(rows: list[list[str]], column: str, values: list[str], every: int = 3) -> list[list[str]]:
    """A copy of ``rows`` with ``values`` (non-ASCII text, NA, None) written in ``column`` now and then."""
    out = [list(r) for r in rows]
    col = out[0].index(column)
    for i, row in enumerate(out[1:], start=1):
        if i % every == 0:
            row[col] = values[(i // every) % len(values)]
    return out


# ---------------------------------------------------------------------------------------------
# The three kinds of reference file


def _903(folder: Path, table: str, how: str) -> tuple[pd.DataFrame, list, int]:
    rows = _rows(SAMPLE / "ssda903" / "Z04" / "2025-26" / f"{table}.csv")
    column = {"episodes": "URN", "header": "ETHNIC", "uasc": "SEX"}[table]
    rows = _with_codes(rows, column, ["NA", "None", "Café £", "N/A"])
    if table == "episodes":
        rows = _with_codes(rows, "REASON_PLACE_CHANGE", ["NA", "None", "Brontë"], every=2)
    return read_903_file(_save(rows, folder / how / "2025-26" / f"{table}.csv", how), table, "Z04")


@pytest.mark.parametrize("table", ["episodes", "header", "uasc"])
@pytest.mark.parametrize("how", ENCODINGS)
def test_903_files_in_any_encoding_read_as_clean_utf8(tmp_path, table, how):
    clean, clean_findings, clean_n = _903(tmp_path, table, "utf-8")
    frame, findings, n = _903(tmp_path, table, how)
    if how == "xlsx":  # the same rows, from a file with another name
        frame["_source_file"] = frame["_source_file"].str.replace(".xlsx", ".csv")
        findings = [
            f.__class__(**{**vars(f), "source_file": f.source_file.replace(".xlsx", ".csv")})
            for f in findings
        ]
    pd.testing.assert_frame_equal(frame, clean)
    assert (n, findings) == (clean_n, clean_findings)
    if table == "episodes":
        assert {"NA", "NONE", "BRONTË"} <= set(frame["REASON_PLACE_CHANGE"].dropna())
    if table == "header":
        assert {"NA", "NONE", "CAFÉ £"} <= set(frame["ETHNIC"].dropna())


def _register(folder: Path, how: str) -> pd.DataFrame:
    rows = _rows(SAMPLE / "reference" / "ofsted_providers.csv")
    rows = _with_codes(rows, "Organisation which owns the provider", ["Café £ Homes Ltd", "NA", "None"])
    rows = _with_codes(rows, "Sector", ["NA", "None"], every=7)
    title = [["Children's social care providers, Ofsted (title row)"] + [""] * (len(rows[0]) - 1)]
    return read_register(_save(title + rows, folder / how / "register.csv", how))


@pytest.mark.parametrize("how", ENCODINGS)
def test_the_ofsted_register_in_any_encoding_reads_as_clean_utf8(tmp_path, how):
    clean = _register(tmp_path, "utf-8")
    frame = _register(tmp_path, how)
    pd.testing.assert_frame_equal(frame, clean)
    assert {"Café £ Homes Ltd", "NA", "None"} <= set(frame["provider_owner"].dropna())
    assert {"NA", "None"} <= set(frame["provider_sector"].dropna())


def _districts(folder: Path, how: str) -> pd.DataFrame:
    rows = _rows(SAMPLE / "reference" / "postcode_districts.csv")
    rows = _with_codes(rows, "laua_name", ["Ynys Môn £", "NA", "None"])
    return read_districts(_save(rows, folder / how / "districts.csv", how))


@pytest.mark.parametrize("how", ENCODINGS)
def test_the_postcode_lookup_in_any_encoding_reads_as_clean_utf8(tmp_path, how):
    clean = _districts(tmp_path, "utf-8")
    frame = _districts(tmp_path, how)
    pd.testing.assert_frame_equal(frame, clean)
    assert {"Ynys Môn £", "NA", "None"} <= set(frame["la_name"].dropna())


def test_a_reference_table_keeps_user_row_numbers_and_reports_mixed_lines(tmp_path):
    rows = [["CHILD", "NOTE"], ["1", "£5"], ["2", "NA"], ["3", "é"]]
    table = read_table(_save(rows, tmp_path / "t.csv", "mixed"))
    assert table.encoding == "mixed" and any(f.rule == "mixed_encoding" for f in table.findings)
    frame = table.to_frame()
    assert list(frame.index) == [2, 3, 4]
    assert list(frame["NOTE"]) == ["£5", "NA", "é"]


# ---------------------------------------------------------------------------------------------
# Files that are not files


READERS = {
    "read_file": read_file,
    "read_table": read_table,
    "read_text": read_text,
    "903": lambda p: read_903_file(p, "episodes"),
    "ofsted": read_register,
    "postcodes": read_districts,
    "mapping": load_mapping,
    "copy_with_fixes": lambda p: copy_with_fixes(p, {"A2": "1"}, p.parent / "copy.csv"),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_a_named_pipe_given_as_an_input_file_is_one_sentence(tmp_path, reader):
    fifo = tmp_path / "2025-26" / "episodes.csv"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with no_hang(), pytest.raises(KitError, match=r"is a named pipe \(FIFO\), not a file saved on disk"):
        READERS[reader](fifo)


@pytest.mark.parametrize("reader", list(READERS))
def test_a_folder_given_as_an_input_file_is_one_sentence(tmp_path, reader):
    folder = tmp_path / "2025-26" / "episodes.csv"
    folder.mkdir(parents=True)
    with pytest.raises(KitError, match="is a folder; give the kit a CSV or Excel file"):
        READERS[reader](folder)


def test_a_mapping_file_saved_as_windows_1252_or_with_a_bom_is_read(tmp_path):
    text = "kit_mapping_format: 1\nstandard: placements\ncolumns:\n  Coût £: totalWeeklyCost\n"
    for encoding in ("cp1252", "utf-8-sig"):
        path = tmp_path / f"{encoding}.yml"
        path.write_bytes(text.encode(encoding))
        assert load_mapping(path).columns == {"Coût £": "totalWeeklyCost"}


# ---------------------------------------------------------------------------------------------
# An LA's return with its lines in two encodings, end to end


@pytest.fixture(scope="module")
def mixed_return(tmp_path_factory) -> Path:
    """A sample LA return whose first lines were saved as UTF-8 and the rest as Windows-1252."""
    source = SAMPLE / "placements" / "Z04" / "Z04_Sallowdene_2025-26_Q1.csv"
    text = source.read_bytes().decode("cp1252")
    lines = text.splitlines(keepends=True)
    assert sum("£" in ln for ln in lines[:40]) and sum("£" in ln for ln in lines[40:])
    path = tmp_path_factory.mktemp("mixed") / "Z04 return mixed.csv"
    path.write_bytes("".join(lines[:40]).encode("utf-8") + "".join(lines[40:]).encode("cp1252"))
    return path


def test_kit_check_reads_a_mixed_encoding_return_and_writes_its_feedback(mixed_return, tmp_path):
    source = read_file(mixed_return)
    pounds = {  # row the user sees -> (column position, cell) of the cells with a £ sign
        int(row): (col, cell)
        for row, cells in zip(source.data.index, source.data.itertuples(index=False), strict=True)
        for col, cell in enumerate(cells)
        if cell.startswith("£")
    }
    utf8_row, cp1252_row = min(pounds), max(pounds)
    assert utf8_row <= 40 < cp1252_row  # one from each part of the file
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "kit", "check", str(mixed_return), "--standard", "placements",
         "--la", "Z04", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    findings = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    assert "mixed_encoding" in set(findings["rule"])
    standard = pd.read_csv(out / "standard.csv", dtype=str, keep_default_na=False).set_index("_source_row")
    wb = openpyxl.load_workbook(out / "feedback.xlsx", read_only=True)
    ws = wb[next(n for n in wb.sheetnames if n.startswith("Rows"))]
    for row in (utf8_row, cp1252_row):
        col, cell = pounds[row]
        assert standard.loc[str(row), "totalWeeklyCost"] == cell.lstrip("£").replace(",", "")
        assert ws.cell(row=row, column=col + 1).value == cell  # the £ as the LA typed it
    wb.close()


def test_copy_with_fixes_copies_a_mixed_encoding_file(mixed_return, tmp_path):
    before = read_file(mixed_return)
    row, letter = 60, "A"
    copy = copy_with_fixes(mixed_return, {f"{letter}{row}": "FIXED1"}, tmp_path / "fixed.csv")
    after = read_file(copy)
    assert after.encoding == "utf-8"  # a mixed file is written back as UTF-8
    assert after.data.loc[row, 0] == "FIXED1"
    expected = before.data.copy()
    expected.loc[row, 0] = "FIXED1"
    pd.testing.assert_frame_equal(after.data, expected)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_copy_with_fixes_keeps_a_windows_1252_or_bom_file_in_its_encoding(tmp_path, encoding):
    path = tmp_path / "return.csv"
    path.write_bytes("child_ID,cost\r\n1,£5\r\n2,NA\r\n".encode(encoding))
    copy = copy_with_fixes(path, {"B3": "£7"}, tmp_path / "fixed.csv")
    assert copy.read_bytes() == "child_ID,cost\r\n1,£5\r\n2,£7\r\n".encode(encoding)
