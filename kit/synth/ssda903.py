"""SSDA903 extracts: Header, Episodes and UASC tables, one CSV per table per collection year per LA.

In: children (with identities), their legal statuses, placement spells and same-carer changes.
Out: :func:`build_episodes` gives one row per 903 episode (a period with one legal status and one
placement), :func:`year_tables` the three tables of one collection year as the DfE CSV layout has
them (peer doc §9.1; dates dd/mm/yyyy), and :func:`write_903` writes them under
``ssda903/<LA code>/<year>/``.

Episodes are contiguous: a new episode starts whenever the placement, the legal status, or the
placement's status (same carers, RNE T) changes; the DEC of one episode is the DECOM of the next, with
REC X1, and the last one ends with the child's reason for leaving care. Codes are year-aware (peer
doc §9.2-9.3): SEX is 1/2 before 2024-25 and M/F from 2024-25; K3 appears from 2024-25 (H5 and P2
still restated there: the transition year); H5, P2 and Z1 are retired from 2025-26, so an episode
still open is restated in 2025-26 with K3 or one of Z11-Z14 (the validator's continuity rules exempt
exactly those changes). Each year restates the episodes still open, as real returns do.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.children import YEAR, _pick, date_of, day

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = [
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
]  # fmt: skip
UASC = ["CHILD", "SEX", "DOB", "DUC"]
SAME_CARER_PLACES = ("A3", "A5")  # placed for adoption with the current foster carers


def collection_years(years: int) -> list[int]:
    """Start years of the collection years, oldest first (2024 means 2024-25)."""
    return list(range(P.LAST_COLLECTION_YEAR - years + 1, P.LAST_COLLECTION_YEAR + 1))


def year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def year_bounds(start_year: int) -> tuple[int, int]:
    """(first day, last day) of a collection year; the latest is an in-year extract to PERIOD_END."""
    end = dt.date(start_year + 1, 3, 31)
    return day(dt.date(start_year, 4, 1)), day(min(end, P.PERIOD_END))


def build_episodes(
    children: pd.DataFrame,
    legal: pd.DataFrame,
    spells: pd.DataFrame,
    changes: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per 903 episode (days as integers), for every spell in the data."""
    spells = spells.reset_index(drop=True)
    sp = spells[["child", "start", "place"]].copy()
    sp["spell_index"] = np.arange(len(spells))
    prev_same_child = np.r_[False, spells["child"].to_numpy()[1:] == spells["child"].to_numpy()[:-1]]
    same_carer = np.isin(spells["place"].to_numpy(), SAME_CARER_PLACES) & prev_same_child
    ev_place = pd.DataFrame(
        {"child": sp["child"], "day": sp["start"], "new_place": ~same_carer, "status": same_carer}
    )
    ev_status = pd.DataFrame(
        {"child": changes["child"], "day": changes["day"], "new_place": False, "status": True}
    )
    first_start = sp.groupby("child")["start"].min()
    lg = legal.merge(first_start.rename("first_start"), left_on="child", right_index=True)
    lg = lg[lg["day"] > lg["first_start"]]
    ev_legal = pd.DataFrame({"child": lg["child"], "day": lg["day"], "legal": True})
    events = pd.concat([ev_place, ev_status, ev_legal], ignore_index=True)
    events = events.fillna({"new_place": False, "status": False, "legal": False}).infer_objects()
    events = events.groupby(["child", "day"], as_index=False)[["new_place", "status", "legal"]].any()
    events = events.sort_values(["day", "child"], kind="stable")

    # Which spell, which PLACE code and which legal status apply on each event day.
    keyed = sp.sort_values(["start", "child"], kind="stable")
    events = pd.merge_asof(
        events, keyed[["child", "start", "spell_index"]], left_on="day", right_on="start", by="child"
    )
    ch = changes.rename(
        columns={"day": "change_day", "place": "changed_place", "spell_index": "change_spell"}
    )
    ch = ch.sort_values(["change_day", "child"], kind="stable")
    events = pd.merge_asof(
        events,
        ch[["child", "change_day", "changed_place", "change_spell"]],
        left_on="day",
        right_on="change_day",
        by="child",
    )
    legal_sorted = legal.sort_values(["day", "child"], kind="stable").rename(columns={"day": "ls_day"})
    events = pd.merge_asof(events, legal_sorted, left_on="day", right_on="ls_day", by="child")
    events = events.sort_values(["child", "day"], kind="stable").reset_index(drop=True)

    si = events["spell_index"].to_numpy().astype(int)
    place = spells["place"].to_numpy()[si].astype(object)
    changed = (events["change_spell"].to_numpy() == si) & events["changed_place"].notna().to_numpy()
    place = np.where(changed, events["changed_place"].to_numpy(), place)
    urn = spells["urn_903"].to_numpy()[si].astype(object)
    # Codes retired in 2025-26: a restated episode takes the new code (and, for registered supported
    # accommodation, the provider's URN); the validator's continuity rules exempt exactly these.
    place_new = np.where(np.isin(place, ["H5", "P2"]), "K3", place)
    z = place == "Z1"
    place_new = np.where(z, np.array(["Z11", "Z12", "Z13", "Z14"])[rng.integers(0, 4, len(place))], place_new)
    urn_new = np.where(np.isin(place, ["H5", "P2"]), spells["registered_urn"].to_numpy()[si], urn)
    # Placed for adoption with the current carers: their address and provider carry over.
    pl_post = spells["pl_postcode"].to_numpy()[si].astype(object)
    prev_si = np.where(same_carer[si], np.maximum(si - 1, 0), si)
    pl_post = np.where(same_carer[si], spells["pl_postcode"].to_numpy()[prev_si], pl_post)
    recorded = spells["pl_post_recorded"].to_numpy()[si]
    pl_post = np.where(recorded, pl_post, "")

    child = events["child"].to_numpy()
    child_row = children.set_index("child")
    entry = child_row["entry"].reindex(child).to_numpy()
    exit_ = child_row["exit"].reindex(child).to_numpy()
    last = np.r_[child[1:] != child[:-1], True]
    dec = np.where(last, exit_, np.r_[events["day"].to_numpy()[1:], 0])

    new_place = events["new_place"].to_numpy()
    status = events["status"].to_numpy()
    legal_change = events["legal"].to_numpy()
    rne = np.where(
        new_place & legal_change, "B", np.where(
            new_place, "P", np.where(status & legal_change, "U", np.where(status, "T", "L"))))  # fmt: skip
    rne = np.where(events["day"].to_numpy() == entry, "S", rne)
    nxt = np.concatenate([rne[1:], np.array([""], dtype=rne.dtype)])
    reason = np.where(np.isin(nxt, ["T", "U"]), "PLACE", _pick(rng, P.REASON_PLACE_CHANGE, len(events)))
    reason = np.where(np.isin(nxt, ["P", "B", "T", "U"]) & ~last, reason, "")
    rec = np.where(last, child_row["rec"].reindex(child).to_numpy(), "X1")
    episodes = pd.DataFrame(
        {
            "child": child,
            "la": child_row["la"].reindex(child).to_numpy(),
            "decom": events["day"].to_numpy(),
            "dec": dec,
            "rne": rne,
            "ls": events["ls"].to_numpy(),
            "cin": child_row["cin"].reindex(child).to_numpy(),
            "place": place,
            "place_provider": spells["place_provider"].to_numpy()[si],
            "rec": rec,
            "reason": reason,
            "home_post": child_row["home_postcode"].reindex(child).to_numpy(),
            "pl_post": pl_post,
            "urn": urn,
            "place_2025": place_new,
            "urn_2025": urn_new,
            "spell_index": si,
        }
    )
    return episodes


