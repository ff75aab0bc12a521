"""Map an LA's columns and values to the standard, once, and reuse the mapping every quarter.

Header mapping tries, in order: the exact property or template column name; a known alias
(regional pipelines' names); the same name after normalising case, spaces and punctuation;
then a scored suggestion (applied, with a warning, only when it is confident and clearly ahead
of the next best field). Columns that map to nothing are kept as the LA's own extra columns.

Value mapping: a known variant spelling becomes the canonical code without a finding; a value
the user mapped in the mapping file becomes the code they chose; anything else is an error
finding that keeps the original value, and the cell is left empty in the standard table.

The mapping file itself (what a user confirmed, saved as YAML) is :mod:`kit.mapping.mapping_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kit import standards
from kit.core.findings import column_letter
from kit.mapping.mapping_file import Mapping, check_mapping
from kit.read.files import SourceTable
from kit.standards import Standard, normalise_code, normalise_header

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
