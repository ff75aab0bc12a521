"""Read an LA's file as it is: CSV or Excel, find its header row and its real data rows.

Every cell is read as **text** (pandas would otherwise turn the codes ``NA`` and ``None`` into
missing values); what counts as empty is decided per field later, by the mapping. Every value
keeps where it came from: file, sheet, the row number the user sees, and the column letter.

What the reader copes with, and what it reports (as findings or evidence, never silently):

* CSV in UTF-8 (with or without a BOM), Windows-1252, UTF-16 ("Unicode text" from Excel), or a
  mix of UTF-8 and Windows-1252 lines (a warning); comma, semicolon, tab or pipe separators;
* a title or section-heading row above the column names (the header row is found by the names
  the kit knows); the national templates' question and example rows under the names;
* ragged rows, NUL bytes, a quote that is never closed, cells longer than Python's CSV limit;
* columns with values but no name (kept under a made-up name, with a warning);
* Excel: the data sheet found by name or by best header match, cached formula values, real
  dates and numbers, a wrong "used range" in the file.

Files that cannot be used at all (empty, binary, password-protected, corrupt) raise
:class:`KitError` with one sentence naming the file and what to do.

The main entry point is :func:`read_file`, which returns a :class:`SourceTable`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kit import standards
from kit.core.errors import KitError
from kit.core.findings import Finding, column_letter
from kit.standards import Layout, normalise_header

HEADER_SCAN_ROWS = 30  # the header row is looked for in the first rows of a sheet
MAX_COLUMNS = 2000  # more named columns than this is not a placements or person file
MAX_WIDTH = 16384  # Excel's last column (XFD): no CSV saved from Excel is wider
SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 16 * 1024 * 1024
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
OLD_EXCEL_SUFFIXES = {".xls"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls files, and password-protected .xlsx
ZIP_SIGNATURE = b"PK\x03\x04"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with a byte-order mark)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "mixed": "mixed UTF-8 and Windows-1252",
}
# Other kinds of file people pick by mistake, recognised by their first bytes.
SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "a Word (RTF) document",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}
# Larger than any real cell; Python's csv module refuses fields over 131,072 characters by default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class SourceTable:
    """One sheet or CSV file as read, before any mapping.

    ``data`` holds one row per data row, every cell as text (``""`` for an empty cell), with
    columns numbered by position and the index holding the row number the user sees.
    ``template_rows`` lists rows under the header that are not data (a national template's
    question and example rows; they are not counted as rows read),
    ``findings`` what the reader noticed, ``evidence`` how it read the file (shown to the user).
    """

    path: Path
    sheet: str | None
    headers: list[str]
    header_row: int
    data: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    template_rows: dict[int, str] = field(default_factory=dict)  # row -> why it is not data
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
        if std.has_field("childId"):
            names.update(normalise_header(n) for n in std.field("childId").header_names)
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


def row_numbers(first_row: int, count: int) -> pd.Index:
    """The index of a table's rows: the row numbers the user sees, from ``first_row``.

    A plain integer index rather than a ``RangeIndex``: later steps select rows with a mask
    dozens of times, and that is about four times faster on a plain index (measured at 1M rows).
    """
    return pd.Index(np.arange(first_row, first_row + count, dtype=np.int64))


def layout_match(headers: list[str], layout: Layout) -> float:
    """1.0 for a layout's exact columns in order; else the share of column names in common."""
    got = [normalise_header(h) for h in headers if h.strip()]
    want = [normalise_header(c) for c in layout.columns]
    if got == want:
        return 1.0
    common = len(set(got) & set(want))
    return common / max(len(set(got) | set(want)), 1)


# ---------------------------------------------------------------------------------------------
# Cell values as text


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


