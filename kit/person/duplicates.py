"""Likely duplicate people, within and across LAs: candidate pairs with a score and the reasons.

In: person records in the standard's shape (one or more ``standard.csv`` tables from
``kit check --standard person``, or the ``.data`` of check results), pooled with their ``_la``,
``_source_file`` and ``_source_row``. Out: one row per candidate pair, best first, with the two
records' LA, person ID and source row, a score between 0 and 1, a band and the reasons in plain
words. No name, date of birth or address is copied into the output: the reasons say *how* two
records agree ("date of birth: day and month swapped"), never *what* they hold.

How it works, in the order a regional lead would check it by hand:

1. **Exact identifiers first.** Two records with the same valid NHS number, UPN or ULN are the
   same identifier (band ``same identifier``, score 1.0), whatever else differs. Values that fail
   their check digit are never compared: a typing slip must not make two children one.
2. **Blocking**, so a region's records are not all compared with all: only records that share
   a date of birth (day and month in either order), or a birth year and a family name that
   sounds alike (Soundex), or a given name and a family name that sounds alike, are compared.
3. **An explainable score.** Each pair earns points (table :data:`DEFAULT_WEIGHTS`, shown by
   :func:`scoring_table`) for family name (same / one typing slip / sounds alike / differs),
   given name (same / a known short form such as Tom for Thomas / typing slip / same initial /
   differs), date of birth (same / day and month swapped / one part differs / differs), sex and
   postcode (``kit.person.scoring``); two different valid NHS numbers or UPNs take points away. The score is the points
   divided by the most a pair can earn. Pairs at or above ``threshold`` are listed; those at or
   above ``likely`` are "likely", the rest "possible".

Thresholds and weights are arguments, so a region can tune them on its own data. The kit never
merges records: a pair is a question for the two LAs to answer from their case records.

Why not a record-linkage library? ``recordlinkage`` (0.16, last release 2023) and ``splink``
(5.0, a probabilistic model trained with expectation-maximisation on DuckDB) are fine tools,
but their scores come from fitted weights a regional lead cannot check by hand, and they add
heavy dependencies. This module uses ``rapidfuzz`` (already a kit dependency) for string
distances and a points table anyone can read; the approach follows the NHS Person_ID handbook
and PUB03's match grades (identifiers first, then names, date of birth and postcode).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.person.identifiers import nhs_numbers_valid, normalise_postcode, ulns_valid, upns_valid
from kit.person.names import name_variants_match, normalise_name, soundex, variant_groups
from kit.person.scoring import DEFAULT_WEIGHTS, IDENTIFIER_LABELS, score_pairs, scoring_table
from kit.standards import Roles, common_roles

OUTPUT_COLUMNS = [
    "pair",
    "la_1",
    "person_id_1",
    "source_file_1",
    "source_row_1",
    "la_2",
    "person_id_2",
    "source_file_2",
    "source_row_2",
    "score",
    "band",
    "matched_on",
    "reasons",
]
MAX_BLOCK = 2000  # a blocking key shared by more records than this is too common to block on
# The check of each identifier (keys of the person standard's ``identifiers`` role).
IDENTIFIER_CHECKS = {
    "nhs_number": nhs_numbers_valid,
    "pupil_number": upns_valid,
    "learner_number": ulns_valid,
}


def _roles() -> Roles:
    """The person standard's roles: the fields duplicate finding reads (``roles:`` in its file)."""
    return common_roles("person")


# ---------------------------------------------------------------------------------------------
# Preparing records


def _pool(records) -> pd.DataFrame:
    """One DataFrame from a DataFrame, a CheckResult, a standard.csv path, or a list of those."""
    items = records if isinstance(records, (list, tuple)) else [records]
    frames = []
    for item in items:
        if isinstance(item, pd.DataFrame):
            frames.append(item)
        elif hasattr(item, "data") and isinstance(item.data, pd.DataFrame):
            frames.append(item.data)
        elif isinstance(item, (str, Path)):
            path = Path(item)
            if not path.exists():
                raise KitError(
                    f"{path} does not exist: give the standard.csv written by 'kit check --standard person'."
                )
            from kit.outputs.excel import restore_frame  # undo the kit's formula neutralisation
            from kit.read import check_input

            check_input(path)  # a folder, pipe or device: refused at once, never opened
            frames.append(restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)))
        else:
            raise KitError(
                "find_duplicates needs person tables (standard.csv files, DataFrames or check results)."
            )
    if not frames:
        raise KitError("find_duplicates was given no person records.")
    pooled = pd.concat(frames, ignore_index=True)
    roles = _roles()
    needed = {roles.family_name, roles.given_name, roles.date_of_birth}
    missing = sorted(needed - set(pooled.columns))
    if missing:
        raise KitError(
            f"The person records have no {', '.join(missing)} column: give standard.csv files from "
            "'kit check --standard person', whose columns are the standard's field names."
        )
    return pooled


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.strip()


