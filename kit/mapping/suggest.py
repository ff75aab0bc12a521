"""Map an LA's columns and values to the standard, once, and reuse the mapping every quarter.

Header mapping tries, in order: the exact property or template column name; a known alias
(regional pipelines' names); the same name after normalising case, spaces and punctuation;
then a scored suggestion (applied, with a warning, only when it is confident and clearly ahead
of the next best field). Columns that map to nothing are kept as the LA's own extra columns.

Value mapping: a known variant spelling becomes the canonical code without a finding; a value
the user mapped in the mapping file becomes the code they chose; anything else is an error
finding that keeps the original value, and the cell is left empty in the standard table.

The mapping file (YAML, one per LA) records the header map, value maps, standard version and
date format. See :func:`save_mapping` and ``guides/mapping.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit import standards
from kit.core.errors import KitError
from kit.core.findings import column_letter
from kit.read.files import SourceTable
from kit.read.text import read_text
from kit.standards import Standard, normalise_code, normalise_header

MAPPING_FORMAT = 1
SUGGEST_APPLY = (
    90  # suggestions this confident are applied (with a warning) when no mapping file says otherwise
)
SUGGEST_MARGIN = 5  # ... and only when they beat the next best field by this much (no coin-tosses)
SUGGEST_SHOW = 60  # suggestions below this are not offered
# Words that mean the same in a header ("Child Ref" is the child ID, "Placement Kind" its type).
SYNONYMS = {"ref": "id", "reference": "id", "identifier": "id", "kind": "type", "category": "type"}
STOP_WORDS = {"the", "of", "a", "an", "to", "is", "in", "for", "and", "was", "s"}
HOW_TEXT = {
    "exact": "exact name",
    "alias": "known alias",
    "normalised": "same name (case, spaces or punctuation differ)",
    "suggested": "suggested",
    "mapping": "from the mapping file",
    "unmapped": "no match",
    "duplicate": "a second column for the same field",
}


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

    def explain(self) -> str:
        """How the column matched, in words: ``suggested (92%)``, ``exact name``, ``no match``."""
        text = HOW_TEXT.get(self.how, self.how)
        if self.how == "suggested":
            return f"{text} ({self.score:.0f}%)"
        if self.how == "unmapped" and self.alternatives:
            maybe = ", ".join(f"{f} ({s:.0f}%)" for f, s in self.alternatives[:2])
            return f"{text}; maybe {maybe}"
        return text


@dataclass
class Mapping:
    """What a user confirmed about one LA's files (saved as YAML).

    ``values`` maps a field to ``{source value: code}``; a code of ``None`` means "leave it as
    an error" (the user has seen the value and the LA must fix it), so it is never filled in.
    """

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

    @property
    def label(self) -> str:
        """How messages name this mapping: its file name, or 'The mapping' before it is saved."""
        return f"Mapping file {self.path.name}" if self.path else "The mapping"


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


def _words(text: str) -> set[str]:
    """The words of a header or field name: ``placementType`` and ``Type of placement`` agree."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(text))
    words = (SYNONYMS.get(w, w) for w in re.split(r"[^0-9a-z]+", text.casefold()) if w)
    return {w for w in words if w not in STOP_WORDS}


def _name_score(key: str, words: set[str], name: str) -> float:
    """How alike a header (normalised ``key`` and its ``words``) is to one name of a field, 0–100."""
    from rapidfuzz import fuzz

    cand = normalise_header(name)
    if not cand:
        return 0.0
    score = fuzz.ratio(key, cand)
    short, long = sorted((len(key), len(cand)))
    if short >= 6 and short >= 0.6 * long:  # "Total cost" inside "totalweeklycost", a little less sure
        score = max(score, 0.9 * fuzz.partial_ratio(key, cand))
    cand_words = _words(name)
    if words and words == cand_words:  # the same words in another order or case
        return 99.0
    return max(score, fuzz.token_sort_ratio(" ".join(sorted(words)), " ".join(sorted(cand_words))))


