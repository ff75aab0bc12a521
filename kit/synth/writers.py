"""Writing the placements files: national Excel templates, the national CSV, and plain CSVs.

In: a :class:`~kit.synth.layouts.Sheet` and a path. Out: the file, byte-for-byte the same for the
same sheet (see :func:`kit.synth.templates.save_deterministic`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kit.synth import templates
from kit.synth.layouts import Sheet

USED_RANGE_ROW = 1000  # the June template's used range runs to row 1,000 (traps.md): keep that


def write_sheet(sheet: Sheet, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if sheet.shape.fmt == "xlsx":
        _write_xlsx(sheet, path)
    else:
        _write_csv(sheet, path)


def _write_xlsx(sheet: Sheet, path: Path) -> None:
    from openpyxl.styles import Alignment

    wb, ws, first = templates.new_workbook(sheet.shape.layout_id, keep_example=sheet.shape.keep_example)
    assert first == sheet.first_data_row
    for offset, row in enumerate(sheet.rows):
        r = first + offset
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if hasattr(value, "year"):
                cell.number_format = "dd/mm/yyyy"
    if sheet.shape.layout_id == "xlsx-2026-06":
        # The June template is formatted down to row 1,000, so Excel reports that as the used range.
        ws.cell(row=USED_RANGE_ROW, column=len(sheet.columns)).alignment = Alignment(vertical="top")
    templates.save_deterministic(wb, path)


def _section_row(sheet: Sheet) -> list[str]:
    """The national CSV's section-heading row: the June template's headings over the same columns."""
    skel = templates.skeletons()["xlsx-2026-06"]
    data = next(s for s in skel["sheets"] if s["name"] == templates.DATA_SHEET)
    names = {c: v for r, c, v, _k, _s in data["cells"] if r == 2}
    headings = {names[c]: v for r, c, v, _k, _s in data["cells"] if r == 1 and c in names}
    return [headings.get(col, "") for col in sheet.columns]


def _write_csv(sheet: Sheet, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    layout = sheet.std.layout(sheet.shape.layout_id) if sheet.shape.layout_id else None
    if layout is not None and layout.section_row:
        writer.writerow(_section_row(sheet))
    writer.writerow(sheet.columns)
    for row in sheet.rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(sheet.shape.encoding))
