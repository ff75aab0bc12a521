"""The raw table every reader returns, and the checks every input file passes before it is opened.

Standard-agnostic: nothing here knows a standard, a template or a reference file's columns.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.core.findings import Finding, column_letter

MAX_COLUMNS = 2000  # more named columns than this is not a table the kit reads
MAX_WIDTH = 16384  # Excel's last column (XFD): no CSV saved from Excel is wider
SAMPLE_BYTES = 64 * 1024

# How a reader finds the header row: given the first rows of a sheet or file (every cell as
# text), the 0-based index of the header row and a score (how many names it recognises; 0 when
# it recognises none, and the index is then the first non-blank row).
HeaderRule = Callable[[list[list[str]]], tuple[int, int]]


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
    report_rows: dict[int, str] = field(default_factory=dict)  # title, footer, repeated header rows -> why
    shape: Any = None  # the kit.read.structure.ReportShape found or applied (None before reading)
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

    def to_frame(self) -> pd.DataFrame:
        """The data under its header names (text cells), indexed by the row number the user sees.

        Names are made unique the way pandas does (``URN``, ``URN.1``); a column without a name
        is called ``Unnamed: N`` (N counted from 0), as pandas calls it.
        """
        names: list[str] = []
        seen: dict[str, int] = {}
        for i, header in enumerate(self.headers):
            name = header if header else f"Unnamed: {i}"
            if name in seen:
                seen[name] += 1
                name = f"{name}.{seen[name]}"
            seen.setdefault(name, 0)
            names.append(name)
        frame = self.data.copy()
        frame.columns = names[: len(frame.columns)]
        return frame


def row_numbers(first_row: int, count: int) -> pd.Index:
    """The index of a table's rows: the row numbers the user sees, from ``first_row``.

    A plain integer index rather than a ``RangeIndex``: later steps select rows with a mask
    dozens of times, and that is about four times faster on a plain index (measured at 1M rows).
    """
    return pd.Index(np.arange(first_row, first_row + count, dtype=np.int64))


def first_row_rule(rows: list[list[str]]) -> tuple[int, int]:
    """The header is the first row that is not blank (reference files: ONS, Ofsted, SSDA903)."""
    return next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0), 0


def clean_text(text: str) -> str:
    """Remove NUL bytes and the BOM; keep everything else as the user typed it."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.replace("\ufeff", "")


def check_width(name: str, headers: list[str]) -> None:
    """Refuse files far wider than any table the kit reads (usually a wrong delimiter or file)."""
    named = sum(1 for h in headers if h.strip())
    if named > MAX_COLUMNS or len(headers) > MAX_WIDTH:
        raise KitError(
            f"{name} has {max(named, len(headers)):,} columns, far more than any file the kit reads "
            f"(at most {MAX_COLUMNS:,}). Check that it is the right file and that it is saved as CSV."
        )


_KINDS = {
    stat.S_ISFIFO: "a named pipe (FIFO)",
    stat.S_ISSOCK: "a socket",
    stat.S_ISCHR: "a device",
    stat.S_ISBLK: "a device",
}


def check_input(path: str | Path, what: str = "") -> Path:
    """The path of an input file that can be opened, or a :class:`KitError` saying why not.

    Checked before anything opens the file: a folder, a named pipe or a device is refused with
    one sentence (opening a pipe for reading would wait for a writer for ever). ``what`` names
    the file in messages (``"The Ofsted register"``); by default the path is used alone.
    """
    path = Path(path)
    label = f"{what} {path}" if what else str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise KitError(f"{label} does not exist. Check the path and re-run.") from None
    except OSError as exc:
        raise KitError(
            f"{label} cannot be read ({exc.strerror}). Check the path and its permissions."
        ) from None
    if stat.S_ISDIR(mode):
        raise KitError(f"{label} is a folder; give the kit a CSV or Excel file.")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS.items() if test(mode)), "not a regular file")
        raise KitError(f"{label} is {kind}, not a file saved on disk; give the kit a CSV or Excel file.")
    if not os.access(path, os.R_OK):
        raise KitError(f"{label} cannot be read (permission denied). Check the file's permissions.")
    return path


def head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of a file (checked with :func:`check_input` first)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise KitError(
            f"{path.name} cannot be read ({exc.strerror}). Check the file's permissions."
        ) from None
