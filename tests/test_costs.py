"""Like-for-like cost: the regression recovers the cost effects the sample generator built in.

The generator (``kit/synth/parameters.py`` ``COST_LOG_EFFECTS``) multiplies each placement's weekly
cost by ``exp(effect)`` for every risk, a deprivation of liberty order, a solo placement and short
notice, on top of the setting's median, with a lognormal spread and an independent long tail. The
kit's regression of log weekly cost on the kind of home and the recorded needs must find those
effects again, within the tolerances below (about three robust standard errors on the sample).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_measures import sample_placements, sample_tables

from kit.analysis import costs
from kit.synth import parameters as P

pytestmark = pytest.mark.slow

TOLERANCE = {
    # absolute tolerance on the log scale (0.02 = about 2% of cost)
    "per_risk": 0.02,
    "dol": 0.12,  # ~100 placements with an order: the widest interval
    "solo": 0.10,
    "urgent_today": 0.04,
    "urgent_within_5_days": 0.04,
}


@pytest.fixture(scope="module")
def effects():
    return costs.cost_effects(sample_placements()).set_index("term")


def test_regression_recovers_the_generator_cost_effects(effects):
    print("\nCost effects on log weekly cost: recovered (95% interval) vs built into the generator")
    rows = []
    for term, true in P.COST_LOG_EFFECTS.items():
        row = effects.loc[term]
        rows.append((term, row["estimate"], row["lower"], row["upper"], true, row["placements"]))
        print(
            f"  {term:<22} {row['estimate']:+.3f} ({row['lower']:+.3f} to {row['upper']:+.3f})  "
            f"true {true:+.3f}  tolerance ±{TOLERANCE[term]:.2f}  placements {row['placements']:,}"
        )
    for term, est, _, _, true, _ in rows:
        assert abs(est - true) <= TOLERANCE[term], f"{term}: recovered {est:.3f}, generator {true:.3f}"
        # An estimate too imprecise to tell would pass the tolerance by luck: insist on precision too.
        assert effects.loc[term, "std_error"] < TOLERANCE[term] / 2, f"{term} is too imprecise to check"
    assert set(P.COST_LOG_EFFECTS) <= set(effects.index), "every generator effect has a term in the model"


def test_age_has_no_built_in_effect(effects):
    ages = effects[effects.index.str.startswith("age band")]
    assert len(ages) >= 3
    assert (ages["estimate"].abs() < 0.08).all(), "the generator prices by needs, not age"


def test_like_for_like_shows_both_methods_with_intervals_and_n():
    t = sample_tables()["like_for_like_costs"]
    assert set(t["comparison"]) == {"LA", "Provider sector", "Sourcing route"}
    for method in ("stratified", "adjusted"):
        est, lo, hi = (t[f"{method}_{x}"] for x in ("percent", "lower", "upper"))
        assert ((lo <= est) & (est <= hi)).all(), f"{method}: each estimate sits inside its interval"
    assert (t["placements"] >= t["stratified_placements"]).all()
    assert (t["placements"] > 0).all()


def test_no_la_pays_much_more_for_comparable_children():
    """The generator gives LAs no price effect of their own: adjusted differences stay small,
    although raw costs differ (LAs buy different mixes of homes)."""
    t = sample_tables()["like_for_like_costs"]
    las = t[t["comparison"] == "LA"]
    assert len(las) == 6
    print("\nLA differences from the rest of the region (%):")
    print(
        las[["group", "placements", "raw_percent", "stratified_percent", "adjusted_percent"]].to_string(
            index=False
        )
    )
    assert (las["adjusted_percent"].abs() < 5).all()
    assert (las["stratified_percent"].abs() < 5).all()


def test_external_placements_cost_more_than_in_house_for_comparable_children():
    """Built in: agency foster care (median £940) costs more than in-house (£690) for the same needs."""
    t = sample_tables()["like_for_like_costs"].set_index(["comparison", "group"])
    ext = t.loc[("Sourcing route", "Foster: External")]
    assert ext["adjusted_lower"] > 0 and ext["stratified_lower"] > 0
    ratio = P.COST_MEDIAN_WEEKLY["ifa"] / P.COST_MEDIAN_WEEKLY["inhouse_foster"]
    # Routes are compared within each type: the foster gap is the generator's agency/in-house gap.
    assert ext["adjusted_percent"] < 100 * (ratio - 1) + 10
    home = t.loc[("Sourcing route", "Residential: External")]
    assert home["adjusted_lower"] < 0 < home["adjusted_upper"], "children's homes: no built-in route gap"


def test_both_methods_find_a_planted_group_effect_on_toy_data():
    """A group that pays 20% more for the same needs, with needs confounded with the group."""
    rng = np.random.default_rng(7)
    n = 4000
    group = rng.choice(["A", "B", "C"], n)
    risks = rng.poisson(np.where(group == "A", 2.5, 1.0))  # A's children have more needs
    # ... and more of them are in residential care
    ptype = np.where(rng.random(n) < np.where(group == "A", 0.5, 0.2), "Residential", "Foster")
    log_cost = (
        np.where(ptype == "Foster", np.log(800), np.log(5000))
        + 0.08 * risks
        + np.where(group == "A", np.log(1.2), 0.0)
        + rng.normal(0, 0.2, n)
    )
    risk_cols = {
        f: np.where(risks > k, "Risk present", "No known risk")
        for k, f in enumerate(
            ["riskSelfHarm", "riskMissing", "riskDrugAlcohol", "riskToOthersPhysical", "riskToOthersFire"]
        )
    }
    p = pd.DataFrame(
        {
            "la": group,
            "placementType": ptype,
            "neededBy": "> 5 days",
            "age_band": "10-15",
            # five risk fields record at most five risks, so the cost follows the recorded count
            "totalWeeklyCost": np.exp(log_cost - 0.08 * risks + 0.08 * np.minimum(risks, 5)),
            **risk_cols,
        }
    )
    t = costs.like_for_like(p, "LA").set_index("group")
    print("\nToy data, group A planted at +20% (vs the rest):")
    print(t[["raw_percent", "stratified_percent", "adjusted_percent"]].to_string())
    assert t.loc["A", "raw_percent"] > 60, "raw costs mix the price with A's heavier needs and dearer homes"
    assert abs(t.loc["A", "adjusted_percent"] - 20) < 3
    assert abs(t.loc["A", "stratified_percent"] - 20) < 5, "needs bands are coarse, so a looser bound"
    # B is compared with the rest (A and C, about half each): it pays about 1/sqrt(1.2) of their price.
    expected_b = 100 * (np.exp(-0.5 * np.log(1.2)) - 1)
    assert abs(t.loc["B", "adjusted_percent"] - expected_b) < 3
