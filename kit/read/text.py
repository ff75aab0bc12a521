"""Text files: encoding and delimiter sniffing, and CSV parsing, every cell as text.

Standard-agnostic: how the header row is found is given by the caller (a :data:`HeaderRule`).

* encodings: UTF-8 (with or without a BOM), Windows-1252, UTF-16 ("Unicode text" from Excel),
  or a mix of UTF-8 and Windows-1252 lines, each line read in its own encoding (a warning);
* delimiters: comma, semicolon, tab or pipe, whichever splits the first lines most consistently;
* ragged rows, NUL bytes, a quote that is never closed, cells longer than Python's CSV limit;
* files that are not text at all (PDF, images, archives, binary data) refused in one sentence.

:func:`read_csv` reads a table; :func:`read_text` gives a whole text file decoded (for files that
are not tables, such as a mapping file, and for copying a file with some cells changed).
"""

from __future__ import annotations

import csv
import io
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.core.findings import Finding, column_letter
from kit.read.table import SAMPLE_BYTES, HeaderRule, SourceTable, check_input, row_numbers
from kit.read.table import check_width as _check_width
from kit.read.table import clean_text as _clean
from kit.read.table import head as _head

HEADER_SCAN_ROWS = 30  # the header row is looked for in the first rows of a file
CHUNK_BYTES = 16 * 1024 * 1024
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls files, and password-protected .xlsx
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


def read_csv(path: Path, header_rule: HeaderRule) -> SourceTable:
    """Read a delimited text file (see the module's docstring), its header row found by ``header_rule``."""
    path = Path(path)
    head = _text_head(path)
    decoded = _decode(path, head)
    delimiter, header_idx, score, headers = _csv_header(path.name, _sample_text(head, decoded), header_rule)
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


def _csv_header(name: str, sample: str, header_rule: HeaderRule) -> tuple[str, int, int, list[str]]:
    """(delimiter, 0-based header record, known names in it, the column names) from the sample."""
    delimiter = sniff_delimiter(sample)
    rows = list(csv.reader(_lines(sample), delimiter=delimiter))
    if len(sample) >= SAMPLE_BYTES and len(rows) > 1:
        rows = rows[:-1]  # the last line of the sample may be cut
    rows = rows[: HEADER_SCAN_ROWS + 1]
    header_idx, score = header_rule(rows)
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


# ---------------------------------------------------------------------------------------------
# A whole text file


@dataclass
class TextFile:
    """A text file decoded whole: its text (no BOM), the encoding it was read in, what was noticed."""

    path: Path
    text: str
    encoding: str  # utf-8 | utf-8-sig | utf-16 | cp1252 | mixed
    findings: list[Finding]

    @property
    def save_encoding(self) -> str:
        """The encoding to write a changed copy in: the file's own, UTF-8 for a mixed file."""
        return "utf-8" if self.encoding == "mixed" else self.encoding


def read_text(path: str | Path, what: str = "") -> TextFile:
    """A whole text file, decoded as :func:`read_csv` would (BOM, Windows-1252, mixed lines).

    For input files that are not tables (a mapping file) and for copying a file with some cells
    changed. Raises :class:`KitError` for a folder, a pipe, or a file that is not text.
    """
    path = check_input(path, what)
    if not _head(path, 4):
        return TextFile(path, "", "utf-8", [])
    head = _text_head(path)
    decoded = _decode(path, head, repair=True)
    text = decoded.text or ""
    return TextFile(path, text[1:] if text.startswith("\ufeff") else text, decoded.encoding, decoded.findings)
