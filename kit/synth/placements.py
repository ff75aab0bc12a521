"""Placements-standard records: one per placement found, from the placement spells.

In: spells (with needs, setting, location, provider and cost), children (with identities), the
provider register and the quarters. Out: one clean record per found placement (a spell that starts a
new placement: 903 RNE S, P or B) of a type the standard covers (Foster, Residential, Supported
Accommodation) that started in one of the quarters. Values are canonical (the standard's codes,
Python booleans, numbers, day numbers); :mod:`kit.synth.layouts` turns them into each LA's cells.

The record matches the LA's 903 episode: same child ID, and the v1 "date of agreed placement start"
(``placementDate``) equals the episode's DECOM in most rows and is a few days off in some (so a
regional join needs a tolerance window); the v2 ``placementStartDate`` always equals DECOM.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.care import RISK_FIELDS
from kit.synth.children import YEAR, _logistic, _pick, day
from kit.synth.ssda903 import SAME_CARER_PLACES

OFFICER_LETTERS = "ABCDEFGHJKLMNPRSTVW"


def quarters(years: int, every_quarter: bool = False) -> list[tuple[str, int, int]]:
    """(label, first day, last day) of each quarter of placements returns, oldest first.

    Six quarters (2025-26 Q1 to 2026-27 Q2) for the sample region; for a national-size benchmark
    (``every_quarter``) every quarter of the SSDA903 history. Never a quarter before the history
    starts, so that every row can be joined to its 903 episode.
    """
    end = P.PERIOD_END
    count = 4 * years - 2 if every_quarter else P.PLACEMENT_QUARTERS
    fy = end.year if end.month >= 4 else end.year - 1  # financial year of the last quarter
    q = (end.month - 4) % 12 // 3 + 1
    out = []
    for _ in range(count):
        m0 = 4 + 3 * (q - 1)  # first month, counted from January of the financial year's start
        first = dt.date(fy + (m0 > 12), (m0 - 1) % 12 + 1, 1)
        m1 = m0 + 3
        last = dt.date(fy + (m1 > 12), (m1 - 1) % 12 + 1, 1) - dt.timedelta(days=1)
        out.append((f"{fy}-{(fy + 1) % 100:02d} Q{q}", day(first), day(last)))
        q -= 1
        if q == 0:
            q, fy = 4, fy - 1
    history_start = day(dt.date(P.LAST_COLLECTION_YEAR - years + 1, 4, 1))
    return [q for q in out[::-1] if q[1] >= history_start]


def _officers(la_index: int, rng: np.random.Generator, k: int = 5) -> list[str]:
    """Fictional officers' initials, as the template's example uses (ABCS, ABBC)."""
    letters = np.array(list(OFFICER_LETTERS))
    return ["".join(letters[rng.integers(0, len(letters), 4)]) for _ in range(k)]


def placement_records(
    spells: pd.DataFrame,
    children: pd.DataFrame,
    providers: pd.DataFrame,
    geo,
    qtrs: list[tuple[str, int, int]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Clean records for every found placement of a standard type in the quarters.

    ``children`` may be indexed by ``child`` already (the build passes it so, LA by LA, to keep
    memory down at national scale).
    """
    sp = spells.reset_index(drop=True)
    prev_same = np.r_[False, sp["child"].to_numpy()[1:] == sp["child"].to_numpy()[:-1]]
    new_placement = ~(np.isin(sp["place"].to_numpy(), SAME_CARER_PLACES) & prev_same)
    q_start = np.array([q[1] for q in qtrs])
    q_end = np.array([q[2] for q in qtrs])
    start = sp["start"].to_numpy()
    qi = np.searchsorted(q_start, start, side="right") - 1
    in_q = (qi >= 0) & (start <= q_end[np.clip(qi, 0, None)])
    keep = in_q & new_placement & (sp["placement_type"].to_numpy() != "")
    sp = sp[keep].reset_index(drop=True)
    qi = qi[keep]
    start = start[keep]
    n = len(sp)
    kids = (children if children.index.name == "child" else children.set_index("child")).loc[
        sp["child"].to_numpy()
    ]
    age = sp["age"].to_numpy()
    risks = sp["n_risks"].to_numpy()
    uasc = kids["uasc"].to_numpy()
    disabled = kids["disabled"].to_numpy()
    ptype = sp["placement_type"].to_numpy()
    setting = sp["setting"].to_numpy()

    r = pd.DataFrame(
        {
            "la": sp["la"].to_numpy(),
            "quarter": [qtrs[i][0] for i in qi],
            "child": sp["child"].to_numpy(),
            "setting": setting,
            "decom": start,
            "age": age,
            "childId": kids["child_id"].to_numpy(),
            "neededBy": sp["urgency"].to_numpy(),
        }
    )
    # Siblings: None when the child has no siblings in care (the template asks for NA), else the plan.
    has_sib = sp["has_siblings"].to_numpy()
    r["siblingCount"] = pd.array(np.where(has_sib, sp["sibling_count"].to_numpy(), -1), dtype="Int64")
    r.loc[~has_sib, "siblingCount"] = pd.NA
    r["siblingsPlacedTogether"] = sp["siblings_together"].to_numpy().astype(int)

    # Where the home should be, and why not in the LA.
    local = sp["preferred_local"].to_numpy()
    r["isPreferredLocationLocal"] = local
    reasons = _pick(rng, {"Safeguarding concerns": 0.72, "Court order": 0.18, "Bail conditions": 0.10}, n)
    r["outOfLAReason"] = np.where(local, "", reasons)

    # Needs.
    comm = _pick(rng, P.COMMUNICATION_NEEDS, n)
    comm = np.where(uasc & (rng.random(n) < 0.8), "Yes", comm)
    comm = np.where(disabled & (rng.random(n) < 0.7), "Yes", comm)
    r["communicationNeeds"] = comm
    specific = np.full(n, "None", dtype=object)
    specific[(comm == "Yes") & uasc] = "ESOL"
    dis_yes = (comm == "Yes") & disabled
    specific[dis_yes] = np.where(rng.random(int(dis_yes.sum())) < 0.6, "Makaton", "BSL")
    r["specificCommunicationRequirement"] = specific
    r["homeAdaptationRequired"] = rng.random(n) < np.where(disabled, 0.4, P.HOME_ADAPTATION)
    cultural = _pick(rng, P.CULTURAL_NEEDS, n)
    minority = ~np.isin(kids["ethnic"].to_numpy(), ["WBRI", "WIRI", "WOTH"])
    cultural = np.where((uasc | minority) & (rng.random(n) < 0.45), "Required", cultural)
    r["culturalNeeds"] = cultural
    r["livingCompanions"] = _companions(sp, rng)
    r["pets"] = _pick(rng, P.PETS, n)
    r["additionalSupport"], r["additionalSupportOther"] = _support(sp, rng)
    r["deprivationOfLiberty"] = sp["dol"].to_numpy()
    r["uascStatus"] = np.where(uasc, "Yes", "No")
    r["needsAssessmentMethod"] = _pick(
        rng,
        {"BERRI": 0.30, "CANS": 0.20, "Other formalised tool": 0.15, "Other social worker assessment": 0.35},
        n,
    )

    # The social worker's preferred type of home: exactly one Preferred.
    pref = sp["preferred"].to_numpy()
    for field, kind in (
        ("fosterCareSuitability", "foster"),
        ("residentialCareSuitability", "residential"),
        ("supportedAccommodationSuitability", "supported"),
    ):
        other = _pick(rng, {"Suitable but not preferred": 0.45, "Unsuitable": 0.35, "Not specified": 0.20}, n)
        if kind == "supported":
            other = np.where(age < 16, "Unsuitable", other)
        if kind == "residential":
            other = np.where(age < 8, "Unsuitable", other)
        r[field] = np.where(pref == kind, "Preferred", other)
    for name in RISK_FIELDS:
        r[name] = np.where(sp[name].to_numpy(), "Risk present", "No known risk")

    # What was found.
    r["placementType"] = ptype
    outward = geo.districts["outward"].to_numpy()
    r["placementLocation"] = outward[sp["district"].to_numpy()]
    r["providerURN"] = np.where(
        np.isin(setting, ["supported"]), sp["registered_urn"].to_numpy(), sp["urn_903"].to_numpy()
    )
    r["unregistered"] = setting == "unregulated"
    outside = sp["outside_la"].to_numpy()
    preferred_loc = np.where(
        local,
        np.where(outside, rng.random(n) < 0.25, rng.random(n) < 0.96),
        np.where(outside, rng.random(n) < 0.85, rng.random(n) < 0.5),
    )
    r["isLocationPreferred"] = preferred_loc
    reason = _pick(
        rng,
        {
            "Provision within distance exists but is not available": 0.40,
            "Provision within distance does not exist": 0.25,
            "Safeguarding requirement": 0.15,
            "CYP or parental preference": 0.10,
            "Legal reasons": 0.05,
            "Carer moving out of area": 0.05,
        },
        n,
    )
    r["nonPreferredLocationReason"] = np.where(preferred_loc, "Not applicable", reason)
    far = sp["distance_km"].to_numpy() > 32.19
    r["isEducationContinuous"] = rng.random(n) >= np.where(far, 0.45, np.where(outside, 0.25, 0.10))
    source = _pick(
        rng,
        {
            "Direct award off framework": 0.45,
            "Local contract or framework": 0.25,
            "Other regional contract": 0.20,
            "Block contract": 0.10,
        },
        n,
    )
    source = np.where(np.isin(setting, ["kinship", "inhouse_foster"]), "Local contract or framework", source)
    source = np.where(setting == "secure", "Secure Welfare Hub", source)
    r["placementSource"] = source

    # Cost.
    r["totalWeeklyCost"] = sp["cost"].to_numpy()
    r = _breakdown(r, sp, rng)

    # Recording: who entered what, when.
    lead = np.where(
        r["neededBy"] == "Today",
        rng.integers(0, 2, n),
        np.where(r["neededBy"] == "< 5 days", rng.integers(1, 5, n), rng.integers(6, 61, n)),
    )
    referral = start - lead
    off = rng.random(n) < P.QA_DATE_OFF_SHARE
    shift = rng.integers(1, 8, n) * np.where(rng.random(n) < 0.5, -1, 1)
    placement_date = np.where(off, start + shift, start)
    referral = np.minimum(referral, placement_date)
    q_last = q_end[qi]
    cost_date = np.minimum(start + rng.integers(0, 46, n), np.minimum(q_last + 20, day(P.PERIOD_END) + 20))
    cost_date = np.maximum(cost_date, placement_date)
    r["referralDate"] = referral
    r["placementDate"] = placement_date
    r["placementDateAdmin"] = placement_date
    r["placementStartDate"] = start
    r["costDate"] = cost_date
    present = set(np.unique(r["la"].to_numpy()).tolist())
    officers = {la.index: _officers(la.index, rng) for la in geo.region_las if la.index in present}
    la_arr = r["la"].to_numpy()
    for field in ("referralOfficerName", "placementOfficerName", "costOfficerName"):
        r[field] = [officers[int(x)][int(k)] for x, k in zip(la_arr, rng.integers(0, 5, n), strict=True)]
    # The April template's free-text "other risks to others" (removed from the standard in June 2026).
    others = np.array(
        ["Verbal aggression towards staff", "Damage to property when distressed", "Threats to peers online"]
    )
    free = sp["riskToOthersPhysical"].to_numpy() & (rng.random(n) < 0.15)
    r["riskToOthersOther"] = np.where(free, others[rng.integers(0, len(others), n)], "")
    r["_bespoke_asc"] = disabled | (rng.random(n) < 0.08)
    r["_bespoke_ld"] = disabled | (rng.random(n) < 0.05)
    r["_bespoke_s117"] = rng.random(n) < 0.02 * (1 + risks)
    r["_bespoke_therapeutic"] = (setting == "childrens_home") & (rng.random(n) < 0.3)
    # Same child twice on one day would be a planted defect, never a clean row.
    r = r.sort_values(["la", "quarter", "decom", "childId"], kind="stable").reset_index(drop=True)
    dup = r.duplicated(["la", "childId", "placementDate"], keep=False)
    r.loc[dup, "placementDate"] = r.loc[dup, "decom"]
    r.loc[dup, "placementDateAdmin"] = r.loc[dup, "decom"]
    r["referralDate"] = np.minimum(r["referralDate"].to_numpy(), r["placementDate"].to_numpy())
    return r


