"""The national Excel templates, rebuilt from a committed skeleton, and deterministic xlsx files.

The April and June 2026 national templates (``kit/standards/official/templates``, Open Government
Licence v3.0, SocialCareData/standard) are copied into ``templates.yaml`` by
:func:`extract_skeleton`: every sheet in order (the QA checklist, the data sheet, the older
"Data Validation and Drop Downs" layout), the data sheet's section, column-name, question and
example rows, merged cells, column widths, row heights, fills and fonts, and the drop-down lists.
:func:`new_workbook` rebuilds a blank template from it, so the generator needs nothing outside the
repository; ``tests/test_synth.py`` checks the skeleton still matches the official files.

:func:`save_deterministic` writes a workbook whose bytes depend only on its content: openpyxl stamps
the save time into ``docProps/core.xml`` and every zip entry, which would make each run differ.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).parent
SKELETON_FILE = HERE / "templates.yaml"
TEMPLATE_FILES = {
    "xlsx-2026-04": "National-Placement-Standard-Excel-20260427.xlsx",
    "xlsx-2026-06": "National-Placement-Standard-Excel-20260624.xlsx",
}
FIXED_TIME = dt.datetime(2026, 10, 1, 9, 0, 0)
ZIP_TIME = (2026, 10, 1, 9, 0, 0)
DATA_SHEET = "Data Collection"
TEMPLATE_ROWS = 4  # section, column names, question, example


# ---------------------------------------------------------------------------------------------
# Extracting the skeleton from the official workbooks (run once; the result is committed)


def _style_key(cell) -> dict:
    font, fill, al = cell.font, cell.fill, cell.alignment
    color = (
        font.color.rgb
        if font is not None and font.color is not None and isinstance(font.color.rgb, str)
        else None
    )
    fg = (
        fill.fgColor.rgb
        if fill is not None and fill.fill_type == "solid" and isinstance(fill.fgColor.rgb, str)
        else None
    )
    return {
        "bold": bool(font.b) if font is not None else False,
        "color": color,
        "fill": fg,
        "wrap": bool(al.wrap_text) if al is not None else False,
        "valign": al.vertical if al is not None else None,
    }


def extract_skeleton(path: Path) -> dict:
    """What the generator needs of one official template workbook, as plain data."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    styles: list[dict] = []
    sheets = []
    for ws in wb.worksheets:
        last = TEMPLATE_ROWS if ws.title == DATA_SHEET else ws.max_row
        cells = []
        for row in ws.iter_rows(min_row=1, max_row=min(last, ws.max_row)):
            for c in row:
                if c.value is None:
                    continue
                key = _style_key(c)
                if key not in styles:
                    styles.append(key)
                value = c.value
                kind = "s"
                if isinstance(value, dt.datetime):
                    value, kind = value.date().isoformat(), "d"
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    kind = "n"
                cells.append([c.row, c.column, value, kind, styles.index(key)])
        validations = []
        if ws.data_validations is not None:
            for dv in ws.data_validations.dataValidation:
                validations.append(
                    {
                        "sqref": str(dv.sqref),
                        "type": dv.type,
                        "formula1": dv.formula1,
                        "allow_blank": bool(dv.allow_blank),
                    }
                )
        widths = {k: round(float(v.width), 2) for k, v in ws.column_dimensions.items() if v.width}
        heights = {
            int(k): float(v.height)
            for k, v in ws.row_dimensions.items()
            if v.height and int(k) <= max(last, 4)
        }
        sheets.append(
            {
                "name": ws.title,
                "max_row": ws.max_row,
                "cells": cells,
                "merged": sorted(str(r) for r in ws.merged_cells.ranges),
                "widths": widths,
                "heights": heights,
                "validations": validations,
            }
        )
    return {"source": path.name, "sheets": sheets, "styles": styles}


