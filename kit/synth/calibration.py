"""Measure a generated region against the public figures it is calibrated to.

In: a region folder (its SSDA903 extracts and postcode lookup) and, for costs, a placements table
(``la``, ``childId``, a placement date and ``totalWeeklyCost``). Out: one row per measure with the
target from :mod:`kit.synth.parameters`, the generated value, the tolerance and the source, as
``calibration.csv`` holds and the tests check. Everything is measured the way an analyst would from
the files: the stock is the 903 episodes open on 31 March; the type of home comes from PLACE,
PLACE_PROVIDER and URN; location from the postcodes and the district lookup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.synth import parameters as P

KM_20_MILES = P.NEAR_MILES * 1.609344
AGE_BANDS = (("under 1", 0, 1), ("1-4", 1, 5), ("5-9", 5, 10), ("10-15", 10, 16), ("16+", 16, 99))


def setting_of(place: pd.Series, provider: pd.Series, urn: pd.Series) -> np.ndarray:
    """The FOI placement categories (peer doc §10.4 mapping) from 903 PLACE, PLACE_PROVIDER, URN."""
    place = place.fillna("").astype(str).to_numpy()
    provider = provider.fillna("").astype(str).to_numpy()
    urn = urn.fillna("").astype(str).to_numpy()
    out = np.full(len(place), "other", dtype=object)
    out[np.isin(place, ["U1", "U2", "U3"])] = "kinship"
    foster = np.isin(place, ["U4", "U5", "U6"])
    out[foster & np.isin(provider, ["PR1", "PR2", "PR3"])] = "inhouse_foster"
    out[foster & np.isin(provider, ["PR4", "PR5"])] = "ifa"
    out[(place == "K2") & (urn != "")] = "childrens_home"
    out[(place == "K2") & (urn == "")] = "unregulated"
    out[place == "K1"] = "secure"
    out[np.isin(place, ["K3", "H5", "P2"])] = "supported"
    out[place == "P1"] = "with_parents"
    return out


def _days(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text.replace("", None), format="%d/%m/%Y")


def load_region(folder: Path) -> dict:
    folder = Path(folder)
    region = yaml.safe_load((folder / "region.yml").read_text(encoding="utf-8"))
    return region


def load_903(folder: Path, region: dict, year: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All LAs' Episodes and Header tables of one collection year (``2025-26``), with an ``la`` column."""
    eps, heads = [], []
    for la in region["las"]:
        for table, store in (("episodes", eps), ("header", heads)):
            path = next((p for p in la["ssda903"][table] if f"/{year}/" in p), None)
            if path is None:
                continue
            frame = pd.read_csv(folder / path, dtype=str, keep_default_na=False)
            frame["la"] = la["code"]
            store.append(frame)
    return pd.concat(eps, ignore_index=True), pd.concat(heads, ignore_index=True)


def latest_complete_year(region: dict) -> str:
    years = sorted({p.split("/")[-2] for la in region["las"] for p in la["ssda903"]["episodes"]})
    complete = [y for y in years if dt.date(int(y[:4]) + 1, 3, 31) <= P.PERIOD_END]
    return complete[-1] if complete else years[-1]


