"""Sufficiency measures on the sample region, built by the real regional-dataset module.

``sample_dataset()`` is shared by the other sufficiency test modules (``test_costs``,
``test_demand_supply``, ``test_dashboard``, ``test_report``, ``test_browser``): building the region
takes several seconds, so it is built once per test run.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, sample_regional_dataset

from kit.analysis import REGISTRY, analysis_scope, sufficiency_tables
from kit.analysis.measures import MEASURES, RISKS, prepare
from kit.region.derive import WEEKS_PER_YEAR, cost_sense_range
from kit.synth import parameters as P

pytestmark = pytest.mark.slow

# The sample region's RegionalDataset, built once per test process as `python -m kit run` builds it.
sample_dataset = sample_regional_dataset


@functools.cache
def sample_placements() -> pd.DataFrame:
    """The pooled placements the published picture covers (typed, within the region's period)."""
    ds = sample_dataset()
    inside, _ = analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    return prepare(inside)


@functools.cache
def sample_tables():
    ds = sample_dataset()
    return sufficiency_tables(
        sample_placements(), ds.providers, ds.districts, episodes=ds.episodes, on=ds.config.capacity_on
    )


@pytest.fixture(scope="module")
def placements():
    return sample_placements()


@pytest.fixture(scope="module")
def tables():
    return sample_tables()


def _region_row(table):
    return table[table["breakdown"] == "Region"].iloc[0]


def test_every_table_is_documented_and_computed(tables):
    assert list(tables) == list(REGISTRY), "sufficiency_tables should return every registered table, in order"
    for name, m in REGISTRY.items():
        assert len(m.title) > 5, f"{name}: give it a title"
        for text in (m.definition, m.denominator, m.caveat):
            assert isinstance(text, str) and len(text) > 20, (
                f"{name}: write its definition, denominator and caveat"
            )
        table = tables[name]
        assert isinstance(table, pd.DataFrame) and len(table), f"{name} is empty on the sample region"
        for col in m.shape.count_columns():
            assert col in table.columns, f"{name}: suppression rule names missing column {col}"
            values = pd.to_numeric(table[col], errors="coerce")
            assert (values.dropna() >= 0).all() and (values.dropna() % 1 == 0).all(), (
                f"{name}.{col} is not a count"
            )


def test_placements_by_type_la_and_quarter_count_every_placement(tables, placements):
    n = len(placements)
    assert tables["placements_by_type"]["placements"].sum() == n
    assert tables["placements_by_la"]["placements"].sum() == n
    assert tables["placements_by_quarter"]["placements"].sum() == n
    by_type = tables["placements_by_type"].set_index("placement_type")["placements"]
    assert by_type["Foster"] == (placements["placementType"] == "Foster").sum()
    urg = tables["placements_by_urgency"]
    assert set(urg["needed_by"]) >= {"Today", "< 5 days", "> 5 days"}
    # Percent within each type adds up to 100.
    assert np.allclose(urg.groupby("placement_type")["percent"].sum(), 100, atol=0.3)


def test_needs_profile_follows_the_risk_fields(tables, placements):
    t = tables["needs_profile"]
    row = t[(t["need"] == "Risk: Going missing") & (t["placement_type"] == "All types")].iloc[0]
    assert row["numerator"] == (placements["riskMissing"] == "Risk present").sum()
    assert row["denominator"] == len(placements)
    assert len(t[t["placement_type"] == "All types"]) == len(RISKS) + 4 + 4
    res = t[(t["need"] == "Number of risks: 3+ risks")].set_index("placement_type")["percent"]
    # Children in residential care have more needs than children in foster care (built into the sample).
    assert res["Residential"] > 2 * res["Foster"]


def test_displacement_is_foster_preferred_and_placed_residential(tables, placements):
    t = tables["displacement"]
    region = _region_row(t)
    foster_pref = placements["preferred_type"] == "Foster"
    assert region["denominator"] == foster_pref.sum()
    assert region["numerator"] == (foster_pref & (placements["placementType"] == "Residential")).sum()
    bands = t[t["breakdown"] == "Needs band"].set_index("group")["percent"]
    # The generator makes displacement rise with risks (parameters.DISPLACEMENT["per_risk"] > 0).
    assert P.DISPLACEMENT["per_risk"] > 0
    assert bands["0 risks"] < bands["1-2 risks"] < bands["3+ risks"]
    print(f"\nDisplacement by needs band: {bands.to_dict()}")


def test_preferred_against_actual_is_a_full_matrix(tables, placements):
    t = tables["preferred_vs_actual"]
    assert t["placements"].sum() == len(placements)
    diag = t[t["preferred_type"] == t["placement_type"]]["placements"].sum()
    assert diag / len(placements) > 0.7, "most children get the type preferred for them"


def test_location_measures(tables, placements):
    out_la = tables["placed_outside_la"].set_index(["breakdown", "group"])
    known = placements["placed_outside_la"].notna()
    assert out_la.loc[("Region", "Region"), "denominator"] == known.sum()
    share = out_la.loc[("Region", "Region"), "percent"]
    # DfE 2025: 41% of new placements outside the LA (the sample is calibrated to it, within 5 points).
    assert abs(share - 100 * P.LOCATION_TARGET["outside_la"]) < 100 * P.LOCATION_TOLERANCE + 3
    bands = tables["distance_bands"]
    far = bands[bands["distance_band"] == "over 20"].set_index("placement_type")["percent"]
    assert far["Residential"] > far["Foster"], "children's homes are further from home than foster carers"
    assert tables["placed_outside_region"].set_index("breakdown").loc["Region", "numerator"] > 0
    pref = _region_row(tables["preferred_location"])
    assert 0 < pref["percent"] < 100


def test_outcomes_by_notice_show_urgent_placements_further_away(tables):
    t = tables["outcomes_by_notice"].set_index("needed_by")
    # Built in: placements needed today are more often out of the LA (OUTSIDE_LA_LOG_ODDS["urgent_today"]).
    assert t.loc["Today", "percent_outside_la"] > t.loc["> 5 days", "percent_outside_la"]
    assert t.loc["Today", "median_weekly_cost"] > 0


def test_siblings_and_education(tables, placements):
    sib = _region_row(tables["sibling_splits"])
    count = pd.to_numeric(placements["siblingCount"], errors="coerce")
    together = pd.to_numeric(placements["siblingsPlacedTogether"], errors="coerce")
    eligible = (count > 0) & together.notna()
    assert sib["denominator"] == eligible.sum()
    assert sib["numerator"] == (eligible & (together < count)).sum()
    edu = _region_row(tables["education_disrupted"])
    school_age = pd.to_numeric(placements["age_at_start"], errors="coerce") >= 5
    disrupted = (placements["isEducationContinuous"] == False).fillna(False)  # noqa: E712
    assert edu["numerator"] == (disrupted & school_age).sum()


def test_weekly_cost_by_setting_matches_the_sample_calibration(tables):
    t = tables["weekly_cost_distribution"]
    by_setting = t[t["breakdown"] == "Setting"].set_index("group")["median"]
    expected = {
        "Foster: kinship": P.COST_MEDIAN_WEEKLY["kinship"],
        "Foster: in-house": P.COST_MEDIAN_WEEKLY["inhouse_foster"],
        "Foster: agency": P.COST_MEDIAN_WEEKLY["ifa"],
        "Residential: children's home": P.COST_MEDIAN_WEEKLY["childrens_home"],
        "Supported Accommodation": P.COST_MEDIAN_WEEKLY["supported"],
    }
    print("\nMedian weekly cost by setting (recovered vs generator):")
    for setting, target in expected.items():
        got = by_setting[setting]
        print(f"  {setting:<30} £{got:>7,.0f}  vs £{target:>7,.0f}")
        assert abs(got / target - 1) < P.COST_MEDIAN_TOLERANCE, setting  # ±15%, the generator's own tolerance
    q = t[t["breakdown"] == "Placement type"].set_index("placement_type")
    assert (q["lower_quartile"] <= q["median"]).all() and (q["median"] <= q["upper_quartile"]).all()
    assert (q["upper_quartile"] <= q["percentile_90"]).all()
    assert q.loc["Residential", "over_10k_a_week"] > 0, (
        "the long tail: some residential placements exceed £10k"
    )


def test_annualised_spend_is_weekly_over_the_kit_year_and_adds_up(tables, placements):
    t = tables["annualised_spend"]
    region = t[(t["la"] == "Region") & (t["placement_type"] == "All types")].iloc[0]
    low, high = cost_sense_range()
    recorded = placements["cost_recorded"].dropna()
    cost = recorded[recorded.between(low, high)]
    assert region["placements"] == len(cost)
    assert t.attrs["left_out_of_sense_range"] == len(recorded) - len(cost)
    assert abs(region["annualised_spend"] - WEEKS_PER_YEAR * cost.sum()) < WEEKS_PER_YEAR
    las = t[(t["la"] != "Region") & (t["placement_type"] == "All types")]
    assert abs(las["annualised_spend"].sum() - region["annualised_spend"]) < WEEKS_PER_YEAR * len(las)


def test_market_concentration_shares(tables):
    t = tables["market_concentration"].set_index("placement_type")
    for _, row in t.iterrows():
        assert 0 < row["largest_1_percent"] <= row["largest_5_percent"] <= row["largest_10_percent"] <= 100
        assert 0 < row["hhi"] <= 10_000
    assert t.loc["Residential", "providers"] > 10


def test_prepare_derives_the_same_helpers_as_the_region_module(placements):
    raw = sample_dataset().placements
    stripped = raw.drop(columns=["risk_count", "needs_band", "preferred_type", "displaced"])
    ours = prepare(stripped)
    assert (ours["risk_count"].astype(int) == raw["risk_count"].astype(int)).all()
    assert (ours["needs_band"].astype(str) == raw["needs_band"].astype(str)).all()
    assert (
        ours["preferred_type"]
        .astype("string")
        .fillna("-")
        .eq(raw["preferred_type"].astype("string").fillna("-"))
        .all()
    )
    assert prepare(ours) is ours, "prepare is idempotent"


def test_analysis_scope_counts_what_it_leaves_out():
    ds = sample_dataset()
    inside, left_out = analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    assert len(inside) + sum(left_out.values()) == len(ds.placements), (
        "every placement is in scope or counted"
    )
    assert inside["placementType"].notna().all()
    start = pd.Timestamp(ds.config.period_start)
    end = pd.Timestamp(ds.config.period_end)
    assert inside["placement_start"].between(start, end).all()
    print(f"\nLeft out of the analysis: {left_out}")
    assert set(left_out) <= {"no type recorded", "no start date", "outside the period"}


def test_measures_work_on_any_frame_shaped_like_the_contract():
    """A tiny hand-made pooled table: the measures only need the contract's columns."""
    p = pd.DataFrame(
        {
            "la": ["A", "A", "B", "B"],
            "quarter": ["2026Q2"] * 4,
            "placementType": ["Foster", "Residential", "Foster", "Supported Accommodation"],
            "neededBy": ["Today", "Today", "> 5 days", "< 5 days"],
            "fosterCareSuitability": ["Preferred", "Preferred", "Preferred", "Unsuitable"],
            "residentialCareSuitability": ["Unsuitable"] * 4,
            "supportedAccommodationSuitability": ["Suitable but not preferred"] * 3 + ["Preferred"],
            "riskMissing": ["Risk present", "Risk present", "No known risk", "No known risk"],
            "totalWeeklyCost": [700.0, 6000.0, 650.0, 1500.0],
            "placed_outside_la": pd.array([False, True, False, True], dtype="boolean"),
        }
    )
    t = MEASURES["displacement"](p)
    region = t[t["breakdown"] == "Region"].iloc[0]
    assert (region["numerator"], region["denominator"]) == (1, 3)
    u = MEASURES["unsuitable_type"](p)
    assert (
        u[u["breakdown"] == "Region"].iloc[0]["numerator"] == 1
    )  # the residential placement rated unsuitable


def test_the_guide_defines_every_measure_in_the_registry_words():
    guide = (REPO / "guides" / "reading-the-dashboard.md").read_text(encoding="utf-8")
    for name, m in REGISTRY.items():
        assert f"`{name}`" in guide, f"guides/reading-the-dashboard.md does not mention {name}"
        for text in (m.title, m.definition, m.denominator, m.caveat):
            assert text in guide, f"the guide's words for {name} differ from the registry's: {text[:60]}..."
    for heading in (
        "How to read like-for-like cost",
        "How to read demand against supply",
        "Small numbers are hidden",
    ):
        assert f"## {heading}" in guide
