"""Need against availability now, and where: recomputed with plain pandas on the sample region.

The kit's tables (kit.analysis.availability) are checked against independent code that reads the
pooled dataset's columns by name, so a slip in the kit's joins or rules shows up as a difference.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from conftest import sample_regional_dataset

from kit.analysis import REGISTRY, analysis_scope, sufficiency_tables
from kit.analysis import availability as A
from kit.publish import charts as ch
from kit.publish import publish_region
from kit.publish.report import check_published
from kit.publish.suppression import small_counts_shown, suppress_tables

pytestmark = pytest.mark.slow

TYPES = {"Children's home": "Residential", "Secure children's home": "Residential",
         "Supported accommodation": "Supported Accommodation", "Independent fostering agency": "Foster",
         "Local authority fostering agency": "Foster"}  # fmt: skip


@functools.cache
def scoped():
    ds = sample_regional_dataset()
    inside, _ = analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    return inside


@functools.cache
def tables():
    ds = sample_regional_dataset()
    return sufficiency_tables(
        scoped(), ds.providers, ds.districts, episodes=ds.episodes, on=ds.config.capacity_on
    )


def _plain_register(ds) -> pd.DataFrame:
    reg = ds.providers.copy()
    reg = reg[reg["provider_status"].str.lower().isin(["active", "registered"])]
    reg["ptype"] = reg["provider_type"].map(TYPES)
    reg = reg[reg["ptype"].notna()]
    reg["places"] = pd.to_numeric(reg["provider_places"], errors="coerce").fillna(0)
    d = ds.districts.set_index(ds.districts["outward"].str.upper())
    reg["area"] = reg["provider_district"].str.upper().map(d["la_code"])
    reg["region"] = reg["provider_district"].str.upper().map(d["region_code"])
    return reg[reg["region"] == ds.config.code]


def test_the_default_date_is_the_period_end(sample_region):
    assert sample_region.capacity_on == sample_region.period_end
    assert set(tables()["availability_now"]["on"]) == {sample_region.period_end.isoformat()}


def test_places_held_on_the_date_agree_with_a_plain_recount():
    ds = sample_regional_dataset()
    on = pd.Timestamp(ds.config.capacity_on)
    e = ds.episodes
    open_ = e[(e["DECOM"] <= on) & (e["DEC"].isna() | (e["DEC"] > on))]
    urn = open_["URN"].astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    held = pd.DataFrame({"urn": urn, "child": open_["child"]}).dropna().drop_duplicates()
    children = held.groupby("urn").size()
    reg = _plain_register(ds)
    reg["children"] = reg["urn"].map(children).fillna(0)
    reg["held"] = np.minimum(reg["children"], reg["places"])
    got = tables()["availability_now"]
    for (ptype, area), g in [((t, "Region"), reg[reg["ptype"] == t]) for t in sorted(set(reg["ptype"]))] + [
        ((t, a), g) for (t, a), g in reg.groupby(["ptype", "area"])
    ]:
        row = got[(got["placement_type"] == ptype) & (got["area"] == area)].iloc[0]
        assert row["registered_places"] == g["places"].sum(), (ptype, area)
        assert row["providers"] == len(g), (ptype, area)
        assert row["places_held_by_region_children"] == g["held"].sum(), (ptype, area)
        assert row["not_known_to_be_available"] == g["places"].sum() - g["held"].sum(), (ptype, area)
        assert row["providers_over_registered_places"] == int((g["children"] > g["places"]).sum())


def test_the_issue_example_children_against_places_on_30_september_2026():
    """The issue counted children (239 of 683 residential, 327 of 353 supported); the kit publishes
    places held, which a provider over its registered places caps: check both from the same join."""
    ds = sample_regional_dataset()
    t = A.availability_now(scoped(), ds.providers, ds.districts, ds.episodes, "2026-09-30")
    region = t[t["area"] == "Region"].set_index("placement_type")
    assert region.loc["Residential", "registered_places"] == 683
    assert region.loc["Supported Accommodation", "registered_places"] == 353
    held = A.occupied_on(ds.episodes, ds.providers, "2026-09-30")
    reg = _plain_register(ds)
    kids = reg.merge(held, on="urn").groupby("ptype")["children"].sum()
    assert kids["Residential"] == 239 and kids["Supported Accommodation"] == 327
    assert region.loc["Residential", "places_held_by_region_children"] <= 239
    assert region.loc["Supported Accommodation", "places_held_by_region_children"] <= 327


def test_a_later_or_earlier_date_counts_the_episodes_open_then():
    ds = sample_regional_dataset()
    early = A.availability_now(scoped(), ds.providers, ds.districts, ds.episodes, "2025-06-30")
    late = tables()["availability_now"]
    key = ["placement_type", "area", "registered_places"]
    assert early[key].equals(late[key]), "the register is the same whatever the date"
    assert not early["places_held_by_region_children"].equals(late["places_held_by_region_children"])


def test_capacity_files_not_given_are_named_as_not_supplied():
    t = tables()["capacity_supplied"]
    assert list(t["source"]) == [spec["title"] for spec in A.CAPACITY_FILES.values()]
    assert t["status"].str.startswith("not supplied").all()


def test_district_demand_and_supply_agree_with_a_plain_recount():
    ds = sample_regional_dataset()
    p = scoped()
    got = tables()["district_demand_supply"].set_index("district")
    inside = set(ds.districts.loc[ds.districts["region_code"] == ds.config.code, "outward"].str.upper())
    home = p["home_district"].str.upper()
    assert got["home_placements"].sum() == len(p)
    for district in sorted(inside)[:12]:
        assert got.loc[district, "home_placements"] == int((home == district).sum()), district
        placed = int((p["placement_district"].str.upper() == district).sum())
        assert got.loc[district, "placements_into_district"] == placed, district
    reg = _plain_register(ds)
    res = reg[reg["ptype"] == "Residential"].groupby(reg["provider_district"].str.upper())["places"].sum()
    for district, places in res.items():
        assert got.loc[district, "residential_places"] == places
    outside = ~p["placement_district"].str.upper().isin(inside) & p["placement_district"].notna()
    assert got.loc["Outside the region", "placements_into_district"] == int(outside.sum())


def test_flows_agree_with_a_plain_crosstab():
    ds = sample_regional_dataset()
    p = scoped()
    got = tables()["placement_flows"]
    inside = p["placement_region"] == ds.config.code
    there = p["placement_la_code"].where(inside, "Outside the region").where(p["placement_region"].notna())
    plain = pd.crosstab(p["home_la_code"].fillna("Not known"), there.fillna("Not known"))
    assert got["placements"].sum() == len(p)
    for _, row in got.iterrows():
        expect = plain.loc[row["home_area"], row["placement_area"]] if row["placement_area"] in plain else 0
        assert row["placements"] == expect, (row["home_area"], row["placement_area"])


def test_published_tables_hide_small_counts_and_the_map_title_comes_from_the_flows():
    published = suppress_tables(tables(), 5)
    for name in ("availability_now", "district_demand_supply", "placement_flows", "capacity_supplied"):
        assert not small_counts_shown(published[name], 5, REGISTRY[name].shape.public), name
    figs = ch.build_charts(published, "Source: test")
    flows = published["placement_flows"]
    n = pd.to_numeric(flows["placements"], errors="coerce")
    between = flows[
        (flows["home_area"] != flows["placement_area"]) & (flows["placement_area"] != "Outside the region")
    ]
    top = between.loc[pd.to_numeric(between["placements"], errors="coerce").idxmax()]
    title = figs["where_map"].kit_title
    assert (
        f"{int(top['placements']):,} placements from {top['home_area']} to {top['placement_area']}" in title
    )
    out = int(n[flows["placement_area"] == "Outside the region"].sum())
    assert f"{out:,} placements went outside the region" in title
    held = published["availability_now"]
    region = held[held["area"] == "Region"].set_index("placement_type")["percent_held"].astype(float)
    assert f"{region.max():.0f}%" in figs["availability_now"].kit_title
    ch.close(figs)


def test_the_report_publishes_the_new_sections(tmp_path):
    ds = sample_regional_dataset()
    paths = publish_region(ds, tmp_path / "publish", synthetic=True)
    html = paths["report"].read_text(encoding="utf-8")
    for section in ("availability_now", "capacity_supplied", "days_to_placement", "placed_in_time",
                    "emergency_destinations", "district_demand_supply", "placement_flows",
                    "out_of_la_reasons", "non_preferred_location_reasons"):  # fmt: skip
        assert f"<section id='{section}'>" in html, section
    for chart in ("availability_now", "placed_in_time", "location_reasons", "where_map"):
        assert f'id="chart-{chart}"' in html, chart
        assert (paths["charts"] / f"{chart}.png").is_file()
    assert "not known to be available" in html
    assert A.NOT_VACANCIES.split(":")[0] in html
    assert check_published(paths, 5) == [], "offline, every chart embedded, no small count in the data pack"
