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

from kit import standards
from kit.core.findings import Finding
from kit.region import derive as D
from kit.region.derive import AGE_BANDS, NEEDS_BANDS, RISKS, SUITABILITY, age_band, age_in_years  # noqa: F401
from kit.region.ofsted import is_unregistered_marker, look_up_urns, normalise_urns
from kit.region.postcodes import KEY as DISTRICT_KEY
from kit.region.postcodes import distance_band, district_distance_miles, normalise_outward

EP = D.EPISODE  # the 903 Episodes columns by role (EP.start is DECOM), from reference/ssda903.yaml
ROLES = D.ROLES
# 903 placement types that need an Ofsted registration (children's homes, secure homes, registered
# supported accommodation): no URN in the 903 for these means an unregistered setting.
REGISTERED_PLACES = set(D.REGISTERED_PLACES)
# Which 903 PLACE codes agree with each placementType (placements doc §4.2's indicative mapping,
# declared in reference/ssda903.yaml).
PLACE_TYPES = {t: set(D.SSDA903.places(placement_type=t)) for t in D.TYPES}
NOT_A_PLACEMENT = set(D.SSDA903.rne_not_a_placement)


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
    ptype = D.text(placements, D.PLACEMENT_TYPE)
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
            "decom": episodes[EP.start],
            "episode": episodes.index,
            "rne": episodes[EP.reason_new_episode].astype(object),
            "place": episodes[EP.place].astype(object) if EP.place in episodes else None,
        }
    )
    # 1. Exact: child and date (one episode per child and DECOM after de-duplication).
    exact = left.merge(right, left_on=["child", "start"], right_on=["child", "decom"], how="inner")
    exact = exact.drop_duplicates("row")
    out.loc[exact["row"].to_numpy(), "episode"] = exact["episode"].to_numpy()
    out.loc[exact["row"].to_numpy(), "match_days"] = 0
    out.loc[exact["row"].to_numpy(), "match_rule"] = "exact"
    # 2. Window: nearest placement-starting episode within window_days either side.
    rest = left[~left["row"].isin(exact["row"])]
    cand = right[~right["rne"].fillna("").isin(NOT_A_PLACEMENT)]
    if window_days > 0 and len(rest) and len(cand):
        pairs = rest.merge(cand, on="child", how="inner")
        pairs["gap"] = (pairs["decom"] - pairs["start"]).dt.days
        pairs = pairs[pairs["gap"].abs() <= window_days]
        if len(pairs):
            pairs["dist"] = pairs["gap"].abs()
            agrees = [
                place in PLACE_TYPES.get(t, ()) if isinstance(t, str) and t in PLACE_TYPES else True
                for t, place in zip(pairs["ptype"], pairs["place"], strict=True)
            ]
            pairs["type_differs"] = ~np.array(agrees, dtype=bool)
            pairs["taken"] = pairs["episode"].isin(exact["episode"])
            order = ["row", "type_differs", "taken", "dist", "decom"]
            pairs = pairs.sort_values(order, kind="stable").drop_duplicates("row")
            out.loc[pairs["row"].to_numpy(), "episode"] = pairs["episode"].to_numpy()
            out.loc[pairs["row"].to_numpy(), "match_days"] = pairs["gap"].to_numpy()
            out.loc[pairs["row"].to_numpy(), "match_rule"] = "window"
    return out


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
    out["episode_decom"] = take(EP.start, "datetime64[ns]")
    dob = take("dob", "datetime64[ns]")
    out["age_at_start"] = age_in_years(dob, placements["placement_start"].astype("datetime64[ns]"))
    out["age_band"] = age_band(out["age_at_start"])
    out["sex"] = take("sex", "string")
    out["ethnicity"] = take("ethnicity", "string")
    out["legal_status"] = take(EP.legal_status, "string")
    out["uasc"] = take("uasc", "boolean")
    out["place_903"] = take(EP.place, "string")
    out["place_provider_903"] = take(EP.provider, "string")
    out["in_house"] = D.in_house(out["place_provider_903"]).where(hit)
    out["home_district"] = take(EP.home_postcode, "string")
    out["pl_post_903"] = take(EP.placement_postcode, "string")
    out["urn_903"] = take(EP.urn, "string")
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
    raw = D.text(placements, ROLES.provider_urn)
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
    own = placements.get(ROLES.placement_location)
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
    look = districts.set_index(DISTRICT_KEY)
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
    """``risk_count``, ``needs_band``, ``preferred_type`` and ``displaced`` for each row, by the one
    rule of :mod:`kit.region.derive` (a row with no risk answered has no count and no band)."""
    out = pd.DataFrame(index=placements.index)
    out["risk_count"] = D.risk_count(placements)
    out["needs_band"] = D.needs_band(out["risk_count"])
    out["preferred_type"] = D.preferred_type(placements)
    out["displaced"] = D.displaced(placements, out["preferred_type"])
    return out


# ---------------------------------------------------------------------------------------------
# Findings


def _start_field(version: str) -> str:
    """The field that holds the placement's start date in a version (v1 placementDate, v2 ...)."""
    return standards.load("placements", str(version)).roles.start_date


def _decom_versions() -> set[str]:
    """The versions whose start date is the 903 DECOM itself (the standard's ``decom`` role: v2), where
    a match within the window, not on the day, means one of the two dates is wrong."""
    return {v for v in standards.versions("placements") if "decom" in standards.load("placements", v).roles}


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
    v2_window = joined["version"].isin(_decom_versions()) & (joined["match_rule"] == "window")
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
        date_field = _start_field(version)
        when = start.strftime("%d/%m/%Y") if pd.notna(start) else ""
        base = dict(la=la, source_file=file, source_row=int(src_row))
        date_col = letters.get((file, date_field), "")
        urn_col = letters.get((file, ROLES.provider_urn), "")
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
            out.append(Finding(**base, source_column=urn_col, field=ROLES.provider_urn, value=str(urn),
                               rule="urn_not_on_register", severity="warning",
                               message=f"The URN {urn} is not on the Ofsted register; check it for a typo, "
                               "or whether the provider has closed or re-registered."))  # fmt: skip
        elif pre:
            out.append(Finding(**base, source_column=urn_col, field=ROLES.provider_urn, value=str(urn)[2:],
                               rule="urn_prefix_added", severity="warning",
                               message=f"The URN was read as {urn} (Ofsted's social care URNs start with SC); "
                               "write it in full."))  # fmt: skip
        if unreg:
            out.append(Finding(**base, source_column=urn_col, field=ROLES.provider_urn, value="",
                               rule="unregistered_placement", severity="warning",
                               message="This placement has no Ofsted URN and looks unregistered: the 903 records a "
                               "setting that must be registered, with no URN; confirm it, or record the URN."))  # fmt: skip
    return out