def prepare_records(records) -> pd.DataFrame:
    """The matching keys of every record: normalised names, date parts, valid identifiers only."""
    roles = _roles()
    pooled = _pool(records).reset_index(drop=True)
    out = pd.DataFrame(index=pooled.index)
    for col in ("_la", "_source_file", "_source_row"):
        out[col] = _column(pooled, col)
    out["person_id"] = _column(pooled, roles.person)
    for key, name in roles.identifiers.by.items():  # one column per identifier, named by its key
        raw = _column(pooled, name).str.replace(r"[\s-]", "", regex=True).str.upper()
        valid = IDENTIFIER_CHECKS[key](raw.where(raw != "", None), normalise=False) & (raw != "").to_numpy()
        out[key] = raw.where(valid, "")
    # A temporary UPN is replaced by a permanent one later: equal ones still match, different ones
    # are not evidence of two children.
    upn = out["pupil_number"]
    out["upn_permanent"] = upn.str[-1:].str.isdigit() & (upn != "")
    out["family"] = _column(pooled, roles.family_name).map(normalise_name)
    given = _column(pooled, roles.given_name).map(normalise_name)
    out["given"] = given.str.split(" ").str[0].fillna("")
    out["given_all"] = given
    out["preferred"] = _column(pooled, roles.preferred_name).map(normalise_name)
    out["family_sx"] = out["family"].map(lambda n: soundex(n.split(" ")[0]) if n else "")
    groups = variant_groups()
    out["given_key"] = out["given"].map(lambda g: f"#{min(groups[g])}" if g in groups else g)
    dob = pd.to_datetime(_column(pooled, roles.date_of_birth).str[:10], format="%Y-%m-%d", errors="coerce")
    out["year"] = dob.dt.year.astype("Int64")
    out["month"] = dob.dt.month.astype("Int64")
    out["day"] = dob.dt.day.astype("Int64")
    compared = roles.sex_compared  # male and female: 9 (indeterminate) and X say nothing about a match
    sex = _column(pooled, compared.field)
    out["sex"] = sex.where(sex.isin(list(compared.codes.values())), "")
    postcode = _column(pooled, roles.postcode).map(lambda p: normalise_postcode(p) if p else "")
    out["postcode_key"] = postcode
    out["district"] = postcode.str.split(" ").str[0].fillna("")  # the outward code
    return out


# ---------------------------------------------------------------------------------------------
# Candidate pairs


def _pairs_on(keys: pd.Series, via: str) -> pd.DataFrame:
    """Every pair (i < j) of records sharing a non-empty key, skipping keys too common to block on."""
    frame = pd.DataFrame({"key": keys, "i": np.arange(len(keys))})
    frame = frame[frame["key"].astype(str) != ""]
    sizes = frame.groupby("key")["i"].transform("size")
    frame = frame[(sizes > 1) & (sizes <= MAX_BLOCK)]
    if frame.empty:
        return pd.DataFrame({"i": [], "j": [], "via": []})
    joined = frame.merge(frame, on="key", suffixes=("", "_other"))
    joined = joined[joined["i"] < joined["i_other"]]
    return pd.DataFrame({"i": joined["i"].to_numpy(), "j": joined["i_other"].to_numpy(), "via": via})


