"""Honest denominators (issue 14, items 5-9), each figure recomputed by plain pandas on the sample region.

The independent code below reads the pooled columns directly (it does not call kit.analysis or
kit.region.derive helpers), so a slip in the kit's measure shows as a disagreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_measures import sample_placements, sample_tables

from kit.analysis import REGISTRY
from kit.publish import charts as ch
from kit.region.derive import cost_sense_range

pytestmark = pytest.mark.slow

SE = "riskSexualExploitation"
COST = "totalWeeklyCost"
TYPE = "placementType"


@pytest.fixture(scope="module")
def p():
    return sample_placements()


@pytest.fixture(scope="module")
def tables():
    return sample_tables()


def _plain_cost(p: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    cost = pd.to_numeric(p[COST], errors="coerce")
    low, high = cost_sense_range()
    return cost, cost.where((cost >= low) & (cost <= high))


def test_a_risk_missing_by_design_is_unknown_and_its_coverage_shown(p, tables):
    # Independent: a file records the field when any of its rows gives it.
    per_file = p.groupby(["la", "_source_file"])[SE].transform(lambda s: s.notna().any())
    recorded = p[per_file.astype(bool)]
    assert 0 < len(recorded) < len(p), "the sample mixes files that record the risk and files that cannot"
    expected = 100 * (recorded[SE] == "Risk present").mean()
    t = tables["needs_profile"].set_index(["need", "placement_type"])
    row = t.loc[("Risk: Sexual exploitation", "All types")]
    assert row["denominator"] == len(recorded)
    assert row["percent"] == pytest.approx(expected, abs=0.05)
    assert row["coverage_percent"] == pytest.approx(100 * len(recorded) / len(p), abs=0.05)
    naive = 100 * (p[SE] == "Risk present").mean()
    assert row["percent"] > 2 * naive, "counting unrecorded rows as 'no known risk' would understate it"
    res = recorded[recorded[TYPE] == "Residential"]
    assert t.loc[("Risk: Sexual exploitation", "Residential"), "percent"] == pytest.approx(
        100 * (res[SE] == "Risk present").mean(), abs=0.05
    )
    # A risk every file records keeps every placement in its denominator.
    assert t.loc[("Risk: Self-harm", "All types"), "coverage_percent"] == 100.0


def test_costs_outside_the_sense_range_are_out_of_every_cost_figure(p, tables):
    cost, plausible = _plain_cost(p)
    outside = cost.notna() & plausible.isna()
    assert outside.sum() > 0
    left = tables["costs_left_out"].set_index(["breakdown", "group"])
    assert left.loc[("Region", "Region"), "left_out"] == outside.sum()
    assert left.loc[("Region", "Region"), "annualised_left_out"] == pytest.approx(
        cost[outside].sum() * 365.25 / 7, abs=1
    )
    assert len(tables["costs_left_out"].attrs["rows"]) == outside.sum()
    w = tables["weekly_cost_distribution"]
    w = w[w["breakdown"] == "Placement type"].set_index("placement_type")
    for t in ("Foster", "Residential", "Supported Accommodation"):
        inside = plausible[p[TYPE] == t].dropna()
        assert w.loc[t, "placements"] == len(inside)
        assert w.loc[t, "mean"] == round(inside.mean(), 0)
        assert w.loc[t, "median"] == round(inside.median(), 0)
    assert w.loc["Foster", "mean"] < 900, "keying slips no longer inflate the foster mean (it was £1,482)"
    spend = tables["annualised_spend"]
    region = spend[(spend["la"] == "Region") & (spend["placement_type"] == "All types")].iloc[0]
    assert region["annualised_spend"] == pytest.approx(plausible.sum() * 365.25 / 7, abs=1)
    lfl = tables["like_for_like_costs"]
    la = lfl[lfl["comparison"] == "LA"]
    assert la["placements"].sum() == int((plausible > 0).sum())


def test_dashboard_spend_is_the_report_spend(p, tables):
    from kit.publish.dashboard import SufficiencyDashboard

    dash = SufficiencyDashboard(p, chart_names=())
    spend = tables["annualised_spend"]
    region = spend[(spend["la"] == "Region") & (spend["placement_type"] == "All types")].iloc[0]
    assert dash.numbers["annualised_spend"] == region["annualised_spend"]
    _, plausible = _plain_cost(p)
    assert dash.numbers["median_weekly_cost"] == plausible.median()
    assert dash.numbers["costs_left_out"] == tables["costs_left_out"]["left_out"].iloc[0]


def test_unmet_demand_is_outside_the_home_la_and_far(p, tables):
    outside = p["placed_outside_la"].astype("boolean")
    dist = pd.to_numeric(p["distance_miles"], errors="coerce")
    known = outside.notna() & dist.notna()
    unmet = outside.fillna(False) & (dist > 20)
    t = tables["unmet_demand_by_need"].set_index(["breakdown", "group"])
    assert t.loc[("Region", "Region"), "denominator"] == known.sum()
    assert t.loc[("Region", "Region"), "numerator"] == (unmet & known).sum()
    far = (dist > 20) & known
    assert (unmet & known).sum() < far.sum(), "far placements inside the home LA are not unmet demand"
    for band in ("0 risks", "1-2 risks", "3+ risks"):
        inside = known & (p["needs_band"].astype("string") == band).fillna(False)
        assert t.loc[("Needs band", band), "numerator"] == (unmet & inside).sum()
    assert "unmet_demand_by_need" in REGISTRY


def test_sourcing_route_is_compared_within_each_type(tables):
    lfl = tables["like_for_like_costs"]
    route = lfl[lfl["comparison"] == "Sourcing route"].set_index("group")
    assert "External" not in route.index, "no all-types in-house against external figure"
    foster = route.loc["Foster: External"]
    assert foster["adjusted_lower"] > 20, "agency fostering costs clearly more (the generator built that in)"
    home = route.loc["Residential: External"]
    assert home["adjusted_lower"] < 0 < home["adjusted_upper"], "children's homes: no clear gap"
    title = ch.route_title(lfl[lfl["comparison"] == "Sourcing route"])
    assert f"external foster care costs {foster['adjusted_percent']:.0f}% more" in title
    assert "external residential care costs about the same" in title
    caveat = REGISTRY["like_for_like_costs"].caveat
    for words in ("provider", "contract route", "price was agreed", "overheads of in-house care"):
        assert words in caveat


def test_education_counts_school_age_children_only(p, tables):
    age = pd.to_numeric(p["age_at_start"], errors="coerce")
    answered = p["isEducationContinuous"].notna()
    school = answered & (age >= 5)
    disrupted = school & p["isEducationContinuous"].astype("string").str.lower().eq("false").fillna(False)
    row = tables["education_disrupted"].set_index(["breakdown", "group"]).loc[("Region", "Region")]
    assert (answered & (age < 5)).sum() > 1000, "the sample has many under-5 placements"
    assert row["denominator"] == school.sum()
    assert row["numerator"] == disrupted.sum()


def test_quarters_are_financial_and_the_title_says_what_the_table_shows(p, tables):
    q = tables["placements_by_quarter"]
    start = pd.to_datetime(p["placement_start"])
    fy = np.where(start.dt.month >= 4, start.dt.year, start.dt.year - 1)
    fq = ((start.dt.month - 4) % 12) // 3 + 1
    labels = pd.Series([f"{y}-{(y + 1) % 100:02d} Q{k}" for y, k in zip(fy, fq, strict=True)], index=p.index)
    expected = labels.value_counts().sort_index()
    totals = q.groupby("quarter")["placements"].sum().sort_index()
    assert totals.to_dict() == expected.to_dict()
    by_type = q.pivot_table(index="quarter", columns="placement_type", values="placements", aggfunc="sum")
    title = ch.quarter_title(totals, by_type.sort_index())
    last, prev = expected.iloc[-1], expected.iloc[-2]
    change = 100 * (last / prev - 1)
    headline = title.split(":")[0]
    assert f"({prev:,} to {last:,})" in headline
    assert ("fell" in headline) == (change <= -1) and ("rose" in headline) == (change >= 1)
    assert ch.financial_quarter(expected.index[-1]) in headline
    # Every type that moved by 5% or more in the last quarter is named with its own two counts.
    start_type = p.assign(fq=labels).groupby(["fq", TYPE]).size().unstack().sort_index()
    a, b = start_type.iloc[-2], start_type.iloc[-1]
    for t, phrase in ch.TYPE_PHRASES.items():
        moved = abs(100 * (b[t] / a[t] - 1)) >= 5
        assert (f"{phrase} " in title and f"({a[t]:,} to {b[t]:,})" in title) == moved, t
    # A fall in the last quarter is stated even when the first and last quarters are close.
    toy = pd.Series(
        [660.0, 700.0, 665.0, 585.0], index=["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"]
    )
    assert ch.quarter_title(toy).startswith("Placements fell by 12% in Q4 2025-26 (665 to 585)")


def test_every_new_measure_is_defined_in_the_guide_and_registry():
    from conftest import REPO

    guide = (REPO / "guides" / "reading-the-dashboard.md").read_text(encoding="utf-8")
    for name in ("costs_left_out", "unmet_demand_by_need"):
        assert f"`{name}`" in guide
        assert REGISTRY[name].definition in " ".join(guide.split())


def test_chart_titles_are_computed_from_the_tables_they_caption(tables):
    from kit.publish.suppression import suppress_tables

    shown = suppress_tables(tables, 5)
    figures = ch.build_charts(shown, "Source: test", names=["cost_by_type", "far_from_home", "risks"])
    try:
        w = shown["weekly_cost_distribution"]
        med = w[w["breakdown"] == "Placement type"].set_index("placement_type")["median"].astype(float)
        assert figures["cost_by_type"].kit_title.startswith(
            f"Residential care costs {med['Residential'] / med['Foster']:.1f} times foster care"
        )
        d = shown["distance_bands"]
        far = d[d["distance_band"] == "over 20"].set_index("placement_type")["percent"].astype(float)
        k = far.idxmax()
        assert f"{far[k]:.0f}% of {ch.TYPE_PHRASES[k]} placements" in figures["far_from_home"].kit_title
        n = shown["needs_profile"]
        risks = n[(n["placement_type"] == "All types") & n["need"].str.startswith("Risk: ")]
        top = risks.loc[risks["percent"].astype(float).idxmax()]
        assert figures["risks"].kit_title.startswith(top["need"].removeprefix("Risk: "))
    finally:
        ch.close(figures)
