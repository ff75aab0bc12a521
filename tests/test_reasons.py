"""Reasons tabulated: out-of-LA reasons (v1) and non-preferred-location reasons (v2), recomputed with
plain pandas on the sample region (kit.analysis.reasons)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_availability import scoped, tables

from kit.publish import charts as ch
from kit.publish.suppression import small_counts_shown, suppress_tables

pytestmark = pytest.mark.slow


def _check(got: pd.DataFrame, e: pd.DataFrame, reason: pd.Series):
    e = e.assign(reason=reason.fillna("Not recorded"))
    sizes = e["reason"].value_counts()
    e["reason"] = e["reason"].where(~e["reason"].isin(sizes.index[sizes < 20]), "Other reasons")
    assert not ((got["breakdown"] == "Needs band") & (got["group"] == "Region")).any()
    for breakdown in ("Placement type",):  # the Region group is the first breakdown's total
        region = got[(got["breakdown"] == breakdown) & (got["group"] == "Region")].set_index("reason")
        assert region["placements"].sum() == len(e)
        for r, n in e["reason"].value_counts().items():
            assert region.loc[r, "placements"] == n, r
    by_type = e.groupby(["placementType", "reason"]).size()
    rows = got[got["breakdown"] == "Placement type"].set_index(["group", "reason"])["placements"]
    for key, n in by_type.items():
        assert rows[key] == n, key
    by_band = e.groupby([e["needs_band"].astype("string"), "reason"]).size()
    rows = got[got["breakdown"] == "Needs band"].set_index(["group", "reason"])["placements"]
    for key, n in by_band.items():
        assert rows[key] == n, key


def test_out_of_la_reasons_agree_with_a_plain_recount():
    p = scoped()
    v1 = p[p["version"] == "1"]
    outside = v1["isPreferredLocationLocal"].astype("string").str.lower().eq("false").fillna(False)
    e = v1[outside | v1["outOfLAReason"].notna()]
    _check(tables()["out_of_la_reasons"], e, e["outOfLAReason"])
    assert not (p[p["version"] != "1"]["outOfLAReason"].notna()).any(), "v2 files have no out-of-LA reason"


def test_non_preferred_location_reasons_agree_with_a_plain_recount():
    p = scoped()
    v2 = p[p["version"] == "2"]
    reason = v2["nonPreferredLocationReason"]
    not_preferred = v2["isLocationPreferred"].astype("string").str.lower().eq("false").fillna(False)
    real = reason.notna() & (reason != "Not applicable")
    e = v2[(not_preferred & (reason != "Not applicable").fillna(True)) | real]
    got = tables()["non_preferred_location_reasons"]
    _check(got, e, e["nonPreferredLocationReason"])
    signal = "Provision within distance exists but is not available"
    row = got[(got["group"] == "Region") & (got["reason"] == signal)].iloc[0]
    assert row["percent"] == pytest.approx(round(100 * (e["nonPreferredLocationReason"] == signal).mean(), 1))
    assert "Legal reasons" not in set(got["reason"]), "a reason given fewer than 20 times is pooled"


def test_reason_tables_are_suppressed_and_the_chart_names_the_top_reason():
    published = suppress_tables(tables(), 5)
    for name in ("out_of_la_reasons", "non_preferred_location_reasons"):
        assert not small_counts_shown(published[name], 5)
    fig = ch.build_charts(published, "Source: test", names=["location_reasons"])["location_reasons"]
    region = published["non_preferred_location_reasons"]
    region = region[(region["breakdown"] == "Placement type") & (region["group"] == "Region")].copy()
    region["p"] = region["percent"].astype(float)
    top = region.sort_values("p", ascending=False).iloc[0]
    assert fig.kit_title.startswith(f"'{top['reason']}' was the reason given for {top['p']:.0f}%")
    ch.close([fig])
