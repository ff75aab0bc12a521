"""The report structure of an export: what sits around the table, and is not data.

A case-management system's export is often a *report*: a title row and a run-date row above
the column names, a "Total records: 169" footer or a totals row under the data, blank rows
between sections, the column names repeated at each page break. :class:`ReportShape` is what
the reader found (or was told) about one file's structure; it is saved in the LA's mapping file
so that next quarter's file is read the same way without an edit.

(Skeleton: the interface other modules code against. Detection is filled in by the reader.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportShape:
    """What is known about a file's report structure.

    ``header_row``: the row the user sees the column names in (1-based), or ``None`` to find it;
    ``footer_markers``: texts that start a row which is not data ("Total records", "Grand total"),
    in the first non-blank cell of the row, compared case-insensitively;
    ``repeated_headers``: rows equal to the header row are page-break repeats, not data.
    """

    header_row: int | None = None
    footer_markers: tuple[str, ...] = ()
    repeated_headers: bool = True
    notes: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The shape as plain YAML-able values (for the mapping file)."""
        out: dict[str, Any] = {}
        if self.header_row is not None:
            out["header_row"] = self.header_row
        if self.footer_markers:
            out["footer_markers"] = list(self.footer_markers)
        if not self.repeated_headers:
            out["repeated_headers"] = False
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReportShape:
        """The shape saved by :meth:`as_dict` (``ValueError`` with a plain message when malformed)."""
        data = data or {}
        if not isinstance(data, dict):
            raise ValueError("'structure' must be a mapping of header_row, footer_markers, repeated_headers")
        header_row = data.get("header_row")
        if header_row is not None and (
            not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1
        ):
            raise ValueError("'header_row' must be a row number (1 or more)")
        markers = data.get("footer_markers") or []
        if not isinstance(markers, list) or not all(isinstance(m, str) and m.strip() for m in markers):
            raise ValueError("'footer_markers' must be a list of texts")
        repeated = data.get("repeated_headers", True)
        if not isinstance(repeated, bool):
            raise ValueError("'repeated_headers' must be true or false")
        return cls(
            header_row=header_row, footer_markers=tuple(m.strip() for m in markers), repeated_headers=repeated
        )