def _suggestions(header: str, std: Standard, taken: set[str]) -> list[tuple[str, float]]:
    """Scored guesses (field, 0–100) for a header no name matched, best first (at most five)."""
    key = normalise_header(header)
    if not key:
        return []
    words = _words(header)
    scores: dict[str, float] = {}
    for f in std.fields:
        if f.name in taken:
            continue
        best = max(_name_score(key, words, name) for name in (*f.header_names, f.title))
        if best >= SUGGEST_SHOW:
            scores[f.name] = round(best, 1)
    return sorted(scores.items(), key=lambda kv: -kv[1])[:5]


def _confident(alternatives: list[tuple[str, float]]) -> bool:
    """A suggestion is applied only when it is strong and clearly ahead of the runner-up."""
    if not alternatives or alternatives[0][1] < SUGGEST_APPLY:
        return False
    return len(alternatives) == 1 or alternatives[0][1] - alternatives[1][1] >= SUGGEST_MARGIN


def check_mapping(mapping: Mapping, std: Standard) -> None:
    """Refuse a mapping that names fields or codes the standard does not have (one sentence)."""
    names = set(std.field_names)
    for header, target in mapping.columns.items():
        if target and target not in names:
            raise KitError(
                f"{mapping.label} maps column {header!r} to {target!r}, which is not a field of {std.title}. "
                "Fix the name in the mapping file (see guides/mapping.md)."
            )
    for fname, values in mapping.values.items():
        if fname not in names:
            raise KitError(
                f"{mapping.label} has values for {fname!r}, which is not a field of {std.title}. "
                "Fix the field name under 'values:' in the mapping file."
            )
        codes = std.codes_for(fname)
        if codes is None:
            raise KitError(
                f"{mapping.label} has values for {fname}, which is not a coded field, so values cannot be "
                "mapped. Remove it from 'values:' in the mapping file."
            )
        for source, target in values.items():
            if target is not None and codes.canonical(target) is None:
                allowed = ", ".join(codes.values)
                raise KitError(
                    f"{mapping.label} maps {fname} value {source!r} to {target!r}, which is not one of its "
                    f"codes ({allowed}). Fix it in the mapping file."
                )


def suggest_mapping(table: SourceTable, std: Standard, mapping: Mapping | None = None) -> list[ColumnMatch]:
    """How each column of ``table`` maps to ``std``: one :class:`ColumnMatch` per column.

    A column the mapping file names follows the file; the rest are matched by exact name, known
    alias, normalised name, then a scored suggestion. Raises :class:`KitError` when the mapping
    names fields or codes that ``std`` does not have.
    """
    if mapping is not None:
        check_mapping(mapping, std)
    exact, alias = _exact_names(std)
    index = std.header_index()
    matches: list[ColumnMatch] = []
    taken: set[str] = set()
    for pos, header in enumerate(table.headers):
        known, mapped = mapping.column_for(header) if mapping else (False, None)
        if known:
            m = ColumnMatch(
                pos, header, mapped, "mapping" if mapped else "unmapped", 100.0 if mapped else 0.0
            )
        elif header in exact:
            m = ColumnMatch(pos, header, exact[header], "exact")
        elif header in alias:
            m = ColumnMatch(pos, header, alias[header], "alias")
        elif normalise_header(header) in index:
            m = ColumnMatch(pos, header, index[normalise_header(header)], "normalised")
        else:
            m = ColumnMatch(pos, header, None, "unmapped", score=0.0)
        if m.field and m.field in taken:
            m = ColumnMatch(pos, header, m.field, "duplicate", score=0.0)
        elif m.field:
            taken.add(m.field)
        matches.append(m)
    _apply_suggestions(matches, std, taken, mapping)
    return matches