def stock(episodes: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    decom = _days(episodes["DECOM"])
    dec = _days(episodes["DEC"])
    return episodes[(decom <= snapshot) & (dec.isna() | (dec > snapshot))]


def _postcode_lookup(folder: Path, region: dict) -> pd.DataFrame:
    return pd.read_csv(
        folder / region["reference"]["postcode_districts"], dtype={"pcd_outward": str}, keep_default_na=False
    ).set_index("pcd_outward")


def location_of(episodes: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Placement LA, whether outside the child's LA, and straight-line distance from home (km)."""
    pl = episodes["PL_POST"].str.split().str[0]
    home = episodes["HOME_POST"].str.split().str[0]
    known = pl.isin(lookup.index) & home.isin(lookup.index)
    pl_k, home_k = pl[known], home[known]
    dx = lookup.loc[pl_k, "oseast1m"].to_numpy() - lookup.loc[home_k, "oseast1m"].to_numpy()
    dy = lookup.loc[pl_k, "osnrth1m"].to_numpy() - lookup.loc[home_k, "osnrth1m"].to_numpy()
    out = pd.DataFrame(index=episodes.index)
    out["known"] = known
    out["outside_la"] = False
    out.loc[known, "outside_la"] = (
        lookup.loc[pl_k, "oslaua"].to_numpy() != episodes.loc[known, "la"].to_numpy()
    )
    out["distance_km"] = np.nan
    out.loc[known, "distance_km"] = np.hypot(dx, dy) / 1000
    return out


def join_placements(
    placements: pd.DataFrame, episodes: pd.DataFrame, date_column: str = "date", tolerance_days: int = 7
) -> pd.DataFrame:
    """Each placements row with the 903 episode it describes: same LA and child, DECOM within a
    tolerance of the placement date (v1 dates are the 'agreed start', sometimes a few days off)."""
    ep = episodes[episodes["RNE"].isin(["S", "P", "B"])].copy()
    ep["decom_day"] = _days(ep["DECOM"]).astype("datetime64[ns]")
    pl = placements.dropna(subset=[date_column]).copy()
    pl[date_column] = pd.to_datetime(pl[date_column]).astype("datetime64[ns]")
    ep = ep.sort_values("decom_day")
    pl = pl.sort_values(date_column)
    ep["key"] = ep["la"] + "|" + ep["CHILD"]
    pl["key"] = pl["la"].astype(str) + "|" + pl["childId"].astype(str)
    ep = ep.drop(columns=[c for c in ("la", "year") if c in ep]).drop_duplicates(["key", "decom_day"])
    return pd.merge_asof(
        pl, ep, left_on=date_column, right_on="decom_day", by="key",
        direction="nearest", tolerance=pd.Timedelta(days=tolerance_days),
    )  # fmt: skip


def _row(measure, group, target, generated, tol, source, relative=False):
    ok = abs(generated - target) <= (tol * target if relative else tol) if not np.isnan(generated) else False
    return {
        "measure": measure, "group": group, "target": round(float(target), 4), "generated": round(float(generated), 4),
        "tolerance": f"±{tol:.0%}" if relative else f"±{tol:g}", "within_tolerance": bool(ok), "source": source,
    }  # fmt: skip


def measure_region(folder: Path, placements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every calibration measure of a written region (costs only when ``placements`` is given)."""
    folder = Path(folder)
    region = load_region(folder)
    year = latest_complete_year(region)
    y0 = pd.Timestamp(int(year[:4]), 4, 1)
    snapshot = pd.Timestamp(int(year[:4]) + 1, 3, 31)
    episodes, header = load_903(folder, region, year)
    rows = []
    st = stock(episodes, snapshot)
    n = len(st)
    target_stock = sum(s.stock for s in P.REGION_LAS if s.code in {la["code"] for la in region["las"]})
    if target_stock:
        rows.append(
            _row(
                "CLA at 31 March",
                "all",
                target_stock,
                n,
                0.10,
                "LA sizes (parameters.REGION_LAS); England ~535 per LA (DfE 2025)",
                relative=True,
            )
        )
    kids = header.drop_duplicates(["la", "CHILD"]).set_index(["la", "CHILD"])
    idx = pd.MultiIndex.from_arrays([st["la"], st["CHILD"]])
    dob = pd.to_datetime(kids.loc[idx, "DOB"].to_numpy(), format="%d/%m/%Y")
    age = (snapshot - dob).days / 365.25
    for name, lo, hi in AGE_BANDS:
        share = float(((age >= lo) & (age < hi)).mean())
        rows.append(
            _row(
                "age at 31 March",
                name,
                P.STOCK_AGE_TARGET[name],
                share,
                0.04,
                "DfE 2024 (10-15 38%, 16+ 27%); under-10 split assumed (peer doc §10.4)",
            )
        )
    sex = kids.loc[idx, "SEX"].isin(["M", "1"]).mean()
    rows.append(_row("male share", "all", P.MALE_SHARE["all"], float(sex), 0.04, "DfE 2025: 56% male"))
    uasc_ids = set()
    for la in region["las"]:
        path = next((p for p in la["ssda903"]["uasc"] if f"/{year}/" in p), None)
        if path:
            u = pd.read_csv(folder / path, dtype=str, keep_default_na=False)
            uasc_ids |= {(la["code"], c) for c in u["CHILD"]}
    uasc = float(np.mean([(a, b) in uasc_ids for a, b in zip(st["la"], st["CHILD"], strict=True)]))
    rows.append(
        _row("UASC share of CLA", "all", P.UASC_SHARE_OF_STOCK, uasc, 0.02, "DfE 2025: 6,540 of 81,770")
    )
    setting = setting_of(st["PLACE"], st["PLACE_PROVIDER"], st["URN"])
    for cat, target in P.MIX_TARGET.items():
        rows.append(
            _row(
                "placement mix (share of CLA)",
                cat,
                target,
                float(np.mean(setting == cat)),
                P.MIX_TOLERANCE,
                "FOI of 150 LAs, 1 Sept 2024 (sufficiency.org.uk)",
            )
        )
    care_order = float(st["LS"].isin(["C1", "C2", "E1", "D1"]).mean())
    s20 = float((st["LS"] == "V2").mean())
    rows.append(
        _row(
            "legal status",
            "care order",
            P.LEGAL_STATUS_STOCK_TARGET["care order"],
            care_order,
            0.05,
            "DfE 2023 via Community Care: 76%",
        )
    )
    rows.append(
        _row(
            "legal status",
            "section 20",
            P.LEGAL_STATUS_STOCK_TARGET["section 20"],
            s20,
            0.05,
            "DfE 2023 via Community Care: 19%",
        )
    )

    decom = _days(episodes["DECOM"])
    in_year = (decom >= y0) & (decom <= snapshot)
    starts = episodes[in_year & (episodes["RNE"] == "S")]
    rows.append(
        _row(
            "starts in year per CLA at 31 March",
            "all",
            P.STARTS_PER_STOCK,
            len(starts) / max(n, 1),
            0.1,
            "DfE 2024: 33,050 starts on 83,630",
        )
    )
    # Placements in the year per child looked after during the year.
    ep_sorted = episodes.assign(_d=decom).sort_values(["la", "CHILD", "_d"])
    first = ~ep_sorted.duplicated(["la", "CHILD"])
    new = ep_sorted["RNE"].isin(["P", "B"]) | first
    per_child = new.groupby([ep_sorted["la"], ep_sorted["CHILD"]]).sum()
    rows.append(
        _row(
            "placements in year",
            "one",
            P.MOVES_TARGET["one placement in year"],
            float((per_child == 1).mean()),
            0.05,
            "DfE 2024: 69% one placement",
        )
    )
    rows.append(
        _row(
            "placements in year",
            "three or more",
            P.MOVES_TARGET["three or more"],
            float((per_child >= 3).mean()),
            0.04,
            "DfE 2024: 10% three or more",
        )
    )
    # Location of new placements in the year.
    lookup = _postcode_lookup(folder, region)
    new_eps = episodes[in_year & episodes["RNE"].isin(["S", "P", "B"])]
    loc = location_of(new_eps, lookup)
    known = loc["known"]
    rows.append(
        _row(
            "new placements outside the LA",
            "all",
            P.LOCATION_TARGET["outside_la"],
            float(loc.loc[known, "outside_la"].mean()),
            P.LOCATION_TOLERANCE,
            "DfE 2025 CLA during the year by LA (excl. not known)",
        )
    )
    rows.append(
        _row(
            "new placements over 20 miles",
            "all",
            P.LOCATION_TARGET["over_20_miles"],
            float((loc.loc[known, "distance_km"] > KM_20_MILES).mean()),
            P.LOCATION_TOLERANCE,
            "DfE 2025 (excl. not known)",
        )
    )
    ch = (
        setting_of(new_eps["PLACE"], new_eps["PLACE_PROVIDER"], new_eps["URN"]) == "childrens_home"
    ) & known.to_numpy()
    rows.append(
        _row(
            "children's home placements outside the LA",
            "childrens_home",
            P.LOCATION_TARGET["childrens_home_outside_la"],
            float(loc.loc[ch, "outside_la"].mean()),
            0.08,
            "NAO Sept 2025: 67%",
        )
    )
    rows.append(
        _row(
            "children's home placements over 20 miles",
            "childrens_home",
            P.LOCATION_TARGET["childrens_home_over_20_miles"],
            float((loc.loc[ch, "distance_km"] > KM_20_MILES).mean()),
            0.08,
            "NAO Sept 2025: 49%",
        )
    )

    if placements is not None and len(placements):
        all_eps = []
        for la in region["las"]:
            for path in la["ssda903"]["episodes"]:
                e = pd.read_csv(folder / path, dtype=str, keep_default_na=False)
                e["la"] = la["code"]
                all_eps.append(e)
        eps = pd.concat(all_eps, ignore_index=True).drop_duplicates(["la", "CHILD", "DECOM"], keep="last")
        joined = join_placements(placements, eps)
        joined = joined[joined["PLACE"].notna()]
        joined["setting"] = setting_of(joined["PLACE"], joined["PLACE_PROVIDER"], joined["URN"])
        cost = pd.to_numeric(joined["totalWeeklyCost"], errors="coerce").astype(float)
        ok = cost.between(100, 100_000)
        for s, target in P.COST_MEDIAN_WEEKLY.items():
            m = (joined["setting"] == s).to_numpy() & ok.to_numpy()
            if m.sum() < 15:
                continue
            rows.append(
                _row(
                    "median weekly cost (£)",
                    s,
                    target,
                    float(cost[m].median()),
                    P.COST_MEDIAN_TOLERANCE,
                    "see parameters.COST_MEDIAN_WEEKLY",
                    relative=True,
                )
            )
    return pd.DataFrame(rows)


def calibration_table(folder: Path, records: pd.DataFrame, geo) -> pd.DataFrame:
    """``calibration.csv`` for a freshly written region (clean costs, before planted defects)."""
    codes = {la.index: la.code for la in geo.las}
    placements = pd.DataFrame(
        {
            "la": records["la"].map(codes),
            "childId": records["childId"],
            "date": pd.to_datetime(records["placementStartDate"], unit="D"),
            "totalWeeklyCost": records["totalWeeklyCost"],
        }
    )
    return measure_region(folder, placements)
