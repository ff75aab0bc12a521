"""The explainable score of a candidate pair: points per field, in words.

In: the prepared records (``kit.person.duplicates.prepare_records``) and the candidate pairs.
Out: for each pair its points, score (points divided by the most a pair can earn, 0 to 1), the
identifier it shares (if any) and the reasons in plain words. :data:`DEFAULT_WEIGHTS` is the
points table; :func:`scoring_table` prints it for a person to check any score by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.person.names import variant_groups

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
# The identifiers two records are matched on, by their key in the person standard's
# ``identifiers`` role (``kit/standards/person-v1.0.0.yaml``): the label the reasons use. The
# prepared records (``kit.person.duplicates.prepare_records``) hold each one's valid values in a
# column named by that key.
IDENTIFIER_LABELS = {"nhs_number": "NHS number", "pupil_number": "UPN", "learner_number": "ULN"}
# points taken away when both records hold a valid one and they differ
IDENTIFIER_PENALTIES = {"nhs_number": "nhs_differs", "pupil_number": "upn_differs"}


def best_points(w: dict[str, float]) -> float:
    """The most a pair can earn: every field the same."""
    return w["family_same"] + w["given_same"] + w["dob_same"] + w["sex_same"] + w["postcode_same"]


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
    groups = variant_groups()
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
    for key, label in IDENTIFIER_LABELS.items():
        a, b = p[key].to_numpy(dtype=object)[i], p[key].to_numpy(dtype=object)[j]
        both = (a != "") & (b != "")
        same = both & (a == b)
        for k in np.flatnonzero(same):
            matched[k] = f"{matched[k]}, {label}" if matched[k] else label
            reasons[k].append(f"same {label}")
        differ = both & (a != b)
        if key == "pupil_number":
            perm = p["upn_permanent"].to_numpy(bool)
            differ &= perm[i] & perm[j]
        penalty = w[IDENTIFIER_PENALTIES[key]] if key in IDENTIFIER_PENALTIES else 0
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
    pc, ow = p["postcode_key"].to_numpy(dtype=object), p["district"].to_numpy(dtype=object)
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

    best = best_points(w)
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


def scoring_table(weights: dict[str, float] | None = None) -> pd.DataFrame:
    """The points table in plain words (for the notebook, the guide and a lead's own review)."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    best = best_points(w)
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


__all__ = ["DEFAULT_WEIGHTS", "IDENTIFIER_LABELS", "best_points", "score_pairs", "scoring_table"]
