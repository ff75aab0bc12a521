"""Excel workbooks (.xlsx, .xlsm): cached values of formula cells, every cell as text.

Standard-agnostic: which sheet is read is decided by the caller (``choose``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

from kit.core.errors import KitError
from kit.read.table import check_input
from kit.read.table import clean_text as _clean
from kit.read.table import head as _head

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls files, and password-protected .xlsx
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"  # an .ods file's first zip entry
SheetChooser = Callable[[object, Path], tuple[str, list[str]]]  # (workbook, path) -> (sheet, evidence)


def excel_text(value: object) -> str:
    """An Excel cell's cached value as text: real dates become ISO, ``2.0`` becomes ``2``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows it
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)


def _open_workbook(path: Path, editing: bool = False):
    import openpyxl

    head = _head(path)[:8]
    if not head:
        raise KitError(f"{path.name} is empty. Export the workbook again and re-run.")
    if ODS_MIMETYPE in _head(path, 256):
        raise KitError(
            f"{path.name} is an OpenDocument spreadsheet (.ods), which the kit does not read. Open it in "
            "LibreOffice Calc or Excel, save it as .xlsx (or CSV), and re-run."
        )
    if head == OLE_SIGNATURE:
        raise KitError(
            f"{path.name} is password-protected or in the old .xls format. "
            "Open it in Excel, remove the password, save it as .xlsx and re-run."
        )
    try:
        # From memory, not the path: openpyxl refuses a path whose name does not end in .xlsx,
        # and the kit goes by content (a workbook saved as "return.csv" is still a workbook).
        if editing:  # formulas kept as formulas, to be saved again
            return openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        return openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on a damaged file
        raise _corrupt(path, exc) from None


def _corrupt(path: Path, exc: Exception) -> KitError:
    return KitError(
        f"{path.name} cannot be opened as an Excel workbook ({type(exc).__name__}): it may be corrupt. "
        "Open it in Excel and save it again as .xlsx, or export it as CSV."
    )


def sheet_rows(ws, limit: int | None = None) -> list[list[str]]:
    """The sheet's rows as text cells, from row 1 (row ``i`` of the list is row ``i + 1``)."""
    if hasattr(ws, "reset_dimensions"):
        # The "used range" stored in the file can be wrong (some exporters write A1); without
        # this, openpyxl stops at the stored last row and rows below it would be lost.
        ws.reset_dimensions()
    rows = []
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if limit is not None and i >= limit:
            break
        cells = [_clean(excel_text(v)) for v in row]
        while cells and not cells[-1]:  # formatted but empty cells to the right
            cells.pop()
        rows.append(cells)
    return rows


def worksheets(wb) -> list[str]:
    """Names of the sheets that hold cells (chart sheets hold none)."""
    return [n for n in wb.sheetnames if hasattr(wb[n], "iter_rows")]


def first_sheet(wb, path: Path) -> tuple[str, list[str]]:
    """The first visible worksheet (what pandas and most tools read)."""
    names = [n for n in worksheets(wb) if getattr(wb[n], "sheet_state", "visible") == "visible"]
    if not names:
        raise KitError(
            f"{path.name} has no visible sheets with cells to read. Check this is the right workbook."
        )
    return names[0], [f"sheet {names[0]!r} read (the first sheet)"]


HIDDEN_STATES = {"hidden": "hidden", "veryHidden": "very hidden (only a macro can show it)"}


def hidden_sheets(wb) -> list[tuple[str, str]]:
    """(name, how it is hidden) for every hidden or very hidden sheet of a workbook."""
    return [
        (n, HIDDEN_STATES.get(state, state))
        for n in wb.sheetnames
        if (state := getattr(wb[n], "sheet_state", "visible")) != "visible"
    ]


def read_workbook(
    path: Path, choose: SheetChooser
) -> tuple[str, list[list[str]], list[str], list[tuple[str, str]]]:
    """(the sheet read, its rows as text cells from row 1, the evidence for choosing it, the
    workbook's hidden sheets as (name, how hidden)). A hidden sheet read or skipped is named in the
    evidence: nobody opening the workbook in Excel sees it."""
    path = Path(path)
    wb = _open_workbook(path)
    try:
        chosen, evidence = choose(wb, path)
        hidden = hidden_sheets(wb)
        for name, how in hidden:
            verb = "read" if name == chosen else "not read"
            evidence = [*evidence, f"sheet {name!r} is {how} in the workbook: {verb}"]
        rows = sheet_rows(wb[chosen])
    except KitError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl parses lazily: damage shows up here
        raise _corrupt(path, exc) from None
    finally:
        wb.close()
    return chosen, rows, evidence, hidden


def open_for_editing(path: str | Path, what: str = ""):
    """An input workbook opened to be changed and saved again (formulas kept, not cached values)."""
    return _open_workbook(check_input(path, what), editing=True)
