"""Join one LA's pooled placements to its SSDA903 episodes, the Ofsted register and postcode districts.

In: the LA's placements (pseudonymised, one row per standard row: ``la, child, version,
placement_start`` and the standard's fields), its 903 episodes (pseudonymised, annotated with
``dob, sex, ethnicity, uasc``), the register (:func:`kit.region.ofsted.read_register`) and the
district lookup (:func:`kit.region.postcodes.read_districts`). Out: the same rows, in the same order,
with the contract's 903, register, distance and needs columns added, and the join findings.

**Matching a placement to its 903 episode** (guides/regional-dataset.md repeats this):

1. *Exact*: same LA, same child, and the placement's start date equals the episode's DECOM. For
   v2 the start date is ``placementStartDate``, which is meant to be the 903 DECOM.
2. *Window*: otherwise, an episode of the same child whose DECOM is within ``window_days`` either
   side of the start date (default 7), among episodes that start a placement (every RNE except
   ``L``, a change of legal status only). When several qualify, the kit prefers, in this order:
   an episode whose 903 placement type agrees with the row's ``placementType`` (:data:`PLACE_TYPES`:
   Foster <-> U1-U6, Residential <-> K1, K2, R1, S1, P3, Supported Accommodation <-> K3, H5, P2);
   an episode no other row of the child already matched exactly; the nearest DECOM; the earlier.
   Short placements make this matter: a two-day emergency placement followed by the planned move
   puts two DECOMs inside the window, and the date alone would pick the wrong one.

Why a window, and why 7 days: v1 has no placement start date; its ``placementDate`` is the
template's "date of agreed placement start", recorded by the placement officer when the placement
is agreed. The child moves within days of that (the standard's own urgency buckets are "today",
"within 5 days" and "more than 5 days"), and the date is sometimes keyed a few days late. A week
either side covers agreed-versus-actual starts and keying lag; it stays well short of the gap
between two real placements of one child (a stay of 7 days or less is a *temporary* move, T4, in
the 903 rather than a placement, so two placement starts rarely fall within a week); and choosing
the *nearest* DECOM keeps an emergency placement and the planned move that follows it apart. For
v2 rows a window match means the LA's two systems disagree, which is reported as a warning.
Unmatched rows get a ``no_903_episode`` warning naming the LA's file, row and date column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.core.findings import Finding
from kit.region.ofsted import is_unregistered_marker, look_up_urns, normalise_urns
from kit.region.postcodes import distance_band, district_distance_miles, normalise_outward

RISKS = (
    "riskSelfHarm", "riskSexualExploitation", "riskCriminalExploitation", "riskDrugAlcohol",
    "riskEatingDisorder", "riskMissing", "riskToOthersPhysical", "riskToOthersSexual",
    "riskToOthersFire", "riskToOthersAnimals", "riskToOthersCriminal",
)  # fmt: skip
SUITABILITY = {
    "fosterCareSuitability": "Foster",
    "residentialCareSuitability": "Residential",
    "supportedAccommodationSuitability": "Supported Accommodation",
}
AGE_BANDS = ("Under 1", "1-4", "5-9", "10-15", "16+")  # DfE's bands for children looked after
NEEDS_BANDS = ("0 risks", "1-2 risks", "3+ risks")
# Bands are ordered categoricals (text in the CSV), so that tables list them in their natural order.
IN_HOUSE = {"PR1": True, "PR2": True, "PR3": False, "PR4": False, "PR5": False}  # PR0 (parents): n/a
# 903 placement types that need an Ofsted registration (children's homes, secure homes, registered
# supported accommodation): no URN in the 903 for these means an unregistered setting.
REGISTERED_PLACES = {"K1", "K2", "K3"}
# Which 903 PLACE codes agree with each placementType (placements doc §4.2's indicative mapping).
PLACE_TYPES = {
    "Foster": {"U1", "U2", "U3", "U4", "U5", "U6"},
    "Residential": {"K1", "K2", "R1", "S1", "P3"},
    "Supported Accommodation": {"K3", "H5", "P2"},
}


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a - b).dt.days.astype("Int64")


# ---------------------------------------------------------------------------------------------
# SSDA903


def match_episodes(placements: pd.DataFrame, episodes: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """For each placement row (by index): the matched episode's index, the days between, and the rule.

    Columns: ``episode`` (index into ``episodes`` or -1), ``match_days`` (DECOM minus the start date),
    ``match_rule`` (``exact``, ``window`` or missing). Same index as ``placements``.
    """
    out = pd.DataFrame(
        {
            "episode": np.full(len(placements), -1, dtype=np.int64),
            "match_days": pd.array([pd.NA] * len(placements), dtype="Int64"),
            "match_rule": pd.array([pd.NA] * len(placements), dtype="string"),
        },
        index=placements.index,
    )
    if not len(placements) or not len(episodes):
        return out
    ptype = (
        placements["placementType"]
        if "placementType" in placements
        else pd.Series(None, index=placements.index)
    )
    left = pd.DataFrame(
        {
            "child": placements["child"].astype(object),
            "start": placements["placement_start"],
            "row": placements.index,
            "ptype": ptype.astype(object),
        }
    )
    left = left[left["child"].notna() & left["start"].notna()]
    right = pd.DataFrame(
        {
            "child": episodes["child"].astype(object),
            "DECOM": episodes["DECOM"],
            "episode": episodes.index,
            "rne": episodes["RNE"].astype(object),
            "place": episodes["PLACE"].astype(object) if "PLACE" in episodes else None,
        }
    )
    # 1. Exact: child and date (one episode per child and DECOM after de-duplication).
    exact = left.merge(right, left_on=["child", "start"], right_on=["child", "DECOM"], how="inner")
    exact = exact.drop_duplicates("row")
    out.loc[exact["row"].to_numpy(), "episode"] = exact["episode"].to_numpy()
    out.loc[exact["row"].to_numpy(), "match_days"] = 0
    out.loc[exact["row"].to_numpy(), "match_rule"] = "exact"
    # 2. Window: nearest placement-starting episode within window_days either side.
    rest = left[~left["row"].isin(exact["row"])]
    cand = right[right["rne"].fillna("") != "L"]
    if window_days > 0 and len(rest) and len(cand):
        pairs = rest.merge(cand, on="child", how="inner")
        pairs["gap"] = (pairs["DECOM"] - pairs["start"]).dt.days
        pairs = pairs[pairs["gap"].abs() <= window_days]
        if len(pairs):
            pairs["dist"] = pairs["gap"].abs()
            agrees = [
                place in PLACE_TYPES.get(t, ()) if isinstance(t, str) and t in PLACE_TYPES else True
                for t, place in zip(pairs["ptype"], pairs["place"], strict=True)
            ]
            pairs["type_differs"] = ~np.array(agrees, dtype=bool)
            pairs["taken"] = pairs["episode"].isin(exact["episode"])
            order = ["row", "type_differs", "taken", "dist", "DECOM"]
            pairs = pairs.sort_values(order, kind="stable").drop_duplicates("row")
            out.loc[pairs["row"].to_numpy(), "episode"] = pairs["episode"].to_numpy()
            out.loc[pairs["row"].to_numpy(), "match_days"] = pairs["gap"].to_numpy()
            out.loc[pairs["row"].to_numpy(), "match_rule"] = "window"
    return out


def age_in_years(dob: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years of age on a date (a birthday counts on the day itself)."""
    years = on.dt.year - dob.dt.year
    before_birthday = (on.dt.month < dob.dt.month) | (
        (on.dt.month == dob.dt.month) & (on.dt.day < dob.dt.day)
    )
    return (years - before_birthday.astype("int64")).astype("Int64")


