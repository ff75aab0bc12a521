"""Stages that answer the same question give the same answer (issue 13): the report and the
forecast, the sufficiency tables and the forecast's categories, the measures and the costing.

On the sample region (built once per session by conftest), and on small hand-made frames for the
cases the sample region happens not to hold (other public provision, PR3, on a foster placement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit import standards
from kit.analysis import analysis_scope, sufficiency_tables
from kit.analysis import measures as M
from kit.forecast import categories as C
from kit.forecast import costing
from kit.forecast.stock_flow import Projection
from kit.region import dataset_schema
from kit.region import derive as D
from kit.region import join as J

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scoped(regional_dataset):
    ds = regional_dataset
    inside, _ = analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    return M.prepare(inside)


@pytest.fixture(scope="module")
def tables(regional_dataset, scoped):
    return sufficiency_tables(scoped, regional_dataset.providers, regional_dataset.districts)


# --- a year of spend ---------------------------------------------------------------------------


def test_report_and_forecast_use_one_year_length(tables):
    a = tables["annualised_spend"]
    region = a[(a["la"] == "Region") & (a["placement_type"] == "All types")].iloc[0]
    weeks = region["annualised_spend"] / region["weekly_cost_total"]
    assert weeks == pytest.approx(costing.WEEKS_PER_YEAR, abs=1e-6)
    assert weeks == pytest.approx(365.25 / 7, abs=1e-6)


def test_forecast_year_one_costs_a_steady_stock_as_the_report_annualises_it():
    """Ten children at £1,000 a week for a whole year: the forecast's year-1 spend and the report's
    annualised spend of the same ten placements agree to within a day's difference of calendar."""
    dates = pd.date_range("2025-03-31", periods=13, freq="ME")
    counts = np.zeros((1, len(dates), len(C.TYPES), len(D.AGE_BANDS)))
    counts[0, :, C.TYPES.index(C.IFA), 3] = 10
    projection = Projection(
        dates=dates, counts=counts, entrants=np.zeros((1, len(dates), len(D.AGE_BANDS))), seed=1
    )
    mix = pd.DataFrame(
        {"type": C.IFA, "needs_band": D.NEEDS_BANDS, "placements": [10, 0, 0], "share": [1.0, 0, 0]}
    )
    costs = pd.DataFrame(
        {"type": [C.IFA], "needs_band": ["all"], "mean_weekly": [1000.0], "sd_weekly": [0.0]}
    )
    spend, _, _ = costing.simulate_spend(projection, mix, costs, inflation=0.0, seed=1)
    forecast_year_1 = float(spend[0, 0].sum())
    ten = pd.DataFrame({M.PLACEMENT_TYPE: [D.FOSTER] * 10, D.TOTAL_COST: [1000.0] * 10, "la": "Z01"})
    a = M.annualised_spend(ten)
    report = float(
        a[(a["la"] == "Region") & (a["placement_type"] == "All types")]["annualised_spend"].iloc[0]
    )
    assert abs(forecast_year_1 - report) / report < 1 / 365.25 + 1e-9


def test_report_and_forecast_leave_out_the_same_costs(scoped, tables):
    """One sense range, read from the standard's rule: the costs the report's annualised spend
    leaves out are the ones the forecast's cost table leaves out."""
    low, high = D.cost_sense_range()
    assert (low, high) == costing.SENSE_RANGE
    a = tables["annualised_spend"]
    assert a.attrs["left_out_of_sense_range"] == costing.costs_out_of_range(scoped)
    # A £20 and a £200,000 week are outside the range: neither stage counts them.
    odd = pd.DataFrame(
        {M.PLACEMENT_TYPE: [D.FOSTER] * 3, D.TOTAL_COST: [20.0, 900.0, 200_000.0], "la": "Z01"}
    )
    report = M.annualised_spend(odd)
    assert report.loc[report["la"] == "Region", "placements"].iloc[0] == 1
    assert costing.costs_out_of_range(odd) == 2


# --- in-house or external ----------------------------------------------------------------------


def _in_house_shares(p: pd.DataFrame) -> tuple[float, float]:
    types = pd.Series(C.type_from_placements(p), index=p.index)
    split = types.isin(C.IN_HOUSE_TYPES + C.EXTERNAL_TYPES) & p["sourcing_route"].notna()
    sufficiency = float(p.loc[split, "sourcing_route"].eq(D.IN_HOUSE_ROUTE).mean())
    forecast = float(types[split].isin(C.IN_HOUSE_TYPES).mean())
    return sufficiency, forecast


def test_in_house_share_agrees_between_sufficiency_and_forecast(scoped):
    for quarter, p in scoped.groupby("financial_quarter"):
        sufficiency, forecast = _in_house_shares(p)
        assert sufficiency == pytest.approx(forecast), quarter


