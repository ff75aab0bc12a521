"""Write the malformed-input corpus the tests read (run once; the files are committed).

    .venv/bin/python tests/data/malformed/make_corpus.py

Every file is one distinct way an LA's file arrives broken. The files are small (the whole
corpus is well under 2 MB) and deterministic: running this again rewrites the same bytes. All
values are synthetic. What the kit must do with each file is asserted in
``tests/test_malformed_inputs.py``: a one-line error naming the file (exit 2), or row-level
findings with every row accounted for.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

from kit import standards  # noqa: E402

COLUMNS = standards.load("placements", "1").layout("csv-2026-06").columns
XLSX_COLUMNS = standards.load("placements", "1").layout("xlsx-2026-06").columns
FIXED_TIME = (2026, 6, 24, 12, 0, 0)

# Realistic answers for one placement, cycled by row (known variant spellings included).
VALUES = {
    "when_placement_is_needed_by": ["Today", "< 5days", "> 5 days", "< 5 days"],
    "number_of_siblings_to_place_with": ["0", "1", "NA", "2"],
    "is_preferred_location_local": ["Yes", "No", "Yes", "yes"],
    "out_of_LA_reason": ["", "Court Order", "", "Safeguarding concerns"],
    "communication_language_learning_needs": ["No", "Yes", "Not Specified", "No"],
    "specific_communication_and_language_requirements": ["None", "ESOL", "None", "BSL;Makaton"],
    "adaptation_to_the_home": ["No", "No", "Yes", "No"],
    "cultural_needs": ["Not Required", "Required", "Not Known", "Not required"],
    "who_can_the_child_be_cared_for_alongside": [
        "No preference",
        "Only With Other younger children",
        "Solo placement recommended",
        "With other children recommended",
    ],
    "can_child_live_with_pets": ["Yes-can", "No", "Yes - can", "Not known"],
    "additional_support": ["NA", "Taxis to school", "Therapeutic support;Taxis to school", "NA"],
    "dol": ["No", "No", "Yes", "No"],
    "foster_care_suitability": ["Preferred", "Unsuitable", "Suitable but not preferred", "Preferred"],
    "residential_care_suitability": ["Unsuitable", "Preferred", "Suitable but not preferred", "Unsuitable"],
    "supported_accommodation": ["Unsuitable", "Not specified", "Unsuitable", "Unsuitable"],
    "cost_core_weekly": ["", "£4,100.00", "", "850"],
    "cost_total_weekly": ["£1,234.50", "£4,350.00", "980", "£1,020.75"],
    "placement_location": ["TA1", "BS10", "EX4", "ta2"],
    "preferrability_of_placement_location": ["Yes", "No", "Yes", "Yes"],
    "education_continuity": ["No", "Yes", "No", "No"],
    "provider_URN": ["SC123456", "SC654321", "SC111222", "SC333444"],
    "how_many_siblings_were_placed_together": ["0", "1", "0", "2"],
    "placement_type": ["Foster", "Residential ", "Foster", "Supported Accommodation"],
    "name_of_officer_referral": ["J Smith", "A Khan", "R Jones", "M Patel"],
    "Date_entry_referral": ["12/2/2024", "03/03/2024", "1/4/2024", "15/05/2024"],
    "name_of_officer_placement": ["J Smith", "A Khan", "R Jones", "M Patel"],
    "date_entry_placement": ["21/3/2024", "10/04/2024", "2/5/2024", "20/06/2024"],
    "name_of_officer_placement_cost": ["J Smith", "A Khan", "R Jones", "M Patel"],
    "date_entry_placement_cost": ["30/4/2024", "11/04/2024", "3/5/2024", "21/06/2024"],
}


def placement(i: int, columns: list[str] = COLUMNS, **overrides: str) -> list[str]:
    """Row ``i`` (1-based) of a realistic placements file, one cell per column of ``columns``."""
    row = {c: (VALUES[c][(i - 1) % 4] if c in VALUES else "") for c in columns}
    for c in columns:
        if c.startswith("risk_to_"):
            row[c] = "Risk Present" if (i + len(c)) % 5 == 0 else "No known risk"
    row["child_ID"] = f"LA9{i:05d}"
    row.update(overrides)
    return [row[c] for c in columns]


def csv_text(rows: list[list[str]], header: list[str] = COLUMNS, delimiter: str = ",") -> str:
    """A CSV as Excel writes it (CRLF line ends, quotes only where needed)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write(name: str, data: bytes | str) -> None:
    path = HERE / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def deterministic(path: Path) -> None:
    """Rewrite a zip (an .xlsx) with fixed timestamps, so that re-running gives the same bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            out.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)


def workbook(sheets: dict[str, list[list[object]]]):
    """An openpyxl workbook with the given sheets (rows of cell values from A1)."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 6, 24, 12, 0)
    return wb


