"""Read any input file as it is: CSV or Excel, its header row and its real data rows.

Every cell is read as **text** (pandas would otherwise turn the codes ``NA`` and ``None`` into
missing values); what counts as empty is decided per field later, by the mapping. Every value
keeps where it came from: file, sheet, the row number the user sees, and the column letter.

Two entry points, one reading path (:mod:`kit.read.text` for CSV, :mod:`kit.read.excel` for
workbooks; the kind of file is decided by its content, not its name):

* :func:`read_file` for an LA's return: the data sheet found by name or by best header match,
  the header row found by the names the kit's standards know, a national template's question
  and example rows skipped, columns with values but no name kept (with a warning);
* :func:`read_table` for a reference file (SSDA903 extracts, the Ofsted register, the postcode
  district lookup): the header row found by a rule the caller gives (by default the first
  non-blank row), the first sheet (or the first whose rows fit the rule) read.

What the readers cope with, and what they report (as findings or evidence, never silently):

* CSV in UTF-8 (with or without a BOM), Windows-1252, UTF-16 ("Unicode text" from Excel), or a
  mix of UTF-8 and Windows-1252 lines (a warning); comma, semicolon, tab or pipe separators;
* a title or section-heading row above the column names;
* ragged rows, NUL bytes, a quote that is never closed, cells longer than Python's CSV limit;
* Excel: cached formula values, real dates and numbers, a wrong "used range" in the file.

Files that cannot be used at all (missing, a folder or a pipe, empty, binary, password-protected,
corrupt) raise :class:`KitError` with one sentence naming the file and what to do.

Standard-aware decisions that still live here rather than in :mod:`kit.detect`: the known header
names used to find the header row and the data sheet of an LA's return, and the national
templates' question and example rows (:func:`read_file` needs them before detection runs).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from kit import standards
from kit.core.errors import KitError
from kit.core.findings import Finding, column_letter
from kit.read.excel import OLE_SIGNATURE, excel_text, first_sheet, read_workbook, sheet_rows, worksheets
from kit.read.structure import ReportShape
from kit.read.table import (
    HeaderRule,
    SourceTable,
    check_input,
    check_width,
    first_row_rule,
    head,
    row_numbers,
)
from kit.read.text import HEADER_SCAN_ROWS, TextFile, read_text, sniff_delimiter, sniff_encoding
from kit.read.text import read_csv as _read_csv
from kit.standards import Layout, normalise_header

__all__ = [
    "HeaderRule",
    "SourceTable",
    "TextFile",
    "excel_text",
    "first_row_rule",
    "header_with",
    "layout_match",
    "read_csv",
    "read_excel",
    "read_file",
    "read_table",
    "read_text",
    "row_numbers",
    "sniff_delimiter",
    "sniff_encoding",
]

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
OLD_EXCEL_SUFFIXES = {".xls"}
ZIP_SIGNATURE = b"PK\x03\x04"


# ---------------------------------------------------------------------------------------------
# Known headers, used to find the header row and the data sheet


@functools.cache
def _known_headers() -> frozenset[str]:
    """Every normalised header name of every standard version the kit knows."""
    names: set[str] = set()
    for std_name, version in standards.available():
        names.update(standards.load(std_name, version).header_index())
    return frozenset(names)


@functools.cache
def _child_id_headers() -> frozenset[str]:
    """Normalised names a child-ID column goes by (to recognise a template's example row)."""
    names: set[str] = set()
    for std_name, version in standards.available():
        std = standards.load(std_name, version)
        child = std.roles.get("child")
        if child and std.has_field(child):
            names.update(normalise_header(n) for n in std.field(child).header_names)
    return frozenset(names)


def _header_score(row: list[str], known: frozenset[str]) -> int:
    return sum(1 for cell in row if cell and normalise_header(cell) in known)


def _find_header_row(rows: list[list[str]], known: frozenset[str]) -> tuple[int, int]:
    """(0-based index of the most header-like row, its score). Ties go to the earliest row."""
    best, best_score = 0, -1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _header_score(row, known)
        if score > best_score:
            best, best_score = i, score
    if best_score <= 0:  # nothing we know: the first non-blank row is the header
        best = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0)
        best_score = 0
    return best, best_score


def layout_match(headers: list[str], layout: Layout) -> float:
    """1.0 for a layout's exact columns in order; else the share of column names in common."""
    got = [normalise_header(h) for h in headers if h.strip()]
    want = [normalise_header(c) for c in layout.columns]
    if got == want:
        return 1.0
    common = len(set(got) & set(want))
    return common / max(len(set(got) | set(want)), 1)


