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
   postcode; two different valid NHS numbers or UPNs take points away. The score is the points
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

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kit.errors import KitError
from kit.person.identifiers import nhs_numbers_valid, normalise_postcode, ulns_valid, upns_valid

HERE = Path(__file__).parent
NAME_VARIANTS = HERE / "data" / "name_variants.csv"

DEFAULT_WEIGHTS: dict[str, float] = {
    # points a pair earns (negative: evidence that the two are different people)
    "family_same": 30,
    "family_typo": 22,  # one letter added, dropped, changed, or two neighbours swapped
    "family_similar": 16,  # sounds alike (Soundex) or looks alike (Jaro-Winkler >= 0.9), or shares a part
    "family_differs": -10,
    "given_same": 25,
    "given_variant": 21,  # a known short form or variant (Tom / Thomas), or one is the start of the other
    "given_typo": 18,
    "given_similar": 12,  # looks alike, or a middle name matches
    "given_initial": 3,
    "given_differs": -10,
    "dob_same": 35,
    "dob_swapped": 28,  # day and month the other way round (12/03 vs 03/12)
    "dob_one_part": 12,  # two of day, month and year agree
    "dob_differs": -15,
    "sex_same": 5,
    "sex_differs": -5,
    "postcode_same": 10,
    "postcode_district": 5,  # same outward code (first half)
    "nhs_differs": -40,  # both records have a valid NHS number, and they differ
    "upn_differs": -20,  # both have a valid permanent UPN, and they differ
}
IDENTIFIERS = (("nhsNumber", "NHS number"), ("upn", "UPN"), ("uln", "ULN"))
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


# ---------------------------------------------------------------------------------------------
# Normalising names (PUB03: strip punctuation, unify case, map diacritics)


