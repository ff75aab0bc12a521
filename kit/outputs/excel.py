"""The one writer of every workbook (and shared CSV file) the kit produces, safe to open.

Every workbook the kit writes -- an LA's ``feedback.xlsx`` and the region's ``data_pack.xlsx`` --
goes through :func:`write_cell` (or :func:`write_rows` / :func:`write_frame`, which call it), so
that no cell can ever run as a formula in Excel or LibreOffice, whatever an LA's file or a
register held:

* **Workbooks**: every text value is stored as a text cell (``data_type "s"``), never as a
  formula, even when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; such a
  cell is also marked "quote prefix", the flag Excel sets when a user types ``'=...``, so it shows
  exactly as typed and stays text if edited. Headers go through the same function. Characters
  Excel cannot store (control characters) are dropped. Sheet names are made valid
  (:func:`sheet_title`): they are never evaluated.
* **CSV files** (:func:`csv_safe`, :func:`write_csv`) have no cell types, so the kit follows the
  OWASP advice on CSV injection and puts an apostrophe (``'``) before any text that starts with
  one of those characters (``=1+2`` is written ``'=1+2``). Numbers are never changed, and text
  that is a plain number (``-3``, ``+1.5``) is left alone: a spreadsheet reads it as the number
  it is. Text that already starts with an apostrophe before such a character gets one more, so
  that :func:`restore` (what the kit applies when it reads its own CSV files back, e.g. a
  ``standard.csv`` for JSON-LD) gives back exactly the value written: ``restore(neutralise(v)) == v``.
* **Byte-identical files**: :func:`save` stamps every workbook with a fixed creation and
  modification time and fixed zip entry dates, so the same inputs give the same bytes.

In: values, rows or tables. Out: the cells written (or the path of the file).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kit.core.style import (
    EXCEL_ERROR_FILL,
    EXCEL_HEADER_FILL,
    EXCEL_HEADER_TEXT,
    EXCEL_WARNING_FILL,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these could be read as a formula by a spreadsheet."""
CSV_PREFIX = "'"  # the OWASP advice: an apostrophe before such text in a CSV file
ILLEGAL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}  # characters openpyxl refuses
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
WORKBOOK_TIME = dt.datetime(2000, 1, 1)
"""The creation and modification time every workbook carries (not the clock: reruns are byte-identical)."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

ERROR_FILL = PatternFill("solid", fgColor=EXCEL_ERROR_FILL)
WARNING_FILL = PatternFill("solid", fgColor=EXCEL_WARNING_FILL)
HEADER_FILL = PatternFill("solid", fgColor=EXCEL_HEADER_FILL)
HEADER_FONT = Font(bold=True, color=EXCEL_HEADER_TEXT)


def could_be_formula(text: str) -> bool:
    """True for text a spreadsheet might evaluate (it starts with ``=``, ``+``, ``-``, ``@``, tab or CR)."""
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def cell_value(value):
    """A value as openpyxl should store it: numpy numbers as Python numbers, timestamps as datetimes,
    missing as ``None``, text without the control characters a workbook cannot hold."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return "".join(ch for ch in value if ch not in ILLEGAL)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (int, float, dt.date, dt.datetime)):
        return value
    return str(value)


def write_cell(ws, row: int, column: int, value):
    """Write ``value`` at (``row``, ``column``) of ``ws`` so that it shows as typed and never runs."""
    cell = ws.cell(row=row, column=column)
    value = cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make text starting with '=' a formula
        if could_be_formula(value):
            cell.quotePrefix = True  # what Excel itself records for a typed '=...
    return cell


def write_rows(ws, rows, start_row: int = 1, start_column: int = 1) -> int:
    """Write ``rows`` (lists of values) from (``start_row``, ``start_column``); returns the next free row."""
    row = start_row
    for values in rows:
        for j, value in enumerate(values):
            write_cell(ws, row, start_column + j, value)
        row += 1
    return row


def write_header(ws, row: int, names, start_column: int = 1) -> None:
    """Column names in the kit's header style (white on dark blue), written as text."""
    for i, name in enumerate(names):
        c = write_cell(ws, row, start_column + i, str(name))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")


def write_frame(ws, frame: pd.DataFrame, start_row: int = 1, header_style: bool = False) -> int:
    """A table with its column names on ``start_row`` and its rows below; returns the next free row."""
    names = [str(c) for c in frame.columns]
    if header_style:
        write_header(ws, start_row, names)
    else:
        write_rows(ws, [names], start_row)
    return write_rows(ws, frame.itertuples(index=False, name=None), start_row + 1)


def set_widths(ws, widths: dict[int, float]) -> None:
    """Column widths by column number (1 = A)."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def sheet_title(name: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, no leading or trailing apostrophe, at most 31 characters."""
    text = _SHEET_BAD.sub(" ", "".join(ch for ch in str(name) if ch not in ILLEGAL)).strip("' ")
    return (text or "Sheet")[:31]


def new_workbook() -> Workbook:
    """An empty workbook (its first sheet is ``wb.active``)."""
    return Workbook()


def save(wb: Workbook, path: str | Path, when: dt.datetime | None = None) -> Path:
    """Write ``wb`` to ``path`` with fixed times (``when``, default :data:`WORKBOOK_TIME`) in its
    properties and zip entries, so that the same workbook always gives the same bytes."""
    path = Path(path)
    when = when or WORKBOOK_TIME
    wb.properties.created = wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps "modified" with the clock and every zip entry with the time
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.external_attr = info.external_attr
            dst.writestr(entry, data, compress_type=info.compress_type)
    return path


# ---------------------------------------------------------------------------------------------
# CSV


def _needs_prefix(text: str) -> bool:
    """Text that gets an apostrophe in a CSV: it could run as a formula (and is not a plain number),
    or it already starts with apostrophes before such text (so that :func:`restore` is exact)."""
    body = text.lstrip(CSV_PREFIX)
    return could_be_formula(body) and not _PLAIN_NUMBER.fullmatch(body)


def neutralise(value):
    """``value`` for a CSV cell: text that could be a formula gets a leading apostrophe (OWASP);
    numbers and every other value are returned unchanged."""
    if isinstance(value, str) and _needs_prefix(value):
        return CSV_PREFIX + value
    return value


def restore(value):
    """The value :func:`neutralise` was given: what the kit applies to a cell of its own CSV files."""
    if isinstance(value, str) and value.startswith(CSV_PREFIX) and _needs_prefix(value[1:]):
        return value[1:]
    return value


csv_text = neutralise  # the older name


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back from a CSV the kit wrote (as text), with :func:`restore` applied to its
    cells and column names: the values exactly as they were before writing."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)):
            out[col] = s.map(restore)
    out.columns = [restore(str(c)) for c in out.columns]
    return out


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`csv_text` applied to its text cells and its column names (numbers untouched)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)):
            out[col] = s.map(csv_text)
    out.columns = [csv_text(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as UTF-8 CSV (no index) through :func:`csv_safe`; ``kwargs`` go to ``to_csv``.

    Every CSV file the kit writes goes through here (``tests/test_safe_outputs.py`` checks them all)."""
    path = Path(path)
    kwargs.setdefault("index", False)
    kwargs.setdefault("encoding", "utf-8")
    # CRLF line ends (RFC 4180): the csv module then quotes every cell holding a carriage return. With
    # "\n" alone a lone CR inside a cell is written bare, and Excel starts a new row there, whose
    # first cell could be a live formula ("x\r=1+1").
    kwargs.setdefault("lineterminator", "\r\n")
    csv_safe(frame).to_csv(path, **kwargs)
    return path