def _known_header_rule(rows: list[list[str]]) -> tuple[int, int]:
    """An LA return's header row: the row with most of the names the kit's standards know."""
    return _find_header_row(rows, _known_headers())


def header_with(names: set[str] | frozenset[str], within: int = 20) -> HeaderRule:
    """A header rule: the first of the first ``within`` rows holding one of ``names`` (normalised).

    When none does, the first non-blank row, with score 0 (the caller decides what that means).
    """
    wanted = frozenset(normalise_header(n) for n in names)

    def rule(rows: list[list[str]]) -> tuple[int, int]:
        for i, row in enumerate(rows[:within]):
            score = _header_score(row, wanted)
            if score:
                return i, score
        return first_row_rule(rows)

    return rule


# ---------------------------------------------------------------------------------------------
# Excel


def _choose_sheet(wb, path: Path, sheet: str | None) -> tuple[str, list[str]]:
    """(the sheet to read, the evidence for choosing it)."""
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise KitError(
                f"{path.name} has no sheet called {sheet!r}; its sheets are: {', '.join(wb.sheetnames)}. "
                "Give one of those names with --sheet."
            )
        return sheet, [f"sheet {sheet!r} chosen by the user"]
    known = _known_headers()
    template_sheets = {lay.sheet for _, lay in standards.all_layouts() if lay.sheet}
    ignored = {s for _, lay in standards.all_layouts() for s in lay.ignore_sheets}
    scores = {}
    for name in worksheets(wb):
        ws = wb[name]
        if getattr(ws, "sheet_state", "visible") != "visible" and name not in template_sheets:
            continue
        _, score = _find_header_row(sheet_rows(ws, HEADER_SCAN_ROWS), known)
        # The template's data sheet wins by name; its old-layout sheet never does.
        bonus = 1000 if name in template_sheets else (-1000 if name in ignored else 0)
        scores[name] = (score + bonus if score > 0 else bonus, score)
    if not scores:
        raise KitError(
            f"{path.name} has no visible sheets with cells to read. Check this is the right workbook."
        )
    chosen = max(scores, key=lambda n: scores[n][0])
    if scores[chosen][1] <= 0 and len(scores) > 1:
        raise KitError(
            f"{path.name}: none of its sheets ({', '.join(wb.sheetnames)}) has column names the "
            "kit recognises. Pick the data sheet with --sheet, or check this is the right file."
        )
    why = "its name is the template's data sheet" if chosen in template_sheets else "best header match"
    return chosen, [f"sheet {chosen!r} read ({why}; {scores[chosen][1]} known column names)"]


def _sheet_fitting(header_rule: HeaderRule, sheet: str | None):
    """A sheet chooser for reference files: the sheet named, else the first visible sheet whose
    first rows fit ``header_rule``, else the first visible sheet."""

    def choose(wb, path: Path) -> tuple[str, list[str]]:
        if sheet is not None:
            return _choose_sheet(wb, path, sheet)
        for name in worksheets(wb):
            ws = wb[name]
            if (
                getattr(ws, "sheet_state", "visible") == "visible"
                and header_rule(sheet_rows(ws, HEADER_SCAN_ROWS))[1]
            ):
                return name, [f"sheet {name!r} read (the first whose column names fit)"]
        return first_sheet(wb, path)

    return choose


def _excel_table(path: Path, choose, header_rule: HeaderRule) -> SourceTable:
    """Read the chosen sheet of an .xlsx workbook (cached formula values, every cell as text)."""
    chosen, rows, evidence, hidden = read_workbook(path, choose)
    header_idx, score = header_rule(rows)
    if not rows or not any(c.strip() for c in rows[header_idx]):
        raise KitError(
            f"{path.name} [{chosen}] is empty. Check you saved the data in this workbook, or pick the "
            "data sheet with --sheet."
        )
    headers = [h.strip() for h in rows[header_idx]]
    body = rows[header_idx + 1 :]
    width = max([len(headers), *map(len, body)]) if body else len(headers)
    headers += [""] * (width - len(headers))
    check_width(f"{path.name} [{chosen}]", headers)
    first_row = header_idx + 2
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width), dtype=object)
    frame = frame.astype(str) if len(frame) else frame
    frame.index = row_numbers(first_row, len(frame))
    table = SourceTable(path=path, sheet=chosen, headers=headers, header_row=header_idx + 1, data=frame)
    table.evidence.extend(evidence)
    if hidden:
        table.findings.append(_hidden_sheets_finding(path, chosen, hidden, header_idx + 1))
    named = sum(1 for h in headers if h)
    table.evidence.append(f"header in row {header_idx + 1} ({score} of {named} column names known)")
    return table