def normalise_name(value: object) -> str:
    """Upper case, accents removed, hyphens and apostrophes as spaces, other punctuation dropped."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"[-'’.]", " ", text)
    text = re.sub(r"[^A-Z ]", "", text)
    return " ".join(text.split())


def soundex(name: str) -> str:
    """American Soundex of a normalised name (``SMITH`` and ``SMYTH`` -> ``S530``); '' for no letters."""
    letters = name.replace(" ", "")
    if not letters:
        return ""
    codes = {
        c: d for d, group in enumerate(("AEIOUYHW", "BFPV", "CGJKQSXZ", "DT", "L", "MN", "R")) for c in group
    }
    out, last = letters[0], codes.get(letters[0], 0)
    for ch in letters[1:]:
        code = codes.get(ch, 0)
        if code and code != last:
            out += str(code)
        if ch not in "HW":  # H and W do not separate letters with the same code
            last = code
    return (out + "000")[:4]


@functools.cache
def _variant_groups(path: Path = NAME_VARIANTS) -> dict[str, frozenset[int]]:
    """Normalised given name -> the ids of the variant groups it belongs to."""
    groups: dict[str, set[int]] = {}
    with open(path, encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for gid, row in enumerate(rows):
            for name in [row["name"], *str(row.get("variants") or "").split(";")]:
                key = normalise_name(name)
                if key:
                    groups.setdefault(key, set()).add(gid)
    return {k: frozenset(v) for k, v in groups.items()}


def name_variants_match(a: str, b: str) -> bool:
    """True when two normalised given names are variants of one name (``TOM`` and ``THOMAS``)."""
    groups = _variant_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


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
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False))
        else:
            raise KitError(
                "find_duplicates needs person tables (standard.csv files, DataFrames or check results)."
            )
    if not frames:
        raise KitError("find_duplicates was given no person records.")
    pooled = pd.concat(frames, ignore_index=True)
    needed = {"familyName", "givenName", "dateOfBirth"}
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
    pooled = _pool(records).reset_index(drop=True)
    out = pd.DataFrame(index=pooled.index)
    for col in ("_la", "_source_file", "_source_row", "personId"):
        out[col] = _column(pooled, col)
    for name, _label in IDENTIFIERS:
        raw = _column(pooled, name).str.replace(r"[\s-]", "", regex=True).str.upper()
        check = {"nhsNumber": nhs_numbers_valid, "upn": upns_valid, "uln": ulns_valid}[name]
        valid = check(raw.where(raw != "", None), normalise=False) & (raw != "").to_numpy()
        out[name] = raw.where(valid, "")
    # A temporary UPN is replaced by a permanent one later: equal ones still match, different ones
    # are not evidence of two children.
    out["upn_permanent"] = out["upn"].str[-1:].str.isdigit() & (out["upn"] != "")
    out["family"] = _column(pooled, "familyName").map(normalise_name)
    given = _column(pooled, "givenName").map(normalise_name)
    out["given"] = given.str.split(" ").str[0].fillna("")
    out["given_all"] = given
    out["preferred"] = _column(pooled, "preferredName").map(normalise_name)
    out["family_sx"] = out["family"].map(lambda n: soundex(n.split(" ")[0]) if n else "")
    groups = _variant_groups()
    out["given_key"] = out["given"].map(lambda g: f"#{min(groups[g])}" if g in groups else g)
    dob = pd.to_datetime(_column(pooled, "dateOfBirth").str[:10], format="%Y-%m-%d", errors="coerce")
    out["year"] = dob.dt.year.astype("Int64")
    out["month"] = dob.dt.month.astype("Int64")
    out["day"] = dob.dt.day.astype("Int64")
    sex = _column(pooled, "sexCode")
    out["sex"] = sex.where(sex.isin(["1", "2"]), "")  # 9 and X say nothing about a match
    postcode = _column(pooled, "postcode").map(lambda p: normalise_postcode(p) if p else "")
    out["postcode"] = postcode
    out["outward"] = postcode.str.split(" ").str[0].fillna("")
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
        _pairs_on(p["nhsNumber"], "NHS number"),
        _pairs_on(p["upn"], "UPN"),
        _pairs_on(p["uln"], "ULN"),
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


# ---------------------------------------------------------------------------------------------
# Scoring


def _distances(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(typing-slip distance, Jaro-Winkler similarity) for each pair of strings."""
    from rapidfuzz.distance import OSA, JaroWinkler
    from rapidfuzz.process import cpdist

    if not len(a):
        return np.zeros(0), np.zeros(0)
    a, b = list(a), list(b)
    return cpdist(a, b, scorer=OSA.distance), cpdist(a, b, scorer=JaroWinkler.similarity)


def _family_points(a, b, sxa, sxb, w):
    slips, jw = _distances(a, b)
    both = (a != "") & (b != "")
    parts = np.array([bool(set(x.split()) & set(y.split())) for x, y in zip(a, b, strict=True)], dtype=bool)
    conditions = [
        ~both,
        a == b,
        (slips == 1) & (np.char.str_len(a.astype(str)) >= 4),
        (jw >= 0.9) | ((sxa == sxb) & (sxa != "")) | parts,
    ]
    points = np.select(
        conditions, [0, w["family_same"], w["family_typo"], w["family_similar"]], w["family_differs"]
    )
    reasons = np.select(
        conditions,
        [
            "family name missing",
            "family name same",
            "family name one typing slip apart",
            "family names sound or look alike",
        ],
        "family names differ",
    )
    return points, reasons


