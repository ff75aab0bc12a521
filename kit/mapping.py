"""Map an LA's columns and values to the standard, once, and reuse the mapping every quarter.

Header mapping tries, in order: the exact property or template column name; a known alias
(regional pipelines' names); the same name after normalising case, spaces and punctuation;
then a scored suggestion. Columns that map to nothing are kept as the LA's own extra columns.

Value mapping: a known variant spelling becomes the canonical code without a finding; a value
the user mapped in the mapping file becomes the code they chose; anything else is an error
finding that keeps the original value, and the cell is left empty in the standard table.

The mapping file (YAML, one per LA) records the header map, value maps, standard version and
date format. See :func:`save_mapping` and ``guides/mapping.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit import standards
from kit.errors import KitError
from kit.findings import column_letter
from kit.ingest import SourceTable
from kit.standards import Standard, normalise_header

MAPPING_FORMAT = 1
SUGGEST_APPLY = (
    90  # suggestions this confident are applied (with a warning) when no mapping file says otherwise
)
SUGGEST_SHOW = 60  # suggestions below this are not offered


@dataclass
class ColumnMatch:
    """How one source column maps to the standard."""

    position: int
    header: str
    field: str | None
    how: str  # exact | alias | normalised | suggested | mapping | unmapped | duplicate
    score: float = 100.0
    alternatives: list[tuple[str, float]] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return column_letter(self.position)

    @property
    def applied(self) -> bool:
        return self.field is not None and self.how != "unmapped"


@dataclass
class Mapping:
    """What a user confirmed about one LA's files (saved as YAML)."""

    standard: str = "placements"
    version: str = "auto"
    la: str = ""
    date_format: str = "day-first"
    columns: dict[str, str | None] = field(default_factory=dict)  # source header -> field (None = LA's own)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)  # field -> source value -> code
    sheet: str | None = None
    notes: str = ""
    path: Path | None = None

    def column_for(self, header: str) -> tuple[bool, str | None]:
        """(known, field) for a source header: known is False when the mapping never saw it."""
        if header in self.columns:
            return True, self.columns[header]
        key = normalise_header(header)
        for h, f in self.columns.items():
            if normalise_header(h) == key:
                return True, f
        return False, None


# ---------------------------------------------------------------------------------------------
# Header mapping


def _exact_names(std: Standard) -> tuple[dict[str, str], dict[str, str]]:
    exact, alias = {}, {}
    for f in std.fields:
        for name in (f.name, *f.columns):
            exact.setdefault(name, f.name)
        for name in f.aliases:
            alias.setdefault(name, f.name)
    return exact, alias


def _suggestions(header: str, std: Standard, taken: set[str]) -> list[tuple[str, float]]:
    """Scored guesses (field, 0–100) for a header no name matched, best first."""
    from rapidfuzz import fuzz

    key = normalise_header(header)
    if not key:
        return []
    scores: dict[str, float] = {}
    for f in std.fields:
        if f.name in taken:
            continue
        best = 0.0
        for name in (*f.header_names, f.title):
            cand = normalise_header(name)
            if not cand:
                continue
            s = fuzz.ratio(key, cand)
            if min(len(key), len(cand)) >= 6:
                s = max(s, 0.95 * fuzz.partial_ratio(key, cand))
            best = max(best, s)
        if best >= SUGGEST_SHOW:
            scores[f.name] = round(best, 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])[:5]


def suggest_mapping(table: SourceTable, std: Standard, mapping: Mapping | None = None) -> list[ColumnMatch]:
    """How each column of ``table`` maps to ``std``: one :class:`ColumnMatch` per column."""
    exact, alias = _exact_names(std)
    index = std.header_index()
    matches: list[ColumnMatch] = []
    taken: set[str] = set()
    for pos, header in enumerate(table.headers):
        known, mapped = mapping.column_for(header) if mapping else (False, None)
        if known:
            m = ColumnMatch(pos, header, mapped, "mapping" if mapped else "unmapped")
        elif header in exact:
            m = ColumnMatch(pos, header, exact[header], "exact")
        elif header in alias:
            m = ColumnMatch(pos, header, alias[header], "alias")
        elif normalise_header(header) in index:
            m = ColumnMatch(pos, header, index[normalise_header(header)], "normalised")
        else:
            m = ColumnMatch(pos, header, None, "unmapped", score=0.0)
        if m.field and m.field not in {f.name for f in std.fields}:
            raise KitError(
                f"The mapping file maps column {header!r} to {m.field!r}, which is not a field of {std.title}."
            )
        if m.field and m.field in taken:
            m = ColumnMatch(pos, header, m.field, "duplicate", score=0.0)
        elif m.field:
            taken.add(m.field)
        matches.append(m)
    # Scored suggestions for the rest (after every exact match has claimed its field).
    for m in matches:
        if m.how == "unmapped" and not (mapping and mapping.column_for(m.header)[0]) and m.header.strip():
            m.alternatives = _suggestions(m.header, std, taken)
            if m.alternatives and m.alternatives[0][1] >= SUGGEST_APPLY:
                m.field, m.score = m.alternatives[0]
                m.how = "suggested"
                taken.add(m.field)
            elif m.alternatives:
                m.score = m.alternatives[0][1]
    return matches


def missing_fields(
    matches: list[ColumnMatch], std: Standard, layout_missing: tuple[str, ...] = ()
) -> list[str]:
    """Required fields no column maps to (fields the layout cannot carry are listed separately)."""
    mapped = {m.field for m in matches if m.applied}
    return [
        f.name for f in std.fields if f.required and f.name not in mapped and f.name not in layout_missing
    ]


