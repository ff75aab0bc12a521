"""Crosswalks from DfE statutory-return codes to the Person Standard's codes (research brief §5.7).

In: the standard (its ``crosswalks:`` section) and a source value. Out: the standard's code, or
``None`` where no safe automatic mapping exists, with the warning an LA officer reads.

* DfE ethnicity (SSDA903 ``ETHNIC``, CIN ``Ethnicity``) -> ``ethnicityCode`` (ONS 2021). ``REFU``
  and ``NOBT`` have no ONS code and ``WROM`` (Gypsy/Roma) splits across two, so those are left
  empty with a warning; ``OOTH`` becomes 19 with a warning (Arab, 18, cannot be separated out).
* SSDA903 ``SEX`` 1/2 and CIN ``Sex`` M/F/U -> ``sexCode``. These record sex, not gender, so the
  kit never copies them into ``genderCode``: a file whose only such column is sex gets
  ``genderCode`` X (not known), with one warning for the file.
* CIN ``GenderCurrent`` 0/1/2/9 and SSD ``pers_gender`` 00/01/02/09 -> ``genderCode``.

Every mapping and every gap comes from the standard file, so a region that agrees a local rule
(say WROM -> 16 because its LAs record Roma children only) writes it in the LA's mapping file
(``values: ethnicityCode: {WROM: "16"}``), which wins over the crosswalk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kit.standards import Standard, normalise_code, normalise_header


@dataclass(frozen=True)
class Entry:
    """One source code and what it becomes (``targets`` empty = no safe mapping)."""

    source: str
    label: str
    targets: dict[str, str]  # standard field -> code
    warning: str = ""

    @property
    def is_gap(self) -> bool:
        return not self.targets


@dataclass
class Crosswalk:
    id: str
    title: str
    from_columns: tuple[str, ...]
    target_field: str
    entries: dict[str, Entry] = field(default_factory=dict)  # normalised source code -> entry
    gender_when_not_recorded: str | None = None
    gender_warning: str = ""

    def lookup(self, value: str) -> Entry | None:
        """The entry for a source value (case and spaces ignored), or ``None``."""
        return self.entries.get(normalise_code(value))

    def applies_to_header(self, header: str) -> bool:
        """True when a source column's header is one this crosswalk was written for (``ETHNIC``)."""
        return normalise_header(header) in {normalise_header(c) for c in self.from_columns}


def _expand(spec: str) -> list[str]:
    """``"10-99"`` -> ``["10", "11", ..., "99"]`` (zero-padded to the width given)."""
    lo, _, hi = str(spec).partition("-")
    width = len(lo)
    return [f"{n:0{width}d}" for n in range(int(lo), int(hi) + 1)]


def load_crosswalks(std: Standard) -> dict[str, Crosswalk]:
    """The crosswalks of a person standard file, by id (empty for a standard without any)."""
    out: dict[str, Crosswalk] = {}
    for cid, spec in (std.raw.get("crosswalks") or {}).items():
        if not isinstance(spec, dict) or "entries" not in spec:
            continue  # e.g. "dates": a note on formats, not a code crosswalk
        targets_seen: set[str] = set()
        walk = Crosswalk(
            id=cid,
            title=str(spec.get("title") or cid),
            from_columns=tuple(str(c) for c in spec.get("from_columns") or ()),
            target_field=str(spec.get("target_field") or ""),
            gender_when_not_recorded=spec.get("gender_when_not_recorded"),
            gender_warning=" ".join(str(spec.get("gender_warning") or "").split()),
        )
        for item in spec["entries"]:
            to = item.get("to")
            if isinstance(to, dict):
                targets = {str(k): str(v) for k, v in to.items()}
            elif to is None:
                targets = {}
            else:
                targets = {walk.target_field: str(to)}
            targets_seen.update(targets)
            entry = Entry(
                source=str(item["from"]),
                label=str(item.get("label") or ""),
                targets=targets,
                warning=" ".join(str(item.get("warning") or "").split()),
            )
            spellings = [entry.source, *map(str, item.get("variants") or [])]
            if item.get("also_from"):
                spellings += _expand(item["also_from"])
            for spelling in spellings:
                walk.entries.setdefault(normalise_code(spelling), entry)
        if not walk.target_field and len(targets_seen) == 1:
            walk.target_field = next(iter(targets_seen))
        out[cid] = walk
    return out


def crosswalks_for(std: Standard, field_name: str) -> list[Crosswalk]:
    """The crosswalks that fill ``field_name`` (e.g. both sex crosswalks for ``sexCode``)."""
    return [w for w in load_crosswalks(std).values() if w.target_field == field_name]


def crosswalk_table(std: Standard) -> pd.DataFrame:
    """Every crosswalk entry as a plain table (for the notebook and the guide): gaps say so."""
    rows = []
    for walk in load_crosswalks(std).values():
        seen: set[int] = set()
        for entry in walk.entries.values():
            if id(entry) in seen:
                continue
            seen.add(id(entry))
            rows.append(
                {
                    "crosswalk": walk.id,
                    "from": entry.source,
                    "label": entry.label,
                    "to": ", ".join(f"{k} {v}" for k, v in entry.targets.items()) or "(no code: gap)",
                    "note": entry.warning,
                }
            )
    return pd.DataFrame(rows, columns=["crosswalk", "from", "label", "to", "note"])


__all__ = ["Crosswalk", "Entry", "crosswalk_table", "crosswalks_for", "load_crosswalks"]