def _given_points(p: pd.DataFrame, i: np.ndarray, j: np.ndarray, w):
    a, b = p["given"].to_numpy(dtype=object)[i], p["given"].to_numpy(dtype=object)[j]
    slips, jw = _distances(a, b)
    groups = _variant_groups()
    pa, pb = p["preferred"].to_numpy(dtype=object)[i], p["preferred"].to_numpy(dtype=object)[j]
    alla, allb = p["given_all"].to_numpy(dtype=object)[i], p["given_all"].to_numpy(dtype=object)[j]

    def variant(x: str, y: str) -> bool:
        if not x or not y:
            return False
        if groups.get(x, frozenset()) & groups.get(y, frozenset()):
            return True
        short, long = sorted((x, y), key=len)
        return len(short) >= 3 and long.startswith(short)

    variants = np.array(
        [
            variant(x, y) or (bool(c) and c in (y, d)) or (bool(d) and d == x)
            for x, y, c, d in zip(a, b, pa, pb, strict=True)
        ],
        dtype=bool,
    )
    middle = np.array(
        [bool(set(x.split()) & set(y.split())) for x, y in zip(alla, allb, strict=True)], dtype=bool
    )
    both = (a != "") & (b != "")
    initial = np.array([bool(x) and bool(y) and x[0] == y[0] for x, y in zip(a, b, strict=True)], dtype=bool)
    conditions = [
        ~both,
        a == b,
        variants,
        (slips == 1) & (np.char.str_len(a.astype(str)) >= 4),
        (jw >= 0.9) | middle,
        initial,
    ]
    points = np.select(
        conditions,
        [0, w["given_same"], w["given_variant"], w["given_typo"], w["given_similar"], w["given_initial"]],
        w["given_differs"],
    )
    reasons = np.select(
        conditions,
        [
            "given name missing",
            "given name same",
            "given names are variants of one name (e.g. Tom and Thomas)",
            "given name one typing slip apart",
            "given names look alike or share a middle name",
            "given names share only the initial",
        ],
        "given names differ",
    )
    return points, reasons


def _dob_points(p: pd.DataFrame, i: np.ndarray, j: np.ndarray, w):
    parts = {
        k: (
            p[k].to_numpy(dtype="float64", na_value=np.nan)[i],
            p[k].to_numpy(dtype="float64", na_value=np.nan)[j],
        )
        for k in ("year", "month", "day")
    }
    (ya, yb), (ma, mb), (da, db) = parts["year"], parts["month"], parts["day"]
    missing = np.isnan(ya) | np.isnan(yb)
    same = (ya == yb) & (ma == mb) & (da == db)
    swapped = (ya == yb) & (da == mb) & (ma == db) & (da != ma)
    agree = (ya == yb).astype(int) + (ma == mb).astype(int) + (da == db).astype(int)
    conditions = [missing, same, swapped, agree == 2]
    points = np.select(conditions, [0, w["dob_same"], w["dob_swapped"], w["dob_one_part"]], w["dob_differs"])
    which = np.where(ya != yb, "year", np.where(ma != mb, "month", "day"))
    reasons = np.select(
        conditions,
        [
            "date of birth missing",
            "date of birth same",
            "date of birth: day and month swapped",
            "date of birth differs only in the " + which,
        ],
        "dates of birth differ",
    )
    return points, reasons


def _identifier_evidence(p: pd.DataFrame, i: np.ndarray, j: np.ndarray, w):
    """(matched identifier label or '', points taken away for conflicting identifiers, reasons)."""
    matched = np.full(len(i), "", dtype=object)
    points = np.zeros(len(i))
    reasons = [[] for _ in range(len(i))]
    for name, label in IDENTIFIERS:
        a, b = p[name].to_numpy(dtype=object)[i], p[name].to_numpy(dtype=object)[j]
        both = (a != "") & (b != "")
        same = both & (a == b)
        for k in np.flatnonzero(same):
            matched[k] = f"{matched[k]}, {label}" if matched[k] else label
            reasons[k].append(f"same {label}")
        differ = both & (a != b)
        if name == "upn":
            perm = p["upn_permanent"].to_numpy(bool)
            differ &= perm[i] & perm[j]
        penalty = {"nhsNumber": w["nhs_differs"], "upn": w["upn_differs"]}.get(name, 0)
        if penalty:
            points += np.where(differ, penalty, 0)
            for k in np.flatnonzero(differ):
                reasons[k].append(f"different {label}s")
    return matched, points, reasons


