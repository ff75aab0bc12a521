"""Demand against supply: children needing each type of home against registered places.

In: the pooled placements, the Ofsted-style provider register and the postcode-district lookup of
the regional dataset (``RegionalDataset.placements``, ``.providers``, ``.districts``). Out: tidy
tables:

* :func:`demand_against_supply` -- per type of home: placements where it was the preferred type,
  placements made in it, both per year, against registered places in the region;
* :func:`demand_near_home` -- per type and home area: children needing the type, how many were
  placed in it within 20 miles of home, and the registered places within 20 miles of their home
  district's centre;
* :func:`out_of_region` -- the share placed outside the region, by type and needs band;
* :func:`preferred_home_not_found` -- where the preferred home was not found, by preferred type x
  needs band x area.

Demand here is a flow (placements starting in the period) and supply a stock (places registered
now): "places per placement a year" compares them, with a caveat in the registry below. Fostering
agencies register their places at the agency's office, not where carers live, so foster places
are counted for the region but not "near home".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.analysis.measures import (
    NEAR_MILES,
    NEEDS_BANDS,
    NOT_KNOWN,
    PLACEMENT_TYPE,
    REGION,
    TYPES,
    _bool,
    _percent,
    _text,
    prepare,
)
from kit.region import derive as D

KM_PER_MILE = 1.609344
PROVISION_TO_TYPE = {k.lower(): v for k, v in D.REGISTER.provision_types.items()}
"""Ofsted provision types (lower case) that offer places of each of the standard's types
(kit/standards/reference/ofsted.yaml). Residential special schools, adoption agencies and others
are not counted (a school's places are not care places)."""
NEAR_TYPES = (D.RESIDENTIAL, D.SUPPORTED)
DISTRICT = D.DISTRICTS.key
"""The district lookup's key column, the outward code (``key`` in kit/standards/reference/postcodes.yaml)."""


def _col(frame: pd.DataFrame, *names: str) -> pd.Series | None:
    """The first column of ``frame`` matching any of ``names`` (case- and space-insensitively)."""
    lookup = {str(c).strip().lower().replace(" ", "_"): c for c in frame.columns}
    for name in names:
        key = name.strip().lower().replace(" ", "_")
        if key in lookup:
            return frame[lookup[key]]
    return None


def _ons(column: str) -> list[str]:
    """The kit's district column and every ONS Postcode Directory header that gives it
    (kit/standards/reference/postcodes.yaml), so a raw ONSPD extract works too."""
    return [column, *(h for h, c in D.DISTRICTS.columns.items() if c == column)]


def district_table(districts: pd.DataFrame) -> pd.DataFrame:
    """The postcode-district lookup as ``district``, ``la_code``, ``region``, ``x_m``, ``y_m``."""
    out = pd.DataFrame(
        {
            "district": _col(districts, "district", *_ons(DISTRICT), "postcode_district"),
            "la_code": _col(districts, *_ons("la_code"), "la"),
            "region": _col(districts, *_ons("region_code"), "region"),
            "x_m": _col(districts, *_ons("easting"), "x_m", "x"),
            "y_m": _col(districts, *_ons("northing"), "y_m", "y"),
        }
    )
    out["district"] = out["district"].astype("string").str.upper().str.replace(" ", "", regex=False)
    out["x_m"] = pd.to_numeric(out["x_m"], errors="coerce")
    out["y_m"] = pd.to_numeric(out["y_m"], errors="coerce")
    return out.dropna(subset=["district"]).drop_duplicates("district").reset_index(drop=True)


def register_places(providers: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Active registered providers with places of a standard type: ``urn``, ``placement_type``,
    ``places``, ``district``, ``la_code``, ``region``, ``x_m``, ``y_m``."""
    status = _col(providers, "provider_status", "registration_status", "status")
    kind = _col(providers, "provider_type", "provision_type")
    if kind is None:
        raise ValueError("The provider register has no provision type column.")
    out = pd.DataFrame(
        {
            "urn": _col(providers, "urn"),
            "placement_type": kind.astype("string").str.strip().str.lower().map(PROVISION_TO_TYPE),
            "places": pd.to_numeric(_col(providers, "places", "provider_places"), errors="coerce"),
            "district": _col(providers, "provider_district", "district", "postcode_district", DISTRICT),
        }
    )
    if status is not None:
        # Suspended registrations are not taking children; a register without statuses counts all.
        active = status.astype("string").str.lower().isin([a.lower() for a in D.REGISTER.active_statuses])
        active = active | status.isna()
        out = out[active.to_numpy()]
    out = out[out["placement_type"].notna()].copy()
    out["district"] = out["district"].astype("string").str.upper().str.replace(" ", "", regex=False)
    out["places"] = out["places"].fillna(0)
    return out.merge(district_table(districts), on="district", how="left")


def region_codes(placements: pd.DataFrame, districts: pd.DataFrame) -> set[str]:
    """The region(s) of the LAs whose placements are pooled (from the district lookup)."""
    d = district_table(districts)
    las = set(_text(placements, "la").dropna())
    regions = set(d.loc[d["la_code"].astype("string").isin(las), "region"].dropna().astype(str))
    if not regions and "home_region" in placements:
        regions = set(_text(placements, "home_region").dropna())
    return regions


def _years(placements: pd.DataFrame) -> float:
    """Length of the period the placements cover, in years (whole quarters)."""
    q = _text(placements, "quarter").dropna().unique()
    return max(len(q), 1) / 4


def demand_against_supply(
    placements: pd.DataFrame, providers: pd.DataFrame, districts: pd.DataFrame
) -> pd.DataFrame:
    """Per type of home: demand (preferred, and placed) per year against places registered in the region."""
    p = prepare(placements)
    reg = register_places(providers, districts)
    regions = region_codes(p, districts)
    in_region = reg[reg["region"].astype("string").isin(regions).fillna(False)]
    years = _years(p)
    rows = []
    for t in TYPES:
        preferred = int(p["preferred_type"].eq(t).fillna(False).sum())
        placed = int(_text(p, PLACEMENT_TYPE).eq(t).fillna(False).sum())
        outside = int(
            (_text(p, PLACEMENT_TYPE).eq(t) & _bool(p, "placed_outside_region")).fillna(False).sum()
        )
        places = float(in_region.loc[in_region["placement_type"] == t, "places"].sum())
        rows.append(
            {
                "placement_type": t,
                "preferred": preferred,
                "placed": placed,
                "placed_outside_region": outside,
                "registered_places_in_region": int(places),
                "providers_in_region": int((in_region["placement_type"] == t).sum()),
                "preferred_per_year": round(preferred / years, 0),
                "placed_per_year": round(placed / years, 0),
            }
        )
    out = pd.DataFrame(rows)
    out["gap_per_year"] = out["preferred_per_year"] - out["placed_per_year"]
    out["percent_placed_outside_region"] = _percent(out["placed_outside_region"], out["placed"])
    out["places_per_preferred_a_year"] = (
        out["registered_places_in_region"] / out["preferred_per_year"].replace(0, np.nan)
    ).round(2)
    return out


def places_near(placements: pd.DataFrame, providers: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """For each home district and type: registered places within 20 miles of the district's centre."""
    reg = register_places(providers, districts).dropna(subset=["x_m", "y_m"])
    d = district_table(districts).dropna(subset=["x_m", "y_m"])
    homes = d[d["district"].isin(_text(placements, "home_district").str.upper().dropna().unique())]
    rows = []
    limit_m = NEAR_MILES * KM_PER_MILE * 1000
    for t in NEAR_TYPES:
        r = reg[reg["placement_type"] == t]
        if homes.empty:
            continue
        dx = homes["x_m"].to_numpy()[:, None] - r["x_m"].to_numpy()[None, :]
        dy = homes["y_m"].to_numpy()[:, None] - r["y_m"].to_numpy()[None, :]
        near = np.hypot(dx, dy) <= limit_m
        places = near @ r["places"].to_numpy(dtype=float)
        rows.append(
            pd.DataFrame(
                {"home_district": homes["district"].to_numpy(), "placement_type": t, "places_near": places}
            )
        )
    return (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["home_district", "placement_type", "places_near"])
    )


def _area(p: pd.DataFrame) -> pd.Series:
    """The child's home area: the LA of the home postcode district, else the placing LA."""
    home = _text(p, "home_la_code")
    return home.fillna(_text(p, "la")).fillna(NOT_KNOWN)


def demand_near_home(
    placements: pd.DataFrame, providers: pd.DataFrame, districts: pd.DataFrame
) -> pd.DataFrame:
    """Per type (residential, supported) and home area: children needing it, placed in it within
    20 miles of home, and registered places within 20 miles of their home districts."""
    p = prepare(placements).copy()
    p["area"] = _area(p)
    p["home_district_"] = _text(p, "home_district").str.upper()
    near = places_near(p, providers, districts)
    rows = []
    years = _years(p)
    for t in NEAR_TYPES:
        need = p[p["preferred_type"].eq(t).fillna(False)]
        places = near[near["placement_type"] == t].set_index("home_district")["places_near"]
        for area, g in [(REGION, need), *sorted(need.groupby("area"), key=lambda x: str(x[0]))]:
            placed_near = _text(g, PLACEMENT_TYPE).eq(t) & g["over_20_miles"].eq(False)
            per_child = g["home_district_"].map(places)
            rows.append(
                {
                    "placement_type": t,
                    "area": area,
                    "preferred": len(g),
                    "placed_in_type_within_20_miles": int(placed_near.fillna(False).sum()),
                    "preferred_per_year": round(len(g) / years, 0),
                    "median_places_within_20_miles": float(per_child.median())
                    if per_child.notna().any()
                    else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    if len(out):
        out["percent_placed_in_type_within_20_miles"] = _percent(
            out["placed_in_type_within_20_miles"], out["preferred"]
        )
    return out


def out_of_region(placements: pd.DataFrame) -> pd.DataFrame:
    """Share of placements outside the region, by type, by needs band and by type x needs band."""
    p = prepare(placements)
    flag = _bool(p, "placed_outside_region")
    known = flag.notna()
    rows = []
    keys = {
        REGION: [None],
        "Placement type": list(TYPES),
        "Needs band": list(NEEDS_BANDS),
    }
    for label, values in keys.items():
        for v in values:
            if label == REGION:
                m = known
            elif label == "Placement type":
                m = known & _text(p, PLACEMENT_TYPE).eq(v).fillna(False)
            else:
                m = known & p["needs_band"].eq(v).fillna(False)
            rows.append(
                {
                    "breakdown": label,
                    "group": v or REGION,
                    "numerator": int((flag.fillna(False) & m).sum()),
                    "denominator": int(m.sum()),
                }
            )
    out = pd.DataFrame(rows)
    out["percent"] = _percent(out["numerator"], out["denominator"])
    return out


def preferred_home_not_found(placements: pd.DataFrame) -> pd.DataFrame:
    """Where the preferred home was not found: by preferred type x needs band x home area.

    (Unmet demand as a commissioner counts it -- outside the home LA and far -- is
    :func:`kit.analysis.measures.unmet_demand_by_need`.) The preferred home was *not found* when the child was not placed in the preferred type, or was
    placed in it but more than 20 miles from home or outside the region. Placements with no single
    preferred type, or no recorded type, cannot say and are left out.
    """
    p = prepare(placements).copy()
    p = p[p["preferred_type"].notna() & _text(p, PLACEMENT_TYPE).notna()]
    p["area"] = _area(p)
    in_type = (p["preferred_type"] == _text(p, PLACEMENT_TYPE)).fillna(False)
    far = p["over_20_miles"].fillna(False).astype(bool) | _bool(p, "placed_outside_region").fillna(False)
    p["not_in_preferred_type"] = ~in_type
    p["in_type_but_far"] = in_type & far
    p["unmet"] = p["not_in_preferred_type"] | p["in_type_but_far"]
    out = (
        p.groupby(["preferred_type", "needs_band", "area"], sort=True)
        .agg(
            preferred=("unmet", "size"),
            unmet=("unmet", "sum"),
            not_in_preferred_type=("not_in_preferred_type", "sum"),
            in_type_but_far=("in_type_but_far", "sum"),
        )
        .reset_index()
    )
    for c in ("preferred", "unmet", "not_in_preferred_type", "in_type_but_far"):
        out[c] = out[c].astype("int64")
    out["percent_unmet"] = _percent(out["unmet"], out["preferred"])
    return out.sort_values(["unmet", "preferred_type"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