def _clean(text: str) -> str:
    """Remove NUL bytes and the BOM; keep everything else as the user typed it."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.replace("\ufeff", "")


# ---------------------------------------------------------------------------------------------
# What kind of file is this?


def _not_a_table(path: Path, head: bytes) -> str | None:
    """What the file is, when its first bytes say it is not a table (``None`` if it may be)."""
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            return what
    start = head.lstrip()[:512].lower()
    if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<") and b"<table" in start):
        return "a web page (HTML)"
    return None


def _looks_binary(sample: str) -> bool:
    """True when more than 1 in 20 characters are control characters no text file holds."""
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c") + sample.count("\ufffd")
    return controls > len(sample) / 20


def sniff_encoding(raw: bytes) -> str:
    """The encoding of a file's first bytes: UTF-8 (with or without BOM), UTF-16, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if _utf16_without_bom(raw):
        return "utf-16-le"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if exc.start >= len(raw) - 3 and len(raw) >= SAMPLE_BYTES:
            return "utf-8"
        return "cp1252"


def _utf16_without_bom(raw: bytes) -> bool:
    """ASCII text saved as UTF-16LE without a BOM: every second byte is NUL."""
    odd = raw[1::2]
    return len(raw) >= 8 and odd.count(0) > 0.9 * len(odd) and raw[0::2].count(0) < 0.1 * len(odd)


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon, tab or pipe: whichever splits the first lines most consistently."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_key = ",", (-1, -1)
    for delim in DELIMITERS:
        counts = [len(next(csv.reader([ln], delimiter=delim), [])) - 1 for ln in lines]
        common = max(set(counts), key=counts.count)
        key = (counts.count(common) if common > 0 else 0, common)
        if key > best_key:
            best, best_key = delim, key
    return best


# ---------------------------------------------------------------------------------------------
# CSV: decoding


def _scan(path: Path) -> tuple[int, int]:
    """(NUL bytes, line breaks) in the file, read in chunks: cheap even for a large file.

    Line breaks are counted as ``\n``, or as ``\r`` in a file that has no ``\n`` at all
    (old Mac files); they only serve to notice cells that span lines.
    """
    nuls = newlines = returns = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            nuls += chunk.count(b"\x00")
            newlines += chunk.count(b"\n")
            if not newlines:
                returns += chunk.count(b"\r")
    return nuls, newlines or returns


def _line_breaks(text: str) -> int:
    return text.count("\n") or text.count("\r")


def _decode_lines(raw: bytes) -> tuple[str, list[int], int]:
    """Text of a file that is not all UTF-8, decoded line by line.

    Each line is read as UTF-8 when it is valid UTF-8, else as Windows-1252 (so a file that an
    officer appended to from another program keeps both its ``é`` and its ``£``). Returns the
    text, the 1-based numbers of the Windows-1252 lines with non-ASCII bytes, and how many
    lines held non-ASCII UTF-8.
    """
    parts, cp_lines, utf8_lines = [], [], 0
    for number, line in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            text = line.decode("utf-8")
            if not line.isascii():
                utf8_lines += 1
        except UnicodeDecodeError:
            text = line.decode("cp1252", errors="replace")
            cp_lines.append(number)
        parts.append(text)
    return "".join(parts), cp_lines, utf8_lines


@dataclass
class _Decoded:
    encoding: str  # utf-8 | utf-8-sig | utf-16 | cp1252 | mixed
    text: str | None  # None: pandas can read the file from disk as it is (the fast path)
    findings: list[Finding]
    line_breaks: int  # more lines than rows read means cells span lines (see read_csv)


def _decode(path: Path, head: bytes, repair: bool = False) -> _Decoded:
    """Decide the encoding of a CSV file, decoding it in memory only when it needs repair.

    A file whose start is UTF-8 and that holds no NUL bytes is left for pandas to read from
    disk (the fast path; pandas raises ``UnicodeDecodeError`` if a later line is not UTF-8, and
    the caller then asks again with ``repair=True``).
    """
    name = path.name
    findings: list[Finding] = []
    encoding = sniff_encoding(head)
    if encoding.startswith("utf-16"):
        text = _without_nuls(path.read_bytes().decode(encoding, errors="replace"), name, findings)
        return _Decoded("utf-16", text, findings, _line_breaks(text))
    if encoding != "cp1252" and not repair:
        nuls, line_breaks = _scan(path)
        if not nuls:
            return _Decoded(encoding, None, findings, line_breaks)
    raw = path.read_bytes()
    try:
        encoding = "utf-8" if encoding == "cp1252" else encoding
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text, cp_lines, utf8_lines = _decode_lines(raw)
        encoding = "cp1252"
        if cp_lines and utf8_lines:
            encoding = "mixed"
            shown = ", ".join(map(str, cp_lines[:5])) + (" ..." if len(cp_lines) > 5 else "")
            findings.append(
                Finding(
                    rule="mixed_encoding",
                    severity="warning",
                    field="(file)",
                    source_file=name,
                    source_row=cp_lines[0],
                    value=f"{len(cp_lines)} lines",
                    message=(
                        f"{len(cp_lines)} lines (line {shown}) were saved as Windows-1252 text and the rest as "
                        "UTF-8; each line was read in its own encoding. Check accented names and £ signs in "
                        "those rows, and save the file as 'CSV UTF-8'."
                    ),
                )
            )
    text = _without_nuls(text, name, findings)
    return _Decoded(encoding, text, findings, _line_breaks(text))


