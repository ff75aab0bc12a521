"""Read an LA's file as it is: CSV or Excel, find its header row and its real data rows.

Every cell is read as **text** (pandas would otherwise turn the codes ``NA`` and ``None`` into
missing values); what counts as empty is decided per field later, by the mapping. Every value
keeps where it came from: file, sheet, the row number the user sees, and the column letter.

The main entry point is :func:`read_file`, which returns a :class:`SourceTable`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kit import standards
from kit.errors import KitError
from kit.findings import Finding, column_letter
from kit.standards import normalise_header

HEADER_SCAN_ROWS = 30  # the header row is looked for in the first rows of a sheet
MAX_COLUMNS = 2000  # more columns than this is not a placements or person file
SAMPLE_BYTES = 64 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
OLD_EXCEL_SUFFIXES = {".xls"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls files, and password-protected .xlsx


@dataclass
class SourceTable:
    """One sheet or CSV file as read, before any mapping.

    ``data`` holds one row per data row, every cell as text (``""`` for an empty cell), with
    columns numbered by position and the index holding the row number the user sees.
    """

    path: Path
    sheet: str | None
    headers: list[str]
    header_row: int
    data: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    skipped_rows: dict[int, str] = field(default_factory=dict)  # row -> why (template rows)
    findings: list[Finding] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name if self.sheet is None else f"{self.path.name} [{self.sheet}]"

    @property
    def letters(self) -> list[str]:
        return [column_letter(i) for i in range(len(self.headers))]

    def finding(self, **kwargs) -> Finding:
        kwargs.setdefault("source_file", self.path.name)
        return Finding(**kwargs)


# ---------------------------------------------------------------------------------------------
# Known headers, used to find the header row and the data sheet


def _known_headers() -> set[str]:
    names: set[str] = set()
    for std_name, version in standards.available():
        names.update(standards.load(std_name, version).header_index())
    return names


def _header_score(row: list[str], known: set[str]) -> int:
    return sum(1 for cell in row if cell and normalise_header(cell) in known)


def _find_header_row(rows: list[list[str]], known: set[str]) -> tuple[int, int]:
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


# ---------------------------------------------------------------------------------------------
# Cell values as text


def excel_text(value: object) -> str:
    """An Excel cell's cached value as text: real dates become ISO, ``2.0`` becomes ``2``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _clean(text: str) -> str:
    """Remove NUL bytes and the BOM; keep everything else as the user typed it."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.replace("\ufeff", "")


# ---------------------------------------------------------------------------------------------
# CSV


def sniff_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if exc.start >= len(raw) - 3 and len(raw) >= SAMPLE_BYTES:
            return "utf-8"
        return "cp1252"


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: whichever splits the first lines most consistently."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_key = ",", (-1, -1)
    for delim in (",", ";", "\t"):
        counts = [len(next(csv.reader([ln], delimiter=delim))) - 1 for ln in lines]
        common = max(set(counts), key=counts.count)
        key = (counts.count(common) if common > 0 else 0, common)
        if key > best_key:
            best, best_key = delim, key
    return best


def _read_csv_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    """Every row as a list of text cells (ragged rows kept as they are)."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        text = fh.read()
    text = _clean(text)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_csv_fast(path: Path, encoding: str, delimiter: str, skip: int, ncols: int) -> pd.DataFrame | None:
    """The data rows through pandas' C parser (fast path); ``None`` when the file is ragged."""
    try:
        frame = pd.read_csv(
            path,
            encoding=encoding,
            sep=delimiter,
            header=None,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            names=list(range(ncols)),
            engine="c",
            encoding_errors="replace",
        )
    except (pd.errors.ParserError, ValueError):
        return None
    return frame