def _apply_suggestions(
    matches: list[ColumnMatch], std: Standard, taken: set[str], mapping: Mapping | None
) -> None:
    """Scored suggestions for columns no name matched (after every exact match took its field).

    The most confident columns choose first, so two headers never claim the same field and the
    better match wins it; fields claimed by exact names are out of the running from the start.
    """
    open_columns = [
        m
        for m in matches
        if m.how == "unmapped" and m.header.strip() and not (mapping and mapping.column_for(m.header)[0])
    ]
    for m in open_columns:
        m.alternatives = _suggestions(m.header, std, taken)
        m.score = m.alternatives[0][1] if m.alternatives else 0.0
    for m in sorted(open_columns, key=lambda m: -m.score):
        # Confident on the column's own ranking: if its best field went to a better column,
        # the runner-up is only offered (elimination by a guess is still a guess).
        confident = _confident(m.alternatives)
        m.alternatives = [(f, s) for f, s in m.alternatives if f not in taken]
        if confident and m.alternatives and m.alternatives[0][1] == m.score:
            m.field, m.score = m.alternatives[0]
            m.how = "suggested"
            taken.add(m.field)
        else:
            m.score = m.alternatives[0][1] if m.alternatives else 0.0


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
#            (null = leave the value as an error for the LA to fix)
#   date_format: day-first (12/02/2024 is 12 February) or iso (2024-02-12)
"""


def _yaml_scalar(value: object) -> str:
    """One YAML scalar on one line, quoted only when YAML needs it (``'Yes'``, ``'12'``)."""
    if value is None:
        return "null"
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_flow_style=True)
    line = dumped.removesuffix("\n").removesuffix("\n...")
    if "\n" in line:  # a header with a line break: JSON's quoting is valid YAML
        return json.dumps(value, ensure_ascii=False)
    return line


def _standard_for(mapping: Mapping) -> Standard | None:
    """The standard the mapping is for (for the comments in its file), if the kit knows it."""
    try:
        version = (
            mapping.version
            if mapping.version not in ("", "auto")
            else standards.versions(mapping.standard)[-1]
        )
        return standards.load(mapping.standard, version)
    except (KitError, IndexError):
        return None


def _mapping_lines(mapping: Mapping) -> list[str]:
    """The ``columns:`` and ``values:`` sections, with a comment naming each field."""
    std = _standard_for(mapping)
    titles = {f.name: f.title for f in std.fields} if std else {}
    lines = ["columns:" if mapping.columns else "columns: {}"]
    width = max((len(_yaml_scalar(h)) + len(_yaml_scalar(f)) for h, f in mapping.columns.items()), default=0)
    for header, target in mapping.columns.items():
        entry = f"  {_yaml_scalar(header)}: {_yaml_scalar(target)}"
        note = titles.get(target, target) if target else "kept as the LA's own column"
        lines.append(f"{entry:<{width + 4}}  # {note}")
    values = {k: v for k, v in mapping.values.items() if v}
    lines.append("values:" if values else "values: {}")
    for fname, pairs in values.items():
        codes = std.codes_for(fname) if std and std.has_field(fname) else None
        note = f"  # {titles.get(fname, fname)}: " + " | ".join(codes.values) if codes else ""
        lines.append(f"  {_yaml_scalar(fname)}:{note}")
        for source, target in pairs.items():
            lines.append(f"    {_yaml_scalar(source)}: {_yaml_scalar(target)}")
    return lines


def save_mapping(mapping: Mapping, path: str | Path) -> Path:
    """Write the mapping as a commented, versioned YAML file; returns its path.

    The file reads top to bottom as: format and date, standard and version, LA, date format,
    then ``columns:`` (each with a comment naming the field) and ``values:``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {
        "kit_mapping_format": MAPPING_FORMAT,
        "saved": dt.date.today().isoformat(),
        "standard": mapping.standard,
        "version": mapping.version,
        "la": mapping.la,
        "date_format": mapping.date_format,
    }
    if mapping.sheet:
        head["sheet"] = mapping.sheet
    if mapping.notes:
        head["notes"] = mapping.notes
    lines = [f"{key}: {_yaml_scalar(value)}" for key, value in head.items()]
    text = (
        HEADER_COMMENT.format(standard=mapping.standard)
        + "\n".join([*lines, *_mapping_lines(mapping)])
        + "\n"
    )
    path.write_text(text, encoding="utf-8")
    mapping.path = path
    return path