def save_workbook(wb, name: str) -> Path:
    path = HERE / name
    wb.save(path)
    deterministic(path)
    return path


# ---------------------------------------------------------------------------------------------
# Files that cannot be used at all (the kit must stop with one line naming the file)


def unusable() -> None:
    write("empty.csv", b"")
    write("whitespace_only.csv", "\r\n   \r\n\t\r\n")
    write("all_blank_rows.csv", ",,,,,,,,\r\n" * 40)
    rng = random.Random(2026)
    write("binary_junk.csv", bytes(rng.randrange(256) for _ in range(4096)))
    write("pdf_named.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    # An encrypted .xlsx is an OLE compound file, not a zip: this is its signature and header.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    write("password_protected.xlsx", ole + bytes(rng.randrange(256) for _ in range(2000)))
    write("old_format.xls", ole + bytes(rng.randrange(256) for _ in range(2000)))
    write("empty.xlsx", b"")
    wb = workbook({"Data": [COLUMNS, placement(1), placement(2)]})
    good = save_workbook(wb, "corrupt_truncated.xlsx").read_bytes()
    write("corrupt_truncated.xlsx", good[: len(good) // 2])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("notes.txt", FIXED_TIME), "Q1 placements: see the shared drive.\n")
    write("zip_not_a_workbook.xlsx", buf.getvalue())
    wb = workbook(
        {
            "Cover": [["Quarterly placements return"], ["Prepared by the commissioning team"]],
            "Notes": [["Question", "Answer"], ["Who to contact", "Placements team"]],
        }
    )
    save_workbook(wb, "wrong_sheets.xlsx")
    write(
        "not_placements.csv",
        csv_text([["Acacia House", "1 High St", "01234 567890"]], ["Name", "Address", "Phone"]),
    )
    header = [f"measure_{i:04d}" for i in range(1, 3001)]
    write("thousands_of_columns.csv", csv_text([[str(i % 7) for i in range(3000)]], header))
    write(
        "html_named.xls",
        "<html><body><table><tr><td>child_ID</td><td>placement_type</td></tr>"
        "<tr><td>LA900001</td><td>Foster</td></tr></table></body></html>\r\n",
    )


# ---------------------------------------------------------------------------------------------
# Files that are usable but damaged (row-level findings; every row accounted for)


def damaged() -> None:
    rows = [placement(i) for i in range(1, 6)]
    write("header_only.csv", csv_text([]))

    header = list(COLUMNS) + ["cost_total_weekly", "child_ID"]
    write("duplicate_headers.csv", csv_text([r + ["£9.99", "OTHER-ID"] for r in rows], header))

    ragged = [list(r) for r in rows]
    ragged[1] = ragged[1] + ["stray", "cells"]  # row 3: two cells past the last column
    ragged[3] = ragged[3][:10]  # row 5: cut short (the rest read as empty)
    write("ragged_rows.csv", csv_text(ragged))

    text = csv_text(rows).replace("LA900002", "LA9\x0000002").replace("Court Order", "Court\x00 Order")
    write("nul_bytes.csv", text.encode("utf-8") + b"\x00\x00\x00\x00")

    # Lines 1-3 saved as UTF-8, lines 4-6 appended from a Windows program (cp1252 "£" is 0xA3).
    mixed = csv_text(rows).replace("J Smith", "Zo\u00eb Smith").splitlines(keepends=True)
    data = b"".join(line.encode("utf-8") if n < 3 else line.encode("cp1252") for n, line in enumerate(mixed))
    write("mixed_encodings.csv", data)

    long_rows = [list(r) for r in rows]
    long_rows[2][COLUMNS.index("additional_support_other")] = "Weekend respite. " * 12000  # ~200,000 chars
    write("very_long_cells.csv", csv_text(long_rows))

    lines = csv_text(rows).splitlines(keepends=True)
    lines[3] = lines[3].replace(",R Jones,", ',"R Jones,', 1)  # a quote opened in row 4, never closed
    assert '"R Jones' in lines[3]
    write("unclosed_quote.csv", "".join(lines))

    clean = csv_text(rows).splitlines(keepends=True)
    write(
        "trailing_delimiters.csv",
        "".join(ln.rstrip("\r\n") + ",\r\n" if n else ln for n, ln in enumerate(clean)),
    )

    header = list(COLUMNS) + ["", "LA notes"]
    write("unnamed_column.csv", csv_text([r + ["checked by JS", "ok"] for r in rows], header))

    inner = [rows[0], [""] * len(COLUMNS), rows[1], placement(3, child_ID=""), [""] * len(COLUMNS), rows[4]]
    write("blank_and_idless_rows.csv", csv_text(inner))

    title = "Placements return, Q1 2026-27\r\nSouthshire County Council\r\n\r\n"
    write("title_rows_above_header.csv", title + csv_text(rows))

    write("example_row_left_in.csv", csv_text([rows[0], placement(2, child_ID="ABCD2012"), rows[2]]))

    euro = [
        placement(i, cost_total_weekly=v) for i, v in enumerate(["1.234,50", "980,00", "£1,234.50"], start=1)
    ]
    write("decimal_commas.csv", csv_text(euro, delimiter=";"))

    us = [
        placement(i, Date_entry_referral=v)
        for i, v in enumerate(["12/31/2024", "2/13/2024", "12/2/2024"], start=1)
    ]
    write("month_first_dates.csv", csv_text(us))

    write(
        "mixed_line_endings.csv",
        "\n".join(csv_text(rows).split("\r\n")[:3]) + "\r" + "\r\n".join(csv_text(rows).split("\r\n")[3:]),
    )

    write("csv_named_xlsx.xlsx", csv_text(rows))

    excel_damaged(rows)


def excel_damaged(rows: list[list[str]]) -> None:
    xrows = [placement(i, XLSX_COLUMNS) for i in range(1, 6)]
    wb = workbook({"Data Collection": [["Determinants of placement availability"], XLSX_COLUMNS, *xrows]})
    ws = wb["Data Collection"]
    total = XLSX_COLUMNS.index("cost_total_weekly") + 1
    for r in range(3, 8):  # formulas written without cached values: Excel never recalculated them
        ws.cell(r, total).value = f"=SUM(AB{r}:AE{r})"
    save_workbook(wb, "formulas_without_values.xlsx")

    wb = workbook({"Sheet1": [XLSX_COLUMNS, *xrows, *[placement(i, XLSX_COLUMNS) for i in range(6, 13)]]})
    path = save_workbook(wb, "wrong_used_range.xlsx")
    with zipfile.ZipFile(path) as src:  # the stored "used range" claims A1:B2 (rows 3-13 exist)
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="A1:B2"/>', data)
                assert n == 1, "openpyxl no longer writes a <dimension> tag"
            out.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)

    cover = [["Quarterly placements return"], ["Send to the regional team by 15 July"]]
    wb = workbook({"Cover": cover, "Placements": [XLSX_COLUMNS, *xrows]})
    save_workbook(wb, "data_on_second_sheet.xlsx")

    wide = [list(r) + ["", "", "note: check cost"] if i == 2 else list(r) for i, r in enumerate(xrows)]
    wb = workbook({"Data Collection": [XLSX_COLUMNS, *wide]})
    save_workbook(wb, "cells_outside_header.xlsx")


# ---------------------------------------------------------------------------------------------
# Hostile files (issue 17): IDs that would merge children, values that would corrupt figures,
# sheets nobody sees, a spreadsheet format the kit does not read

PLACEHOLDERS = ["NULL", "None", "nan", "#N/A", "?", "-", "N/A", "unknown"]


def hostile() -> None:
    # Eight rows whose child ID stands for "no ID" (each would otherwise become one shared "child").
    rows = [placement(1), *[placement(i + 2, child_ID=p) for i, p in enumerate(PLACEHOLDERS)], placement(10)]
    write("placeholder_child_ids.csv", csv_text(rows))
    # The same child written four ways that look identical on screen, and a second child twice.
    ids = [
        "LA900001",
        "LA9\u200b00001",  # a zero-width space inside
        "\u202eLA900001",  # a right-to-left override in front
        "LA900\ufeff001",  # a BOM inside
        "L\u0410900002",  # a Cyrillic capital A
        "LA900002",
    ]
    write(
        "invisible_and_lookalike_ids.csv", csv_text([placement(i + 1, child_ID=c) for i, c in enumerate(ids)])
    )
    # Values that would corrupt a figure if read: 40 nines as a weekly cost, a referral in year 1,
    # a date in year 9999, Arabic-Indic digits in a cost and in a count.
    bad = [
        placement(1, cost_total_weekly="9" * 40),
        placement(2, Date_entry_referral="01/01/0001"),
        placement(3, date_entry_placement_cost="31/12/9999"),
        placement(4, cost_total_weekly="\u0661\u0662\u0663\u0664"),
        placement(5, number_of_siblings_to_place_with="\u0662"),
        placement(6),
    ]
    write("implausible_values.csv", csv_text(bad))
    # A file of rows, none of them with a child ID: the LA has no usable rows this period.
    write("every_child_id_blank.csv", csv_text([placement(i, child_ID="") for i in range(1, 5)]))
    # The data on a hidden sheet named as the template's data sheet, a very hidden sheet beside it.
    xrows = [placement(i, XLSX_COLUMNS) for i in range(1, 4)]
    wb = workbook(
        {
            "Cover": [["Quarterly placements return"]],
            "Data Collection": [XLSX_COLUMNS, *xrows],
            "Lookup": [["code"], ["x"]],
        }
    )
    wb["Data Collection"].sheet_state = "hidden"
    wb["Lookup"].sheet_state = "veryHidden"
    save_workbook(wb, "hidden_sheets.xlsx")
    # An OpenDocument spreadsheet (LibreOffice's own format): a zip whose first entry names it.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        mime = zipfile.ZipInfo("mimetype", FIXED_TIME)
        z.writestr(mime, "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr(
            zipfile.ZipInfo("content.xml", FIXED_TIME), "<office:document-content/>", zipfile.ZIP_DEFLATED
        )
    write("opendocument.ods", buf.getvalue())


# ---------------------------------------------------------------------------------------------
# Safe outputs (issue 17, items 2 and 3): cells that would run as formulas in whatever opens an
# output, and region files whose LA codes would write outside the output folder

FORMULA_PAYLOADS = {
    "name_of_officer_referral": '=HYPERLINK("http://example.invalid/?leak","Open")',
    "name_of_officer_placement": "+1+2",
    "name_of_officer_placement_cost": "@SUM(A1:A9)",
    "out_of_LA_reason": "-2+3",
    "additional_support_other": "\t=1+1",
    "provider_URN": "=1+2",
    "placement_location": "\r=1+1",
    "placement_type": "=cmd|' /C calc'!A0",
    "cost_total_weekly": "=9*9",
    "Date_entry_referral": "=TODAY()",
}
FORMULA_HEADER = '=HYPERLINK("http://example.invalid/","notes")'  # an LA's own column, kept as extra


def formula_payloads() -> None:
    """Rows 2-4 carry one payload per column named in FORMULA_PAYLOADS (row 3 also a CR inside a cell);
    an extra column of the LA's own has a payload header and values."""
    header = [*COLUMNS, FORMULA_HEADER]
    rows = [placement(1) + ["+44 1234 567890"]]
    rows.append(placement(2, **FORMULA_PAYLOADS) + ["=1+1"])
    rows.append(placement(3, additional_support_other="ok\r=2+2", cost_core_weekly="-3") + ["@x"])
    rows.append(placement(4, child_ID="=LA900004") + ["-"])
    rows.append(placement(5) + ["plain"])
    write("formula_payloads.csv", csv_text(rows, header))


def region_cases() -> None:
    """Region files (in regions/) whose LA code is a path: each must be refused before any work."""
    folder = HERE / "regions"
    folder.mkdir(exist_ok=True)
    sample = (REPO / "sample_data" / "region.yml").read_text(encoding="utf-8")
    rel = "../../../../sample_data/"
    text = re.sub(
        r"^(\s+(?:- )?)(placements|person|ssda903|reference)/", rf"\g<1>{rel}\2/", sample, flags=re.M
    )
    text = re.sub(r"^(\s+\w+: )(placements|person|ssda903|reference)/", rf"\g<1>{rel}\2/", text, flags=re.M)
    text = text.replace("output: ../outputs/sample-region", "output: ../../../../outputs/malformed-region")
    for name, code in {
        "la_code_parent_path.yml": "../../../escaped",
        "la_code_absolute_path.yml": "/tmp/escaped",
    }.items():
        (folder / name).write_text(text.replace("- code: Z01\n", f"- code: '{code}'\n", 1), encoding="utf-8")
    # A threshold that would publish counts of 1 and 2: the run must refuse it (issue 17, item 6).
    (folder / "suppress_below_one.yml").write_text(
        re.sub(r"suppress_below: \d+", "suppress_below: 1", text), encoding="utf-8"
    )


if __name__ == "__main__":
    unusable()
    damaged()
    hostile()
    formula_payloads()
    region_cases()
    files = sorted(p for p in HERE.iterdir() if p.suffix != ".py")
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files ({size / 1e6:.2f} MB) in {HERE}")
