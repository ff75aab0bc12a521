"""Who is looked after, when, and how their care ends: one row per child per period of care.

In: the geography, the history window (days since 1970-01-01) and a random generator. Out: a
``children`` frame (one row per period of care, in every LA of the region) and a ``legal`` frame of
legal-status changes. Entries arrive as a Poisson stream from long before the window (a burn-in), so
the stock at any date is stationary; the entry rate is set from the mean length of care so that the
stock matches each LA's target. Children who leave an LA and are looked after again by another LA
of the region get a second row there (``transfer_from``): the genuine cross-LA duplicates.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.region import Geography

YEAR = 365.25
EPOCH = dt.date(1970, 1, 1)


def day(d: dt.date) -> int:
    """Days since 1970-01-01 (the generator's calendar)."""
    return (d - EPOCH).days


def date_of(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def _pick(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------------------------
# Ages, lengths of care and routes out


def _entry_ages(rng: np.random.Generator, n: int, max_band: int = 5) -> np.ndarray:
    """Ages (years) at entry drawn from the entry-age bands (only the first ``max_band`` bands)."""
    shares = np.array(P.ENTRY_AGE_SHARE[:max_band], dtype=float)
    band = rng.choice(max_band, size=n, p=shares / shares.sum())
    lo = np.array([b[0] for b in P.ENTRY_AGE_BANDS])[band]
    hi = np.array([b[1] for b in P.ENTRY_AGE_BANDS])[band]
    age = lo + rng.random(n) * (hi - lo)
    babies = band == 0
    age[babies] = np.clip(rng.exponential(0.15, babies.sum()), 0.0, 0.99)  # most at birth or soon after
    return age


def _band(age: np.ndarray) -> np.ndarray:
    return np.searchsorted([1, 5, 10, 16], age, side="right")


def _care_years(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(years in care, route) for non-UASC entrants of these ages; route is return/adopt/ageout."""
    n = len(age)
    band = _band(age)
    short = rng.random(n) < np.array(P.SHORT_STAY_SHARE)[band]
    years = np.where(
        short,
        rng.exponential(P.SHORT_STAY_MEAN_YEARS, n),
        rng.exponential(np.array(P.LONG_STAY_MEAN_YEARS)[band]),
    )
    years = np.maximum(years, 2 / YEAR)
    adopt = rng.random(n) < np.array(P.ADOPTION_SHARE)[band]
    years = np.where(adopt, rng.uniform(*P.ADOPTION_YEARS, n), years)
    to_18 = 18.0 - age
    ageout = (years >= to_18) & ~adopt
    years = np.minimum(years, to_18 - 1 / YEAR)
    route = np.where(adopt, "adopt", np.where(ageout, "ageout", "return"))
    return years, route


def _durations(
    rng: np.random.Generator, age: np.ndarray, uasc: np.ndarray, family: np.ndarray, family_size: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(years in care, route) for entrants; sibling groups mostly leave together."""
    n = len(age)
    years = np.empty(n)
    route = np.empty(n, dtype=object)
    ny = ~uasc
    years[ny], route[ny] = _care_years(rng, age[ny])
    years[uasc] = np.minimum(rng.exponential(3.0, uasc.sum()), 18.0 - age[uasc] - 1 / YEAR)
    route[uasc] = "uasc"
    grouped = (family_size > 1) & (rng.random(n) < 0.8) & (route != "adopt")
    first_years = pd.Series(years).groupby(family).transform("first").to_numpy()
    years = np.where(grouped, np.minimum(first_years, 18.0 - age - 1 / YEAR), years)
    route = np.where(grouped & (years >= 18.0 - age - 2 / YEAR), "ageout", route)
    return years, route


def _uasc_years(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    ages = np.array(list(P.UASC_ENTRY_AGE))[
        rng.choice(len(P.UASC_ENTRY_AGE), size=n, p=list(P.UASC_ENTRY_AGE.values()))
    ]
    age = np.minimum(ages + rng.random(n) * 0.7, 17.9)
    years = np.minimum(rng.exponential(3.0, n), 18.0 - age - 1 / YEAR)
    return age, years


@functools.cache
def mean_care_years() -> tuple[float, float, float]:
    """(mean years in care per non-UASC child, mean children per family, mean years per UASC child).

    Worked out once by simulation with a fixed seed, so that entry rates give the target stock.
    """
    rng = np.random.default_rng(20260)
    fam = _families(rng, 100_000, 0, 1)
    years, _ = _durations(
        rng,
        fam["age"].to_numpy(),
        np.zeros(len(fam), bool),
        fam["family"].to_numpy(),
        fam["family_size"].to_numpy(),
    )
    _, uy = _uasc_years(rng, 100_000)
    return float(years.mean()), len(fam) / 100_000, float(uy.mean())


# ---------------------------------------------------------------------------------------------
# Entries


def _families(rng: np.random.Generator, n_fam: int, start: int, end: int) -> pd.DataFrame:
    """Non-UASC entries: families of 1-4 siblings who come into care on the same day."""
    size = _pick(rng, P.FAMILY_SIZE, n_fam).astype(int)
    entry = rng.integers(start, end + 1, n_fam)
    fam = np.repeat(np.arange(n_fam), size)
    order = np.concatenate([np.arange(k) for k in size]) if n_fam else np.zeros(0, int)
    n = len(fam)
    # The youngest of a sibling group is under 12; older siblings are 1-3.5 years apart.
    single = size[fam] == 1
    age = np.empty(n)
    age[single] = _entry_ages(rng, int(single.sum()))
    youngest = _entry_ages(rng, n_fam, max_band=4)
    youngest = np.minimum(youngest, 11.5)
    gaps = rng.uniform(1.0, 3.5, n)
    gaps[order == 0] = 0.0
    cum = pd.Series(gaps).groupby(fam).cumsum().to_numpy()
    age[~single] = np.minimum(youngest[fam][~single] + cum[~single], 17.6)
    return pd.DataFrame(
        {"family": fam, "family_size": size[fam], "birth_order": order, "entry": entry[fam], "age": age}
    )


def simulate_children(
    geo: Geography, window: tuple[int, int], rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All periods of care that overlap the window, in every region LA; and their legal statuses."""
    w0, w1 = window
    start = w0 - int(P.BURN_IN_YEARS * YEAR)
    span = (w1 - start) / YEAR
    mean_years, mean_family, mean_uasc_years = mean_care_years()
    frames = []
    next_family = 0
    for la in geo.region_las:
        stock_local = la.stock * (1 - P.UASC_SHARE_OF_STOCK)
        n_fam = rng.poisson(stock_local / mean_years / mean_family * span)
        fam = _families(rng, n_fam, start, w1)
        fam["family"] += next_family
        next_family += n_fam
        fam["uasc"] = False
        n_u = rng.poisson(la.stock * P.UASC_SHARE_OF_STOCK / mean_uasc_years * span)
        u_age, u_years = _uasc_years(rng, n_u)
        uasc = pd.DataFrame(
            {"family": np.arange(next_family, next_family + n_u), "family_size": 1, "birth_order": 0,
             "entry": rng.integers(start, w1 + 1, n_u), "age": u_age, "uasc": True}
        )  # fmt: skip
        next_family += n_u
        both = pd.concat([fam, uasc], ignore_index=True)
        both["la"] = la.index
        both["transfer_from"] = -1
        frames.append(both)
    entries = pd.concat(frames, ignore_index=True)
    children = _complete(entries, geo, rng)
    # Keep only care that overlaps the window (the burn-in only builds the stock).
    children = children[(children["exit"] > w0) & (children["entry"] <= w1)].reset_index(drop=True)
    children = _transfers(children, geo, window, rng)
    children = children.sort_values(["la", "entry", "family", "birth_order"], kind="stable").reset_index(
        drop=True
    )
    children["child"] = np.arange(len(children))
    children = _link_transfers(children)
    legal = _legal_statuses(children, rng)
    # Children remanded to care (J1) who go home soon leave because the remand ended.
    first_ls = legal.groupby("child")["ls"].first().reindex(children["child"]).to_numpy()
    remand_ends = (
        (first_ls == "J1") & (children["route"].to_numpy() == "return") & (rng.random(len(children)) < 0.65)
    )
    children.loc[remand_ends, "rec"] = "E14"
    return children, legal


def _complete(entries: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Everything about each entrant that does not depend on placements: demography and exit."""
    c = entries.copy()
    n = len(c)
    uasc = c["uasc"].to_numpy()
    age = c["age"].to_numpy()
    fam = c["family"].to_numpy()
    years, route = _durations(rng, age, uasc, fam, c["family_size"].to_numpy())
    c["dob"] = c["entry"].to_numpy() - np.round(age * YEAR).astype(np.int64)
    c["exit"] = c["entry"].to_numpy() + np.maximum(np.round(years * YEAR).astype(np.int64), 1)
    c["route"] = route
    # Sex: siblings independent; UASC mostly boys.
    male_p = np.where(uasc, P.MALE_SHARE["uasc"], P.MALE_SHARE["non_uasc"])
    c["sex"] = np.where(rng.random(n) < male_p, "M", "F")
    # Ethnicity: shared by a family (drawn once per family); UASC from their own list.
    fam_eth = _pick(rng, P.ETHNICITY, int(fam.max()) + 1 if n else 0)
    eth = fam_eth[fam]
    eth[uasc] = _pick(rng, P.ETHNICITY_UASC, int(uasc.sum()))
    c["ethnic"] = eth
    cin = _pick(rng, P.CIN_CATEGORY, n)
    cin[uasc] = "N8"
    c["cin"] = cin
    c["disabled"] = cin == "N2"
    # Complexity: a latent level of need behind risks, DoL, costs (shared partly within a family).
    fam_c = rng.normal(0, 0.6, int(fam.max()) + 1 if n else 0)
    c["complexity"] = fam_c[fam] + rng.normal(0, 0.8, n) * P.COMPLEXITY_SD
    # Home: the family's postcode district in the LA (UASC: where they were found).
    c["home_district"] = _home_districts(c, geo, rng)
    c["rec"] = _exit_reasons(c, rng)
    return c


def _home_districts(c: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(len(c), dtype=np.int64)
    d = geo.districts
    fam = c["family"].to_numpy()
    la = c["la"].to_numpy()
    for la_index in np.unique(la):
        idx = np.flatnonzero(d["la"].to_numpy() == la_index)
        w = d["weight"].to_numpy()[idx]
        rows = np.flatnonzero(la == la_index)
        fams, inv = np.unique(fam[rows], return_inverse=True)
        pick = idx[rng.choice(len(idx), size=len(fams), p=w / w.sum())]
        out[rows] = pick[inv]
    return out


def _exit_reasons(c: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    n = len(c)
    route = c["route"].to_numpy()
    rec = _pick(rng, P.EXIT_REASONS_RETURN, n)
    ageout = _pick(rng, P.EXIT_REASONS_AGE_OUT, n)
    ageout = np.where(c["disabled"].to_numpy() & (rng.random(n) < 0.5), "E7", ageout)
    rec = np.where(route == "ageout", ageout, rec)
    rec = np.where(route == "adopt", _pick(rng, P.ADOPTION_REC, n), rec)
    rec = np.where(route == "uasc", _pick(rng, P.EXIT_REASONS_UASC, n), rec)
    # UASC who leave before 18 do so for reasons other than turning 18.
    age_exit = (c["exit"].to_numpy() - c["dob"].to_numpy()) / YEAR
    young_uasc = (route == "uasc") & (age_exit < 17.95) & np.isin(rec, ["E17", "E5", "E6"])
    rec = np.where(young_uasc, np.where(rng.random(n) < 0.5, "E15", "E8"), rec)
    uasc_18 = (route == "uasc") & (age_exit >= 17.95) & np.isin(rec, ["E15", "E13"])
    rec = np.where(uasc_18, "E5", rec)
    return rec


# ---------------------------------------------------------------------------------------------
# Children who move to another LA of the region


def _transfers(
    c: pd.DataFrame, geo: Geography, window: tuple[int, int], rng: np.random.Generator
) -> pd.DataFrame:
    """New periods of care in a neighbouring region LA for some children who left (E3, E4A, E13)."""
    if len(geo.region_las) < 2:
        c["transfer_from"] = -1
        return c
    w0, w1 = window
    rows = []
    n = len(c)
    rec = c["rec"].to_numpy()
    chance = np.array([P.TRANSFER_IN_REGION.get(r, 0.0) for r in rec])
    gap = np.zeros(n, dtype=np.int64)
    for reason, (lo, hi) in P.TRANSFER_GAP_DAYS.items():
        m = rec == reason
        gap[m] = rng.integers(lo, hi + 1, m.sum())
    new_entry = c["exit"].to_numpy() + gap
    age_new = (new_entry - c["dob"].to_numpy()) / YEAR
    ok = (rng.random(n) < chance) & (c["exit"].to_numpy() >= w0) & (new_entry <= w1) & (age_new < 17.5)
    centres = np.array([[la.x_km, la.y_km] for la in geo.region_las])
    for i in np.flatnonzero(ok):
        src = int(c.at[i, "la"])
        d = np.hypot(*(centres - centres[src]).T)
        w = np.where(np.arange(len(centres)) == src, 0.0, np.exp(-d / 40.0))
        dest = int(rng.choice(len(centres), p=w / w.sum()))
        rows.append(
            {"source_row": i, "la": geo.region_las[dest].index, "entry": int(new_entry[i]), "age": age_new[i]}
        )
    if not rows:
        c["transfer_from"] = -1
        return c
    moved = pd.DataFrame(rows)
    src = c.loc[moved["source_row"]].reset_index(drop=True)
    new = pd.DataFrame(
        {
            "family": np.arange(len(moved)) + int(c["family"].max()) + 1,
            "family_size": 1,
            "birth_order": 0,
            "entry": moved["entry"].to_numpy(),
            "age": moved["age"].to_numpy(),
            "uasc": src["uasc"].to_numpy(),
            "la": moved["la"].to_numpy(),
            "transfer_from": moved["source_row"].to_numpy(),
        }
    )
    new = _complete(new, geo, rng)
    # The same child: same date of birth, sex, ethnicity and needs; a new home (they moved).
    for col in ("dob", "sex", "ethnic", "cin", "disabled", "complexity"):
        new[col] = src[col].to_numpy()
    new["exit"] = np.maximum(new["exit"].to_numpy(), new["entry"].to_numpy() + 1)
    limit = new["dob"].to_numpy() + int(18 * YEAR) - 1
    over = new["exit"].to_numpy() > limit
    new.loc[over, "exit"] = np.maximum(limit[over], new["entry"].to_numpy()[over] + 1)
    new.loc[over & (new["route"] != "uasc"), "rec"] = "E5"
    new.loc[new["rec"].isin(["E3"]), "rec"] = "E4A"  # no chains of transfers
    c = c.copy()
    c["transfer_from"] = -1
    c["_row"] = np.arange(len(c))
    new["_row"] = -1
    return pd.concat([c, new], ignore_index=True)


def _link_transfers(c: pd.DataFrame) -> pd.DataFrame:
    """Turn ``transfer_from`` (a row of the pre-sort frame) into the source child's id."""
    if "_row" not in c:
        return c
    row_to_child = dict(zip(c["_row"], c["child"], strict=True))
    row_to_child.pop(-1, None)
    c["transfer_from"] = [row_to_child.get(int(r), -1) if r >= 0 else -1 for r in c["transfer_from"]]
    return c.drop(columns="_row")


# ---------------------------------------------------------------------------------------------
# Legal status


def _legal_statuses(c: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per legal status start (child, day, ls): the first at entry, then the changes."""
    n = len(c)
    entry = c["entry"].to_numpy()
    exit_ = c["exit"].to_numpy()
    age = (entry - c["dob"].to_numpy()) / YEAR
    uasc = c["uasc"].to_numpy()
    first = _pick(rng, P.LEGAL_STATUS_AT_ENTRY, n)
    first = np.where((age < 12) & np.isin(first, ["J1", "J2"]), "C1", first)
    first = np.where(uasc, "V2", first)
    events = [pd.DataFrame({"child": c["child"].to_numpy(), "day": entry, "ls": first})]

    # Emergency protection ends within days: an interim care order, or section 20.
    emergency = np.isin(first, ["L1", "L2"])
    d1 = entry + rng.integers(2, 9, n)
    after = np.where(rng.random(n) < 0.7, "C1", "V2")
    events.append(pd.DataFrame({"child": c["child"].to_numpy(), "day": d1, "ls": after})[emergency])
    current = np.where(emergency, after, first)
    current_day = np.where(emergency, d1, entry)

    # Section 20 -> interim care order for some; interim -> full care order after 4-13 months.
    to_c1 = (current == "V2") & ~uasc & (rng.random(n) < P.V2_TO_CARE_ORDER)
    d2 = current_day + rng.integers(30, 200, n)
    events.append(pd.DataFrame({"child": c["child"].to_numpy(), "day": d2, "ls": "C1"})[to_c1])
    current_day = np.where(to_c1, d2, current_day)
    current = np.where(to_c1, "C1", current)
    adopt = c["route"].to_numpy() == "adopt"
    d3 = current_day + rng.integers(120, 400, n)
    e1_day = exit_ - rng.integers(
        int(P.ADOPTIVE_PLACEMENT_YEARS[1] * YEAR) + 30, int(P.ADOPTIVE_PLACEMENT_YEARS[1] * YEAR) + 150, n
    )
    to_c2 = (current == "C1") & ~(adopt & (e1_day <= d3))
    events.append(pd.DataFrame({"child": c["child"].to_numpy(), "day": d3, "ls": "C2"})[to_c2])
    # A placement order before an adoptive placement.
    e1_day = np.maximum(e1_day, current_day + 1)
    events.append(pd.DataFrame({"child": c["child"].to_numpy(), "day": e1_day, "ls": "E1"})[adopt])
    legal = pd.concat(events, ignore_index=True)
    legal = legal.merge(c[["child", "exit"]], on="child")
    legal = legal[legal["day"] < legal["exit"]].drop(columns="exit")
    legal = legal.sort_values(["child", "day"], kind="stable").drop_duplicates(["child", "day"], keep="last")
    return legal.reset_index(drop=True)
