"""The dashboard's filters, driven through the widgets as a user would (set ``.value``, click)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_measures import sample_placements

from kit.publish.dashboard import NOT_KNOWN, SufficiencyDashboard, filter_placements

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def placements():
    return sample_placements()


@pytest.fixture()
def dash(placements):
    return SufficiencyDashboard(placements, suppress_below=5, synthetic=True)


def test_filter_placements_is_a_pure_function(placements):
    assert len(filter_placements(placements)) == len(placements)
    z01 = filter_placements(placements, la="Z01")
    assert len(z01) == (placements["la"] == "Z01").sum() and set(z01["la"]) == {"Z01"}
    both = filter_placements(placements, la=["Z01", "Z02"], placement_type="Residential")
    assert (
        len(both)
        == (placements["la"].isin(["Z01", "Z02"]) & (placements["placementType"] == "Residential")).sum()
    )
    q = sorted(placements["quarter"].dropna().unique())[-1]
    assert len(filter_placements(placements, period=[q])) == (placements["quarter"] == q).sum()
    uasc = placements["uasc"].astype("boolean")
    assert len(filter_placements(placements, uasc=True)) == uasc.fillna(False).sum()
    assert len(filter_placements(placements, uasc="not_uasc")) == uasc.eq(False).fillna(False).sum()
    unknown_age = filter_placements(placements, age_band=[NOT_KNOWN])
    assert len(unknown_age) == placements["age_band"].isna().sum()
    assert len(filter_placements(placements, la=[])) == 0
    with pytest.raises(ValueError):
        filter_placements(placements, uasc="maybe")


def test_dashboard_starts_with_everything(dash, placements):
    assert dash.numbers["placements"] == len(placements)
    assert "Showing 6 of 6 LAs" in dash.summary.value
    assert f"{len(placements):,}" in dash.summary.value
    for name, image in dash.charts.items():
        assert bytes(image.value).startswith(PNG), f"{name} chart is drawn"
        assert dash.captions[name].value.startswith("<h4>")
    assert "Residential care costs" in dash.captions["cost_by_type"].value


def test_choosing_an_la_filters_every_number(dash, placements):
    before = bytes(dash.charts["placements_by_quarter"].value)
    dash.la.value = ("Z03",)
    n = (placements["la"] == "Z03").sum()
    assert dash.numbers["placements"] == n == len(dash.filtered)
    assert set(dash.filtered["la"]) == {"Z03"}
    assert "Showing 1 of 6 LAs (Quillby (Z03))" in dash.summary.value
    assert f"{n:,}" in dash.summary.value
    assert bytes(dash.charts["placements_by_quarter"].value) != before, "the chart re-rendered"
    assert "1 LA," in dash.source()


def test_type_age_period_and_uasc_filters_combine(dash, placements):
    dash.placement_type.value = ("Residential",)
    res = placements["placementType"] == "Residential"
    assert dash.numbers["placements"] == res.sum()
    assert "Residential care cost a median of" in dash.captions["cost_by_type"].value
    dash.age_band.value = ("16+",)
    assert dash.numbers["placements"] == (res & (placements["age_band"] == "16+")).sum()
    last = sorted(placements["quarter"].dropna().unique())[-1]
    dash.period.value = (last,)
    expected = res & (placements["age_band"] == "16+") & (placements["quarter"] == last)
    assert dash.numbers["placements"] == expected.sum()
    assert dash.filters()["period"] == [last]
    dash.uasc.value = "not_uasc"
    expected &= placements["uasc"].astype("boolean").eq(False).fillna(False)
    assert dash.numbers["placements"] == expected.sum()
    assert "Not UASC" in dash.summary.value


def test_too_few_placements_hides_everything(dash, placements):
    dash.placement_type.value = ()
    assert dash.numbers["placements"] == 0
    assert "too few to show" in dash.summary.value
    assert all(bytes(image.value) == b"" for image in dash.charts.values())
    # A filter matching 1 to 4 placements never shows the exact number.
    small = placements[(placements["placementType"] == "Residential") & (placements["age_band"] == "5-9")]
    if 0 < len(small) < 5:
        dash.placement_type.value = ("Residential",)
        dash.age_band.value = ("5-9",)
        assert "fewer than 5 placements" in dash.summary.value


def test_show_everything_button_resets_the_filters(dash, placements):
    dash.la.value = ("Z01",)
    dash.uasc.value = "uasc"
    assert dash.numbers["placements"] < len(placements)
    dash.reset.click()
    assert dash.numbers["placements"] == len(placements)
    assert dash.uasc.value == "all" and len(dash.la.value) == 6


def test_dashboard_shares_are_suppressed_like_the_report(dash):
    dash.la.value = ("Z06",)
    dash.period.value = (sorted(dash.placements["quarter"].dropna().unique())[0],)
    t = dash.tables["displacement"]
    # Suppressed tables: counts are nullable integers, with 1-4 never visible.
    shown = pd.to_numeric(t["numerator"], errors="coerce").dropna()
    assert not ((shown >= 1) & (shown < 5)).any()