def _hidden_sheets_finding(path: Path, chosen: str, hidden: list[tuple[str, str]], row: int) -> Finding:
    """A warning naming the workbook's hidden sheets, and whether the data came from one of them."""
    listed = "; ".join(f"'{name}' ({how})" for name, how in hidden)
    read_hidden = any(name == chosen for name, _ in hidden)
    what = (
        f"the data was read from the hidden sheet '{chosen}'. Unhide it and check it is the data you meant to send"
        if read_hidden
        else f"they were not read (the data came from '{chosen}'). If the data is on one of them, unhide it "
        "and name it with --sheet"
    )
    return Finding(
        rule="hidden_sheet",
        severity="warning",
        field="(file)",
        source_file=path.name,
        source_row=row,
        message=f"{path.name} has sheets nobody sees in Excel: {listed}; {what}.",
    )


def read_excel(path: Path, sheet: str | None = None) -> SourceTable:
    """Read the data sheet of an LA's .xlsx workbook (cached formula values, every cell as text)."""
    path = Path(path)
    return _excel_table(path, lambda wb, p: _choose_sheet(wb, p, sheet), _known_header_rule)


def read_csv(path: Path) -> SourceTable:
    """Read an LA's delimited text file, its header row found by the names the kit knows."""
    return _read_csv(Path(path), _known_header_rule)


# ---------------------------------------------------------------------------------------------
# After reading: unnamed columns, template rows, blank rows at the end


def _name_unnamed_columns(table: SourceTable) -> None:
    """Keep columns that hold values but have no name; drop empty unnamed columns at the end.

    A column without a name cannot be mapped, but its values are the LA's data: it is kept as
    the LA's own column ``unnamed column X`` and reported, never dropped.
    """
    data, headers = table.data, table.headers
    filled = {i: bool(len(data)) and bool((data[i] != "").any()) for i, h in enumerate(headers) if not h}
    last_named = max((i for i, h in enumerate(headers) if h), default=-1)
    keep = [i for i in range(len(headers)) if i <= last_named or filled.get(i)]
    keep = list(range(max(keep) + 1)) if keep else []  # empty columns between stay (letters!)
    for i in keep:
        if headers[i] or not filled.get(i):
            continue
        letter = column_letter(i)
        headers[i] = f"unnamed column {letter}"
        beyond = i > last_named
        table.findings.append(
            Finding(
                rule="cells_outside_header" if beyond else "unnamed_column",
                severity="warning",
                field="(column)",
                source_file=table.path.name,
                source_row=table.header_row,
                source_column=letter,
                message=(
                    f"Column {letter} holds values but has no column name; it is kept as the LA's own column "
                    f"'unnamed column {letter}'. Give the column a name, or delete the values."
                ),
            )
        )
    if len(keep) < len(headers):
        table.headers = headers[: len(keep)]
        table.data = data.iloc[:, : len(keep)]


def _skip_template_rows(table: SourceTable) -> None:
    """Skip a national template's question and example rows under its column names.

    The rows are looked for only when the columns match a template layout (90% of names in
    common), and only skipped when they look like what they are: the question row holds long,
    multi-line text; the example row holds the template's example child ID (``ABCD2012``).
    """
    best: tuple[float, Layout | None] = (0.0, None)
    for _, lay in standards.all_layouts():
        score = layout_match(table.headers, lay)
        if score > best[0]:
            best = (score, lay)
    score, lay = best
    if lay is None or score < 0.9:
        return
    child = next((i for i, h in enumerate(table.headers) if normalise_header(h) in _child_id_headers()), None)
    data = table.data
    for row_no in [lay.question_row, *lay.example_rows]:
        if not row_no:
            continue
        actual = table.header_row + (row_no - lay.header_row)
        if actual not in data.index:
            continue
        cells = [str(c) for c in data.loc[actual]]
        if row_no == lay.question_row and _looks_like_questions(cells):
            table.template_rows[actual] = "the template's question row"
        elif (
            row_no in lay.example_rows
            and child is not None
            and lay.example_child_id
            and cells[child].strip() == lay.example_child_id
        ):
            table.template_rows[actual] = "the template's example row"
    if table.template_rows:
        table.data = data.drop(index=list(table.template_rows))
        for row, why in sorted(table.template_rows.items()):
            table.evidence.append(f"row {row} skipped: {why} (not data)")