def _without_nuls(text: str, name: str, findings: list[Finding]) -> str:
    """The text with NUL characters removed, and a warning saying how many there were."""
    count = text.count("\x00")
    if not count:
        return text
    first_line = text[: text.index("\x00")].count("\n") + 1
    findings.append(
        Finding(
            rule="nul_characters",
            severity="warning",
            field="(file)",
            source_file=name,
            source_row=first_line,
            value=f"{count} NUL characters",
            message=(
                f"The file held {count} NUL (zero) characters, first on line {first_line}; they were "
                "removed. Export the file again from your system if values look cut short."
            ),
        )
    )
    return text.replace("\x00", "")


# ---------------------------------------------------------------------------------------------
# CSV: parsing


def _read_csv_fast(
    source: Path | str, encoding: str, delimiter: str, skip: int, ncols: int
) -> pd.DataFrame | None:
    """The data rows through pandas' C parser (fast path); ``None`` when a row is too wide.

    ``source`` is a path (read from disk) or the file's decoded text. One spare column is read
    so that a row wider than the header is noticed: pandas would otherwise take a wider first
    row's first cell as the row label and shift every column (or drop cells with a warning).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(source) if isinstance(source, str) else source,
                encoding=None if isinstance(source, str) else encoding,
                sep=delimiter,
                header=None,
                skiprows=skip,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                names=list(range(ncols + 1)),
                index_col=False,
                engine="c",
                encoding_errors="strict",
            )
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=list(range(ncols)), dtype=object)
    except UnicodeDecodeError:
        raise  # not all UTF-8 after all: the caller decodes the file line by line
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, OverflowError, MemoryError):
        return None
    if (frame[ncols] != "").any():
        return None  # values beyond the header: the careful reader reports each such row
    return frame.drop(columns=ncols)


def _csv_records(text: str, delimiter: str, name: str, ncols: int) -> tuple[list[list[str]], list[Finding]]:
    """Every record of ``text`` (ragged rows kept as they are), recovering from stray quotes.

    A quote mark that opens a cell and is not closed where the cell ends makes the following
    lines run together into one row (until the next quote mark, or to the end of the file), so
    rows would silently disappear. Such a run is read again line by line, every line becoming
    its own row, and reported. Row ``k`` of the result is row ``k + 1`` the user sees.
    """
    lines = _lines(text)
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records: list[list[str]] = []
    findings: list[Finding] = []
    start = 0
    for record in reader:
        end = reader.line_num
        run = lines[start:end]
        if (len(run) > 1 and _runaway(record, run, delimiter, ncols, end == len(lines))) or (
            len(run) == 1 and end == len(lines) and _unclosed_quote(run, delimiter)
        ):
            row = len(records) + 1
            records.extend(
                next(csv.reader([ln.rstrip("\r\n")], delimiter=delimiter), []) for ln in lines[start:end]
            )
            findings.append(_stray_quote_finding(name, row, row + end - start - 1))
        else:
            records.append(record)
        start = end
    return records, findings


def _runaway(record: list[str], lines: list[str], delimiter: str, ncols: int, at_end: bool) -> bool:
    """True when a record spanning several lines is rows run together by a stray quote mark."""
    if len(record) > ncols and any(c.strip() for c in record[ncols:]):
        return True  # the merged rows' cells pushed it past the last column
    swallowed = max(2, ncols // 2)
    for cell in record:
        if ("\n" in cell or "\r" in cell) and any(
            part.count(delimiter) >= swallowed for part in cell.splitlines()[1:]
        ):
            return True  # a cell holding what looks like whole rows
    return at_end and _unclosed_quote(lines, delimiter)


def _stray_quote_finding(name: str, row: int, last: int) -> Finding:
    if last > row:
        what = f"so rows {row} to {last} ran together; each line was read as its own row"
    else:
        what = "so the rest of the row was read as one cell"
    return Finding(
        rule="unclosed_quote",
        severity="error",
        field="(row)",
        source_file=name,
        source_row=row,
        message=(
            f'A quote mark (") in this row is not closed where its cell ends, {what}. Remove the stray '
            "quote mark (or close it) and check the row."
        ),
    )


def _lines(text: str) -> list[str]:
    """The text's lines with their endings (``\r\n``, ``\n`` or a lone ``\r``), as csv expects.

    Not ``str.splitlines``: that also splits on characters that may sit inside a cell
    (form feed, the Unicode line separator), which would cut a row in two.
    """
    return io.StringIO(text, newline="").readlines()


def _unclosed_quote(lines: list[str], delimiter: str) -> bool:
    """True when the record made of ``lines`` ends inside a quoted cell."""
    try:
        list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _ragged_findings(records: list[list[str]], ncols: int, first_row: int, name: str) -> list[Finding]:
    """An error for each row with values beyond the last column of the header."""
    findings = []
    for offset, row in enumerate(records):
        if len(row) > ncols and any(c.strip() for c in row[ncols:]):
            findings.append(
                Finding(
                    rule="ragged_row",
                    severity="error",
                    field="(row)",
                    value=f"{len(row)} cells",
                    source_file=name,
                    source_row=first_row + offset,
                    message=(
                        f"This row has {len(row)} cells but the header has {ncols}: the cells past "
                        f"column {column_letter(ncols - 1)} were not read. Check for a stray delimiter."
                    ),
                )
            )
    return findings


def _sample_text(head: bytes, decoded: _Decoded) -> str:
    """The start of the file as text (to find the delimiter and the header row)."""
    if decoded.text is not None:
        return _clean(decoded.text[:SAMPLE_BYTES])
    return _clean(head.decode(decoded.encoding, errors="ignore"))


def read_csv(path: Path) -> SourceTable:
    """Read a delimited text file (see the module's docstring for what it copes with)."""
    path = Path(path)
    head = _text_head(path)
    decoded = _decode(path, head)
    delimiter, header_idx, score, headers = _csv_header(path.name, _sample_text(head, decoded))
    frame, decoded = _csv_body(path, head, decoded, delimiter, header_idx, len(headers))
    table = SourceTable(
        path=path,
        sheet=None,
        headers=headers,
        header_row=header_idx + 1,
        data=frame,
        encoding=decoded.encoding,
        delimiter=delimiter,
        findings=decoded.findings,
    )
    table.evidence.append(
        f"read as CSV: {ENCODING_NAMES.get(decoded.encoding, decoded.encoding)} text, "
        f"{DELIMITERS[delimiter]}-separated, header in row {header_idx + 1} "
        f"({score} of {sum(1 for h in headers if h)} column names known)"
    )
    return table


def _text_head(path: Path) -> bytes:
    """The first bytes of a file that must be text; one-line errors for anything else."""
    name = path.name
    head = _head(path)
    if len(head) == SAMPLE_BYTES and head.count(b"\n") < 2:
        head = _head(path, 64 * SAMPLE_BYTES)  # a very wide header: read enough to see it whole
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise KitError(f"{name} is empty. Export the file again from your system and re-run.")
    what = _not_a_table(path, head)
    if what:
        raise KitError(
            f"{name} is {what}, not a table the kit can read. Check you picked the right file, "
            "or open it in Excel and save it as .xlsx or CSV UTF-8."
        )
    if head.startswith(OLE_SIGNATURE):
        raise KitError(
            f"{name} is an Excel workbook (old .xls format or password-protected), not a CSV file. "
            "Open it in Excel, remove any password and save it as .xlsx or CSV UTF-8."
        )
    if _looks_binary(_clean(head.decode(sniff_encoding(head), errors="replace"))):
        raise KitError(
            f"{name} is not a text (CSV) file: it looks like binary data. "
            "Check you picked the right file, or save it from Excel as 'CSV UTF-8'."
        )
    return head


def _csv_header(name: str, sample: str) -> tuple[str, int, int, list[str]]:
    """(delimiter, 0-based header record, known names in it, the column names) from the sample."""
    delimiter = sniff_delimiter(sample)
    rows = list(csv.reader(_lines(sample), delimiter=delimiter))
    if len(sample) >= SAMPLE_BYTES and len(rows) > 1:
        rows = rows[:-1]  # the last line of the sample may be cut
    rows = rows[: HEADER_SCAN_ROWS + 1]
    header_idx, score = _find_header_row(rows, _known_headers())
    headers = [_clean(h).strip() for h in rows[header_idx]] if rows else []
    if not any(headers):
        raise KitError(
            f"{name} has no header row (its first rows are blank). "
            "Put the column names in the first row, or export the file again, and re-run."
        )
    _check_width(name, headers)
    return delimiter, header_idx, score, headers


def _csv_body(
    path: Path, head: bytes, decoded: _Decoded, delimiter: str, header_idx: int, ncols: int
) -> tuple[pd.DataFrame, _Decoded]:
    """The rows under the header, indexed by the row number the user sees.

    pandas' C parser reads a well-formed file fast; a file with rows wider than the header, or
    with cells that span lines (a stray quote may have merged rows), goes through the careful
    reader, which reports each problem. A file that turns out not to be all UTF-8 is decoded
    again line by line.
    """
    skip, first_row = header_idx + 1, header_idx + 2
    try:
        frame = _read_csv_fast(decoded.text or path, decoded.encoding, delimiter, skip, ncols)
    except UnicodeDecodeError:
        decoded = _decode(path, head, repair=True)
        frame = _read_csv_fast(decoded.text, decoded.encoding, delimiter, skip, ncols)
    if frame is not None and decoded.line_breaks > skip + len(frame):
        frame = None
    if frame is None:
        text = decoded.text if decoded.text is not None else path.read_text(encoding=decoded.encoding)
        records, found = _csv_records(_clean(text), delimiter, path.name, ncols)
        records = records[skip:]
        decoded.findings += [f for f in found if f.source_row is None or f.source_row >= first_row]
        decoded.findings += _ragged_findings(records, ncols, first_row, path.name)
        frame = pd.DataFrame(
            [(r + [""] * ncols)[:ncols] for r in records], columns=range(ncols), dtype=object
        )
        frame = frame.astype(str) if len(frame) else frame
    frame.index = row_numbers(first_row, len(frame))
    return frame, decoded


def _head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of a file."""
    with open(path, "rb") as fh:
        return fh.read(size)


def _check_width(name: str, headers: list[str]) -> None:
    """Refuse files far wider than any standard's (usually a wrong delimiter or the wrong file)."""
    named = sum(1 for h in headers if h.strip())
    if named > MAX_COLUMNS or len(headers) > MAX_WIDTH:
        raise KitError(
            f"{name} has {max(named, len(headers)):,} columns, far more than any standard's file "
            f"(at most {MAX_COLUMNS:,}). Check that it is the right file and that it is saved as CSV."
        )


# ---------------------------------------------------------------------------------------------
# Excel


def _open_workbook(path: Path):
    import openpyxl

    head = _head(path)[:8]
    if not head:
        raise KitError(f"{path.name} is empty. Export the workbook again and re-run.")
    if head == OLE_SIGNATURE:
        raise KitError(
            f"{path.name} is password-protected or in the old .xls format. "
            "Open it in Excel, remove the password, save it as .xlsx and re-run."
        )
    try:
        # From memory, not the path: openpyxl refuses a path whose name does not end in .xlsx,
        # and the kit goes by content (a workbook saved as "return.csv" is still a workbook).
        return openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on a damaged file
        raise _corrupt(path, exc) from None


def _corrupt(path: Path, exc: Exception) -> KitError:
    return KitError(
        f"{path.name} cannot be opened as an Excel workbook ({type(exc).__name__}): it may be corrupt. "
        "Open it in Excel and save it again as .xlsx, or export it as CSV."
    )


def _sheet_rows(ws, limit: int | None = None) -> list[list[str]]:
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


def _worksheets(wb) -> list[str]:
    """Names of the sheets that hold cells (chart sheets hold none)."""
    return [n for n in wb.sheetnames if hasattr(wb[n], "iter_rows")]


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
    for name in _worksheets(wb):
        ws = wb[name]
        if getattr(ws, "sheet_state", "visible") != "visible" and name not in template_sheets:
            continue
        _, score = _find_header_row(_sheet_rows(ws, HEADER_SCAN_ROWS), known)
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


def read_excel(path: Path, sheet: str | None = None) -> SourceTable:
    """Read the data sheet of an .xlsx workbook (cached formula values, every cell as text)."""
    path = Path(path)
    wb = _open_workbook(path)
    try:
        chosen, evidence = _choose_sheet(wb, path, sheet)
        rows = _sheet_rows(wb[chosen])
    except KitError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl parses lazily: damage shows up here
        raise _corrupt(path, exc) from None
    finally:
        wb.close()
    header_idx, score = _find_header_row(rows, _known_headers())
    if not rows or not any(c.strip() for c in rows[header_idx]):
        raise KitError(
            f"{path.name} [{chosen}] is empty. Check you saved the data in this workbook, or pick the "
            "data sheet with --sheet."
        )
    headers = [h.strip() for h in rows[header_idx]]
    body = rows[header_idx + 1 :]
    width = max([len(headers), *map(len, body)]) if body else len(headers)
    headers += [""] * (width - len(headers))
    _check_width(f"{path.name} [{chosen}]", headers)
    first_row = header_idx + 2
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width), dtype=object)
    frame = frame.astype(str) if len(frame) else frame
    frame.index = row_numbers(first_row, len(frame))
    table = SourceTable(path=path, sheet=chosen, headers=headers, header_row=header_idx + 1, data=frame)
    table.evidence.extend(evidence)
    named = sum(1 for h in headers if h)
    table.evidence.append(f"header in row {header_idx + 1} ({score} of {named} column names known)")
    return table


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