def read_csv(path: Path) -> SourceTable:
    raw = path.read_bytes()[:SAMPLE_BYTES]
    if not raw.strip():
        raise KitError(f"{path.name} is empty. Export the file again from your system and re-run.")
    if (
        b"\x00" in raw
        and raw.count(b"\x00") > len(raw) // 4
        and not raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise KitError(
            f"{path.name} is not a text (CSV) file: it looks like binary data. "
            "Check you picked the right file, or save it from Excel as 'CSV UTF-8'."
        )
    encoding = sniff_encoding(raw)
    sample = _clean(raw.decode(encoding, errors="replace"))
    delimiter = sniff_delimiter(sample)
    head = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[: HEADER_SCAN_ROWS + 1]
    if len(raw) == SAMPLE_BYTES and head:
        head = head[:-1]  # the last line of the sample may be cut
    known = _known_headers()
    header_idx, score = _find_header_row(head, known)
    headers = [_clean(h).strip() for h in head[header_idx]] if head else []
    if not any(headers):
        raise KitError(f"{path.name} has no header row. Add the column names in the first row and re-run.")
    if len(headers) > MAX_COLUMNS:
        raise KitError(
            f"{path.name} has {len(headers):,} columns, far more than any standard's file. "
            "Check the delimiter and that this is the right file."
        )
    ncols = len(headers)
    frame = _read_csv_fast(path, encoding, delimiter, header_idx + 1, ncols)
    findings: list[Finding] = []
    if frame is None or (len(frame) and frame.iloc[:, -1].str.contains("\x00", regex=False).any()):
        rows = _read_csv_rows(path, encoding, delimiter)[header_idx + 1 :]
        width = max([ncols, *map(len, rows)]) if rows else ncols
        for offset, row in enumerate(rows):
            if len(row) > ncols and any(c.strip() for c in row[ncols:]):
                findings.append(
                    Finding(
                        rule="ragged_row",
                        severity="error",
                        field="(row)",
                        value=f"{len(row)} cells",
                        source_file=path.name,
                        source_row=header_idx + 2 + offset,
                        message=(
                            f"This row has {len(row)} cells but the header has {ncols}: the cells past "
                            f"column {column_letter(ncols - 1)} were ignored. Check for a stray delimiter."
                        ),
                    )
                )
        rows = [(r + [""] * (width - len(r)))[:ncols] for r in rows]
        frame = pd.DataFrame(rows, columns=list(range(ncols)), dtype=object)
    frame.index = pd.RangeIndex(header_idx + 2, header_idx + 2 + len(frame))
    if any("\x00" in h for h in headers) or (len(frame) and _has_nul(frame)):
        frame = frame.apply(lambda s: s.str.replace("\x00", "", regex=False))
    table = SourceTable(
        path=path,
        sheet=None,
        headers=headers,
        header_row=header_idx + 1,
        data=frame,
        encoding=encoding,
        delimiter=delimiter,
        findings=findings,
    )
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    table.evidence.append(
        f"read as CSV: {encoding} text, {names[delimiter]}-separated, header in row {header_idx + 1} "
        f"({score} of {ncols} column names known)"
    )
    return table


def _has_nul(frame: pd.DataFrame) -> bool:
    return any(frame[c].astype(str).str.contains("\x00", regex=False).any() for c in frame.columns)


# ---------------------------------------------------------------------------------------------
# Excel


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    head = path.read_bytes()[:8]
    if not head:
        raise KitError(f"{path.name} is empty. Export the workbook again and re-run.")
    if head == OLE_SIGNATURE:
        raise KitError(
            f"{path.name} is password-protected or in the old .xls format. "
            "Open it in Excel, remove the password, save it as .xlsx and re-run."
        )
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise KitError(
            f"{path.name} cannot be opened as an Excel workbook ({type(exc).__name__}): it may be corrupt. "
            "Open it in Excel and save it again as .xlsx, or export it as CSV."
        ) from None


def _sheet_rows(ws, limit: int | None = None) -> list[list[str]]:
    rows = []
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if limit is not None and i >= limit:
            break
        rows.append([_clean(excel_text(v)) for v in row])
    return rows


def read_excel(path: Path, sheet: str | None = None) -> SourceTable:
    wb = _open_workbook(path)
    try:
        known = _known_headers()
        template_sheets = {lay.sheet for _, lay in standards.all_layouts() if lay.sheet}
        ignored = {s for _, lay in standards.all_layouts() for s in lay.ignore_sheets}
        evidence = []
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise KitError(
                    f"{path.name} has no sheet called {sheet!r}; its sheets are: {', '.join(wb.sheetnames)}."
                )
            chosen = sheet
            evidence.append(f"sheet {sheet!r} chosen by the user")
        else:
            scores = {}
            for name in wb.sheetnames:
                ws = wb[name]
                if getattr(ws, "sheet_state", "visible") != "visible" and name not in template_sheets:
                    continue
                head = _sheet_rows(ws, HEADER_SCAN_ROWS)
                _, score = _find_header_row(head, known)
                # The template's data sheet wins by name; its old-layout sheet never does.
                bonus = 1000 if name in template_sheets else (-1000 if name in ignored else 0)
                scores[name] = (score + bonus if score > 0 else bonus, score)
            if not scores:
                raise KitError(f"{path.name} has no visible sheets to read.")
            chosen = max(scores, key=lambda n: scores[n][0])
            if scores[chosen][1] <= 0 and len(scores) > 1:
                raise KitError(
                    f"{path.name}: none of its sheets ({', '.join(wb.sheetnames)}) has column names the "
                    "kit recognises. Pick the data sheet with --sheet, or check this is the right file."
                )
            why = (
                "its name is the template's data sheet" if chosen in template_sheets else "best header match"
            )
            evidence.append(f"sheet {chosen!r} read ({why}; {scores[chosen][1]} known column names)")
        rows = _sheet_rows(wb[chosen])
    finally:
        wb.close()
    # Trailing empty columns and rows (the June template's used range runs to row 1,000).
    header_idx, score = _find_header_row(rows, known)
    if not rows or not any(c.strip() for c in rows[header_idx]):
        raise KitError(f"{path.name} [{chosen}] is empty. Check you exported the right sheet.")
    headers = [h.strip() for h in rows[header_idx]]
    while headers and not headers[-1]:
        headers.pop()
    ncols = len(headers)
    if ncols > MAX_COLUMNS:
        raise KitError(f"{path.name} [{chosen}] has {ncols:,} columns, far more than any standard's file.")
    body = rows[header_idx + 1 :]
    findings = []
    for offset, row in enumerate(body):
        if len(row) > ncols and any(c.strip() for c in row[ncols:]):
            findings.append(
                Finding(
                    rule="cells_outside_header",
                    severity="warning",
                    field="(row)",
                    source_file=path.name,
                    source_row=header_idx + 2 + offset,
                    message=(
                        f"This row has values to the right of the last named column ({column_letter(ncols - 1)}); "
                        "they were not read. Give the column a header or delete the values."
                    ),
                )
            )
    body = [(r + [""] * ncols)[:ncols] for r in body]
    frame = pd.DataFrame(body, columns=list(range(ncols)), dtype=object)
    frame.index = pd.RangeIndex(header_idx + 2, header_idx + 2 + len(frame))
    table = SourceTable(
        path=path, sheet=chosen, headers=headers, header_row=header_idx + 1, data=frame, findings=findings
    )
    table.evidence.extend(evidence)
    table.evidence.append(f"header in row {header_idx + 1} ({score} of {ncols} column names known)")
    return table


# ---------------------------------------------------------------------------------------------
# Either


def read_file(path: str | Path, sheet: str | None = None) -> SourceTable:
    """Read a CSV or Excel file, finding its header row (and, for Excel, its data sheet).

    Raises :class:`KitError` with a one-line explanation when the file cannot be used at all.
    """
    path = Path(path)
    if not path.exists():
        raise KitError(f"{path} does not exist. Check the path and re-run.")
    if path.is_dir():
        raise KitError(f"{path} is a folder; give the kit a CSV or Excel file.")
    suffix = path.suffix.lower()
    if suffix in OLD_EXCEL_SUFFIXES:
        raise KitError(f"{path.name} is an old-style .xls workbook. Open it in Excel and save it as .xlsx.")
    if suffix in EXCEL_SUFFIXES or path.read_bytes()[:4] == b"PK\x03\x04":
        table = read_excel(path, sheet=sheet)
    else:
        try:
            table = read_csv(path)
        except UnicodeError as exc:  # pragma: no cover - sniffing falls back to cp1252
            raise KitError(f"{path.name} could not be decoded as text ({exc}).") from None
    _drop_trailing_blank_rows(table)
    return table


def _drop_trailing_blank_rows(table: SourceTable) -> None:
    """Forget blank rows at the very end (Excel's used range); blank rows inside stay counted."""
    data = table.data
    if data.empty:
        return
    filled = (data != "").any(axis=1).to_numpy()
    last = len(filled) - 1
    while last >= 0 and not filled[last]:
        last -= 1
    if last < len(filled) - 1:
        table.data = data.iloc[: last + 1]