def candidate_pairs(prepared: pd.DataFrame, scope: str = "all") -> pd.DataFrame:
    """Pairs of record positions worth scoring (blocking), each once, with the blocks that found it."""
    p = prepared
    year = p["year"].astype(str).where(p["year"].notna(), "")
    lo = np.minimum(p["day"].fillna(0), p["month"].fillna(0)).astype(str)
    hi = np.maximum(p["day"].fillna(0), p["month"].fillna(0)).astype(str)
    dob_key = (year + "-" + lo + "-" + hi).where(p["year"].notna() & p["day"].notna(), "")
    blocks = [
        *(_pairs_on(p[key], label) for key, label in IDENTIFIER_LABELS.items()),
        _pairs_on(dob_key, "date of birth"),
        _pairs_on(
            (p["family_sx"] + "|" + year).where((p["family_sx"] != "") & (year != ""), ""),
            "family name and birth year",
        ),
        _pairs_on(
            (p["family_sx"] + "|" + p["given_key"]).where((p["family_sx"] != "") & (p["given"] != ""), ""),
            "names",
        ),
    ]
    pairs = pd.concat(blocks, ignore_index=True)
    if pairs.empty:
        return pd.DataFrame({"i": pd.Series(dtype=int), "j": pd.Series(dtype=int)})
    pairs = pairs.groupby(["i", "j"], as_index=False).agg(via=("via", lambda v: ", ".join(sorted(set(v)))))
    pairs[["i", "j"]] = pairs[["i", "j"]].astype(int)
    la = p["_la"].to_numpy()
    if scope == "across":
        pairs = pairs[la[pairs["i"]] != la[pairs["j"]]]
    elif scope == "within":
        pairs = pairs[la[pairs["i"]] == la[pairs["j"]]]
    elif scope != "all":
        raise KitError(f"scope must be 'all', 'across' or 'within', not {scope!r}.")
    return pairs.reset_index(drop=True)


def find_duplicates(
    records,
    threshold: float = 0.7,
    likely: float = 0.85,
    scope: str = "all",
    weights: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Candidate pairs of records that may be the same person, best first (see the module doc).

    ``records``: a pooled person table (standard.csv columns plus ``_la``, ``_source_file``,
    ``_source_row``), a list of them, check results, or paths to standard.csv files.
    ``threshold``: the lowest score listed. ``likely``: the score from which a pair is "likely"
    rather than "possible". ``scope``: ``all`` pairs, only ``across`` LAs, or only ``within`` one.
    ``weights``: points to change (keys of :data:`DEFAULT_WEIGHTS`).

    Out: columns ``pair, la_1, person_id_1, source_file_1, source_row_1, la_2, person_id_2,
    source_file_2, source_row_2, score, band, matched_on, reasons`` (no names or dates).
    """
    if not 0 <= threshold <= 1 or not 0 <= likely <= 1:
        raise KitError("Thresholds are scores between 0 and 1, e.g. threshold=0.7, likely=0.85.")
    unknown = sorted(set(weights or {}) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise KitError(
            f"Unknown weight(s) {', '.join(unknown)}: use the names in kit.person.duplicates.DEFAULT_WEIGHTS."
        )
    prepared = prepare_records(records)
    pairs = candidate_pairs(prepared, scope)
    if pairs.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    scored = score_pairs(prepared, pairs, weights)
    scored = scored[scored["score"] >= threshold]
    p = prepared
    i, j = scored["i"].to_numpy(int), scored["j"].to_numpy(int)
    out = pd.DataFrame(
        {
            "la_1": p["_la"].to_numpy()[i],
            "person_id_1": p["person_id"].to_numpy()[i],
            "source_file_1": p["_source_file"].to_numpy()[i],
            "source_row_1": p["_source_row"].to_numpy()[i],
            "la_2": p["_la"].to_numpy()[j],
            "person_id_2": p["person_id"].to_numpy()[j],
            "source_file_2": p["_source_file"].to_numpy()[j],
            "source_row_2": p["_source_row"].to_numpy()[j],
            "score": scored["score"].to_numpy(),
            "band": np.where(
                scored["matched"].to_numpy() != "",
                "same identifier",
                np.where(scored["score"].to_numpy() >= likely, "likely", "possible"),
            ),
            "matched_on": np.where(scored["matched"].to_numpy() != "", scored["matched"].to_numpy(), "score"),
            "reasons": scored["reasons"].to_numpy(),
        }
    )
    out = out.sort_values(
        ["score", "la_1", "person_id_1", "la_2", "person_id_2"], ascending=[False, True, True, True, True]
    )
    out.insert(0, "pair", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)[OUTPUT_COLUMNS]


def iter_clusters(pairs: pd.DataFrame) -> Iterable[set[tuple[str, str]]]:
    """Groups of (LA, person ID) that the pairs join together (two pairs sharing a record are one group)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in pairs.itertuples():
        a, b = find((r.la_1, r.person_id_1)), find((r.la_2, r.person_id_2))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return groups.values()


__all__ = [
    "DEFAULT_WEIGHTS",
    "OUTPUT_COLUMNS",
    "candidate_pairs",
    "find_duplicates",
    "iter_clusters",
    "name_variants_match",
    "normalise_name",
    "prepare_records",
    "score_pairs",
    "scoring_table",
    "soundex",
]