def _la_arrays(ep: pd.DataFrame, kids: pd.DataFrame) -> tuple[dict, dict]:
    """One LA's episodes and children as arrays, with the dates already as text (done once, not per year)."""
    kids = kids.sort_index()
    cols = (
        "child",
        "decom",
        "dec",
        "rne",
        "ls",
        "cin",
        "place",
        "place_provider",
        "rec",
        "reason",
        "home_post",
        "pl_post",
        "urn",
        "place_2025",
        "urn_2025",
    )
    E = {c: ep[c].to_numpy() for c in cols}
    E["decom_text"] = _dates(E["decom"])
    E["dec_text"] = _dates(E["dec"])
    K = {
        c: kids[c].to_numpy()
        for c in ("child_id", "sex", "dob", "ethnic", "upn", "uasc", "mc_dob", "rec", "exit")
    }
    K["child"] = kids.index.to_numpy()
    K["dob_text"] = _dates(K["dob"])
    E["pos"] = np.searchsorted(K["child"], E["child"])
    return E, K


def year_tables(E: dict, K: dict, start_year: int) -> dict[str, pd.DataFrame]:
    """The Header, Episodes and UASC tables of one LA for one collection year, as text.

    ``E`` and ``K`` are that LA's episodes and children as arrays (:func:`_la_arrays`).
    """
    y0, y1 = year_bounds(start_year)
    m = (E["decom"] <= y1) & (E["dec"] >= y0)
    pos = E["pos"][m]
    open_at_end = E["dec"][m] > y1
    ids = K["child_id"][pos]
    order = np.lexsort((E["decom"][m], ids.astype(str)))
    episodes_t = pd.DataFrame(
        {
            "CHILD": ids,
            "DECOM": E["decom_text"][m],
            "RNE": E["rne"][m],
            "LS": E["ls"][m],
            "CIN": E["cin"][m],
            "PLACE": (E["place_2025"] if start_year >= 2025 else E["place"])[m],
            "PLACE_PROVIDER": E["place_provider"][m],
            "DEC": np.where(open_at_end, "", E["dec_text"][m]),
            "REC": np.where(open_at_end, "", E["rec"][m]),
            "REASON_PLACE_CHANGE": np.where(open_at_end, "", E["reason"][m]),
            "HOME_POST": E["home_post"][m],
            "PL_POST": E["pl_post"][m],
            "URN": (E["urn_2025"] if start_year >= 2025 else E["urn"])[m],
        }
    ).iloc[order]
    kp = np.unique(pos)
    kp = kp[np.argsort(K["child_id"][kp].astype(str), kind="stable")]
    new_codes = start_year >= 2024  # SEX M/F from the 2024-25 return (validator rule 101)
    sex = K["sex"][kp]
    sex_code = sex if new_codes else np.where(sex == "M", "1", "2")
    age_aug = (day(dt.date(start_year - 1, 8, 31)) - K["dob"][kp]) / YEAR
    upn = np.where(K["uasc"][kp], "UN2", np.where(age_aug < 4, "UN1", K["upn"][kp]))
    is_mother = K["mc_dob"][kp] <= y1
    female = sex == "F"
    header = pd.DataFrame(
        {
            "CHILD": K["child_id"][kp],
            "SEX": sex_code,
            "DOB": K["dob_text"][kp],
            "ETHNIC": K["ethnic"][kp],
            "UPN": upn,
            "MOTHER": np.where(female, np.where(is_mother, "1", "0"), ""),
            "MC_DOB": np.where(female & is_mother, _dates(np.minimum(K["mc_dob"][kp], y1)), ""),
        }
    )[HEADER]
    up = kp[K["uasc"][kp].astype(bool)]
    eighteen = K["dob"][up] + np.round(18 * YEAR).astype(int)
    duc = np.where(K["rec"][up] == "E15", np.minimum(K["exit"][up], eighteen), eighteen)
    uasc = pd.DataFrame(
        {
            "CHILD": K["child_id"][up],
            "SEX": K["sex"][up] if new_codes else np.where(K["sex"][up] == "M", "1", "2"),
            "DOB": K["dob_text"][up],
            "DUC": _dates(duc),
        }
    )[UASC]
    return {"header": header, "episodes": episodes_t.reset_index(drop=True), "uasc": uasc}


