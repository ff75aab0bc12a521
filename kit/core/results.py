"""What a check of one LA produced: plain, frozen data (no logic beyond adding up its own numbers).

Each stage returns new values and :func:`kit.check.check_files` assembles them into a
:class:`CheckResult`; nothing changes one of these objects after it is made (use
``dataclasses.replace`` to make a changed copy). :func:`kit.outputs.write_outputs` puts one on disk.

The types they hold (the source table, the detection, the column matches, the standard, the
mapping, the checks) belong to the stages that make them; they are named in comments only, so
this module imports nothing of the kit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# The kinds of the fields below belong to the stages above core (kit.read.table.SourceTable,
# kit.detect.Detection, kit.mapping.suggest.ColumnMatch, kit.mapping.mapping_file.Mapping, kit.checks.suite.Check,
# kit.standards.Standard and Field). Core imports none of them, not even for type checkers, so that
# no package below depends on one above it; each field's comment names its kind.

# The columns that say where each standard row came from (after the standard's property names).
PROVENANCE = ["_la", "_source_file", "_source_row"]


@dataclass(frozen=True)
class FileResult:
    """One file read, detected and mapped, with its row counts."""

    table: Any  # kit.read.table.SourceTable
    detection: Any  # kit.detect.Detection
    matches: list  # of kit.mapping.suggest.ColumnMatch
    rows_in: int = 0
    rows_blank: int = 0
    rows_rejected: int = 0
    derived: tuple[str, ...] = ()  # fields the kit filled with no column of their own (genderCode X)
    required: tuple[str, ...] | None = (
        None  # fields it must have a column for (its profile's plug-in decides)
    )

    @property
    def rows_standard(self) -> int:
        return self.rows_in - self.rows_blank - self.rows_rejected


@dataclass(frozen=True)
class Converted:
    """What the convert stage made of one file: the standard rows and what the checks read."""

    data: pd.DataFrame  # the standard table: property names + provenance
    extra: pd.DataFrame  # the LA's own columns, keyed by provenance
    text: pd.DataFrame  # what the checks read: canonical text, or the original where a value failed
    findings: list  # kit.core.findings.Finding: reading, mapping and conversion findings
    file: FileResult


@dataclass(frozen=True)
class Checked:
    """What the checks stage returns: every finding so far, tidied, and the table with failed values emptied."""

    findings: pd.DataFrame
    data: pd.DataFrame
    checks: tuple = ()  # of kit.checks.suite.Check


@dataclass(frozen=True)
class CheckResult:
    """Everything a check produced, in memory (``kit.outputs.write_outputs`` puts it on disk)."""

    standard: Any  # kit.standards.Standard
    la: str
    files: list[FileResult]
    data: pd.DataFrame  # the standard table: property names + provenance
    extra: pd.DataFrame  # the LA's own columns, keyed by provenance
    findings: pd.DataFrame
    text: pd.DataFrame  # what the quality checks read: canonical text, or the original where a value failed
    mapping: Any = None  # kit.mapping.mapping_file.Mapping, or None
    checked: bool = False  # True once the quality suite has run
    checks: tuple = ()  # the quality checks that ran (kit.checks.Check)
    profile: str | None = None  # a standard with profiles (person): the one the user chose
    notes: tuple[str, ...] = field(default=())

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)

    @property
    def rows_blank(self) -> int:
        return sum(f.rows_blank for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def present(self) -> set[str]:
        """Fields the file(s) carry: mapped from a column, or filled in by the kit."""
        mapped = {m.field for f in self.files for m in f.matches if m.applied and m.how != "duplicate"}
        return mapped | {x for f in self.files for x in f.derived}

    def required_fields(self) -> list:
        """Fields the standard requires here (with a profile: also those the chosen profile requires)."""
        declared = [f.required for f in self.files if f.required is not None]
        core = set().union(*declared) if declared else {f.name for f in self.standard.fields if f.required}
        return [
            f
            for f in self.standard.fields
            if f.name in core or (self.profile and self.profile in f.required_in)
        ]

    def summary(self) -> dict:
        sev = self.findings["severity"] if len(self.findings) else pd.Series(dtype=str)
        unmapped = sorted(
            {m.header for f in self.files for m in f.matches if not m.applied and m.header.strip()}
        )
        mapped = {m.field for f in self.files for m in f.matches if m.applied}
        by_design = {
            x for f in self.files if f.detection.layout for x in f.detection.layout.missing_by_design
        }
        summary = {
            "standard": self.standard.standard,
            "version": self.standard.version,
            "la": self.la,
            "files": [
                {
                    "file": f.table.path.name,
                    "sheet": f.table.sheet,
                    "layout": f.detection.layout.id if f.detection.layout else None,
                    "evidence": f.table.evidence + f.detection.evidence,
                    "rows_in": f.rows_in,
                }
                for f in self.files
            ],
            "rows_in": self.rows_in,
            "rows_standard": len(self.data),
            "rows_blank": self.rows_blank,
            "rows_rejected": self.rows_rejected,
            "errors": int((sev == "error").sum()),
            "warnings": int((sev == "warning").sum()),
            "unmapped_columns": unmapped,
            "missing_fields": [f.name for f in self.required_fields() if f.name not in mapped | by_design],
            "missing_by_design": sorted(by_design - mapped),
            "quality_checked": self.checked,
        }
        assert (
            summary["rows_in"] == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
        )
        return summary


__all__ = ["PROVENANCE", "CheckResult", "Checked", "Converted", "FileResult"]