# ---------------------------------------------------------------------------------------------
# Mapping files


HEADER_COMMENT = """\
# Mapping of one LA's {standard} files to the national standard, made with the kit.
# Edit it by hand or in notebooks/01_load_and_map.ipynb; the kit applies it unattended next
# quarter and warns about any column or value it has not seen before.
#   columns: source column name -> standard field (null = keep as the LA's own extra column)
#   values:  standard field -> {{source value: canonical code}} for values the kit does not know
#   date_format: day-first (12/02/2024 is 12 February) or iso (2024-02-12)
"""


def save_mapping(mapping: Mapping, path: str | Path) -> Path:
    """Write the mapping as a commented, versioned YAML file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "kit_mapping_format": MAPPING_FORMAT,
        "saved": dt.date.today().isoformat(),
        "standard": mapping.standard,
        "version": mapping.version,
        "la": mapping.la,
        "date_format": mapping.date_format,
    }
    if mapping.sheet:
        body["sheet"] = mapping.sheet
    if mapping.notes:
        body["notes"] = mapping.notes
    body["columns"] = dict(mapping.columns)
    body["values"] = {k: dict(v) for k, v in mapping.values.items() if v}
    text = HEADER_COMMENT.format(standard=mapping.standard) + yaml.safe_dump(
        body, sort_keys=False, allow_unicode=True, width=100
    )
    path.write_text(text, encoding="utf-8")
    mapping.path = path
    return path


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file written by :func:`save_mapping` (or by hand)."""
    path = Path(path)
    if not path.exists():
        raise KitError(f"Mapping file {path} does not exist. Check the path, or run without --mapping.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise KitError(
            f"Mapping file {path.name} is not valid YAML{line}. Fix it or save it again from the notebook."
        ) from None
    if not isinstance(data, dict):
        raise KitError(f"Mapping file {path.name} does not hold a mapping. Save it again from the notebook.")
    fmt = data.get("kit_mapping_format", MAPPING_FORMAT)
    if fmt != MAPPING_FORMAT:
        raise KitError(f"Mapping file {path.name} has format {fmt}; this kit reads format {MAPPING_FORMAT}.")
    date_format = data.get("date_format", "day-first")
    if date_format not in ("day-first", "iso"):
        raise KitError(
            f"Mapping file {path.name}: date_format must be 'day-first' or 'iso', not {date_format!r}."
        )
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise KitError(f"Mapping file {path.name}: 'values' must map each field to {{source value: code}}.")
    return Mapping(
        standard=str(data.get("standard", "placements")),
        version=str(data.get("version", "auto")),
        la=str(data.get("la") or ""),
        date_format=date_format,
        columns={str(k): (str(v) if v else None) for k, v in (data.get("columns") or {}).items()},
        values={
            str(f): {str(k): (str(v) if v is not None else None) for k, v in m.items()}
            for f, m in values.items()
        },
        sheet=data.get("sheet"),
        notes=str(data.get("notes") or ""),
        path=path,
    )


def mapping_from_matches(
    matches: list[ColumnMatch], std: Standard, la: str = "", existing: Mapping | None = None
) -> Mapping:
    """A mapping that records the current column matches (for saving after review)."""
    mapping = existing or Mapping()
    mapping.standard, mapping.version = std.standard, std.version
    if la:
        mapping.la = la
    for m in matches:
        if m.header.strip():
            mapping.columns[m.header] = m.field if m.how not in ("unmapped", "duplicate") else None
    return mapping


def list_standards_for_mapping() -> list[str]:
    return sorted({s for s, _ in standards.available()})


def unknown_values(
    table: SourceTable, matches: list[ColumnMatch], std: Standard, mapping: Mapping | None = None
) -> dict[str, dict[str, int]]:
    """Values of code fields that are neither codes nor known variants: field -> {value: count}."""
    from kit.convert import split_multi

    result: dict[str, dict[str, int]] = {}
    for m in matches:
        if not m.applied:
            continue
        f = std.field(m.field)
        codes = std.codes_for(f.name)
        if codes is None:
            continue
        user = (mapping.values.get(f.name) if mapping else None) or {}
        counts = table.data[m.position].value_counts()
        for raw, n in counts.items():
            text = str(raw).strip()
            if not text or (f.na_means_empty and text.upper() in {"NA", "N/A"}):
                continue
            parts = split_multi(text) if f.multi else [text]
            for part in parts:
                if codes.canonical(part) is None and part not in user:
                    result.setdefault(f.name, {})
                    result[f.name][part] = result[f.name].get(part, 0) + int(n)
    return {k: dict(sorted(v.items(), key=lambda kv: -kv[1])) for k, v in result.items()}


def describe_matches(matches: list[ColumnMatch]) -> list[dict[str, Any]]:
    """The column matches as plain rows (for a notebook table or a report)."""
    rows = []
    for m in matches:
        rows.append(
            {
                "column": m.letter,
                "header": m.header,
                "field": m.field or "",
                "how": m.how,
                "confidence": m.score if m.how in ("suggested", "unmapped") else 100.0,
                "other suggestions": ", ".join(
                    f"{f} ({s:.0f})" for f, s in m.alternatives[1 if m.how == "suggested" else 0 :]
                ),
            }
        )
    return rows
