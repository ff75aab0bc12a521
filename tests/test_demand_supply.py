"""Demand against supply: children needing each type against Ofsted-registered places."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_measures import sample_dataset, sample_placements, sample_tables

from kit.analysis import demand_supply as ds_

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset():
    return sample_dataset()


def test_registered_places_in_region_match_the_register_file(dataset):
    """Recount the places from the register file itself (not the kit's normalised copy)."""
    raw = pd.read_csv(dataset.config.ofsted_register, dtype=str, keep_default_na=False)
    districts = pd.read_csv(dataset.config.postcode_districts, dtype=str, keep_default_na=False)
    region_districts = set(districts.loc[districts["rgn"] == dataset.config.code, "pcd_outward"])
    active = raw[(raw["Registration status"] == "Active") & raw["Postcode district"].isin(region_districts)]
    homes = active[active["Provision type"].isin(["Children's home", "Secure children's home"])]
    supported = active[active["Provision type"] == "Supported accommodation"]
    t = sample_tables()["demand_against_supply"].set_index("placement_type")
    assert t.loc["Residential", "registered_places_in_region"] == homes["Places"].astype(int).sum()
    assert (
        t.loc["Supported Accommodation", "registered_places_in_region"]
        == supported["Places"].astype(int).sum()
    )
    assert t.loc["Residential", "providers_in_region"] == len(homes)


def test_demand_counts_preferred_and_placed(dataset):
    p = sample_placements()
    t = sample_tables()["demand_against_supply"].set_index("placement_type")
    for ptype in ("Foster", "Residential", "Supported Accommodation"):
        assert t.loc[ptype, "preferred"] == (p["preferred_type"] == ptype).sum()
        assert t.loc[ptype, "placed"] == (p["placementType"] == ptype).sum()
        out = (
            (p["placementType"] == ptype) & p["placed_outside_region"].astype("boolean").fillna(False)
        ).sum()
        assert t.loc[ptype, "placed_outside_region"] == out
    # Six quarters of returns: per year is the count over 1.5.
    assert t.loc["Residential", "placed_per_year"] == round(t.loc["Residential", "placed"] / 1.5)
    # Displacement in the sample means more children end up in residential care than it was preferred for.
    assert t.loc["Residential", "placed"] > t.loc["Residential", "preferred"]
    print("\n" + t[["preferred_per_year", "placed_per_year", "registered_places_in_region"]].to_string())


def test_places_near_home_counts_only_places_within_20_miles():
    mile = 1609.344
    districts = pd.DataFrame(
        {
            "outward": ["QA1", "QA2", "QA3"],
            "la_code": ["Z01", "Z01", "Z09"],
            "region_code": ["ZR1", "ZR1", "ZR2"],
            "easting": [0.0, 10 * mile, 30 * mile],
            "northing": [0.0, 0.0, 0.0],
        }
    )
    providers = pd.DataFrame(
        {
            "urn": ["SC1", "SC2", "SC3", "SC4"],
            "provider_type": [
                "Children's home",
                "Children's home",
                "Children's home",
                "Supported accommodation",
            ],
            "provider_places": [3, 4, 6, 10],
            "provider_status": ["Active", "Active", "Suspended", "Active"],
            "provider_district": ["QA1", "QA3", "QA2", "QA2"],
        }
    )
    placements = pd.DataFrame({"home_district": ["QA1"], "la": ["Z01"], "quarter": ["2026Q2"]})
    near = ds_.places_near(placements, providers, districts).set_index("placement_type")
    # QA1 home: SC1 (0 miles, 3 places) counts; SC2 is 30 miles away; SC3 is suspended.
    assert near.loc["Residential", "places_near"] == 3
    assert near.loc["Supported Accommodation", "places_near"] == 10
    supply = ds_.demand_against_supply(
        placements.assign(placementType="Residential", residentialCareSuitability="Preferred"),
        providers,
        districts,
    ).set_index("placement_type")
    assert supply.loc["Residential", "registered_places_in_region"] == 3  # SC2 is in the other region


def test_demand_near_home_by_area():
    t = sample_tables()["demand_near_home"]
    assert set(t["placement_type"]) == {"Residential", "Supported Accommodation"}
    region = t[t["area"] == "Region"].set_index("placement_type")
    areas = t[t["area"] != "Region"]
    for ptype, g in areas.groupby("placement_type"):
        assert g["preferred"].sum() == region.loc[ptype, "preferred"]
        assert (g["placed_in_type_within_20_miles"] <= g["preferred"]).all()
    assert (t["median_places_within_20_miles"] > 0).all()


def test_out_of_region_share():
    p = sample_placements()
    t = sample_tables()["out_of_region"].set_index(["breakdown", "group"])
    flag = p["placed_outside_region"].astype("boolean")
    assert t.loc[("Region", "Region"), "numerator"] == flag.fillna(False).sum()
    assert t.loc[("Region", "Region"), "denominator"] == flag.notna().sum()
    assert (
        t.loc[("Placement type", "Residential"), "percent"] > t.loc[("Placement type", "Foster"), "percent"]
    )


def test_unmet_demand_adds_up():
    p = sample_placements()
    t = sample_tables()["preferred_home_not_found"]
    assert (t["unmet"] == t["not_in_preferred_type"] + t["in_type_but_far"]).all()
    known = p["preferred_type"].notna() & p["placementType"].notna()
    assert t["preferred"].sum() == known.sum()
    not_in = (known & (p["preferred_type"] != p["placementType"])).sum()
    assert t["not_in_preferred_type"].sum() == not_in
    assert np.allclose(t["percent_unmet"], (100 * t["unmet"] / t["preferred"]).round(1))
    top = t.iloc[0]
    print(
        f"\nLargest unmet demand: {top['preferred_type']}, {top['needs_band']}, {top['area']}: {top['unmet']} unmet"
    )
    assert top["unmet"] == t["unmet"].max(), "sorted with the largest concentration first"
