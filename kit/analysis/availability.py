"""Need against availability now: the region's registered places on a date, and who holds them.

In: the pooled placements, the provider register, the postcode-district lookup and the SSDA903
episodes of the regional dataset (``RegionalDataset.placements``, ``.providers``, ``.districts``,
``.episodes``), a date (default: the period end), and optionally the region's own capacity files
(``capacity:`` in ``region.yml``). Out: tidy tables:

* :func:`availability_now` -- per type of home and area (the LA the home is in): active registered
  providers and places in the region, how many of those places the region's own children held on
  the date (903 episodes open on the date whose URN is that provider), and the rest, which are *not
  known to be available*: the register records places, never vacancies, and other regions'
  children, respite and staffing also fill places;
* :func:`capacity_supplied` -- what the region's capacity files say (in-house fostering households
  and vacancies, block-contract beds), or, for each file not given, that it was not supplied.

The capacity files are the region's own, not part of any standard: their columns are declared
here (:data:`CAPACITY_FILES`) and documented in ``guides/regional-dataset.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kit.analysis.demand_supply import region_codes, register_places
from kit.analysis.measures import (
    NOT_KNOWN,
    REGION,
    TYPES,
    Column,
    Grid,
    Measure,
    Rate,
    Shape,
    _percent,
    _text,
    prepare,
)
from kit.core.errors import KitError
from kit.region import derive as D
from kit.region.config import CAPACITY_KINDS

EP = D.EPISODE
_CHILD = "child"  # the pooled 903 tables' pseudonymised child (kit.region.pool)

CAPACITY_FILES: dict[str, dict] = {
    "in_house_fostering": {
        "title": "In-house fostering households",
        "placement_type": D.FOSTER,
        "columns": {"la": True, "households": True, "places": False, "vacancies": False},
        "capacity": "households",
    },
    "block_contracts": {
        "title": "Block-contract beds",
        "placement_type": None,  # each row names its type
        "columns": {"la": True, "placement_type": True, "beds": True, "vacancies": False, "provider": False},
        "capacity": "beds",
    },
}
"""The region's optional capacity files (``capacity:`` in region.yml): for each, its title, its
columns (name -> required) and which column is the capacity. Headers are compared case-, space-
and underscore-insensitively (``Placement type`` = ``placement_type``)."""
if tuple(CAPACITY_FILES) != CAPACITY_KINDS:  # region.yml's keys (kit.region.config) name these files
    raise RuntimeError("kit.region.config.CAPACITY_KINDS and CAPACITY_FILES disagree.")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header).lower())


def read_capacity_file(path: str | Path, kind: str) -> pd.DataFrame:
    """One capacity file (CSV or workbook) as ``la``, ``placement_type``, ``capacity``, ``vacancies``.

    Read by :func:`kit.read.read_table` (any encoding, delimiter or workbook). Raises
    :class:`KitError` naming the file and the fix when a column is missing or a number is not one.
    """
    from kit.read import read_table

    spec = CAPACITY_FILES[kind]
    path = Path(path)
    what = f"The capacity file {path} (capacity.{kind})"
    table = read_table(path, what=what).to_frame().reset_index(drop=True)
    lookup = {_key(h): h for h in table.columns}
    missing = [c for c, required in spec["columns"].items() if required and _key(c) not in lookup]
    if missing:
        wanted = ", ".join(c for c in spec["columns"])
        raise KitError(f"{what} has no column {missing[0]!r}; give it the columns {wanted}.")

    def column(name: str) -> pd.Series:
        if _key(name) not in lookup:
            return pd.Series(pd.NA, index=table.index, dtype="string")
        return table[lookup[_key(name)]].astype("string").str.strip().replace("", pd.NA)

    def number(name: str) -> pd.Series:
        raw = column(name)
        values = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
        bad = raw.notna() & (values.isna() | (values < 0) | (values != values.round()))
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is row 1
            raise KitError(
                f"{what}, row {row}: {name} {raw[bad].iloc[0]!r} is not a whole number; enter a count, e.g. 12."
            )
        return values.astype("Int64")

    out = pd.DataFrame({"la": column("la")})
    if spec["placement_type"] is not None:
        out["placement_type"] = spec["placement_type"]
    else:
        codes = {_key(t): t for t in TYPES}
        raw = column("placement_type")
        out["placement_type"] = raw.map(lambda v: codes.get(_key(v)) if pd.notna(v) else None)
        bad = raw.notna() & out["placement_type"].isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise KitError(
                f"{what}, row {row}: placement type {raw[bad].iloc[0]!r} is not one of "
                f"{', '.join(TYPES)}; write one of those."
            )
    out["capacity"] = number(spec["capacity"])
    out["vacancies"] = number("vacancies")
    return out[out["la"].notna() | out["capacity"].notna()].reset_index(drop=True)


def read_capacity(files: dict[str, Path | None] | None) -> dict[str, pd.DataFrame | None]:
    """Every capacity file named in region.yml, read (``None`` for each one not given)."""
    files = files or {}
    return {
        kind: (read_capacity_file(files[kind], kind) if files.get(kind) else None) for kind in CAPACITY_FILES
    }


def _date(on) -> pd.Timestamp:
    return pd.Timestamp(on if on is not None else dt.date.today()).normalize()


def occupied_on(episodes: pd.DataFrame, providers: pd.DataFrame, on) -> pd.DataFrame:
    """The region's children in a placement on ``on`` (903 episodes open that day) by provider:
    ``urn`` (as on the register), ``children``. Episodes with no URN, or one not on the register,
    are not counted (they cannot hold a registered place that can be named)."""
    from kit.region.ofsted import look_up_urns, normalise_urns

    if episodes is None or episodes.empty or EP.urn not in episodes or _CHILD not in episodes:
        return pd.DataFrame({"urn": pd.Series(dtype="string"), "children": pd.Series(dtype="int64")})
    day = _date(on)
    start = pd.to_datetime(episodes[EP.start], errors="coerce")
    end = pd.to_datetime(episodes[EP.end], errors="coerce") if EP.end in episodes else pd.NaT
    open_ = (start <= day) & (pd.isna(end) | (end > day))
    e = episodes[open_.to_numpy()]
    urn = normalise_urns(e[EP.urn].astype("string").fillna(""))
    match, _ = look_up_urns(urn.where(urn != "", pd.NA), providers)
    held = pd.DataFrame({"urn": match.astype("string").to_numpy(), "child": e[_CHILD].to_numpy()}).dropna()
    out = held.drop_duplicates().groupby("urn").size().rename("children").reset_index()
    out["children"] = out["children"].astype("int64")
    return out


def availability_now(
    placements: pd.DataFrame,
    providers: pd.DataFrame,
    districts: pd.DataFrame,
    episodes: pd.DataFrame | None,
    on=None,
) -> pd.DataFrame:
    """Per type of home and area: registered places in the region, held by the region's own
    children on ``on``, and the rest (not known to be available); a ``Region`` row per type.

    A provider holding more of the region's children than its registered places (a register out of
    date, or places shared over the day as in supported accommodation) counts as full: its places
    held are its registered places, its "not known to be available" is 0, and it is counted in
    ``providers_over_registered_places``. Counting places held (not children) keeps the two parts
    adding up to the registered places.
    """
    reg = register_places(providers, districts)
    regions = region_codes(placements, districts)
    reg = reg[reg["region"].astype("string").isin(regions).fillna(False)].copy()
    reg["urn"] = reg["urn"].astype("string")
    held = occupied_on(episodes, providers, on)
    reg = reg.merge(held, on="urn", how="left")
    reg["children"] = reg["children"].fillna(0).astype("int64")
    reg["held"] = np.minimum(reg["children"], reg["places"]).astype("int64")
    reg["rest"] = (reg["places"] - reg["held"]).astype("int64")
    reg["area"] = reg["la_code"].astype("string").fillna(NOT_KNOWN)
    day = _date(on).date().isoformat()
    rows = []
    for t in TYPES:
        r = reg[reg["placement_type"] == t]
        groups = [(REGION, r), *sorted(r.groupby("area"), key=lambda x: str(x[0]))]
        for area, g in groups:
            rows.append(
                {
                    "on": day,
                    "placement_type": t,
                    "area": area,
                    "providers": len(g),
                    "providers_over_registered_places": int((g["children"] > g["places"]).sum()),
                    "registered_places": int(g["places"].sum()),
                    "places_held_by_region_children": int(g["held"].sum()),
                    "not_known_to_be_available": int(g["rest"].sum()),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["percent_held"] = _percent(out["places_held_by_region_children"], out["registered_places"])
    return out


def capacity_supplied(capacity: dict[str, pd.DataFrame | None] | None) -> pd.DataFrame:
    """What the region's capacity files say, by file, LA and type; a file not given is one row that
    says so (``status``: ``not supplied``)."""
    capacity = capacity if capacity is not None else dict.fromkeys(CAPACITY_FILES)
    rows = []
    for kind, spec in CAPACITY_FILES.items():
        frame = capacity.get(kind)
        if frame is None:
            rows.append(
                {
                    "source": spec["title"],
                    "status": f"not supplied (add capacity.{kind} to region.yml)",
                    "la": pd.NA,
                    "placement_type": spec["placement_type"] or pd.NA,
                    "capacity": pd.NA,
                    "vacancies": pd.NA,
                }
            )
            continue
        g = frame.groupby(["la", "placement_type"], dropna=False, sort=True)
        for (la, ptype), part in g:
            rows.append(
                {
                    "source": spec["title"],
                    "status": "supplied",
                    "la": la,
                    "placement_type": ptype,
                    "capacity": part["capacity"].sum(min_count=1),
                    "vacancies": part["vacancies"].sum(min_count=1),
                }
            )
    out = pd.DataFrame(rows)
    for c in ("capacity", "vacancies"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("Int64")
    return out


def supply_now_summary(table: pd.DataFrame) -> dict[str, tuple[int, int, float]]:
    """Type -> (held by the region's children, registered places, percent) from the Region rows."""
    out = {}
    region = table[table["area"] == REGION]
    for _, row in region.iterrows():
        pct = row["percent_held"]
        out[row["placement_type"]] = (
            row["places_held_by_region_children"],
            row["registered_places"],
            float(pct) if pd.notna(pct) else np.nan,
        )
    return out


NOT_VACANCIES = (
    "The register says how many places a home is registered for, never how many are free: the places "
    "not held by the region's own children are not known to be available (other regions' children, "
    "respite, staffing and a home's own limits fill them)."
)

MEASURES = (
    Measure(
        "availability_now",
        "Registered places held by the region's children on a date",
        "For each type of home and each LA area of the region, on the date given (the period end unless "
        "region.yml says otherwise): the active registered providers and places in the region, how many "
        "of those places the region's own children held (903 episodes open on the date at that URN; a "
        "provider holding more of them than its registered places counts as full), and the rest, which "
        "are not known to be available.",
        "Places registered with Ofsted at active providers in the region on the register supplied.",
        NOT_VACANCIES + " Fostering places are the agencies' approved places, registered at the agency's "
        "office; in-house foster carers are not on the register (see the capacity files). Children placed "
        "without a URN on their 903 episode are not counted against any place.",
        availability_now,
        Shape(
            (
                Rate(
                    "places_held_by_region_children",
                    "registered_places",
                    ("not_known_to_be_available", "percent_held"),
                    blocks=("placement_type",),
                    group="area",
                    total_group=REGION,
                ),
            ),
            public=("providers", "providers_over_registered_places", "registered_places"),
        ),
    ),
    Measure(
        "capacity_supplied",
        "Capacity the region supplied",
        "What the region's own capacity files say: in-house fostering households and their vacancies, "
        "and block-contract beds and their vacancies, by LA and type. A file the region did not give is "
        "named as not supplied.",
        "The rows of each capacity file named under capacity: in region.yml.",
        "As the region recorded it, on the date the file was made; vacancies change daily.",
        capacity_supplied,
        Shape(public=("capacity", "vacancies")),
    ),
)


# ---------------------------------------------------------------------------------------------
# Where: demand by home district against supply by district, and the flows between areas

OUTSIDE_REGION = "Outside the region"


def district_demand_supply(
    placements: pd.DataFrame, providers: pd.DataFrame, districts: pd.DataFrame
) -> pd.DataFrame:
    """Per postcode district of the region (plus ``Outside the region`` and ``Not known`` rows):
    placements of children whose home is there, placements made into it, and the places registered
    there by type, with the district's centre (``x_m``, ``y_m``: metres east and north)."""
    from kit.analysis.demand_supply import district_table

    p = prepare(placements)
    d = district_table(districts)
    regions = region_codes(p, districts)
    inside = d[d["region"].astype("string").isin(regions).fillna(False)].copy()
    known = set(inside["district"])

    def where(column: str) -> pd.Series:
        v = _text(p, column).str.upper().str.replace(" ", "", regex=False)
        return v.where(v.isin(known) | v.isna(), OUTSIDE_REGION).fillna(NOT_KNOWN)

    home = where("home_district").value_counts()
    placed = where("placement_district").value_counts()
    reg = register_places(providers, districts)
    places = reg.pivot_table(index="district", columns="placement_type", values="places", aggfunc="sum")
    out = inside[["district", "la_code", "x_m", "y_m"]].rename(columns={"la_code": "area"})
    extra = pd.DataFrame({"district": [OUTSIDE_REGION, NOT_KNOWN], "area": [OUTSIDE_REGION, NOT_KNOWN]})
    out = pd.concat([out, extra], ignore_index=True)
    out["home_placements"] = out["district"].map(home).fillna(0).astype("int64")
    out["placements_into_district"] = out["district"].map(placed).fillna(0).astype("int64")
    for t in TYPES:
        col = f"{D.TYPE_KEYS[t]}_places"
        values = out["district"].map(places[t]) if t in places else pd.Series(np.nan, index=out.index)
        out[col] = values.where(out["district"].isin(known)).fillna(0).astype("int64")
    return out.sort_values(["area", "district"], kind="stable").reset_index(drop=True)


def placement_flows(placements: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Placements from each home area (the LA of the child's home district) to each placement area
    (the LA of the home found, or ``Outside the region``): a two-way table in long form."""
    p = prepare(placements)
    regions = region_codes(p, districts)
    home = _text(p, "home_la_code").fillna(NOT_KNOWN)
    inside = _text(p, "placement_region").isin(list(regions))
    there = _text(p, "placement_la_code").where(inside.fillna(False))
    there = there.where(~_text(p, "placement_region").notna() | inside.fillna(False), OUTSIDE_REGION)
    there = there.fillna(NOT_KNOWN)
    counts = pd.DataFrame({"h": home, "t": there}).groupby(["h", "t"]).size()
    homes, targets = sorted(home.unique(), key=str), sorted(there.unique(), key=str)
    rows = [
        {"home_area": h, "placement_area": t, "placements": int(counts.get((h, t), 0))}
        for h in homes
        for t in targets
    ]
    return pd.DataFrame(rows, columns=["home_area", "placement_area", "placements"])


WHERE_MEASURES = (
    Measure(
        "district_demand_supply",
        "Demand and supply by postcode district",
        "For each postcode district of the region: placements of children whose home (903 home postcode) "
        "is there, placements made into homes there, and the places Ofsted registers there by type; "
        "with the district's centre for the map.",
        "Placements in the period (children from outside the region's districts, or whose district is not "
        "known, are in the last two rows); places registered now.",
        "Home is the 903 home postcode district; foster places are registered at the agency's office, not "
        "where carers live. " + NOT_VACANCIES,
        district_demand_supply,
        Shape(
            (Column("home_placements"), Column("placements_into_district")),
            public=("x_m", "y_m", *(f"{D.TYPE_KEYS[t]}_places" for t in TYPES)),
        ),
    ),
    Measure(
        "placement_flows",
        "Flows from home area to placement area",
        "Placements from each home area (the LA of the child's home postcode district) to each area where "
        "the home found lies (an LA of the region, or outside the region).",
        "Placements in the period (home or placement area 'Not known' where the district is not known).",
        "Areas are the postcode district's main LA; a district can straddle two LAs.",
        placement_flows,
        Shape((Grid("home_area", "placement_area", "placements"),)),
    ),
)