def score_pairs(
    prepared: pd.DataFrame, pairs: pd.DataFrame, weights: dict[str, float] | None = None
) -> pd.DataFrame:
    """Points, score (0-1) and reasons for each candidate pair."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    p = prepared
    i, j = pairs["i"].to_numpy(int), pairs["j"].to_numpy(int)
    fam = p["family"].to_numpy(dtype=object)
    sx = p["family_sx"].to_numpy(dtype=object)
    f_pts, f_why = _family_points(fam[i], fam[j], sx[i], sx[j], w)
    g_pts, g_why = _given_points(p, i, j, w)
    d_pts, d_why = _dob_points(p, i, j, w)
    sex = p["sex"].to_numpy(dtype=object)
    s_both = (sex[i] != "") & (sex[j] != "")
    s_pts = np.where(~s_both, 0, np.where(sex[i] == sex[j], w["sex_same"], w["sex_differs"]))
    s_why = np.where(~s_both, "", np.where(sex[i] == sex[j], "sex same", "sex differs"))
    pc, ow = p["postcode"].to_numpy(dtype=object), p["outward"].to_numpy(dtype=object)
    pc_both = (pc[i] != "") & (pc[j] != "")
    pc_same = pc_both & (pc[i] == pc[j])
    pc_district = pc_both & ~pc_same & (ow[i] == ow[j])
    pc_pts = np.where(pc_same, w["postcode_same"], np.where(pc_district, w["postcode_district"], 0))
    pc_why = np.where(
        pc_same,
        "postcode same",
        np.where(
            pc_district, "same postcode district", np.where(pc_both, "postcode differs (people move)", "")
        ),
    )
    matched, id_pts, id_why = _identifier_evidence(p, i, j, w)

    best = w["family_same"] + w["given_same"] + w["dob_same"] + w["sex_same"] + w["postcode_same"]
    points = f_pts + g_pts + d_pts + s_pts + pc_pts + id_pts
    score = np.clip(points / best, 0, 1)
    score = np.where(matched != "", 1.0, score)
    reasons = []
    for k in range(len(i)):
        parts = [*id_why[k], f_why[k], g_why[k], d_why[k], s_why[k], pc_why[k]]
        reasons.append("; ".join(x for x in parts if x))
    return pd.DataFrame(
        {
            "i": i,
            "j": j,
            "points": points,
            "score": np.round(score, 3),
            "matched": matched,
            "reasons": reasons,
        }
    )


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
            "person_id_1": p["personId"].to_numpy()[i],
            "source_file_1": p["_source_file"].to_numpy()[i],
            "source_row_1": p["_source_row"].to_numpy()[i],
            "la_2": p["_la"].to_numpy()[j],
            "person_id_2": p["personId"].to_numpy()[j],
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


def scoring_table(weights: dict[str, float] | None = None) -> pd.DataFrame:
    """The points table in plain words (for the notebook, the guide and a lead's own review)."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    best = w["family_same"] + w["given_same"] + w["dob_same"] + w["sex_same"] + w["postcode_same"]
    words = {
        "family_same": "family name the same",
        "family_typo": "family name one typing slip apart (a letter added, dropped, changed or two swapped)",
        "family_similar": "family names sound alike (Soundex) or look alike, or share a part",
        "family_differs": "family names differ",
        "given_same": "given name the same",
        "given_variant": "given names are variants of one name (Tom / Thomas) or one starts the other",
        "given_typo": "given name one typing slip apart",
        "given_similar": "given names look alike, or a middle name matches",
        "given_initial": "given names share only the first letter",
        "given_differs": "given names differ",
        "dob_same": "date of birth the same",
        "dob_swapped": "date of birth with day and month swapped",
        "dob_one_part": "date of birth: two of day, month and year agree",
        "dob_differs": "dates of birth differ",
        "sex_same": "sex the same",
        "sex_differs": "sex differs",
        "postcode_same": "postcode the same",
        "postcode_district": "same postcode district (first half)",
        "nhs_differs": "two different valid NHS numbers",
        "upn_differs": "two different valid permanent UPNs",
    }
    rows = [{"evidence": words[k], "points": v, "weight": k} for k, v in w.items()]
    rows.append(
        {
            "evidence": f"score = points / {best:g} (the most a pair can earn), between 0 and 1",
            "points": best,
            "weight": "best",
        }
    )
    rows.append(
        {
            "evidence": "same valid NHS number, UPN or ULN: listed with score 1.0",
            "points": None,
            "weight": "identifier",
        }
    )
    return pd.DataFrame(rows, columns=["evidence", "points", "weight"])


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
