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
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.region import derive as D

R = D.ROLES

# Every field and code below is read through the standard files' roles and the reference data, and
# every derived concept (needs band, preferred type, setting, sourcing route...) comes from
# kit.region.derive: the measures only count.
TYPES = D.TYPES
PLACEMENT_TYPE = D.PLACEMENT_TYPE
NEEDED_BY = D.URGENCY
SUITABILITY_FIELDS = D.SUITABILITY
_RISK_LABELS = (
    "Self-harm", "Sexual exploitation", "Criminal exploitation", "Drug or alcohol misuse", "Eating disorder",
    "Going missing", "Physical harm to others", "Sexual harm to others", "Fire-setting", "Harm to animals",
    "Criminal behaviour towards others",
)  # fmt: skip
RISKS = dict(zip(D.RISKS, _RISK_LABELS, strict=True))
"""Risk field -> its label in the needs profile (labels in the order of the roles' risks)."""
NEEDS_BANDS = D.NEEDS_BANDS
URGENCY = D.URGENCIES
URGENCY_LABELS = dict(zip(URGENCY, ("Needed today", "Within 5 days", "More than 5 days"), strict=True))
DISTANCE_BANDS = D.DISTANCE_BANDS
AGE_BANDS = D.AGE_BANDS
SOLO = R.living_companions.code("solo")
WEEKS_PER_YEAR = D.WEEKS_PER_YEAR
HIGH_COST_WEEKLY = (
    10_000.0  # "placements over £10k a week" is the figure the sector quotes (standard doc §3.6)
)
NEAR_MILES = D.NEAR_MILES  # the national statistic's distance threshold (DfE)
NOT_RECORDED = D.NOT_RECORDED
_LOW, _HIGH = D.cost_sense_range()

LABELS_FILE = Path(__file__).with_name("labels.yaml")
LABELS: dict[str, str] = {
    str(k): str(v) for k, v in yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))["labels"].items()
}
"""Presentation labels spelt like a standard's name or code (``labels.yaml`` beside this file)."""
REGION = LABELS["region"]  # the whole region's row (breakdown and group) of every table
NOT_KNOWN = LABELS["not_known"]  # a missing category (an unmatched age band, an unknown home area)


# ---------------------------------------------------------------------------------------------
# Preparing the pooled table

_text = D.text
_bool = D.flag


def _flag(series: pd.Series, true_values=(D.RISK_PRESENT,)) -> pd.Series:
    """A boolean (no missing) from a boolean column or a coded text column."""
    if pd.api.types.is_bool_dtype(series.dtype) or str(series.dtype) == "boolean":
        return series.astype("boolean").fillna(False).astype(bool)
    return series.astype("string").isin(list(true_values)).fillna(False).astype(bool)


preferred_type = D.preferred_type
placement_setting = D.setting
sourcing_route = D.sourcing_route


def prepare(placements: pd.DataFrame) -> pd.DataFrame:
    """The pooled placements with the analysis helpers every measure uses (idempotent).

    The derived columns (:data:`kit.region.derive.DERIVED`: ``risk_count``, ``needs_band``,
    ``preferred_type``, ``displaced``, ``setting``, ``sourcing_route``...) come from the one
    derivation step (the regional dataset already carries them; a frame without them gets them
    from :func:`kit.region.derive.derive`). Adds ``dol``, ``solo``, ``cost`` (float, the one cost
    every cost and spend figure reads: NaN when not recorded *or outside the standard's sense range*,
    :func:`kit.region.derive.plausible_cost`), ``cost_recorded`` (the cost as recorded, for counting
    what was left out), ``school_age`` and ``over_20_miles``.
    """
    if placements.attrs.get("kit_prepared"):
        return placements
    p = D.ensure_derived(placements)
    p = p.copy() if p is placements else p
    p["dol"] = _bool(p, R.deprivation_of_liberty).fillna(False).astype(bool)
    p["solo"] = _text(p, R.living_companions.field).eq(SOLO).fillna(False).astype(bool)
    p["cost_recorded"] = D.weekly_cost(p)
    p["cost"] = D.plausible_cost(p)
    p["school_age"] = D.school_age(p)
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
            pd.Series(REGION, index=p.index)
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
    REGION: None,
    "LA": "la",
    "Placement type": PLACEMENT_TYPE,
    "Needs band": "needs_band",
}


# ---------------------------------------------------------------------------------------------
# Demand: how many placements, of what type, at what notice, when and where


