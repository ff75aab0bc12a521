"""At what notice: days from referral to start and the share placed in time, recomputed with plain
pandas on the sample region (kit.analysis.notice)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_availability import scoped, tables

from kit.publish import charts as ch
from kit.publish.suppression import suppress_tables

pytestmark = pytest.mark.slow

DEADLINE = {"Today": 0, "< 5 days": 5}
LABEL = {"Today": "Needed today", "< 5 days": "Within 5 days", "> 5 days": "More than 5 days"}


def _days(p: pd.DataFrame) -> pd.Series:
    return (pd.to_datetime(p["placement_start"]) - pd.to_datetime(p["referralDate"])).dt.days


def test_days_to_placement_agree_with_a_plain_recount():
    p = scoped()
    days = _days(p)
    got = tables()["days_to_placement"].set_index("needed_by")
    for code, label in LABEL.items():
        d = days[p["neededBy"] == code]
        ok = d[d >= 0]
        row = got.loc[label]
        assert row["with_both_dates"] == len(ok)
        assert row["started_same_day"] == int((ok == 0).sum())
        assert row["started_in_1_to_5_days"] == int(ok.between(1, 5).sum())
        assert row["started_after_5_days"] == int((ok > 5).sum())
        assert row["median_days"] == pytest.approx(ok.median())


def test_placed_in_time_agrees_with_a_plain_recount_by_every_breakdown():
    p = scoped().copy()
    p["days"] = _days(p)
    p["deadline"] = p["neededBy"].map(DEADLINE)
    e = p[p["deadline"].notna() & p["days"].notna() & (p["days"] >= 0)].copy()
    e["hit"] = e["days"] <= e["deadline"]
    e["notice"] = e["neededBy"].map(LABEL)
    got = tables()["placed_in_time"]
    region = got[got["breakdown"] == "Region"].iloc[0]
    assert (region["numerator"], region["denominator"]) == (int(e["hit"].sum()), len(e))
    for breakdown, column in {"Notice": "notice", "Placement type": "placementType", "LA": "la"}.items():
        plain = e.groupby(column)["hit"].agg(["sum", "size"])
        rows = got[got["breakdown"] == breakdown].set_index("group")
        for group, (hit, size) in plain.iterrows():
            assert (rows.loc[group, "numerator"], rows.loc[group, "denominator"]) == (hit, size), group
    bands = e.groupby(e["needs_band"].astype("string"))["hit"].sum()
    rows = got[got["breakdown"] == "Needs band"].set_index("group")
    for band, hit in bands.items():
        assert rows.loc[band, "numerator"] == hit
    assert "More than 5 days" not in set(got["group"]), "a notice with no deadline has no in-time share"


def test_emergency_destinations_agree_with_a_plain_recount():
    p = scoped()
    today = p[p["neededBy"] == "Today"]
    got = tables()["emergency_destinations"]
    assert got["placements"].sum() == len(today)
    outside_region = today["placed_outside_region"].astype("boolean").fillna(False)
    outside_la = today["placed_outside_la"].astype("boolean").fillna(False)
    plain = {
        "Outside the region": int(outside_region.sum()),
        "Elsewhere in the region": int((outside_la & ~outside_region).sum()),
    }
    by_location = got.groupby("location")["placements"].sum()
    for where, n in plain.items():
        assert by_location[where] == n, where
    sizes = today["setting"].value_counts()
    for kind, n in sizes[sizes >= 30].items():
        assert got[got["kind_of_home"] == kind]["placements"].sum() == n, kind
    other = got[got["kind_of_home"] == "Other kinds of home"]["placements"].sum()
    assert other == int(sizes[sizes < 30].sum())


def test_the_chart_title_states_the_lowest_in_time_share_from_its_table():
    published = suppress_tables(tables(), 5)
    fig = ch.build_charts(published, "Source: test", names=["placed_in_time"])["placed_in_time"]
    rows = published["placed_in_time"]
    notice = rows[rows["breakdown"] == "Notice"].set_index("group")["percent"].astype(float)
    low = notice.idxmin()
    assert fig.kit_title.startswith(f"{notice[low]:.0f}% of placements {low.lower()}")
    ch.close([fig])