def test_other_public_provision_is_in_house_in_every_stage():
    """PR3 (e.g. an NHS trust) on a foster placement and a children's home: the join, the
    sufficiency tables and the forecast's categories all call it in-house (it used to be external
    in the join and in-house in the forecast)."""
    t = pd.Timestamp
    episodes = pd.DataFrame(
        {
            "child": ["a", "b", "c"],
            D.EPISODE.start: [t("2026-04-01"), t("2026-05-01"), t("2026-06-01")],
            D.EPISODE.reason_new_episode: ["P", "P", "P"],
            D.EPISODE.place: ["U4", "K2", "U6"],
            D.EPISODE.provider: ["PR3", "PR3", "PR4"],
        }
    )
    placements = pd.DataFrame(
        {
            "child": ["a", "b", "c"],
            "placement_start": episodes[D.EPISODE.start],
            M.PLACEMENT_TYPE: [D.FOSTER, D.RESIDENTIAL, D.FOSTER],
        }
    )
    joined = pd.concat([placements, J.join_episodes(placements, episodes, 7)], axis=1)
    assert joined["in_house"].tolist() == [True, True, False]
    p = M.prepare(joined)
    assert p["sourcing_route"].tolist() == ["In-house", "In-house", "External"]
    assert C.type_from_placements(p).tolist() == [C.INHOUSE_FOSTER, C.LA_HOME, C.IFA]
    assert _in_house_shares(p) == (pytest.approx(2 / 3), pytest.approx(2 / 3))


# --- needs band --------------------------------------------------------------------------------


def test_measures_and_costing_use_the_needs_band_from_derive(regional_dataset, scoped):
    pooled = regional_dataset.placements
    assert pooled["needs_band"].astype("string").equals(D.needs_band(D.risk_count(pooled)).astype("string"))
    stripped = scoped.drop(columns=list(D.DERIVED)).copy()
    stripped.attrs.clear()
    again = M.prepare(stripped)
    assert (
        again["needs_band"]
        .astype("string")
        .fillna("-")
        .equals(scoped["needs_band"].astype("string").fillna("-"))
    )
    mix = costing.needs_mix(stripped, mix_quarters=40)
    typed = pd.DataFrame(
        {"type": C.type_from_placements(scoped), "band": scoped["needs_band"].astype("string")}
    )
    for (t, band), n in mix.set_index(["type", "needs_band"])["placements"].items():
        if mix.loc[(mix["type"] == t), "source"].iloc[0] == "recent":
            assert n == int(((typed["type"] == t) & (typed["band"] == band)).sum()), (t, band)


def test_a_referral_with_no_risk_answered_has_no_band_anywhere():
    s = D.SUITABILITY
    rows = pd.DataFrame(
        {
            M.PLACEMENT_TYPE: [D.FOSTER] * 12,
            **{r: [None] + [D.ROLES.risks.code("absent")] * 11 for r in D.RISKS},
            s[D.FOSTER]: [D.PREFERRED] * 12,
            D.TOTAL_COST: [900.0] * 12,
            "in_house": pd.array([True] * 12, dtype="boolean"),
            "placement_start": pd.Timestamp("2026-05-01"),
            "la": "Z01",
        }
    )
    p = M.prepare(rows)
    assert pd.isna(p["needs_band"].iloc[0]) and (p["needs_band"].iloc[1:] == "0 risks").all()
    profile = M.needs_profile(p)
    row = profile[
        (profile["need"] == "Number of risks: not recorded") & (profile["placement_type"] == "All types")
    ]
    assert int(row["numerator"].iloc[0]) == 1, "the measures show the coverage"
    mix = costing.needs_mix(rows)
    assert mix.loc[mix["type"] == C.INHOUSE_FOSTER, "placements"].sum() == 11, (
        "the forecast never counts it as 0 risks"
    )


# --- the declared schema of the pooled dataset -------------------------------------------------


def test_the_pooled_dataset_has_exactly_the_declared_columns(regional_dataset):
    pooled = regional_dataset.placements
    fields = {
        f.name for r in regional_dataset.check_results.values() for f in r.standard.fields if not f.internal
    }
    extra, missing = dataset_schema.undeclared(pooled.columns, fields)
    assert not extra, (
        f"columns the build returns but kit/region/dataset_schema.yaml does not declare: {extra}"
    )
    assert not missing, f"columns the schema declares but the build does not return: {missing}"
    declared = [c for c in pooled.columns if c not in fields]
    assert declared == [c for c in dataset_schema.columns() if c in declared], (
        "the schema lists them in order"
    )
    for name in standards.load("placements", "1").field_names:
        assert name not in dataset_schema.columns(), "standard fields are declared as a group, once"