def read_file(path: str | Path, sheet: str | None = None) -> SourceTable:
    """Read a CSV or Excel file, finding its header row (and, for Excel, its data sheet).

    The kind of file is decided by its content, not its name (a CSV saved with an .xlsx name
    is still read). Raises :class:`KitError` with a one-line explanation when the file cannot
    be used at all.
    """
    path = Path(path)
    if not path.exists():
        raise KitError(f"{path} does not exist. Check the path and re-run.")
    if path.is_dir():
        raise KitError(f"{path} is a folder; give the kit a CSV or Excel file.")
    try:
        head = _head(path)
    except OSError as exc:
        raise KitError(
            f"{path.name} cannot be read ({exc.strerror}). Check the file's permissions."
        ) from None
    suffix = path.suffix.lower()
    if head.startswith(ZIP_SIGNATURE) or (suffix in EXCEL_SUFFIXES and head.startswith(OLE_SIGNATURE)):
        table = read_excel(path, sheet=sheet)
    elif suffix in OLD_EXCEL_SUFFIXES and head.startswith(OLE_SIGNATURE):
        raise KitError(f"{path.name} is an old-style .xls workbook. Open it in Excel and save it as .xlsx.")
    elif suffix in EXCEL_SUFFIXES and not head.strip():
        raise KitError(f"{path.name} is empty. Export the workbook again and re-run.")
    else:
        table = read_csv(path)
        if suffix in EXCEL_SUFFIXES | OLD_EXCEL_SUFFIXES:
            table.evidence.insert(0, f"named {suffix} but holds text: read as CSV")
    _name_unnamed_columns(table)
    _skip_template_rows(table)
    _drop_trailing_blank_rows(table)
    _no_data_finding(table)
    return table
