"""The feedback workbook an LA officer fixes their file from.

Three kinds of sheet:

* **Summary** — what was checked, the counts, what to fix first, and counts by field and severity;
* **Findings** — one row per finding: file, row, column letter, field, value, severity, message;
* **Your rows** (one sheet per file) — a copy of the LA's rows under their own headers, with the
  row numbers they see, every offending cell highlighted (red for errors, amber for warnings)
  and a comment saying why.

Every cell is written by :mod:`kit.outputs.excel` (the kit's one workbook writer): any text
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text, never as a
formula, so a hostile or accidental cell cannot run in the officer's Excel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Font

from kit.outputs.excel import (
    ERROR_FILL,
    WARNING_FILL,
    new_workbook,
    save,
    set_widths,
    sheet_title,
    write_cell,
    write_header,
)

MAX_ROWS_COPIED = 50_000  # beyond this, only rows with findings are copied (Excel stays usable)

# Every cell is written by kit.outputs.excel.write_cell (text is text, never a formula).
safe_cell = write_cell
_header = write_header
_widths = set_widths


def what_to_fix_first(findings: pd.DataFrame, top: int = 5) -> list[str]:
    """Plain sentences: the commonest errors first, then the commonest warnings, each with an example."""
    if findings.empty:
        return ["Nothing to fix: no errors or warnings were found."]
    groups = (
        findings.groupby(["severity", "rule", "field"], dropna=False, sort=False)
        .agg(n=("message", "size"), message=("message", "first"), row=("source_row", "first"))
        .reset_index()
    )
    groups["order"] = groups["severity"].map({"error": 0, "warning": 1})
    groups = groups.sort_values(["order", "n"], ascending=[True, False], kind="stable").head(top)
    lines = []
    for i, g in enumerate(groups.itertuples(), start=1):
        what = f"{g.n} {g.severity}{'s' if g.n != 1 else ''}"
        where = "whole rows" if g.field == "(row)" else g.field
        example = f"row {int(g.row)}: " if pd.notna(g.row) else ""
        lead = "for example, " if g.n > 1 else ""
        lines.append(f"{i}. {what} in {where} — {lead}{example}{g.message}")
    return lines


def _summary_sheet(wb, result) -> None:
    ws = wb.active
    ws.title = "Summary"
    s = result.summary()
    write_cell(ws, 1, 1, f"Feedback on your {s['standard']} file(s) — {result.standard.title}").font = Font(
        bold=True, size=14
    )
    lines = [
        ("LA", s["la"] or "(not given)"),
        ("Files", ", ".join(f["file"] for f in s["files"])),
        ("Rows read", s["rows_in"]),
        ("Rows used", s["rows_standard"]),
        ("Blank rows", s["rows_blank"]),
        ("Rows that could not be used", s["rows_rejected"]),
        ("Errors (must fix)", s["errors"]),
        ("Warnings (please check)", s["warnings"]),
        ("Required fields with no column", ", ".join(s["missing_fields"]) or "none"),
        ("Your own extra columns (kept, not checked)", ", ".join(s["unmapped_columns"]) or "none"),
    ]
    row = 3
    for label, value in lines:
        safe_cell(ws, row, 1, label).font = Font(bold=True)
        safe_cell(ws, row, 2, value)
        row += 1
    row += 1
    safe_cell(ws, row, 1, "What to fix first").font = Font(bold=True, size=12)
    row += 1
    for line in what_to_fix_first(result.findings):
        safe_cell(ws, row, 1, line)
        row += 1
    row += 1
    safe_cell(ws, row, 1, "Findings by field and severity").font = Font(bold=True, size=12)
    row += 1
    _header(ws, row, ["field", "errors", "warnings"])
    f = result.findings
    if not f.empty:
        table = f.pivot_table(index="field", columns="severity", values="rule", aggfunc="count", fill_value=0)
        for col in ("error", "warning"):
            if col not in table:
                table[col] = 0
        table = table.sort_values(["error", "warning"], ascending=False)
        for name, r in table.iterrows():
            row += 1
            safe_cell(ws, row, 1, str(name))
            safe_cell(ws, row, 2, int(r["error"]))
            safe_cell(ws, row, 3, int(r["warning"]))
    row += 2
    safe_cell(ws, row, 1, "How to use this workbook").font = Font(bold=True, size=12)
    for text in (
        "The 'Findings' sheet lists every problem with the row number and column letter of your file.",
        "The 'Rows' sheets copy your rows at the same rows and columns as your file; red cells are errors,",
        "amber cells are warnings; hover over a cell for the reason. Problems with a whole row are on column A.",
        "Fix the problems in your own file (not in this workbook) and send it again.",
    ):
        row += 1
        safe_cell(ws, row, 1, text)
    _widths(ws, {1: 48, 2: 60, 3: 12})


def _findings_sheet(wb, findings: pd.DataFrame) -> None:
    ws = wb.create_sheet("Findings")
    names = ["file", "row", "column", "field", "value", "severity", "message", "rule"]
    _header(ws, 1, names)
    for i, r in enumerate(findings.itertuples(index=False), start=2):
        values = [r.source_file, None if pd.isna(r.source_row) else int(r.source_row), r.source_column,
                  r.field, r.value, r.severity, r.message, r.rule]  # fmt: skip
        for j, v in enumerate(values, start=1):
            c = safe_cell(ws, i, j, v)
            if j == 6:
                c.fill = ERROR_FILL if r.severity == "error" else WARNING_FILL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:H{max(len(findings) + 1, 2)}"
    _widths(ws, {1: 28, 2: 7, 3: 8, 4: 30, 5: 22, 6: 10, 7: 90, 8: 30})


def _rows_sheet(wb, file_result, findings: pd.DataFrame, index: int) -> None:
    """A copy of one file's rows at the same row numbers and column letters as the LA's file."""
    table = file_result.table
    ws = wb.create_sheet(sheet_title(f"Rows {index} {table.path.stem}"))
    mine = findings[(findings["source_file"] == table.path.name) & findings["source_row"].notna()]
    notes: dict[tuple[int, str], list] = {}
    for r in mine.itertuples(index=False):
        # a finding about a whole row is shown on the row's first cell
        notes.setdefault((int(r.source_row), r.source_column or "A"), []).append(r)
    data = table.data
    if len(data) > MAX_ROWS_COPIED:
        data = data[data.index.isin({row for row, _ in notes})]
    _header(ws, table.header_row, table.headers)
    for source_row, values in zip(data.index, data.itertuples(index=False, name=None), strict=True):
        for j, value in enumerate(values, start=1):
            safe_cell(ws, int(source_row), j, value if value != "" else None)
    for (row, letter), found in notes.items():
        c = ws[f"{letter}{row}"]
        c.fill = ERROR_FILL if any(n.severity == "error" for n in found) else WARNING_FILL
        c.comment = Comment(
            "\n".join(f"{n.severity.upper()}: {n.message}" for n in found), "kit", width=300, height=120
        )
    ws.freeze_panes = ws.cell(row=table.header_row + 1, column=2)


def write_feedback(result, path: str | Path) -> Path:
    """Write the feedback workbook for a checked :class:`kit.check.CheckResult`."""
    wb = new_workbook()
    _summary_sheet(wb, result)
    _findings_sheet(wb, result.findings)
    for i, f in enumerate(result.files, start=1):
        _rows_sheet(wb, f, result.findings, i)
    return save(wb, path)


def copy_with_fixes(
    path: str | Path, fixes: dict[str, object], out: str | Path, sheet: str | None = None
) -> Path:
    """Copy an LA's file with some cells corrected, as the officer would after reading the workbook.

    ``fixes`` maps a cell reference as the workbook shows it (``"AF17"``) to its new value. Works
    for CSV (the kit's reader finds the delimiter and encoding) and Excel files; the rest of the
    file is left exactly as it was. Used in workshops and notebooks to practise the feedback loop.
    """
    import csv
    import io
    import re

    from kit.read import open_for_editing, read_file, read_text

    path, out = Path(path), Path(out)
    refs = {}
    for ref, value in fixes.items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref.strip().upper())
        if not m:
            raise ValueError(f"{ref!r} is not a cell reference like AF17")
        refs[(int(m.group(2)), m.group(1))] = value
    from openpyxl.utils import column_index_from_string

    from kit.outputs.excel import neutralise, write_cell

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        wb = open_for_editing(path)
        ws = wb[sheet or read_file(path).sheet]
        for (row, letter), value in refs.items():
            write_cell(ws, row, column_index_from_string(letter), value)  # a fix never runs as a formula
        wb.save(out)
        return out
    table = read_file(path)
    text = read_text(path)  # the encoding the kit's reader found, mixed lines each in their own
    rows = list(csv.reader(io.StringIO(text.text, newline=""), delimiter=table.delimiter))
    for (row, letter), value in refs.items():
        col = column_index_from_string(letter) - 1
        while len(rows[row - 1]) <= col:
            rows[row - 1].append("")
        rows[row - 1][col] = "" if value is None else str(value)
    # Like every CSV the kit writes, the copy cannot run a formula when opened (kit.outputs.excel).
    with open(out, "w", encoding=text.save_encoding, newline="") as fh:
        csv.writer(fh, delimiter=table.delimiter).writerows([[neutralise(c) for c in r] for r in rows])
    return out