def _bad(path: Path, what: str) -> KitError:
    return KitError(f"Mapping file {path.name}: {what} Fix it, or save it again from the notebook.")


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file written by :func:`save_mapping` (or by hand); one-line errors if broken."""
    path = Path(path)
    if not path.exists():
        raise KitError(f"Mapping file {path} does not exist. Check the path, or run without --mapping.")
    text = read_text(path, what="Mapping file").text  # any folder, pipe or binary file: one sentence
    try:
        data = yaml.safe_load(text) or {}
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
        raise KitError(
            f"Mapping file {path.name} has format {fmt}; this kit reads format {MAPPING_FORMAT}. "
            "Save the mapping again from notebooks/01_load_and_map.ipynb with this kit."
        )
    date_format = data.get("date_format", "day-first")
    if date_format not in ("day-first", "iso"):
        raise KitError(
            f"Mapping file {path.name}: date_format must be 'day-first' or 'iso', not {date_format!r}."
        )
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or not all(v is None or isinstance(v, str) for v in columns.values()):
        raise _bad(path, "'columns' must map each source column name to a field name (or null).")
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise _bad(path, "'values' must map each field to {source value: code}.")
    for pairs in values.values():
        if not all(v is None or isinstance(v, (str, int, float, bool)) for v in pairs.values()):
            raise _bad(path, "each entry under 'values' must be 'source value: code'.")
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise _bad(path, "'sheet' must be the name of a sheet.")
    return Mapping(
        standard=str(data.get("standard", "placements")),
        version=str(data.get("version", "auto")),
        la=str(data.get("la") or ""),
        date_format=date_format,
        columns={str(k): (str(v) if v else None) for k, v in columns.items()},
        values={
            str(f): {str(k): (str(v) if v is not None else None) for k, v in m.items()}
            for f, m in values.items()
        },
        sheet=sheet,
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
    seen: set[str] = set()
    for m in matches:
        # A header that appears twice is one entry in the file: the first column's (a second
        # "child_ID" must not overwrite the first with null and lose every child ID next quarter).
        if m.header.strip() and m.header not in seen:
            mapping.columns[m.header] = m.field if m.how not in ("unmapped", "duplicate") else None
            seen.add(m.header)
    return mapping


def list_standards_for_mapping() -> list[str]:
    return sorted({s for s, _ in standards.available()})


def unknown_values(
    table: SourceTable, matches: list[ColumnMatch], std: Standard, mapping: Mapping | None = None
) -> dict[str, dict[str, int]]:
    """Values of code fields that are neither codes nor known variants: field -> {value: count}.

    Values the mapping already maps (to a code, or to ``None`` = leave as an error) are left
    out; the most frequent come first. A multi-valued cell counts each of its answers.
    """
    from kit.convert.values import split_multi

    result: dict[str, dict[str, int]] = {}
    for m in matches:
        if not m.applied or m.how == "duplicate":
            continue
        f = std.field(m.field)
        codes = std.codes_for(f.name)
        if codes is None:
            continue
        user = {normalise_code(k) for k in ((mapping.values.get(f.name) if mapping else None) or {})}
        counts = table.data[m.position].value_counts()
        for raw, n in counts.items():
            text = str(raw).strip()
            if not text or (f.na_means_empty and text.casefold() in {"na", "n/a", "n.a.", "n/a."}):
                continue
            parts = split_multi(text) if f.multi else [text]
            if f.multi and len(parts) == 1 and "," in text and codes.canonical(text) is None:
                pieces = [p.strip() for p in text.split(",") if p.strip()]
                if all(codes.canonical(p) or normalise_code(p) in user for p in pieces):
                    continue  # commas for ';' between known answers: a warning, not an unknown value
            for part in parts:
                if codes.canonical(part) is None and normalise_code(part) not in user:
                    result.setdefault(f.name, {})
                    result[f.name][part] = result[f.name].get(part, 0) + int(n)
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in result.items()}


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
