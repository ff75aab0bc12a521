"""Findings: the one currency of data quality.

Every check, from a bad date to a duplicate child, produces rows of the same table. Reports,
feedback workbooks and tests all read it. Columns are fixed by the contract::

    la, source_file, source_row, source_column, field, value, rule, severity, message

``source_row`` is the 1-based row number the user sees in Excel or a text editor (header rows
counted); ``source_column`` is the spreadsheet letter (``A``, ``AF``), empty for row- or
file-level findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

COLUMNS = [
    "la",
    "source_file",
    "source_row",
    "source_column",
    "field",
    "value",
    "rule",
    "severity",
    "message",
]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    field: str = ""
    value: str = ""
    source_file: str = ""
    source_row: int | None = None
    source_column: str = ""
    la: str = ""


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 -> A, 25 -> Z, 26 -> AA, 43 -> AR."""
    if index < 0:
        raise ValueError("column positions start at 0")
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def to_frame(findings: list[Finding] | pd.DataFrame) -> pd.DataFrame:
    """Findings as the contract's table (stable column order, whole-number rows)."""
    if isinstance(findings, pd.DataFrame):
        frame = findings.copy()
    else:
        frame = pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)
    for col in COLUMNS:
        if col not in frame:
            frame[col] = ""
    frame = frame[COLUMNS]
    frame["source_row"] = pd.array(frame["source_row"], dtype="Int64")
    for col in COLUMNS:
        if col != "source_row":
            frame[col] = frame[col].fillna("").astype(str)
    return frame.reset_index(drop=True)


def empty() -> pd.DataFrame:
    return to_frame([])
