"""Relationships between people: the Person Standard's ``relatedPerson``, checked and used.

In: a person table (one LA's extract, or a relationships table, or both checked together) whose
rows are person records and/or links. A **link row** carries the related person's ID and what
that person is to this one (``relationship``, HL7 codes such as ``MTH``); a **person row** is any
row with a person ID (a link row's own person ID counts as a person only when a record of that
person is in the table: a row without a related person). Fields are read through the standard's
``roles:`` (``person``, ``related_person``, ``relationship``, ``date_of_birth``) and the kinds of
relationship through the standard file's ``relationship_kinds:`` (parent, child, sibling, partner,
each with the kind the link back must be).

Out: for each check of the ``relationship_link`` rule kind, which rows pass
(:func:`link_outcomes`, run inside Great Expectations by ``kit.person.expectations``); the links
as a plain table (:func:`links_of`); and sibling groups, the connected parts of the sibling links
(:func:`sibling_groups`). Nothing here imports Great Expectations or writes a file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit.core.errors import KitError

LINK_CHECKS = ("self", "target_missing", "not_reciprocated", "contradicts_reverse", "parent_age")
SEPARATOR = ";"


def relationship_kinds(std) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> kind, kind -> the kind its link back must be), from ``relationship_kinds:``; codes checked."""
    spec = std.raw.get("relationship_kinds") or {}
    role = std.roles.relationship
    field = role if isinstance(role, str) else role.field
    known = set(std.codelists[std.field(field).codelist].values)
    kinds: dict[str, str] = {}
    reverse: dict[str, str] = {}
    for kind, entry in spec.items():
        reverse[str(kind)] = str(entry.get("reverse") or "")
        for code in entry.get("codes") or []:
            if str(code) not in known:
                raise KitError(
                    f"{std.path.name}: relationship_kinds.{kind} names {code}, which is not a relationship code; "
                    "correct the code in the standard file."
                )
            kinds[str(code)] = str(kind)
    return kinds, reverse


def columns(std) -> tuple[str, str, str, str]:
    """The field names of (person, related person, relationship, date of birth) in ``std``."""
    r = std.roles

    def name(role):
        return role if isinstance(role, str) else role.field

    return name(r.person), name(r.related_person), name(r.relationship), name(r.date_of_birth)


def _codes(cell: Any) -> list[str]:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return []
    return [c.strip() for c in str(cell).split(SEPARATOR) if c.strip()]


