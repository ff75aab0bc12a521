"""Postcode districts: outward code -> LA, region and centroid, and distances between districts.

In: an ONS-Postcode-Directory-style district file (``pcd_outward, oslaua, laua_name, rgn, rgn_name,
ctry, oseast1m, osnrth1m, dointr, doterm``: one row per outward code, grid references in metres on
the British National Grid). Out: :func:`read_districts` gives one row per outward code;
:func:`district_distance_miles` the straight-line distance between two districts' centroids;
:func:`distance_band` the bands the national statistics use (DfE counts placements more than 20
miles from home).

Assumptions (repeated in guides/regional-dataset.md): a district is represented by its centroid, so
a distance is exact to within the size of the districts (a mile or two in towns, more in the
country) and two addresses in one district are 0 miles apart; the national grid is flat enough
over a region for Pythagoras (the error is well under 1%). A district that spans two LAs belongs
to the LA the file gives first (live rows before terminated ones).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.standards import normalise_header, reference

METRES_PER_MILE = 1609.344
_REF = reference.postcodes()
BANDS = tuple(_REF.distance_bands)  # the bands and their edges: kit/standards/reference/postcodes.yaml
BAND_EDGES = tuple(e for e in _REF.distance_bands.values() if e is not None)  # an edge is in the band below
# The district file's headers (ONS Postcode Directory names), compared letters and digits only.
COLUMNS: dict[str, str] = {}
for _header, _column in _REF.columns.items():
    COLUMNS.setdefault(normalise_header(_header), _column)
KEY = _REF.key  # the kit's district column (the outward code): the district table's key


def normalise_outward(values: pd.Series) -> pd.Series:
    """Outward codes compared upper case without spaces: ``qk 3`` -> ``QK3``; blank -> ``<NA>``."""
    text = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return text.where(text.fillna("") != "", pd.NA)


def read_districts(path: str | Path) -> pd.DataFrame:
    """The district lookup: ``outward, la_code, la_name, region_code, region_name, country,
    easting, northing, terminated`` (one row per outward code)."""
    from kit.read import read_table

    path = Path(path)
    if not path.exists():
        raise KitError(
            f"The postcode district file {path} does not exist; correct reference.postcode_districts."
        )
    # Any encoding, delimiter or workbook; every cell as text (kit.read).
    raw = read_table(path, what="The postcode district file").to_frame().reset_index(drop=True)
    out = pd.DataFrame(index=raw.index)
    for header in raw.columns:
        name = COLUMNS.get(normalise_header(header))
        if name and name not in out.columns:
            out[name] = raw[header].astype(str).str.strip()
    for needed in _REF.required:
        if needed not in out.columns:
            raise KitError(
                f"The postcode district file {path} has no column for {needed} "
                "(expected pcd_outward, oslaua, oseast1m and osnrth1m, as in the ONS Postcode Directory)."
            )
    for optional in ("la_name", "region_code", "region_name", "country", "introduced", "terminated"):
        if optional not in out.columns:
            out[optional] = ""
    out[KEY] = normalise_outward(out[KEY])
    out = out[out[KEY].notna()]
    out["easting"] = pd.to_numeric(out["easting"], errors="coerce")
    out["northing"] = pd.to_numeric(out["northing"], errors="coerce")
    out["terminated"] = out["terminated"].replace("", None)
    # Live rows first, so that a district that moved LA (or spans two) resolves to its live row.
    out = out.assign(_dead=out["terminated"].notna()).sort_values("_dead", kind="stable")
    out = out.drop_duplicates(KEY).drop(columns="_dead")
    for col in ("la_code", "la_name", "region_code", "region_name", "country", "terminated"):
        out[col] = out[col].replace("", None).astype("string")
    return out[[KEY, "la_code", "la_name", "region_code", "region_name", "country", "easting", "northing",
                "terminated"]].reset_index(drop=True)  # fmt: skip


def district_distance_miles(home: pd.Series, placement: pd.Series, districts: pd.DataFrame) -> pd.Series:
    """Straight-line miles between the centroids of two columns of outward codes (``<NA>`` if unknown)."""
    east = districts.set_index(KEY)["easting"]
    north = districts.set_index(KEY)["northing"]
    dx = home.map(east).astype("float64") - placement.map(east).astype("float64")
    dy = home.map(north).astype("float64") - placement.map(north).astype("float64")
    miles = np.hypot(dx, dy) / METRES_PER_MILE
    return pd.Series(miles, index=home.index, dtype="Float64")


def distance_band(miles: pd.Series) -> pd.Series:
    """``0-5``, ``5-10``, ``10-20`` or ``over 20`` miles (DfE's statistic is "more than 20 miles")."""
    values = miles.astype("float64").to_numpy()
    idx = np.searchsorted(np.array(BAND_EDGES), values, side="left")  # 5.0 -> "0-5", 20.0 -> "10-20"
    labels = np.array(BANDS, dtype=object)[np.minimum(idx, len(BANDS) - 1)]
    labels = np.where(np.isnan(values), None, labels)
    # An ordered categorical (text in the CSV): tables list the bands nearest first.
    return pd.Series(pd.Categorical(labels, categories=BANDS, ordered=True), index=miles.index)