_DMY = [8, 9, -1, 5, 6, -1, 0, 1, 2, 3]  # dd/mm/yyyy from the characters of yyyy-mm-dd


def _dates(days) -> np.ndarray:
    """Days since 1970-01-01 as dd/mm/yyyy text (vectorised: millions of dates a second)."""
    values = np.asarray(days, dtype="int64").astype("datetime64[D]")
    iso = np.datetime_as_string(values).astype("S10").view("S1").reshape(-1, 10)
    out = np.full((len(values), 10), b"/", dtype="S1")
    for k, src in enumerate(_DMY):
        if src >= 0:
            out[:, k] = iso[:, src]
    return out.view("S10").ravel().astype(str).astype(object)


def write_903(
    out: Path, episodes: pd.DataFrame, children: pd.DataFrame, las, years: list[int]
) -> dict[str, dict[str, list[str]]]:
    """Write every LA's tables for every year; returns {LA code: {table: [relative paths]}}."""
    written: dict[str, dict[str, list[str]]] = {}
    by_la = dict(tuple(episodes.groupby("la", sort=True)))
    kids_by_la = dict(tuple(children.set_index("child").groupby("la", sort=True)))
    for la in las:
        paths: dict[str, list[str]] = {"header": [], "episodes": [], "uasc": []}
        ep_la = by_la.get(la.index, episodes.iloc[:0])
        kids_la = kids_by_la.get(la.index, children.set_index("child").iloc[:0])
        E, K = _la_arrays(ep_la, kids_la)
        for y in years:
            tables = year_tables(E, K, y)
            folder = out / "ssda903" / la.code / year_label(y)
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame in tables.items():
                path = folder / f"{name}.csv"
                frame.to_csv(path, index=False, lineterminator="\r\n")
                paths[name].append(path.relative_to(out).as_posix())
        written[la.code] = paths
    return written


__all__ = ["build_episodes", "collection_years", "date_of", "write_903", "year_tables"]