def placements_by_type(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    return _counts(p, [PLACEMENT_TYPE]).rename(columns={PLACEMENT_TYPE: "placement_type"})


def placements_by_urgency(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    out = _counts(p, [PLACEMENT_TYPE, NEEDED_BY], within=[PLACEMENT_TYPE])
    return out.rename(columns={PLACEMENT_TYPE: "placement_type", NEEDED_BY: "needed_by"})


def placements_by_la(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    out = _counts(p, ["la", PLACEMENT_TYPE], within=["la"])
    return out.rename(columns={PLACEMENT_TYPE: "placement_type"})


def placements_by_quarter(placements: pd.DataFrame) -> pd.DataFrame:
    """Placements starting in each **financial-year** quarter (``2026-27 Q1`` is April to June 2026),
    by type."""
    p = prepare(placements).copy()
    if "financial_quarter" in p:
        p["quarter"] = _text(p, "financial_quarter")
    else:
        p["quarter"] = D.financial_quarter_label(_text(p, "quarter")).to_numpy()
    out = _counts(p, ["quarter", PLACEMENT_TYPE], within=["quarter"])
    return out.rename(columns={PLACEMENT_TYPE: "placement_type"})


def needs_profile(placements: pd.DataFrame) -> pd.DataFrame:
    """Share of placements with each need, for all placements and by the type found."""
    p = prepare(placements)
    needs: dict[str, pd.Series] = {f"Risk: {label}": _flag(_text(p, f)) for f, label in RISKS.items()}
    # A risk a file does not record (the June 2026 Excel template has no sexual-exploitation column)
    # is unknown for that file's rows, never "no known risk": its share is of the rows that record it.
    recorded = {f"Risk: {label}": D.recorded_in_file(p, f) for f, label in RISKS.items()}
    for band in NEEDS_BANDS:
        needs[f"Number of risks: {band}"] = p["needs_band"].eq(band).fillna(False)
    # Coverage: a referral that answered no risk question has no band (not "0 risks").
    needs["Number of risks: not recorded"] = p["needs_band"].isna()
    needs["Deprivation of liberty order"] = p["dol"]
    needs[SOLO] = p["solo"]  # the code reads as its own label
    comm, culture = R.communication_needs, R.cultural_needs
    needs["Communication needs"] = _text(p, comm.field).eq(comm.code("present")).fillna(False)
    needs["Cultural needs required"] = _text(p, culture.field).eq(culture.code("required")).fillna(False)
    rows = []
    groups = {"All types": pd.Series(True, index=p.index)}
    for t in TYPES:
        groups[t] = _text(p, PLACEMENT_TYPE).eq(t).fillna(False)
    everyone = pd.Series(True, index=p.index)
    for need, has in needs.items():
        known = recorded.get(need, everyone)
        for g, inside in groups.items():
            rows.append(
                {
                    "need": need,
                    "placement_type": g,
                    "numerator": int((has & inside & known).sum()),
                    "denominator": int((inside & known).sum()),
                    "placements": int(inside.sum()),
                }
            )
    out = pd.DataFrame(rows)
    out["percent"] = _percent(out["numerator"], out["denominator"])
    out["coverage_percent"] = _percent(out["denominator"], out["placements"])
    return out


# ---------------------------------------------------------------------------------------------
# Match: preferred against actual


def preferred_vs_actual(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements).copy()
    p["preferred"] = p["preferred_type"].astype("string").fillna("No single preferred type")
    out = _counts(p, ["preferred", PLACEMENT_TYPE], within=["preferred"])
    return out.rename(columns={"preferred": "preferred_type", PLACEMENT_TYPE: "placement_type"})


def displacement(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    eligible = p["preferred_type"].eq(D.FOSTER)
    num = _bool(p, "displaced").fillna(False)
    return _rate(
        p, num, eligible, {REGION: None, "LA": "la", "Needs band": "needs_band", "Age band": "age_band"}
    )


def unsuitable_type(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    ptype = _text(p, PLACEMENT_TYPE)
    return _rate(
        p, D.unsuitable_type(p), ptype.notna(), {REGION: None, "LA": "la", "Placement type": PLACEMENT_TYPE}
    )


def sibling_splits(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    count = pd.to_numeric(p.get(R.siblings.by["count"]), errors="coerce")
    together = pd.to_numeric(p.get(R.siblings.by["together"]), errors="coerce")
    eligible = (count > 0) & together.notna()
    split = together < count
    return _rate(p, split, eligible, {REGION: None, "LA": "la", "Placement type": PLACEMENT_TYPE})


# ---------------------------------------------------------------------------------------------
# Location


def preferred_location(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements)
    flag = _bool(p, R.location_preferred)
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
    out = _counts(known, [PLACEMENT_TYPE, "distance_band"], within=[PLACEMENT_TYPE])
    out = out.rename(columns={PLACEMENT_TYPE: "placement_type"})
    order = {b: i for i, b in enumerate(DISTANCE_BANDS)}
    out["_o"] = out["distance_band"].map(order)
    return out.sort_values(["placement_type", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def education_disrupted(placements: pd.DataFrame) -> pd.DataFrame:
    """Education disrupted, of school-age children (5 and over at the start) whose file answered it."""
    p = prepare(placements)
    continuous = _bool(p, R.education_continuous)
    return _rate(
        p,
        continuous.eq(False).fillna(False),
        continuous.notna() & p["school_age"],
        {REGION: None, "Placement type": PLACEMENT_TYPE, "Distance band": "distance_band", "LA": "la"},
    )


def outcomes_by_notice(placements: pd.DataFrame) -> pd.DataFrame:
    """For each notice period: how often the preferred type was found, out of area, far, and the cost."""
    p = prepare(placements)
    rows = []
    for urgency in URGENCY:
        g = p[_text(p, NEEDED_BY).eq(urgency).fillna(False)]
        pref = g["preferred_type"].notna()
        in_pref = (g["preferred_type"] == _text(g, PLACEMENT_TYPE)).fillna(False) & pref
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


def top_two_share(values: pd.Series) -> float:
    """The share (0 to 1) of the costs' total that its two largest make up (``NaN`` without costs):
    what the dominance rule of :mod:`kit.publish.suppression` reads; never published itself."""
    v = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    total = float(v.sum())
    return float(v.nlargest(2).sum()) / total if total > 0 else np.nan


def _cost_stats(values: pd.Series) -> dict:
    v = values.dropna().astype(float)
    if v.empty:
        return dict.fromkeys(
            ("lower_quartile", "median", "upper_quartile", "percentile_90", "mean", "top_two_share"), np.nan
        )
    q = np.quantile(v, [0.25, 0.5, 0.75, 0.9])
    return {
        "top_two_share": top_two_share(v),
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
        "Placement type": [PLACEMENT_TYPE],
        "Needs band": [PLACEMENT_TYPE, "needs_band"],
        "LA": [PLACEMENT_TYPE, "la"],
        "Provider sector": [PLACEMENT_TYPE, "provider_sector"],
        "Setting": [PLACEMENT_TYPE, "setting"],
    }
    for label, cols in splits.items():
        keys = p[cols].astype("string").fillna(NOT_RECORDED)
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
    out = pd.DataFrame(rows)
    out.attrs["left_out_of_sense_range"] = _left_out(prepare(placements))
    return out


def _left_out(p: pd.DataFrame) -> int:
    """Recorded weekly costs left out of every cost figure because they are outside the sense range."""
    return int((p["cost_recorded"].notna() & p["cost"].isna()).sum())


def annualised_spend(placements: pd.DataFrame) -> pd.DataFrame:
    """Weekly cost of the placements made, over a year of :data:`WEEKS_PER_YEAR` weeks, by LA and type
    (with the region's total). Costs outside the standard's sense range
    (:func:`kit.region.derive.cost_sense_range`, almost always keying slips) are left out, as the
    forecast's cost table leaves them out; ``attrs["left_out_of_sense_range"]`` counts them."""
    p = prepare(placements)
    left_out = _left_out(p)
    p = p[p["cost"].notna()].copy()
    p["la_"] = _text(p, "la").fillna(NOT_RECORDED)
    parts = []
    for la_value, g in [(REGION, p), *sorted(p.groupby("la_"), key=lambda x: x[0])]:
        for t, h in [("All types", g), *sorted(g.groupby(_text(g, PLACEMENT_TYPE).fillna(NOT_RECORDED)))]:
            weekly = float(h["cost"].sum())
            parts.append(
                {
                    "la": la_value,
                    "placement_type": t,
                    "placements": len(h),
                    "weekly_cost_total": round(weekly, 0),
                    "annualised_spend": round(D.annual(weekly), 0),
                    "top_two_share": top_two_share(h["cost"]),
                }
            )
    out = pd.DataFrame(parts)
    region_total = out.loc[(out["la"] == REGION) & (out["placement_type"] == "All types"), "annualised_spend"]
    total = float(region_total.iloc[0]) if len(region_total) else np.nan
    out["percent_of_region_spend"] = (100 * out["annualised_spend"] / total).round(1) if total else np.nan
    out = out[[c for c in out.columns if c != "top_two_share"] + ["top_two_share"]]
    out.attrs["left_out_of_sense_range"] = left_out
    return out


def costs_left_out(placements: pd.DataFrame) -> pd.DataFrame:
    """Recorded weekly costs left out of every cost and spend figure because they are outside the
    standard's sense range (:func:`kit.region.derive.cost_sense_range`), by LA and type, with the
    spend over a year they would have added (``annualised_left_out``). The rows themselves, for the
    region to ask the LAs about, are in ``attrs["rows"]`` (:func:`kit.region.derive.outside_sense_range`:
    LA, file, row and cost; for the analyst, not for publishing)."""
    p = prepare(placements)
    recorded = p["cost_recorded"].notna()
    left = recorded & p["cost"].isna()
    out = _rate(p, left, recorded, {REGION: None, "LA": "la", "Placement type": PLACEMENT_TYPE})
    weekly = p["cost_recorded"].where(left, 0.0)
    by: dict[tuple[str, str], float] = {}
    key_of: dict[str, pd.Series] = {}
    for label, column in {REGION: None, "LA": "la", "Placement type": PLACEMENT_TYPE}.items():
        key = pd.Series(REGION, index=p.index) if column is None else _text(p, column).fillna(NOT_RECORDED)
        key_of[label] = key.astype(str)
        for group, total in weekly[recorded].groupby(key[recorded]).sum().items():
            by[(label, str(group))] = float(total)
    out["annualised_left_out"] = [
        round(D.annual(by.get((b, str(g)), 0.0)), 0)
        for b, g in zip(out["breakdown"], out["group"], strict=True)
    ]
    out["top_two_share"] = [
        top_two_share(p.loc[left & (key_of[b] == str(g)), "cost_recorded"])
        for b, g in zip(out["breakdown"], out["group"], strict=True)
    ]
    out = out.rename(columns={"numerator": "left_out", "denominator": "with_cost"})
    out.attrs["rows"] = D.outside_sense_range(p)
    return out


def unmet_demand_by_need(placements: pd.DataFrame) -> pd.DataFrame:
    """Unmet demand as a commissioner means it: placements outside the child's home LA (the placing
    LA) *and* more than :data:`NEAR_MILES` miles from home, by placement type, needs band and LA.
    Of placements where both the placement's LA and the distance are known."""
    p = prepare(placements)
    outside = _bool(p, "placed_outside_la")
    far = p["over_20_miles"].astype("boolean")
    known = outside.notna() & far.notna()
    unmet = outside.fillna(False) & far.fillna(False)
    return _rate(p, unmet, known, STANDARD_BREAKDOWNS)


def market_concentration(placements: pd.DataFrame, owner_column: str = "provider_owner") -> pd.DataFrame:
    """How much of the spend with external providers goes to the largest few owners, by type.

    Owners are the organisations that own registered providers (a group owning many homes counts
    once). In-house provision is left out: the question is how dependent the region is on a few
    suppliers.
    """
    p = prepare(placements)
    column = owner_column if owner_column in p else "urn"
    ext = p[p["cost"].notna() & p["sourcing_route"].eq(D.EXTERNAL_ROUTE).fillna(False)]
    ext = ext[_text(ext, column).notna()]
    rows = []
    for t in ["All types", *TYPES]:
        g = ext if t == "All types" else ext[_text(ext, PLACEMENT_TYPE).eq(t).fillna(False)]
        spend = g.groupby(_text(g, column))["cost"].sum().sort_values(ascending=False)
        total = float(spend.sum())
        share = spend / total if total else spend
        rows.append(
            {
                "placement_type": t,
                "placements": len(g),
                "providers": int(len(spend)),
                "weekly_spend": round(total, 0),
                "top_two_share": top_two_share(g["cost"]),
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
    are not about children (Ofsted's registered places) and are published as they are;
    ``dominance``: (share column, the cost statistics it governs): the share of a row's cost total
    that its two largest placements make up (:func:`top_two_share`), read by the dominance rule of
    :mod:`kit.publish.suppression` and never published."""

    counts: tuple = ()
    public: tuple[str, ...] = ()
    dominance: tuple = ()

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
            "How many placements started in each financial-year quarter (2026-27 Q1 is April to June "
            "2026), by type of home.",
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
            "Risks are as recorded by the referring social worker; a blank risk on a referral that answered "
            "others counts as 'no known risk'; a referral that answered none has no number of risks "
            "('not recorded'). A risk a file does not record at all (the June 2026 Excel template has no "
            "sexual-exploitation column) is unknown for that file's placements, never 'no known risk': "
            "its share is of the placements whose file records it, and coverage_percent says how many "
            "those are. The number of risks counts such a risk as not present, so it is a lower bound there.",
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
                    Rate(
                        "denominator",
                        "placements",
                        ("coverage_percent",),
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
            "School-age placements (the child 5 or over at the start, from the SSDA903 date of birth) where "
            "the education question was answered; younger children and children whose 903 record did not "
            "match are left out.",
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
            f"Placements with a weekly cost recorded inside the standard's sense range (£{_LOW:,.0f} to "
            f"£{_HIGH:,.0f} a week); costs outside it are left out and counted in costs_left_out.",
            "Raw costs: children in dearer groups may simply have more needs. See the like-for-like "
            "comparison before concluding anyone pays too much.",
            weekly_cost_distribution,
            Shape(
                (
                    Column("placements", _COST_STATS, blocks=("breakdown", "placement_type")),
                    Rate("over_10k_a_week", "placements", (), ("breakdown", "placement_type")),
                ),
                dominance=("top_two_share", ("percentile_90", "mean")),
            ),
        ),
        Measure(
            "annualised_spend",
            "Annualised spend",
            f"The weekly cost of the placements made in the period, over a year ({D.DAYS_PER_YEAR} days, "
            f"{WEEKS_PER_YEAR:.2f} weeks, the same year the forecast costs): what they would cost in a year "
            "if each lasted a year.",
            f"Placements with a weekly cost recorded inside the standard's sense range (£{_LOW:,.0f} to "
            f"£{_HIGH:,.0f} a week, as in the forecast's cost table); the percent is of the region's total.",
            "An estimate of commitments, not actual spend: placements end, and costs change during them.",
            annualised_spend,
            Shape(
                (
                    Grid(
                        "la",
                        "placement_type",
                        "placements",
                        ("weekly_cost_total", "annualised_spend", "percent_of_region_spend"),
                        row_total=REGION,
                        column_total="All types",
                    ),
                ),
                dominance=(
                    "top_two_share",
                    ("weekly_cost_total", "annualised_spend", "percent_of_region_spend"),
                ),
            ),
        ),
        Measure(
            "costs_left_out",
            "Costs left out: outside the sense range",
            f"Weekly costs recorded outside the standard's sense range (£{_LOW:,.0f} to £{_HIGH:,.0f} a "
            "week), almost always keying slips (a yearly or daily figure typed as weekly). They are left out "
            "of every cost and spend figure (weekly cost, like-for-like cost, annualised spend, the "
            "dashboard and the forecast), and counted here with the spend over a year they would have added.",
            "Placements with a weekly cost recorded.",
            "The data-quality findings name each row (LA, file, row) so the LA can correct it; a corrected "
            "cost comes back into every figure next quarter.",
            costs_left_out,
            Shape(
                (Rate("left_out", "with_cost", ("percent", "annualised_left_out")),),
                dominance=("top_two_share", ("annualised_left_out",)),
            ),
        ),
        Measure(
            "unmet_demand_by_need",
            "Unmet demand: outside the home LA and far from home",
            f"Placements outside the child's own (placing) LA and more than {NEAR_MILES:.0f} miles from home "
            "(straight line between postcode district centres), by type of home, needs band and LA: the "
            "children the region could not place near home inside their own LA.",
            "Placements with both the placement's LA and the distance from home known.",
            "A placement just over the LA's border within 20 miles, or a far one inside a large LA, is not "
            "counted. A far placement can be the right one (to keep a child safe, near family); read it "
            "with the out-of-LA reasons recorded.",
            unmet_demand_by_need,
            _RATE,
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
                ),
                dominance=("top_two_share", ("weekly_spend",)),
            ),
        ),
    )
}


def compute_measures(placements: pd.DataFrame, names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every measure of the registry (or those named) on the pooled placements."""
    p = prepare(placements)
    return {name: MEASURES[name](p) for name in (names or list(MEASURES))}
