"""Sufficiency measures: what was needed, what was found, where, at what notice and at what cost.

In: the pooled regional placements table (``RegionalDataset.placements``: one row per placement,
the standard's fields plus the regional joins, see ``kit.region``). Out: one tidy
:class:`pandas.DataFrame` per measure, and :data:`MEASURES`, the registry that says for each
measure what it counts, out of what, and what to be careful of. The guide, the data pack's
"Definitions and caveats" sheet and the report all read that registry, so a definition is written
once, here.

Conventions of every table (so that suppression and charts can read any of them):

* grouping columns first (text), then whole-number **count** columns (``placements``, or a
  numerator and its ``denominator``), then derived columns (``percent``, costs in pounds);
* rate measures are long: ``breakdown`` (what the rows are split by: ``Region``, ``LA``,
  ``Placement type`` ...) and ``group`` (the value), so one table serves the region and its parts;
* ``percent`` is 0-100 with one decimal; money is pounds per week unless the column says otherwise.

Every row of the placements table counts once: a child placed twice in the period counts twice
(these are placements, not children), as the standard records placements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

TYPES = ("Foster", "Residential", "Supported Accommodation")
SUITABILITY_FIELDS = {
    "Foster": "fosterCareSuitability",
    "Residential": "residentialCareSuitability",
    "Supported Accommodation": "supportedAccommodationSuitability",
}
RISKS = {
    "riskSelfHarm": "Self-harm",
    "riskSexualExploitation": "Sexual exploitation",
    "riskCriminalExploitation": "Criminal exploitation",
    "riskDrugAlcohol": "Drug or alcohol misuse",
    "riskEatingDisorder": "Eating disorder",
    "riskMissing": "Going missing",
    "riskToOthersPhysical": "Physical harm to others",
    "riskToOthersSexual": "Sexual harm to others",
    "riskToOthersFire": "Fire-setting",
    "riskToOthersAnimals": "Harm to animals",
    "riskToOthersCriminal": "Criminal behaviour towards others",
}
NEEDS_BANDS = ("0 risks", "1-2 risks", "3+ risks")
URGENCY = ("Today", "< 5 days", "> 5 days")
URGENCY_LABELS = {"Today": "Needed today", "< 5 days": "Within 5 days", "> 5 days": "More than 5 days"}
DISTANCE_BANDS = ("0-5", "5-10", "10-20", "over 20")
AGE_BANDS = ("Under 1", "1-4", "5-9", "10-15", "16+")
SOLO = "Solo placement recommended"
WEEKS_PER_YEAR = 52
HIGH_COST_WEEKLY = (
    10_000.0  # "placements over £10k a week" is the figure the sector quotes (standard doc §3.6)
)
NEAR_MILES = 20.0  # the national statistic's distance threshold (DfE)

# Settings within a placement type, from the SSDA903 join (the standard's three types are coarser
# than how homes are bought and priced): kinship and in-house carers cost far less than agency
# carers, secure homes far more than children's homes.
KINSHIP_PLACE = ("U1", "U2", "U3")
FOSTER_PLACE = ("U4", "U5", "U6")


# ---------------------------------------------------------------------------------------------
# Preparing the pooled table


def _flag(series: pd.Series, true_values=("Risk present",)) -> pd.Series:
    """A boolean (no missing) from a boolean column or a coded text column."""
    if pd.api.types.is_bool_dtype(series.dtype) or str(series.dtype) == "boolean":
        return series.astype("boolean").fillna(False).astype(bool)
    return series.astype("string").isin(list(true_values)).fillna(False).astype(bool)


def _text(placements: pd.DataFrame, column: str) -> pd.Series:
    if column not in placements:
        return pd.Series(pd.NA, index=placements.index, dtype="string")
    return placements[column].astype("string")


def _bool(placements: pd.DataFrame, column: str) -> pd.Series:
    """A nullable boolean column (missing when the field is absent or empty)."""
    if column not in placements:
        return pd.Series(pd.NA, index=placements.index, dtype="boolean")
    col = placements[column]
    if str(col.dtype) == "boolean" or pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean")
    text = col.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False, "yes": True, "no": False}).astype("boolean")


def preferred_type(placements: pd.DataFrame) -> pd.Series:
    """The one type rated ``Preferred`` by the social worker; missing when none or several are."""
    pref = pd.DataFrame(
        {t: _text(placements, f).eq("Preferred").fillna(False) for t, f in SUITABILITY_FIELDS.items()}
    )
    one = pref.sum(axis=1) == 1
    out = pd.Series(pd.NA, index=placements.index, dtype="string")
    for t in TYPES:
        out[one & pref[t]] = t
    return out


def placement_setting(placements: pd.DataFrame) -> pd.Series:
    """The kind of home within the standard's type, from the SSDA903 and Ofsted joins.

    ``Foster: kinship`` (903 PLACE U1-U3), ``Foster: in-house`` (U4-U6 with LA provision, PR1/PR2),
    ``Foster: agency`` (U4-U6 external), ``Residential: secure`` (PLACE K1 or a secure home on the
    register), ``Residential: unregistered`` (no Ofsted URN recorded), ``Residential: children's
    home``, ``Supported Accommodation``; ``<type>: not known`` when the 903 join failed.
    """
    ptype = _text(placements, "placementType")
    place = _text(placements, "place_903")
    in_house = _bool(placements, "in_house")
    provider_type = _text(placements, "provider_type").str.lower()
    urn_status = _text(placements, "urn_status")
    out = ptype.copy()
    foster = ptype.eq("Foster").fillna(False)
    out[foster] = "Foster: not known"
    out[foster & place.isin(list(FOSTER_PLACE)).fillna(False) & in_house.eq(True).fillna(False)] = (
        "Foster: in-house"
    )
    out[foster & place.isin(list(FOSTER_PLACE)).fillna(False) & in_house.eq(False).fillna(False)] = (
        "Foster: agency"
    )
    out[foster & place.isin(list(KINSHIP_PLACE)).fillna(False)] = "Foster: kinship"
    res = ptype.eq("Residential").fillna(False)
    out[res] = "Residential: children's home"
    out[res & urn_status.eq("missing").fillna(False)] = "Residential: unregistered"
    secure = place.eq("K1").fillna(False) | provider_type.str.contains("secure").fillna(False)
    out[res & secure] = "Residential: secure"
    return out


def sourcing_route(placements: pd.DataFrame) -> pd.Series:
    """How the home was sourced: ``In-house`` (the LA's own or another LA's provision, 903 PR1/PR2)
    or ``External`` (private, voluntary or other public, PR3-PR5); kinship care is its own route."""
    in_house = _bool(placements, "in_house")
    out = pd.Series(pd.NA, index=placements.index, dtype="string")
    out[in_house.eq(True).fillna(False)] = "In-house"
    out[in_house.eq(False).fillna(False)] = "External"
    out[_text(placements, "place_903").isin(list(KINSHIP_PLACE)).fillna(False)] = "Kinship"
    return out


def prepare(placements: pd.DataFrame) -> pd.DataFrame:
    """The pooled placements with the analysis helpers every measure uses (idempotent).

    Adds, when absent: ``risk_count``, ``needs_band``, ``preferred_type``, ``displaced`` (the
    regional dataset already carries these), and always ``dol``, ``solo``, ``setting``,
    ``sourcing_route``, ``cost`` (float, NaN when not recorded), ``over_20_miles``.
    """
    if placements.attrs.get("kit_prepared"):
        return placements
    p = placements.copy()
    risks = pd.DataFrame({r: _flag(_text(p, r)) for r in RISKS})
    if "risk_count" not in p:
        p["risk_count"] = risks.sum(axis=1).astype("Int64")
    if "needs_band" not in p:
        rc = p["risk_count"].astype(float)
        p["needs_band"] = pd.Series(
            np.select([rc == 0, rc <= 2], [NEEDS_BANDS[0], NEEDS_BANDS[1]], NEEDS_BANDS[2]), index=p.index
        ).where(rc.notna())
    if "preferred_type" not in p:
        p["preferred_type"] = preferred_type(p)
    if "displaced" not in p:
        p["displaced"] = p["preferred_type"].eq("Foster") & _text(p, "placementType").eq("Residential")
    p["dol"] = _bool(p, "deprivationOfLiberty").fillna(False).astype(bool)
    p["solo"] = _text(p, "livingCompanions").eq(SOLO).fillna(False).astype(bool)
    p["setting"] = placement_setting(p)
    p["sourcing_route"] = sourcing_route(p)
    cost = p["totalWeeklyCost"] if "totalWeeklyCost" in p else pd.Series(np.nan, index=p.index)
    p["cost"] = pd.to_numeric(cost, errors="coerce").astype(float)
    dist = pd.to_numeric(p["distance_miles"], errors="coerce") if "distance_miles" in p else None
    p["over_20_miles"] = (
        (dist > NEAR_MILES).astype("boolean").where(dist.notna())
        if dist is not None
        else pd.Series(pd.NA, index=p.index, dtype="boolean")
    )
    p.attrs["kit_prepared"] = True
    return p


# ---------------------------------------------------------------------------------------------
# Building blocks


def _percent(num, den) -> pd.Series:
    num = pd.Series(num, dtype=float)
    den = pd.Series(den, dtype=float).replace(0, np.nan)
    return (100 * num.to_numpy() / den.to_numpy()).round(1)


def _counts(p: pd.DataFrame, by: list[str], within: list[str] | None = None) -> pd.DataFrame:
    """Placements per combination of ``by`` (every level of known categoricals kept), with the
    percent of the total within ``within`` (or of all placements)."""
    keys = p[by].astype("string").fillna("Not recorded")
    out = keys.value_counts(sort=False).rename("placements").reset_index()
    out = out.sort_values(by, kind="stable").reset_index(drop=True)
    den = out.groupby(within)["placements"].transform("sum") if within else out["placements"].sum()
    out["percent"] = _percent(out["placements"], den)
    out["placements"] = out["placements"].astype("int64")
    return out


def _rate(p: pd.DataFrame, numerator: pd.Series, eligible: pd.Series, breakdowns: dict[str, str | None]):
    """A rate split several ways: ``breakdown``, ``group``, ``numerator``, ``denominator``, ``percent``.

    ``numerator`` and ``eligible`` are boolean Series (missing = not eligible); ``breakdowns`` maps a
    label (``LA``) to a column of ``p`` (or ``None`` for the whole region).
    """
    eligible = eligible.astype("boolean").fillna(False).astype(bool)
    num = numerator.astype("boolean").fillna(False).astype(bool) & eligible
    rows = []
    for label, column in breakdowns.items():
        if column is not None and column not in p:
            continue  # a frame without that column (e.g. no SSDA903 join) is not split by it
        key = (
            pd.Series("Region", index=p.index)
            if column is None
            else p[column].astype("string").fillna("Not recorded")
        )
        g = pd.DataFrame({"group": key[eligible], "num": num[eligible]}).groupby("group", sort=True)["num"]
        part = pd.DataFrame({"numerator": g.sum(), "denominator": g.size()}).reset_index()
        part.insert(0, "breakdown", label)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["numerator"] = out["numerator"].astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    out["percent"] = _percent(out["numerator"], out["denominator"])
    return out


STANDARD_BREAKDOWNS = {
    "Region": None,
    "LA": "la",
    "Placement type": "placementType",
    "Needs band": "needs_band",
}


# ---------------------------------------------------------------------------------------------
# Demand: how many placements, of what type, at what notice, when and where


def placements_by_type(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    return _counts(p, ["placementType"]).rename(columns={"placementType": "placement_type"})


def placements_by_urgency(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    out = _counts(p, ["placementType", "neededBy"], within=["placementType"])
    return out.rename(columns={"placementType": "placement_type", "neededBy": "needed_by"})


def placements_by_la(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    out = _counts(p, ["la", "placementType"], within=["la"])
    return out.rename(columns={"placementType": "placement_type"})


def placements_by_quarter(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    out = _counts(p, ["quarter", "placementType"], within=["quarter"])
    return out.rename(columns={"placementType": "placement_type"})


def needs_profile(placements: pd.DataFrame) -> pd.DataFrame:
    """Share of placements with each need, for all placements and by the type found."""
    p = prepare(placements)
    needs: dict[str, pd.Series] = {f"Risk: {label}": _flag(_text(p, f)) for f, label in RISKS.items()}
    for band in NEEDS_BANDS:
        needs[f"Number of risks: {band}"] = p["needs_band"].eq(band).fillna(False)
    needs["Deprivation of liberty order"] = p["dol"]
    needs["Solo placement recommended"] = p["solo"]
    needs["Communication needs"] = _text(p, "communicationNeeds").eq("Yes").fillna(False)
    needs["Cultural needs required"] = _text(p, "culturalNeeds").eq("Required").fillna(False)
    rows = []
    groups = {"All types": pd.Series(True, index=p.index)}
    for t in TYPES:
        groups[t] = _text(p, "placementType").eq(t).fillna(False)
    for need, has in needs.items():
        for g, inside in groups.items():
            rows.append(
                {
                    "need": need,
                    "placement_type": g,
                    "numerator": int((has & inside).sum()),
                    "denominator": int(inside.sum()),
                }
            )
    out = pd.DataFrame(rows)
    out["percent"] = _percent(out["numerator"], out["denominator"])
    return out


# ---------------------------------------------------------------------------------------------
# Match: preferred against actual


def preferred_vs_actual(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements).copy()
    p["preferred"] = p["preferred_type"].astype("string").fillna("No single preferred type")
    out = _counts(p, ["preferred", "placementType"], within=["preferred"])
    return out.rename(columns={"preferred": "preferred_type", "placementType": "placement_type"})


def displacement(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    eligible = p["preferred_type"].eq("Foster")
    num = _bool(p, "displaced").fillna(False)
    return _rate(
        p, num, eligible, {"Region": None, "LA": "la", "Needs band": "needs_band", "Age band": "age_band"}
    )


def unsuitable_type(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    ptype = _text(p, "placementType")
    unsuitable = pd.Series(False, index=p.index)
    for t, f in SUITABILITY_FIELDS.items():
        unsuitable |= ptype.eq(t).fillna(False) & _text(p, f).eq("Unsuitable").fillna(False)
    return _rate(
        p, unsuitable, ptype.notna(), {"Region": None, "LA": "la", "Placement type": "placementType"}
    )


def sibling_splits(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    count = pd.to_numeric(p.get("siblingCount"), errors="coerce")
    together = pd.to_numeric(p.get("siblingsPlacedTogether"), errors="coerce")
    eligible = (count > 0) & together.notna()
    split = together < count
    return _rate(p, split, eligible, {"Region": None, "LA": "la", "Placement type": "placementType"})


# ---------------------------------------------------------------------------------------------
# Location


def preferred_location(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    flag = _bool(p, "isLocationPreferred")
    return _rate(p, flag.fillna(False), flag.notna(), STANDARD_BREAKDOWNS)


def placed_outside_la(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    flag = _bool(p, "placed_outside_la")
    return _rate(p, flag.fillna(False), flag.notna(), STANDARD_BREAKDOWNS)


def placed_outside_region(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    flag = _bool(p, "placed_outside_region")
    return _rate(p, flag.fillna(False), flag.notna(), STANDARD_BREAKDOWNS)


def distance_bands(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    known = p[_text(p, "distance_band").notna()]
    out = _counts(known, ["placementType", "distance_band"], within=["placementType"])
    out = out.rename(columns={"placementType": "placement_type"})
    order = {b: i for i, b in enumerate(DISTANCE_BANDS)}
    out["_o"] = out["distance_band"].map(order)
    return out.sort_values(["placement_type", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def education_disrupted(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    continuous = _bool(p, "isEducationContinuous")
    return _rate(
        p,
        continuous.eq(False).fillna(False),
        continuous.notna(),
        {"Region": None, "Placement type": "placementType", "Distance band": "distance_band", "LA": "la"},
    )


def outcomes_by_notice(placements: pd.DataFrame) -> pd.DataFrame:
    """For each notice period: how often the preferred type was found, out of area, far, and the cost."""
    p = prepare(placements)
    rows = []
    for urgency in URGENCY:
        g = p[_text(p, "neededBy").eq(urgency).fillna(False)]
        pref = g["preferred_type"].notna()
        in_pref = (g["preferred_type"] == _text(g, "placementType")).fillna(False) & pref
        outside = _bool(g, "placed_outside_la")
        far = g["over_20_miles"]
        rows.append(
            {
                "needed_by": urgency,
                "with_preferred_type": int(pref.sum()),
                "in_preferred_type": int(in_pref.sum()),
                "with_location": int(outside.notna().sum()),
                "outside_la": int(outside.fillna(False).sum()),
                "with_distance": int(far.notna().sum()),
                "over_20_miles": int(far.fillna(False).sum()),
                "with_cost": int(g["cost"].notna().sum()),
                "median_weekly_cost": round(float(g["cost"].median()), 0)
                if g["cost"].notna().any()
                else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["percent_in_preferred_type"] = _percent(out["in_preferred_type"], out["with_preferred_type"])
    out["percent_outside_la"] = _percent(out["outside_la"], out["with_location"])
    out["percent_over_20_miles"] = _percent(out["over_20_miles"], out["with_distance"])
    return out


# ---------------------------------------------------------------------------------------------
# Cost and the market


def _cost_stats(values: pd.Series) -> dict:
    v = values.dropna().astype(float)
    if v.empty:
        return dict.fromkeys(("lower_quartile", "median", "upper_quartile", "percentile_90", "mean"), np.nan)
    q = np.quantile(v, [0.25, 0.5, 0.75, 0.9])
    return {
        "lower_quartile": round(float(q[0]), 0),
        "median": round(float(q[1]), 0),
        "upper_quartile": round(float(q[2]), 0),
        "percentile_90": round(float(q[3]), 0),
        "mean": round(float(v.mean()), 0),
    }


def weekly_cost_distribution(placements: pd.DataFrame) -> pd.DataFrame:
    """Weekly cost: quartiles and the long tail, by type, by type within needs band, LA and sector."""
    p = prepare(placements)
    p = p[p["cost"].notna()]
    rows = []
    splits = {
        "Placement type": ["placementType"],
        "Needs band": ["placementType", "needs_band"],
        "LA": ["placementType", "la"],
        "Provider sector": ["placementType", "provider_sector"],
        "Setting": ["placementType", "setting"],
    }
    for label, cols in splits.items():
        keys = p[cols].astype("string").fillna("Not recorded")
        for key, g in p.groupby([keys[c] for c in cols], sort=True):
            key = key if isinstance(key, tuple) else (key,)
            rows.append(
                {
                    "breakdown": label,
                    "placement_type": key[0],
                    "group": key[-1] if len(key) > 1 else "All",
                    "placements": len(g),
                    "over_10k_a_week": int((g["cost"] > HIGH_COST_WEEKLY).sum()),
                    **_cost_stats(g["cost"]),
                }
            )
    return pd.DataFrame(rows)


def annualised_spend(placements: pd.DataFrame) -> pd.DataFrame:
    """Weekly cost of the placements made, times 52, by LA and type (with the region's total)."""
    p = prepare(placements)
    p = p[p["cost"].notna()].copy()
    p["la_"] = _text(p, "la").fillna("Not recorded")
    parts = []
    for la_value, g in [("Region", p), *sorted(p.groupby("la_"), key=lambda x: x[0])]:
        for t, h in [("All types", g), *sorted(g.groupby(_text(g, "placementType").fillna("Not recorded")))]:
            weekly = float(h["cost"].sum())
            parts.append(
                {
                    "la": la_value,
                    "placement_type": t,
                    "placements": len(h),
                    "weekly_cost_total": round(weekly, 0),
                    "annualised_spend": round(weekly * WEEKS_PER_YEAR, 0),
                }
            )
    out = pd.DataFrame(parts)
    region_total = out.loc[
        (out["la"] == "Region") & (out["placement_type"] == "All types"), "annualised_spend"
    ]
    total = float(region_total.iloc[0]) if len(region_total) else np.nan
    out["percent_of_region_spend"] = (100 * out["annualised_spend"] / total).round(1) if total else np.nan
    return out


def market_concentration(placements: pd.DataFrame, owner_column: str = "provider_owner") -> pd.DataFrame:
    """How much of the spend with external providers goes to the largest few owners, by type.

    Owners are the organisations that own registered providers (a group owning many homes counts
    once). In-house provision is left out: the question is how dependent the region is on a few
    suppliers.
    """
    p = prepare(placements)
    column = owner_column if owner_column in p else "urn"
    ext = p[p["cost"].notna() & p["sourcing_route"].eq("External").fillna(False)]
    ext = ext[_text(ext, column).notna()]
    rows = []
    for t in ["All types", *TYPES]:
        g = ext if t == "All types" else ext[_text(ext, "placementType").eq(t).fillna(False)]
        spend = g.groupby(_text(g, column))["cost"].sum().sort_values(ascending=False)
        total = float(spend.sum())
        share = spend / total if total else spend
        rows.append(
            {
                "placement_type": t,
                "placements": len(g),
                "providers": int(len(spend)),
                "weekly_spend": round(total, 0),
                "largest_1_percent": round(100 * float(share.iloc[:1].sum()), 1) if total else np.nan,
                "largest_5_percent": round(100 * float(share.iloc[:5].sum()), 1) if total else np.nan,
                "largest_10_percent": round(100 * float(share.iloc[:10].sum()), 1) if total else np.nan,
                "hhi": round(float((100 * share).pow(2).sum()), 0) if total else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class Grid:
    """Counts laid out as a two-way table: ``row`` x ``column`` -> ``count`` (one grid per ``blocks``
    value). ``row_total``/``column_total`` name rows/columns of the table that already are totals."""

    row: str
    column: str
    count: str
    derived: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    row_total: str | None = None
    column_total: str | None = None


@dataclass(frozen=True)
class Parts:
    """Counts that add up to a total on each row (``parts`` + the rest = ``total``); one grid per
    ``blocks`` value, its rows the ``group`` values (``total_group`` names a row that is the block's
    total). A rate is two parts: the numerator and the rest of the denominator."""

    parts: tuple[str, ...]
    total: str
    derived: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ("breakdown",)
    group: str = "group"
    total_group: str | None = None


def Rate(
    numerator: str,
    denominator: str,
    derived=("percent",),
    blocks=("breakdown",),
    group="group",
    total_group=None,
):
    """A rate: ``numerator`` out of ``denominator`` (see :class:`Parts`)."""
    return Parts((numerator,), denominator, tuple(derived), tuple(blocks), group, total_group)


@dataclass(frozen=True)
class Column:
    """One count per row that adds up down the rows of each block (e.g. placements per group)."""

    count: str
    derived: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shape:
    """How a table's counts add up, which is what small-number suppression needs to know.

    ``counts``: the operations (each hides small counts and enough others that none can be worked
    out, and hides the ``derived`` values that come from hidden counts); ``public``: numbers that
    are not about children (Ofsted's registered places) and are published as they are."""

    counts: tuple = ()
    public: tuple[str, ...] = ()

    def count_columns(self) -> list[str]:
        cols: list[str] = []
        for op in self.counts:
            names = [op.count] if isinstance(op, (Grid, Column)) else [*op.parts, op.total]
            cols += [c for c in names if c not in cols]
        return cols


_RATE = Shape((Rate("numerator", "denominator"),))
_COST_STATS = ("lower_quartile", "median", "upper_quartile", "percentile_90", "mean")


@dataclass(frozen=True)
class Measure:
    """One measure: its name (the table's name in the data pack), what it means in a commissioner's
    words, what it is a share of, what to be careful of, and the function that computes it."""

    name: str
    title: str
    definition: str
    denominator: str
    caveat: str
    function: Callable[..., pd.DataFrame]
    shape: Shape = Shape()

    def __call__(self, placements: pd.DataFrame) -> pd.DataFrame:
        return self.function(placements)


_PLACEMENTS_NOT_CHILDREN = (
    "Counts placements, not children: a child who moved twice in the period counts twice."
)

MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "placements_by_type",
            "Placements by type",
            "How many placements were made in each type of home: foster care, a residential children's "
            "home, or supported accommodation.",
            "All placements in the period with a recorded type.",
            _PLACEMENTS_NOT_CHILDREN
            + " Placements outside the standard (with parents, adoption) are not in it.",
            placements_by_type,
            Shape((Column("placements", ("percent",)),)),
        ),
        Measure(
            "placements_by_urgency",
            "Placements by notice",
            "How much notice there was: whether the placement was needed today, within five days, or in "
            "more than five days.",
            "Placements of that type.",
            "Notice is as recorded at referral; LAs differ in how they judge 'today'.",
            placements_by_urgency,
            Shape((Grid("placement_type", "needed_by", "placements", ("percent",)),)),
        ),
        Measure(
            "placements_by_la",
            "Placements by local authority",
            "How many placements each local authority made, by type of home.",
            "All placements the LA made in the period.",
            _PLACEMENTS_NOT_CHILDREN + " LAs of different sizes: compare shares, not counts.",
            placements_by_la,
            Shape((Grid("la", "placement_type", "placements", ("percent",)),)),
        ),
        Measure(
            "placements_by_quarter",
            "Placements by quarter",
            "How many placements started in each quarter, by type of home.",
            "All placements starting in the quarter.",
            "v1 files give the date of the agreed placement start, v2 files the actual start date; the "
            "latest quarter may be incomplete when LAs record late.",
            placements_by_quarter,
            Shape((Grid("quarter", "placement_type", "placements", ("percent",)),)),
        ),
        Measure(
            "needs_profile",
            "Needs profile",
            "The share of placements where the referral recorded each need: each of the 11 risks, how "
            "many risks, a deprivation of liberty order, a recommendation to live without other children "
            "(solo placement), communication needs and cultural needs.",
            "All placements (or all placements of that type).",
            "Risks are as recorded by the referring social worker; a blank risk counts as 'no known risk'.",
            needs_profile,
            Shape(
                (
                    Rate(
                        "numerator",
                        "denominator",
                        blocks=("need",),
                        group="placement_type",
                        total_group="All types",
                    ),
                )
            ),
        ),
        Measure(
            "preferred_vs_actual",
            "Preferred against actual type of home",
            "For each type of home the social worker preferred, which type the child was placed in.",
            "Placements with that preferred type ('No single preferred type' when none or several were "
            "marked Preferred).",
            "Preference is the social worker's view at referral, not the child's.",
            preferred_vs_actual,
            Shape((Grid("preferred_type", "placement_type", "placements", ("percent",)),)),
        ),
        Measure(
            "displacement",
            "Displacement from foster care",
            "Children for whom foster care was the preferred type of home but who were placed in a "
            "residential children's home.",
            "Placements where foster care was the one preferred type.",
            "Residential care is sometimes right for a child even when foster care was preferred; this "
            "measures the gap between the plan and what was found, not a wrong decision.",
            displacement,
            _RATE,
        ),
        Measure(
            "unsuitable_type",
            "Placed in a type rated unsuitable",
            "Placements in a type of home that the referral rated 'Unsuitable' for the child.",
            "Placements with a recorded type.",
            "Suitability is rated at referral; circumstances can change before the placement is found.",
            unsuitable_type,
            _RATE,
        ),
        Measure(
            "sibling_splits",
            "Sibling groups split",
            "Children who should have been placed with brothers or sisters but were placed with fewer of "
            "them than planned.",
            "Placements where the care plan said to place the child with at least one sibling.",
            "Each child of a split group has a row, so a group of three counts up to three times.",
            sibling_splits,
            _RATE,
        ),
        Measure(
            "preferred_location",
            "Placed in the preferred location",
            "Placements in a location the social worker recorded as preferred.",
            "Placements where the preferred-location question was answered.",
            "'Preferred location' is the social worker's judgement; there is no preferred postcode.",
            preferred_location,
            _RATE,
        ),
        Measure(
            "placed_outside_la",
            "Placed outside the local authority",
            "Placements in a home whose postcode district lies outside the placing LA.",
            "Placements with a known placement postcode district.",
            "A postcode district can straddle two LAs; the kit uses the district's main LA.",
            placed_outside_la,
            _RATE,
        ),
        Measure(
            "placed_outside_region",
            "Placed outside the region",
            "Placements in a home outside the region's LAs.",
            "Placements with a known placement postcode district.",
            "The data cannot count children other regions place into this one.",
            placed_outside_region,
            _RATE,
        ),
        Measure(
            "distance_bands",
            "Distance from home",
            "How far the placement is from the child's home, in straight-line miles between postcode "
            "district centres: 0-5, 5-10, 10-20 and over 20 miles (the national statistic's threshold).",
            "Placements of that type with both the home and the placement district known.",
            "District centres, not addresses: short distances are rough. Home is the 903 home postcode.",
            distance_bands,
            Shape((Grid("placement_type", "distance_band", "placements", ("percent",)),)),
        ),
        Measure(
            "education_disrupted",
            "Education disrupted",
            "Placements where the child's education did not continue without disruption.",
            "Placements where the education question was answered.",
            "Disruption can be part of the care plan (e.g. a planned change of school).",
            education_disrupted,
            _RATE,
        ),
        Measure(
            "outcomes_by_notice",
            "Outcomes by notice",
            "For each notice period, how often the preferred type was found, how often the home was "
            "outside the LA or over 20 miles away, and the median weekly cost.",
            "Placements with that notice period (and the relevant field recorded).",
            "Urgent placements are often for children in crisis, whose needs also differ.",
            outcomes_by_notice,
            Shape(
                (
                    Rate(
                        "in_preferred_type",
                        "with_preferred_type",
                        ("percent_in_preferred_type",),
                        (),
                        "needed_by",
                    ),
                    Rate("outside_la", "with_location", ("percent_outside_la",), (), "needed_by"),
                    Rate("over_20_miles", "with_distance", ("percent_over_20_miles",), (), "needed_by"),
                    Column("with_cost", ("median_weekly_cost",)),
                )
            ),
        ),
        Measure(
            "weekly_cost_distribution",
            "Weekly cost",
            "The weekly cost agreed, in pounds: the middle (median) placement, the middle half "
            "(quartiles), the 90th percentile and the number of placements over £10,000 a week, by type "
            "of home, and within that by needs band, LA, provider sector and kind of home (kinship, in-house "
            "or agency fostering; children's home, secure or unregistered).",
            "Placements with a weekly cost recorded.",
            "Raw costs: children in dearer groups may simply have more needs. See the like-for-like "
            "comparison before concluding anyone pays too much.",
            weekly_cost_distribution,
            Shape(
                (
                    Column("placements", _COST_STATS, blocks=("breakdown", "placement_type")),
                    Rate("over_10k_a_week", "placements", (), ("breakdown", "placement_type")),
                )
            ),
        ),
        Measure(
            "annualised_spend",
            "Annualised spend",
            "The weekly cost of the placements made in the period, times 52: what they would cost in a "
            "year if each lasted a year.",
            "Placements with a weekly cost recorded; the percent is of the region's total.",
            "An estimate of commitments, not actual spend: placements end, and costs change during them.",
            annualised_spend,
            Shape(
                (
                    Grid(
                        "la",
                        "placement_type",
                        "placements",
                        ("weekly_cost_total", "annualised_spend", "percent_of_region_spend"),
                        row_total="Region",
                        column_total="All types",
                    ),
                )
            ),
        ),
        Measure(
            "market_concentration",
            "Market concentration",
            "The share of weekly spend with external providers that goes to the largest 1, 5 and 10 "
            "owning organisations, and the Herfindahl-Hirschman index, the competition authorities' "
            "measure of concentration (0-10,000; above 2,500 is highly concentrated).",
            "Weekly spend on placements with external providers that have an Ofsted URN.",
            "Ownership as on the register; groups trading under several names may be undercounted.",
            market_concentration,
            Shape(
                (
                    Column(
                        "placements",
                        (
                            "weekly_spend",
                            "largest_1_percent",
                            "largest_5_percent",
                            "largest_10_percent",
                            "hhi",
                        ),
                    ),
                    Column("providers"),
                )
            ),
        ),
    )
}


def compute_measures(placements: pd.DataFrame, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every measure of the registry (or those named) on the pooled placements."""
    p = prepare(placements)
    return {name: MEASURES[name](p) for name in (names or list(MEASURES))}
