"""Placements: one row per placement spell, with the needs, the home found, where, and its cost.

This module owns when placements start and end, the needs and risks at referral, the preferred and
the actual type of home, and siblings; :mod:`kit.synth.location`, :mod:`kit.synth.costs` and
:mod:`kit.synth.codes` add where, how much and the 903 codes.

In: the ``children`` frame, the geography, the provider register and a random generator. Out: a
``spells`` frame (one row per placement, with the child's needs and risks at referral, the social
worker's preferred type of home, the setting actually found, its SSDA903 codes, district, provider
and weekly cost) and a ``status_changes`` frame (same-carer changes of PLACE code, 903 RNE ``T``).

The causal structure a commissioner cares about is built in here, with every number in
``parameters.py``: risks rise with age and a child's latent complexity; older children with several
risks for whom foster care was preferred are more often placed in residential care; urgent
placements are more often out of area and cost more; weekly cost rises with risks, deprivation of
liberty and solo placements; sibling groups are sometimes split.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.children import YEAR, _logistic, _pick
from kit.synth.codes import assign_codes, status_changes
from kit.synth.costs import weekly_costs
from kit.synth.location import place_spells
from kit.synth.region import Geography

RISK_FIELDS = [r[0] for r in P.RISKS]
STANDARD_TYPE = {
    "kinship": "Foster",
    "inhouse_foster": "Foster",
    "ifa": "Foster",
    "childrens_home": "Residential",
    "unregulated": "Residential",
    "secure": "Residential",
    "supported": "Supported Accommodation",
}
FOSTER = ("kinship", "inhouse_foster", "ifa")


def simulate_spells(
    children: pd.DataFrame,
    geo: Geography,
    providers: pd.DataFrame,
    window: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All placement spells overlapping the window, and the same-carer status changes within them."""
    spells = _spell_dates(children, window, rng)
    spells = _needs(spells, children, rng)
    spells = _settings(spells, children, geo, rng)
    spells = place_spells(spells, children, geo, providers, rng)
    spells = _siblings(spells, children, rng)
    spells = weekly_costs(spells, rng)
    spells = assign_codes(spells, children, geo, providers, rng)
    changes = status_changes(spells, rng)
    return spells.reset_index(drop=True), changes


# ---------------------------------------------------------------------------------------------
# When placements start and end


def _spell_dates(children: pd.DataFrame, window: tuple[int, int], rng: np.random.Generator) -> pd.DataFrame:
    entry = children["entry"].to_numpy()
    exit_ = children["exit"].to_numpy()
    dob = children["dob"].to_numpy()
    cur = entry.copy()
    active = np.arange(len(children))
    parts = []
    k = 0
    means = np.array(P.PLACEMENT_MEAN_YEARS)
    z = 0.6 * children["complexity"].to_numpy() + 0.8 * rng.normal(0, 1, len(children))
    stability = np.exp(-P.PLACEMENT_INSTABILITY_SD * z - P.PLACEMENT_INSTABILITY_SD**2 / 2)
    while len(active):
        age = (cur[active] - dob[active]) / YEAR
        band = np.searchsorted([1, 5, 10, 16], age, side="right")
        dur = np.maximum(np.round(rng.exponential(means[band] * stability[active]) * YEAR), 1).astype(
            np.int64
        )
        end = np.minimum(cur[active] + dur, exit_[active])
        parts.append(pd.DataFrame({"row": active, "spell": k, "start": cur[active], "end": end}))
        cur[active] = end
        active = active[end < exit_[active]]
        k += 1
    spells = pd.concat(parts, ignore_index=True)
    # Adoption: the last months are an adoptive placement (A3-A6) before the order.
    adopt = children["route"].to_numpy() == "adopt"
    lo, hi = (np.array(P.ADOPTIVE_PLACEMENT_YEARS) * YEAR).astype(int)
    a_start = exit_ - rng.integers(lo, hi + 1, len(children))
    a_start = np.maximum(a_start, entry + 30)
    adopt &= a_start < exit_
    s_row = spells["row"].to_numpy()
    cut = adopt[s_row]
    a0 = a_start[s_row]
    keep = ~cut | (spells["start"].to_numpy() < a0)
    spells = spells[keep].copy()
    s_row = spells["row"].to_numpy()
    cut = adopt[s_row]
    spells.loc[cut, "end"] = np.minimum(spells.loc[cut, "end"].to_numpy(), a_start[s_row][cut])
    last_k = spells.groupby("row")["spell"].max()
    a_rows = np.flatnonzero(adopt)
    adoptive = pd.DataFrame(
        {
            "row": a_rows,
            "spell": last_k.reindex(a_rows).to_numpy() + 1,
            "start": a_start[a_rows],
            "end": exit_[a_rows],
        }
    )
    adoptive["adoptive"] = True
    spells["adoptive"] = False
    spells = pd.concat([spells, adoptive], ignore_index=True)
    spells = spells.sort_values(["row", "spell"], kind="stable").reset_index(drop=True)
    # Only spells that overlap the window matter (but keep the spell number).
    w0, w1 = window
    spells = spells[(spells["end"] > w0) & (spells["start"] <= w1)].reset_index(drop=True)
    spells["child"] = children["child"].to_numpy()[spells["row"].to_numpy()]
    spells["la"] = children["la"].to_numpy()[spells["row"].to_numpy()]
    spells["first"] = spells["start"].to_numpy() == entry[spells["row"].to_numpy()]
    spells["age"] = (spells["start"].to_numpy() - dob[spells["row"].to_numpy()]) / YEAR
    return spells