def write_skeletons(templates_dir: Path, target: Path = SKELETON_FILE) -> Path:
    """Regenerate ``templates.yaml`` from the official workbooks (a maintainer's step)."""
    data = {layout: extract_skeleton(templates_dir / name) for layout, name in TEMPLATE_FILES.items()}
    header = (
        "# The national Placements Data Standard Excel templates (April and June 2026), reduced to what the\n"
        "# sample-region generator needs. Extracted by kit.synth.templates.write_skeletons from the official\n"
        "# workbooks; contains public sector information licensed under the Open Government Licence v3.0\n"
        "# (Data Standards for Social Care programme, SocialCareData/standard). Do not edit by hand.\n"
    )
    target.write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8"
    )
    return target


@functools.cache
def skeletons() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SKELETON_FILE.read_text(encoding="utf-8"), Loader=loader)


# ---------------------------------------------------------------------------------------------
# Rebuilding a template


def dropdowns(layout_id: str) -> dict[int, list[str]]:
    """Drop-down values by 1-based column of the data sheet (the template's own spellings)."""
    from openpyxl.utils.cell import range_boundaries

    out: dict[int, list[str]] = {}
    sheet = next(s for s in skeletons()[layout_id]["sheets"] if s["name"] == DATA_SHEET)
    for dv in sheet["validations"]:
        formula = dv["formula1"] or ""
        if dv["type"] != "list" or not formula.startswith('"'):
            continue
        values = formula.strip('"').split(",")
        for ref in dv["sqref"].split():
            min_col, _, max_col, _ = range_boundaries(ref)
            for col in range(min_col, max_col + 1):
                out.setdefault(col, values)
    return out


def new_workbook(layout_id: str, keep_example: bool):
    """A workbook laid out as the official template; returns (workbook, data sheet, first data row)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    skel = skeletons()[layout_id]
    styles = []
    for s in skel["styles"]:
        styles.append(
            {
                "font": Font(bold=s["bold"], color=s["color"]) if (s["bold"] or s["color"]) else None,
                "fill": PatternFill("solid", fgColor=s["fill"]) if s["fill"] else None,
                "alignment": Alignment(wrap_text=s["wrap"], vertical=s["valign"])
                if (s["wrap"] or s["valign"])
                else None,
            }
        )
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    data_ws = None
    for sheet in skel["sheets"]:
        ws = wb.create_sheet(sheet["name"])
        for r, c, value, kind, style in sheet["cells"]:
            if sheet["name"] == DATA_SHEET and r == TEMPLATE_ROWS and not keep_example:
                continue
            if kind == "d":
                value = dt.datetime.fromisoformat(value)
            cell = ws.cell(row=r, column=c, value=value)
            st = styles[style]
            if st["font"] is not None:
                cell.font = st["font"]
            if st["fill"] is not None:
                cell.fill = st["fill"]
            if st["alignment"] is not None:
                cell.alignment = st["alignment"]
            if kind == "d":
                cell.number_format = "dd/mm/yyyy"
        for ref in sheet["merged"]:
            ws.merge_cells(ref)
        for col, width in sheet["widths"].items():
            ws.column_dimensions[col].width = width
        for row, height in sheet["heights"].items():
            ws.row_dimensions[int(row)].height = height
        for v in sheet["validations"]:
            dv = DataValidation(type=v["type"], formula1=v["formula1"], allow_blank=v["allow_blank"])
            dv.sqref = v["sqref"]  # type: ignore[assignment]
            ws.add_data_validation(dv)
        if sheet["name"] == DATA_SHEET:
            data_ws = ws
    first = TEMPLATE_ROWS + 1 if keep_example else TEMPLATE_ROWS
    return wb, data_ws, first


# ---------------------------------------------------------------------------------------------
# Saving with identical bytes every time

_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def save_deterministic(wb, path: Path) -> None:
    """Save ``wb`` so that the same content always gives the same bytes."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "kit synth (sample region)"
    wb.properties.lastModifiedBy = None
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    out = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())