def _companions(sp: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    n = len(sp)
    age = sp["age"].to_numpy()
    young = _pick(
        rng,
        {
            "With other children recommended": 0.35,
            "No preference": 0.45,
            "Only with other older children": 0.20,
        },
        n,
    )
    older = _pick(
        rng,
        {
            "With other children recommended": 0.25,
            "No preference": 0.45,
            "Only with other younger children": 0.30,
        },
        n,
    )
    out = np.where(age < 11, young, older)
    return np.where(sp["solo"].to_numpy(), "Solo placement recommended", out)


def _support(sp: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Additional support the home must provide (NA when none), and the 'other' free text."""
    n = len(sp)
    any_support = rng.random(n) < _logistic(
        -2.4
        + P.ADDITIONAL_SUPPORT_PER_RISK * sp["n_risks"].to_numpy()
        + 0.8 * (sp["setting"].to_numpy() == "childrens_home")
    )
    options = np.array(
        ["Additional supervision", "Therapeutic support", "A worker for respite", "Taxis to school", "Other"]
    )
    first = options[rng.choice(5, size=n, p=[0.35, 0.30, 0.10, 0.17, 0.08])]
    second = options[rng.choice(4, size=n, p=[0.4, 0.4, 0.1, 0.1])]
    two = rng.random(n) < 0.25
    both = np.where(two & (first != second), np.char.add(np.char.add(first, ";"), second), first)
    support = np.where(any_support, both, "NA")
    texts = np.array(
        [
            "Mentor for weekend activities",
            "Support to attend family time",
            "Life-story work",
            "Sleep-in staff for first month",
        ]
    )
    other_text = np.where(
        np.char.find(support.astype(str), "Other") >= 0, texts[rng.integers(0, len(texts), n)], ""
    )
    return support.astype(object), other_text.astype(object)


def _breakdown(r: pd.DataFrame, sp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Core, additional support, education and other weekly costs that add up to the total."""
    n = len(r)
    total = r["totalWeeklyCost"].to_numpy()
    b = P.COST_BREAKDOWN
    has_support = r["additionalSupport"].to_numpy() != "NA"
    additional = np.where(has_support, total * rng.uniform(*b["additional_share"], n), 0.0)
    education = np.where(
        (r["setting"].to_numpy() == "childrens_home") & (rng.random(n) < b["education_chance"]),
        total * rng.uniform(*b["education_share"], n),
        0.0,
    )
    other = np.where(rng.random(n) < b["other_chance"], total * rng.uniform(*b["other_share"], n), 0.0)
    additional, education, other = (np.round(x, 2) for x in (additional, education, other))
    core = np.round(total - additional - education - other, 2)
    r["coreWeeklyCost"] = core
    r["additionalSupportWeeklyCost"] = additional
    r["educationWeeklyCost"] = education
    r["otherWeeklyCost"] = other
    return r


__all__ = ["placement_records", "quarters", "YEAR"]