def _looks_like_questions(cells: list[str]) -> bool:
    """True for the template's question row: mostly long or multi-line text."""
    filled = [c for c in cells if c.strip()]
    if not filled:
        return False
    if filled[0].strip().lower().startswith("child id"):
        return True
    wordy = sum(1 for c in filled if "\n" in c or len(c) > 30)
    return wordy >= len(filled) / 2


def _drop_trailing_blank_rows(table: SourceTable) -> None:
    """Forget blank rows at the very end (Excel's used range); blank rows inside stay counted."""
    data = table.data
    if data.empty or not len(data.columns):
        return
    # Look backwards in growing blocks: a file usually ends on data, so this is cheap.
    end, block = len(data), 64
    while end > 0:
        start = max(0, end - block)
        filled = (data.iloc[start:end] != "").any(axis=1).to_numpy()
        hits = np.flatnonzero(filled)
        if len(hits):
            end = start + int(hits[-1]) + 1
            break
        end, block = start, block * 4
    if end < len(data):
        dropped = len(data) - end
        table.data = data.iloc[:end]
        table.evidence.append(f"{dropped:,} empty rows after the last row of data ignored")


def _no_data_finding(table: SourceTable) -> None:
    if len(table.data):
        return
    table.findings.append(
        Finding(
            rule="no_data_rows",
            severity="warning",
            field="(file)",
            source_file=table.path.name,
            source_row=table.header_row,
            message=(
                f"{table.name} has column names (row {table.header_row}) but no rows of data. If the LA had "
                "no placements in this period that is right; otherwise export the file again with its data."
            ),
        )
    )


# ---------------------------------------------------------------------------------------------
# Either


def _read_any(path: Path, choose, header_rule: HeaderRule) -> SourceTable:
    """CSV or Excel, decided by the file's content (a CSV saved with an .xlsx name is still read)."""
    first = head(path)
    suffix = path.suffix.lower()
    if first.startswith(ZIP_SIGNATURE) or (suffix in EXCEL_SUFFIXES and first.startswith(OLE_SIGNATURE)):
        return _excel_table(path, choose, header_rule)
    if suffix in OLD_EXCEL_SUFFIXES and first.startswith(OLE_SIGNATURE):
        raise KitError(f"{path.name} is an old-style .xls workbook. Open it in Excel and save it as .xlsx.")
    if suffix in EXCEL_SUFFIXES and not first.strip():
        raise KitError(f"{path.name} is empty. Export the workbook again and re-run.")
    table = _read_csv(path, header_rule)
    if suffix in EXCEL_SUFFIXES | OLD_EXCEL_SUFFIXES:
        table.evidence.insert(0, f"named {suffix} but holds text: read as CSV")
    return table


def read_file(path: str | Path, sheet: str | None = None, shape: ReportShape | None = None) -> SourceTable:
    """Read an LA's CSV or Excel file, finding its header row (and, for Excel, its data sheet).

    The kind of file is decided by its content, not its name (a CSV saved with an .xlsx name
    is still read). Raises :class:`KitError` with a one-line explanation when the file cannot
    be used at all.
    """
    path = check_input(path)
    table = _read_any(path, lambda wb, p: _choose_sheet(wb, p, sheet), _known_header_rule)
    _name_unnamed_columns(table)
    _skip_template_rows(table)
    _drop_trailing_blank_rows(table)
    _no_data_finding(table)
    return table


def read_table(
    path: str | Path, header_rule: HeaderRule = first_row_rule, what: str = "", sheet: str | None = None
) -> SourceTable:
    """Read a reference file (903, Ofsted, postcodes) as a raw table of text with provenance.

    The same reading as :func:`read_file` (encodings, delimiters, workbooks, every cell as text,
    ``NA`` and ``None`` kept), without anything that knows a standard: the header row is found
    by ``header_rule`` (by default the first non-blank row), a workbook's sheet is ``sheet`` or
    the first visible one whose rows fit the rule. Blank rows after the last row of data are
    dropped. ``what`` names the file in messages (``"The Ofsted register"``).
    """
    path = check_input(path, what)
    table = _read_any(path, _sheet_fitting(header_rule, sheet), header_rule)
    _drop_trailing_blank_rows(table)
    return table