# ---------------------------------------------------------------------------------------------
# Needs and risks at referral


def _needs(spells: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(spells)
    row = spells["row"].to_numpy()
    age = spells["age"].to_numpy()
    complexity = children["complexity"].to_numpy()[row] + rng.normal(0, 0.35, n)
    # Age effect: steeper below 15, flat-ish above; near zero for young children.
    count = np.zeros(n, dtype=int)
    for name, base, slope, loading in P.RISKS:
        years = np.where(age < 15, 2 * (age - 15), age - 15)
        logit = base + slope * years + loading * complexity
        floor = P.RISK_AGE_FLOOR.get(name, 10.0)
        logit = np.where(age < floor, logit - 3.0, logit)
        if name == "riskSexualExploitation":
            logit = logit + np.where(children["sex"].to_numpy()[row] == "F", 0.6, -0.9)
        if name in ("riskCriminalExploitation", "riskToOthersCriminal"):
            logit = logit + np.where(children["sex"].to_numpy()[row] == "M", 0.4, -0.5)
        present = rng.random(n) < _logistic(logit)
        spells[name] = present
        count += present
    spells["n_risks"] = count
    spells["dol"] = rng.random(n) < _logistic(
        P.DOL_LOG_ODDS["intercept"]
        + P.DOL_LOG_ODDS["per_risk"] * count
        + P.DOL_LOG_ODDS["age10plus"] * (age >= 10)
    )
    spells["solo"] = rng.random(n) < _logistic(
        P.SOLO_LOG_ODDS["intercept"]
        + P.SOLO_LOG_ODDS["per_risk"] * count
        + P.SOLO_LOG_ODDS["dol"] * spells["dol"].to_numpy()
        + P.SOLO_LOG_ODDS["age12plus"] * (age >= 12)
    )
    # Urgency: coming into care is often an emergency; moves are mostly planned.
    first = spells["first"].to_numpy()
    urg_entry = _pick(rng, dict(zip(["Today", "< 5 days", "> 5 days"], P.URGENCY["entry"], strict=True)), n)
    urg_move = _pick(rng, dict(zip(["Today", "< 5 days", "> 5 days"], P.URGENCY["move"], strict=True)), n)
    spells["urgency"] = np.where(first, urg_entry, urg_move)
    # Where the social worker wants the home: in the LA unless there is a reason not to.
    spells["preferred_local"] = rng.random(n) >= _logistic(-2.5 + 0.3 * count)
    return spells


# ---------------------------------------------------------------------------------------------
# The setting: preferred type of home, and what was found


def _settings(
    spells: pd.DataFrame, children: pd.DataFrame, geo: Geography, rng: np.random.Generator
) -> pd.DataFrame:
    n = len(spells)
    row = spells["row"].to_numpy()
    age = spells["age"].to_numpy()
    band = np.searchsorted([1, 5, 10, 16], age, side="right")
    risks = spells["n_risks"].to_numpy()
    dol = spells["dol"].to_numpy()
    uasc = children["uasc"].to_numpy()[row]
    route = children["route"].to_numpy()[row]

    # The social worker's preferred type of home (care-plan preference).
    base = np.array(P.PREFERRED_TYPE_BY_AGE)[band]
    p_res = base[:, 1]
    logit_res = np.log(p_res / (1 - p_res)) + np.where(
        age >= 10, P.PREFERRED_RESIDENTIAL_PER_RISK * np.maximum(risks - 1, 0), 0.0
    )
    p_res = _logistic(logit_res)
    p_sup = base[:, 2] * (1 - p_res) / np.maximum(base[:, 0] + base[:, 2], 1e-9)
    p_sup = np.where(uasc & (age >= 16), 0.75 * (1 - p_res), p_sup)
    u = rng.random(n)
    preferred = np.where(u < p_res, "residential", np.where(u < p_res + p_sup, "supported", "foster"))
    spells["preferred"] = preferred

    # What was found.
    setting = np.full(n, "", dtype=object)
    to_res = _logistic(
        P.DISPLACEMENT["intercept"]
        + P.DISPLACEMENT["per_risk"] * risks
        + P.DISPLACEMENT["older"] * (age >= 12)
        + P.DISPLACEMENT["dol"] * dol
    )
    u = rng.random(n)
    pf = preferred == "foster"
    setting[pf & (u < to_res)] = "childrens_home"
    to_sup = pf & (setting == "") & (age >= 16) & (rng.random(n) < P.SUPPORTED_WHEN_NOT_PREFERRED_16PLUS)
    setting[to_sup] = "supported"
    setting[pf & (setting == "")] = "foster"
    pr = preferred == "residential"
    u = rng.random(n)
    setting[pr & (u < 0.85)] = "childrens_home"
    setting[pr & (u >= 0.85)] = np.where(age[pr & (u >= 0.85)] >= 16, "supported", "foster")
    ps = preferred == "supported"
    u = rng.random(n)
    setting[ps] = np.where(u[ps] < 0.86, "supported", np.where(u[ps] < 0.96, "foster", "childrens_home"))
    # Children's homes: a few in secure homes (deprivation of liberty) or unregistered settings.
    res = setting == "childrens_home"
    setting[res & dol & (rng.random(n) < 0.15)] = "secure"
    setting[res & (age >= 12) & (rng.random(n) < P.OTHER_SETTING_SHARE["unregulated"] / 0.12)] = "unregulated"

    # Foster: kinship, the LA's own carers, or an independent fostering agency.
    fo = setting == "foster"
    p_kin = np.clip(P.SETTING_WITHIN_FOSTER["kinship"] * np.where(age < 10, 1.25, 0.8), 0, 0.9)
    p_kin = np.where(uasc, 0.0, p_kin)
    ifa_share = np.array([la.ifa_share_of_foster for la in geo.las])[spells["la"].to_numpy()]
    q = ifa_share / (1 - P.SETTING_WITHIN_FOSTER["kinship"])
    logit_ifa = np.log(q / (1 - q)) + P.SETTING_WITHIN_FOSTER["ifa_per_risk_log_odds"] * (risks - 0.8)
    u = rng.random(n)
    kin = u < p_kin
    ifa = ~kin & (rng.random(n) < _logistic(logit_ifa))
    setting[fo] = np.where(kin[fo], "kinship", np.where(ifa[fo], "ifa", "inhouse_foster"))

    # Placements outside the standard: with parents, adoption, and other settings.
    u = rng.random(n)
    wp = P.OTHER_SETTING_SHARE["with_parents"] * np.where(route == "return", 1.6, 0.25) * ~uasc
    other = P.OTHER_SETTING_SHARE["other"]
    setting[u < wp] = "with_parents"
    setting[(u >= wp) & (u < wp + other)] = "other"
    setting[spells["adoptive"].to_numpy()] = "adoption"
    spells["setting"] = setting
    spells["placement_type"] = [STANDARD_TYPE.get(s, "") for s in setting]
    return spells


# ---------------------------------------------------------------------------------------------
# Siblings


def _siblings(spells: pd.DataFrame, children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Care-plan sibling counts, and sibling groups placed together (sharing one home) or split."""
    row = spells["row"].to_numpy()
    size = children["family_size"].to_numpy()
    fam = children["family"].to_numpy()
    n_fam = int(fam.max()) + 1 if len(fam) else 0
    planned = np.zeros(n_fam, dtype=bool)
    together = np.zeros(n_fam, dtype=bool)
    fam_size = np.zeros(n_fam, dtype=int)
    fam_size[fam] = size
    for k, p in P.SIBLING_PLAN_TOGETHER.items():
        m = fam_size == k
        planned[m] = rng.random(m.sum()) < p
        together[m] = planned[m] & (rng.random(m.sum()) < P.SIBLING_PLACED_TOGETHER[k])
    # Split groups: each child goes to one of two sub-groups (both non-empty).
    order = children["birth_order"].to_numpy()
    sub = (rng.random(len(children)) < 0.5).astype(int)
    sub[order == 0] = 0
    sub[order == 1] = np.where(together[fam[order == 1]], 0, 1)
    sub = np.where(together[fam], 0, sub)
    sub = np.where(size == 1, 0, sub)
    planned_c = planned[fam] & (size > 1)
    sub_size = pd.Series(1, index=np.arange(len(children))).groupby([fam, sub]).transform("sum").to_numpy()

    spells["has_siblings"] = size[row] > 1
    spells["sibling_count"] = np.where(planned_c[row], size[row] - 1, 0)
    # First placements: together means the same home (a group share the eldest's placement).
    first = spells["first"].to_numpy()
    placed_with = np.where(planned_c[row], sub_size[row] - 1, 0)
    # Later moves: siblings sometimes move together, sometimes apart.
    later = planned_c[row] & ~first
    placed_with[later] = np.where(rng.random(later.sum()) < 0.7, spells["sibling_count"].to_numpy()[later], 0)
    spells["siblings_together"] = placed_with
    spells["sibling_group"] = np.where(
        first & planned_c[row] & (sub_size[row] > 1), fam[row] * 2 + sub[row], -1
    )

    # Share the placement: copy the eldest member's first placement to the rest of the group.
    grp = spells.loc[spells["sibling_group"] >= 0, ["sibling_group", "age"]]
    if len(grp):
        lead = (
            grp.sort_values(["sibling_group", "age"], ascending=[True, False], kind="stable")
            .groupby("sibling_group")
            .head(1)
        )
        lead_idx = pd.Series(lead.index, index=lead["sibling_group"].to_numpy())
        members = grp.index.to_numpy()
        src = lead_idx.reindex(grp["sibling_group"].to_numpy()).to_numpy()
        cols = [
            "setting",
            "placement_type",
            "district",
            "provider",
            "outside_la",
            "distance_km",
            "urgency",
            "preferred_local",
        ]
        # A group placed together lives with foster carers (homes do not take groups).
        lead_setting = spells.loc[src, "setting"].to_numpy()
        bad = ~np.isin(lead_setting, FOSTER)
        if bad.any():
            fix = np.unique(src[bad])
            spells.loc[fix, "setting"] = "inhouse_foster"
            spells.loc[fix, "placement_type"] = "Foster"
            spells.loc[fix, "provider"] = -1
        for col in cols:
            spells.loc[members, col] = spells.loc[src, col].to_numpy()
        spells.loc[members, "preferred"] = "foster"
    return spells