def _text(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip()
    return s.where(s != "")


def link_outcomes(
    frame: pd.DataFrame,
    check: str,
    kinds: dict[str, str],
    reverse: dict[str, str],
    min_years: int = 12,
) -> np.ndarray:
    """True where a row passes ``check`` (rows that are not links always pass).

    ``frame``'s four columns, by position: person ID, related person ID, relationship codes
    (``;``-separated), date of birth (ISO text). The checks:

    * ``self``: the related person is the person themselves;
    * ``target_missing``: no row of the table is the related person's record;
    * ``not_reciprocated``: the related person is in the table, the link is of a kind with a reverse
      (parent, child, sibling, partner), and the related person has no link back at all;
    * ``contradicts_reverse``: there is a link back, every code on it has a kind, and none is the
      reverse kind (A is B's mother and B is A's mother);
    * ``parent_age``: a parent link where the parent is not at least ``min_years`` older than the
      child (a child link, the same the other way round); rows without both dates pass.
    """
    if check not in LINK_CHECKS:
        raise KitError(f"Unknown relationship check {check!r}; use one of {', '.join(LINK_CHECKS)}.")
    person, related = _text(frame.iloc[:, 0]), _text(frame.iloc[:, 1])
    codes = frame.iloc[:, 2].map(_codes)
    is_link = related.notna() & person.notna()
    ok = np.ones(len(frame), dtype=bool)
    if check == "self":
        return ok & ~(is_link & (person == related)).fillna(False).to_numpy(bool)
    # A person's record: a row that is not a link (its own record), or any row when no row is a record
    # (a relationships table checked on its own cannot judge targets: every link's person is "known").
    records = set(person[~is_link & person.notna()])
    if check == "target_missing":
        if not records:
            return ok
        missing = is_link & ~related.isin(records) & (person != related)
        return ok & ~missing.fillna(False).to_numpy(bool)
    link_kinds = codes.map(lambda cs: {kinds[c] for c in cs if c in kinds})
    if check in ("not_reciprocated", "contradicts_reverse"):
        back: dict[tuple[str, str], list[set[str]]] = {}
        all_known: dict[tuple[str, str], bool] = {}
        for p, r, cs, ks in zip(person, related, codes, link_kinds, strict=True):
            if pd.isna(p) or pd.isna(r):
                continue
            back.setdefault((p, r), []).append(ks)
            all_known[(p, r)] = all_known.get((p, r), True) and bool(cs) and all(c in kinds for c in cs)
        people = records | set(person[is_link])
        for i, (p, r, ks) in enumerate(zip(person, related, link_kinds, strict=True)):
            if pd.isna(p) or pd.isna(r) or p == r or r not in people:
                continue
            wanted = {reverse[k] for k in ks if reverse.get(k)}
            if not wanted:
                continue
            reply = back.get((r, p))
            if check == "not_reciprocated":
                ok[i] = reply is not None
            elif reply is not None and all_known[(r, p)]:
                ok[i] = bool(wanted & set().union(*reply))
        return ok
    # parent_age
    dob = pd.to_datetime(_text(frame.iloc[:, 3]), format="%Y-%m-%d", errors="coerce")
    born = {
        p: d for p, d, rec in zip(person, dob, ~is_link, strict=True) if rec and pd.notna(p) and pd.notna(d)
    }
    for i, (p, r, ks) in enumerate(zip(person, related, link_kinds, strict=True)):
        if pd.isna(p) or pd.isna(r) or p not in born or r not in born:
            continue
        if "parent" in ks:
            parent, child = born[r], born[p]
        elif "child" in ks:
            parent, child = born[p], born[r]
        else:
            continue
        ok[i] = parent + pd.DateOffset(years=int(min_years)) <= child
    return ok


def links_of(table: pd.DataFrame, std) -> pd.DataFrame:
    """The link rows of a person table: ``person``, ``related``, ``codes`` (a tuple), ``kinds`` (a tuple), ``_la``."""
    person, related, relationship, _ = columns(std)
    if related not in table.columns or person not in table.columns:
        return pd.DataFrame(columns=["person", "related", "codes", "kinds", "_la"])
    kinds, _reverse = relationship_kinds(std)
    p, r = _text(table[person]), _text(table[related])
    keep = p.notna() & r.notna() & (p != r)
    codes = table.get(relationship, pd.Series("", index=table.index))[keep].map(_codes)
    return pd.DataFrame(
        {
            "person": p[keep].astype(str),
            "related": r[keep].astype(str),
            "codes": codes.map(tuple),
            "kinds": codes.map(lambda cs: tuple(sorted({kinds[c] for c in cs if c in kinds}))),
            "_la": table.get("_la", pd.Series("", index=table.index))[keep].astype(str),
        }
    ).reset_index(drop=True)


def sibling_groups(links: pd.DataFrame, kind: str = "sibling") -> pd.DataFrame:
    """People joined by sibling links, one group each: columns ``person``, ``group`` (the group's first member), ``size``.

    A group is a connected part of the sibling links (A sibling of B, B of C: one group of three),
    whichever direction the links were recorded in; people with no sibling link are in no group.
    """
    sib = links[links["kinds"].map(lambda ks: kind in ks)] if len(links) else links
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(sib.get("person", []), sib.get("related", []), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    rows = sorted((p, find(p)) for p in parent)
    out = pd.DataFrame(rows, columns=["person", "group"])
    out["size"] = out.groupby("group")["person"].transform("size") if len(out) else []
    return out


__all__ = ["LINK_CHECKS", "columns", "link_outcomes", "links_of", "relationship_kinds", "sibling_groups"]