def age_band(age: pd.Series) -> pd.Series:
    """DfE's age bands: Under 1, 1-4, 5-9, 10-15, 16+."""
    values = age.astype("float64").to_numpy()
    idx = np.searchsorted(np.array([1, 5, 10, 16]), values, side="right")
    labels = np.array(AGE_BANDS, dtype=object)[np.minimum(idx, len(AGE_BANDS) - 1)]
    labels = np.where(np.isnan(values), None, labels)
    return pd.Series(pd.Categorical(labels, categories=AGE_BANDS, ordered=True), index=age.index)


def join_episodes(placements: pd.DataFrame, episodes: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """The 903 columns of the contract for each placement row (missing where unmatched)."""
    m = match_episodes(placements, episodes, window_days)
    hit = m["episode"].to_numpy() >= 0
    idx = np.where(hit, m["episode"].to_numpy(), 0)

    def take(col: str, dtype: str) -> pd.Series:
        if not len(episodes) or col not in episodes.columns:
            return pd.Series(pd.NA, index=placements.index, dtype=dtype)
        values = episodes[col].reset_index(drop=True).take(idx).set_axis(placements.index)
        return values.astype(dtype).where(hit)

    out = pd.DataFrame(index=placements.index)
    out["episode_matched"] = pd.array(hit, dtype="boolean")
    out["match_rule"] = m["match_rule"]
    out["match_days"] = m["match_days"]
    out["episode_decom"] = take("DECOM", "datetime64[ns]")
    dob = take("dob", "datetime64[ns]")
    out["age_at_start"] = age_in_years(dob, placements["placement_start"].astype("datetime64[ns]"))
    out["age_band"] = age_band(out["age_at_start"])
    out["sex"] = take("sex", "string")
    out["ethnicity"] = take("ethnicity", "string")
    out["legal_status"] = take("LS", "string")
    out["uasc"] = take("uasc", "boolean")
    out["place_903"] = take("PLACE", "string")
    out["place_provider_903"] = take("PLACE_PROVIDER", "string")
    out["in_house"] = out["place_provider_903"].map(IN_HOUSE).astype("boolean")
    out["home_district"] = take("HOME_POST", "string")
    out["pl_post_903"] = take("PL_POST", "string")
    out["urn_903"] = take("URN", "string")
    return out


# ---------------------------------------------------------------------------------------------
# Ofsted register


def join_register(placements: pd.DataFrame, joined903: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """URN status and provider columns for each placement row.

    ``urn_status``: ``registered`` (on the register), ``not_on_register`` (a URN the register does
    not hold: a typo, or a provider that closed), ``missing`` (no URN). ``unregistered`` tells the
    missing ones apart where the data allows: True when the LA wrote a marker such as
    "Unregistered" instead of a URN, or when the matched 903 episode is a setting that must be
    registered (K1, K2, K3) and has no URN either; False when the 903 episode has a URN or is a
    setting that needs none; missing when nothing says.
    """
    raw = (
        placements["providerURN"] if "providerURN" in placements else pd.Series(pd.NA, index=placements.index)
    )
    raw = raw.astype("string")
    urn = normalise_urns(raw.fillna(""))
    marker = raw.fillna("").map(is_unregistered_marker).astype(bool)
    urn = urn.where(~marker & (urn != ""), pd.NA)
    match, how = look_up_urns(urn, register)
    out = pd.DataFrame(index=placements.index)
    out["urn"] = match.fillna(urn).astype("string")
    status = np.where(match.notna(), "registered", np.where(urn.notna(), "not_on_register", "missing"))
    out["urn_status"] = pd.Series(status, index=placements.index, dtype="string")
    out["urn_match"] = how
    place = joined903["place_903"].fillna("")
    no_903_urn = joined903["urn_903"].isna() & joined903["episode_matched"].fillna(False).astype(bool)
    unregistered = pd.Series(pd.NA, index=placements.index, dtype="boolean")
    evidence = pd.Series(pd.NA, index=placements.index, dtype="string")
    is_missing = out["urn_status"] == "missing"
    unregistered[is_missing & joined903["episode_matched"].fillna(False).astype(bool)] = False
    from_903 = is_missing & no_903_urn & place.isin(REGISTERED_PLACES) & ~marker
    unregistered[from_903] = True
    evidence[from_903] = "903"
    unregistered[marker] = True
    evidence[marker] = "recorded"
    out["unregistered"] = unregistered
    out["unregistered_evidence"] = evidence
    reg = register.set_index("urn")
    for col in ("provider_type", "provider_places", "provider_sector", "provider_owner", "provider_la",
                "provider_region", "provider_status", "provider_district"):  # fmt: skip
        out[col] = out["urn"].map(reg[col]).where(match.notna()).astype(reg[col].dtype)
    return out


# ---------------------------------------------------------------------------------------------
# Postcode districts and distance


def join_districts(
    placements: pd.DataFrame, joined: pd.DataFrame, districts: pd.DataFrame, la_code: str, region_code: str
) -> pd.DataFrame:
    """Placement and home LA/region, distance and band, and inside/outside the LA and the region.

    The placement's district is the standard's ``placementLocation``; where that is empty, the 903
    ``PL_POST`` of the matched episode (``placement_district_source`` says which). The home district
    is the 903 ``HOME_POST``. ``la_code``/``region_code`` are the placing LA's and the region's codes
    as the district file writes them (``oslaua``/``rgn``).
    """
    own = placements.get("placementLocation")
    own = (
        normalise_outward(own)
        if own is not None
        else pd.Series(pd.NA, index=placements.index, dtype="string")
    )
    pl903 = normalise_outward(joined["pl_post_903"])
    district = own.fillna(pl903)
    source = pd.Series(np.where(own.notna(), "placements", np.where(pl903.notna(), "903", None)),
                       index=placements.index, dtype="string")  # fmt: skip
    home = normalise_outward(joined["home_district"])
    look = districts.set_index("outward")
    out = pd.DataFrame(index=placements.index)
    out["placement_district"] = district.astype("string")
    out["placement_district_source"] = source
    out["placement_la_code"] = district.map(look["la_code"]).astype("string")
    out["placement_la_name"] = district.map(look["la_name"]).astype("string")
    out["placement_region"] = district.map(look["region_code"]).astype("string")
    out["home_la_code"] = home.map(look["la_code"]).astype("string")
    out["home_region"] = home.map(look["region_code"]).astype("string")
    out["distance_miles"] = district_distance_miles(home, district, districts).round(2)
    out["distance_band"] = distance_band(out["distance_miles"])
    known_la = out["placement_la_code"].notna()
    out["placed_outside_la"] = (out["placement_la_code"] != la_code).astype("boolean").where(known_la)
    known_rgn = out["placement_region"].notna()
    out["placed_outside_region"] = (out["placement_region"] != region_code).astype("boolean").where(known_rgn)
    return out


# ---------------------------------------------------------------------------------------------
# Needs helpers


def needs_helpers(placements: pd.DataFrame) -> pd.DataFrame:
    """``risk_count``, ``needs_band``, ``preferred_type`` and ``displaced`` for each row.

    ``risk_count``: how many of the 11 risks are "Risk present" (missing when none is answered).
    ``preferred_type``: the one type of home rated "Preferred" (missing when none or several are).
    ``displaced``: foster care was preferred and the child was placed in residential care.
    """
    out = pd.DataFrame(index=placements.index)
    present = [placements[r].astype("string").eq("Risk present") for r in RISKS if r in placements]
    answered = [placements[r].notna() for r in RISKS if r in placements]
    if present:
        count = pd.concat(present, axis=1).fillna(False).sum(axis=1).astype("Int64")
        any_answer = pd.concat(answered, axis=1).any(axis=1)
        out["risk_count"] = count.where(any_answer)
    else:
        out["risk_count"] = pd.Series(pd.NA, index=placements.index, dtype="Int64")
    band = np.select(
        [
            out["risk_count"].fillna(-1) == 0,
            out["risk_count"].fillna(-1).between(1, 2),
            out["risk_count"].fillna(-1) >= 3,
        ],
        list(NEEDS_BANDS),
        default="",
    )
    band = np.where(band == "", None, band)
    out["needs_band"] = pd.Series(
        pd.Categorical(band, categories=NEEDS_BANDS, ordered=True), index=placements.index
    )
    preferred = pd.DataFrame(
        {
            label: placements[f].astype("string").eq("Preferred").fillna(False)
            for f, label in SUITABILITY.items()
            if f in placements
        }  # fmt: skip
    )
    if len(preferred.columns):
        n_pref = preferred.sum(axis=1)
        first = preferred.idxmax(axis=1) if len(preferred) else pd.Series(dtype=object)
        out["preferred_type"] = first.where(n_pref == 1).astype("string")
    else:
        out["preferred_type"] = pd.Series(pd.NA, index=placements.index, dtype="string")
    placed = placements["placementType"].astype("string") if "placementType" in placements else None
    if placed is not None:
        known = out["preferred_type"].notna() & placed.notna()
        displaced = (out["preferred_type"] == "Foster") & (placed == "Residential")
        out["displaced"] = displaced.astype("boolean").where(known)
    else:
        out["displaced"] = pd.Series(pd.NA, index=placements.index, dtype="boolean")
    return out


# ---------------------------------------------------------------------------------------------
# Findings


def join_findings(joined: pd.DataFrame, letters: dict[tuple[str, str], str], window_days: int,
                  episodes: pd.DataFrame) -> list[Finding]:  # fmt: skip
    """One finding per placement row the joins could not complete, in the LA's own file terms.

    * ``no_903_episode`` (warning): no episode of the child starts on, or within the window of,
      the placement's start date (or the child is not in the 903 extract at all);
    * ``start_date_differs_from_903`` (warning, v2 only): matched within the window, not exactly;
    * ``urn_not_on_register`` (warning): the URN is not on the Ofsted register;
    * ``urn_prefix_added`` (warning): a bare 6-digit URN matched the register's ``SC`` URN;
    * ``unregistered_placement`` (warning): no URN, and the 903 says the setting must be registered.

    ``letters`` maps (file name, field) to the column letter the LA sees.
    """
    matched = joined["episode_matched"].fillna(False).astype(bool)
    v2_window = (joined["version"] == "2") & (joined["match_rule"] == "window")
    urn_status = joined["urn_status"].fillna("")
    prefix = joined["urn_match"].fillna("") == "prefix_added"
    unreg_903 = joined["unregistered_evidence"].fillna("") == "903"
    todo = ~matched | v2_window | (urn_status == "not_on_register") | prefix | unreg_903
    if not todo.any():
        return []
    rows = joined[todo]
    known_children = set(episodes["child"].dropna()) if len(episodes) else set()
    out: list[Finding] = []
    columns = ["_source_file", "_source_row", "la", "version", "placement_start", "child", "episode_decom",
               "match_days", "urn"]  # fmt: skip
    values = zip(*(rows[c].tolist() for c in columns), matched[todo], v2_window[todo], urn_status[todo],
                 prefix[todo], unreg_903[todo], strict=True)  # fmt: skip
    for file, src_row, la, version, start, child, decom, days, urn, hit, v2w, status, pre, unreg in values:
        date_field = "placementStartDate" if version == "2" else "placementDate"
        when = start.strftime("%d/%m/%Y") if pd.notna(start) else ""
        base = dict(la=la, source_file=file, source_row=int(src_row))
        date_col = letters.get((file, date_field), "")
        urn_col = letters.get((file, "providerURN"), "")
        if not hit:
            if pd.isna(start):
                why = f"it has no {date_field} to match on; enter the date the placement started."
            elif child not in known_children:
                why = "the child is not in your 903 extract; check the child ID is the one your 903 return uses."
            else:
                why = (f"no 903 episode of this child starts within {window_days} days of {when}; "
                       "check the date against the episode's DECOM in your 903 return.")  # fmt: skip
            out.append(Finding(**base, source_column=date_col, field=date_field, value=when,
                               rule="no_903_episode", severity="warning",
                               message=f"This placement could not be matched to a 903 episode: {why}"))  # fmt: skip
        elif v2w:
            out.append(Finding(**base, source_column=date_col, field=date_field, value=when,
                               rule="start_date_differs_from_903", severity="warning",
                               message=f"The placement start date {when} differs from the 903 DECOM "
                               f"{decom.strftime('%d/%m/%Y')} ({int(days):+d} days); correct whichever is wrong."))  # fmt: skip
        if status == "not_on_register":
            out.append(Finding(**base, source_column=urn_col, field="providerURN", value=str(urn),
                               rule="urn_not_on_register", severity="warning",
                               message=f"The URN {urn} is not on the Ofsted register; check it for a typo, "
                               "or whether the provider has closed or re-registered."))  # fmt: skip
        elif pre:
            out.append(Finding(**base, source_column=urn_col, field="providerURN", value=str(urn)[2:],
                               rule="urn_prefix_added", severity="warning",
                               message=f"The URN was read as {urn} (Ofsted's social care URNs start with SC); "
                               "write it in full."))  # fmt: skip
        if unreg:
            out.append(Finding(**base, source_column=urn_col, field="providerURN", value="",
                               rule="unregistered_placement", severity="warning",
                               message="This placement has no Ofsted URN and looks unregistered: the 903 records a "
                               "setting that must be registered, with no URN; confirm it, or record the URN."))  # fmt: skip
    return out
