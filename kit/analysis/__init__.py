"""Sufficiency analysis of a region's pooled placements.

``sufficiency_tables(placements, providers, districts)`` computes every table the dashboard, the
report and the data pack show; ``REGISTRY`` says, for each table, what it means, out of what, and
what to be careful of (the guide ``guides/reading-the-dashboard.md`` and the data pack's
"Definitions and caveats" sheet are written from it).

The tables are *unsuppressed*: they are for the analyst's screen. Anything published goes through
``kit.publish.suppression`` first (``kit.publish.report`` does that).
"""

from __future__ import annotations

import pandas as pd

from kit.analysis import availability, costs, demand_supply, notice, reasons, siblings
from kit.analysis.measures import (
    MEASURES,
    PLACEMENT_TYPE,
    REGION,
    Column,
    Measure,
    Parts,
    Rate,
    Shape,
    compute_measures,
    prepare,
)

_COST_AND_SUPPLY = (
    Measure(
        "like_for_like_costs",
        "Like-for-like weekly cost",
        "How much more (or less) an LA, a provider sector or a sourcing route pays per week than the "
        "region as a whole, for children with comparable needs in the same kind of home. Two ways side "
        "by side: within needs bands (the same kind of home and the same number of risks: none, 1-2, "
        "3+), and adjusted by a regression that also allows for age, deprivation of liberty, solo "
        "placement and notice. Each difference has a 95% interval and the number of placements behind it.",
        "Placements with a weekly cost recorded in that group (and, for the within-bands figure, in "
        "bands where both the group and the rest of the region had at least two placements).",
        "Only recorded needs are allowed for: staffing ratios, a home's specialism or a provider's "
        "history with the LA are not. An interval that crosses 0 means no clear difference. Provider "
        "sectors are compared for residential and supported accommodation only. In-house and external "
        "are compared within each type of home, never across all types. " + costs.ROUTE_CAVEAT,
        costs.like_for_like_costs,
        Shape(
            (
                Column(
                    "placements",
                    (
                        "median_weekly_cost",
                        "raw_percent",
                        "adjusted_percent",
                        "adjusted_lower",
                        "adjusted_upper",
                    ),
                    blocks=("comparison",),
                ),
                Column(
                    "stratified_placements",
                    ("stratified_percent", "stratified_lower", "stratified_upper"),
                    blocks=("comparison",),
                ),
            )
        ),
    ),
    Measure(
        "cost_effects",
        "What drives weekly cost",
        "How much each recorded need adds to the weekly cost of a placement in the same kind of home, "
        "as a percent: each risk, a deprivation of liberty order, a solo placement, short notice, and age.",
        "Placements with a weekly cost recorded (all in one regression).",
        "Effects are averages across kinds of home and multiply cost; they describe prices paid, not "
        "what a child's care should cost.",
        costs.cost_effects,
        Shape((Column("placements", ("estimate", "std_error", "lower", "upper", "percent")),)),
    ),
    Measure(
        "demand_against_supply",
        "Demand against registered places",
        "For each type of home: placements where it was the preferred type and placements made in it "
        "(both a year), the share placed outside the region, and the places Ofsted has registered in "
        "the region.",
        "Placements in the period, converted to a year; places registered now.",
        "Demand is a flow (placements a year) and supply a stock (places now): a place serves more than "
        "one child a year, and other regions' children use the region's places too. Fostering places "
        "are the agencies' approved places.",
        demand_supply.demand_against_supply,
        Shape(
            (
                Column("preferred", ("preferred_per_year", "gap_per_year", "places_per_preferred_a_year")),
                Column("placed", ("placed_per_year", "gap_per_year")),
                Rate(
                    "placed_outside_region",
                    "placed",
                    ("percent_placed_outside_region",),
                    (),
                    "placement_type",
                ),
            ),
            public=("registered_places_in_region", "providers_in_region"),
        ),
    ),
    Measure(
        "demand_near_home",
        "Demand near home",
        "For residential and supported accommodation, by the child's home area: children for whom it "
        "was the preferred type, how many got it within 20 miles of home, and the registered places "
        "within 20 miles of their home district's centre (the median across those children).",
        "Placements where that type was the one preferred type, by the LA of the home postcode district.",
        "Registered places are not vacancies: most are occupied. Foster care is left out because agencies "
        "register at their office, not where their carers live.",
        demand_supply.demand_near_home,
        Shape(
            (
                Rate(
                    "placed_in_type_within_20_miles",
                    "preferred",
                    (
                        "percent_placed_in_type_within_20_miles",
                        "preferred_per_year",
                        "median_places_within_20_miles",
                    ),
                    blocks=("placement_type",),
                    group="area",
                    total_group=REGION,
                ),
            )
        ),
    ),
    Measure(
        "out_of_region",
        "Placed outside the region, by need",
        "The share of placements in a home outside the region's LAs, by type of home and needs band.",
        "Placements with a known placement postcode district.",
        "Some children are placed out of region on purpose (safeguarding, family nearby).",
        demand_supply.out_of_region,
        Shape((Rate("numerator", "denominator"),)),
    ),
    Measure(
        "preferred_home_not_found",
        "Where the preferred home was not found",
        "Placements where the home the social worker preferred was not found: the child was not placed "
        "in the preferred type, or was but more than 20 miles from home or outside the region; by "
        "preferred type, needs band and home area. (Unmet demand as a commissioner counts it is "
        "unmet_demand_by_need.)",
        "Placements with one preferred type and a recorded type, in that preferred type, needs band and area.",
        "A far placement can be the right one (to keep a child safe); read with the reasons recorded.",
        demand_supply.preferred_home_not_found,
        Shape(
            (
                Parts(
                    ("not_in_preferred_type", "in_type_but_far"),
                    "preferred",
                    ("unmet", "percent_unmet"),
                    blocks=("preferred_type", "needs_band"),
                    group="area",
                ),
            )
        ),
    ),
)

_AVAILABILITY = (*availability.MEASURES, *notice.MEASURES, *availability.WHERE_MEASURES, *reasons.MEASURES)
"""Need against availability now, at what notice, where, and the reasons recorded (issue 14)."""

REGISTRY: dict[str, Measure] = {
    **MEASURES,
    **{m.name: m for m in siblings.MEASURES},
    **{m.name: m for m in _COST_AND_SUPPLY},
    **{m.name: m for m in _AVAILABILITY},
}
"""Every table :func:`sufficiency_tables` returns, in order, with its definition and caveat."""

SUPPLY_TABLES = ("demand_against_supply", "demand_near_home")
NEEDS_REGISTER = ("district_demand_supply",)
"""Tables that need the register and the district lookup (called with ``providers, districts``)."""
NEEDS_DISTRICTS = ("placement_flows",)
"""Tables that need the district lookup only (called with ``districts``)."""


def analysis_scope(placements: pd.DataFrame, start=None, end=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """The placements the sufficiency picture covers, and how many were left out, by reason.

    In scope: a placement with a recorded type (Foster, Residential, Supported Accommodation) that
    started between ``start`` and ``end`` (dates, inclusive; ``None`` = open). Left out, and
    counted: ``no type recorded``, ``no start date`` (when a period is given) and ``outside the
    period`` (a v1 "date of agreed placement start" can fall days after the quarter). The data-quality
    findings say which rows and why. Leaving these few out of every table (rather than showing a
    tiny "not recorded" group) is what lets the published tables hide small numbers without also
    hiding large ones.
    """
    keep = pd.Series(True, index=placements.index)
    left_out: dict[str, int] = {}
    typed = placements[PLACEMENT_TYPE].notna() if PLACEMENT_TYPE in placements else keep
    left_out["no type recorded"] = int((~typed).sum())
    keep &= typed
    if start is not None or end is not None:
        when = pd.to_datetime(placements.get("placement_start"), errors="coerce")
        if when is None:
            when = pd.Series(pd.NaT, index=placements.index)
        dated = when.notna()
        left_out["no start date"] = int((keep & ~dated).sum())
        inside = dated.copy()
        if start is not None:
            inside &= when >= pd.Timestamp(start)
        if end is not None:
            inside &= when <= pd.Timestamp(end)
        left_out["outside the period"] = int((keep & dated & ~inside).sum())
        keep &= inside
    return placements[keep.to_numpy()], {k: v for k, v in left_out.items() if v}


def regional_tables(dataset, placements: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every sufficiency table of a regional dataset, as the report publishes it (unsuppressed).

    In: a :class:`kit.region.RegionalDataset` and (optional) the placements in scope (default:
    :func:`analysis_scope` of its placements over the region's period). The places held "now" are
    counted on ``capacity: date`` in region.yml, or else the period end; the region's capacity files
    are read when region.yml names them; sibling groups come from the LAs that supply relationships.
    """
    from kit.analysis.availability import read_capacity

    cfg = dataset.config
    if placements is None:
        placements, _ = analysis_scope(
            dataset.placements, getattr(cfg, "period_start", None), getattr(cfg, "period_end", None)
        )
    return sufficiency_tables(
        placements,
        dataset.providers,
        dataset.districts,
        episodes=getattr(dataset, "episodes", None),
        on=getattr(cfg, "capacity_on", None) or getattr(cfg, "period_end", None),
        capacity=read_capacity(getattr(cfg, "capacity_files", None)),
        sibling_groups=getattr(dataset, "sibling_groups", None),
        relationship_las=getattr(dataset, "relationship_las", ()),
    )


def sufficiency_tables(
    placements: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    districts: pd.DataFrame | None = None,
    names: list[str] | None = None,
    *,
    episodes: pd.DataFrame | None = None,
    on=None,
    capacity: dict | None = None,
    sibling_groups: pd.DataFrame | None = None,
    relationship_las=(),
) -> dict[str, pd.DataFrame]:
    """Every sufficiency table for the pooled placements (unsuppressed), keyed by registry name.

    ``providers`` and ``districts`` are the regional dataset's register and postcode lookup; the
    demand-against-supply tables are left out when they are not given. ``episodes`` (the pooled 903
    episodes) and ``on`` (a date; default the latest placement start) give the places held by the
    region's children on that date (left out without episodes); ``capacity`` (from
    :func:`kit.analysis.availability.read_capacity`) the region's own capacity files (each one not
    given is named as not supplied). ``sibling_groups`` and ``relationship_las`` (the regional dataset's)
    count siblings placed together per group for the LAs that supply relationships, per child otherwise.
    """
    p = prepare(placements)
    tables: dict[str, pd.DataFrame] = {}
    for name in names or list(REGISTRY):
        if name in SUPPLY_TABLES:
            if providers is None or districts is None:
                continue
            tables[name] = REGISTRY[name].function(p, providers, districts)
        elif name == "availability_now":
            if providers is None or districts is None or episodes is None:
                continue
            day = on if on is not None else pd.to_datetime(p.get("placement_start")).max()
            tables[name] = availability.availability_now(p, providers, districts, episodes, day)
        elif name == "capacity_supplied":
            if providers is None or districts is None:
                continue  # the dashboard's filtered view: no supply tables
            tables[name] = availability.capacity_supplied(capacity)
        elif name == "sibling_groups_placed":
            tables[name] = siblings.sibling_groups_placed(p, sibling_groups, relationship_las)
        elif name in NEEDS_REGISTER:
            if providers is None or districts is None:
                continue
            tables[name] = REGISTRY[name].function(p, providers, districts)
        elif name in NEEDS_DISTRICTS:
            if districts is None:
                continue
            tables[name] = REGISTRY[name].function(p, districts)
        else:
            tables[name] = REGISTRY[name].function(p)
    return tables


__all__ = [
    "MEASURES",
    "REGISTRY",
    "Measure",
    "compute_measures",
    "prepare",
    "sufficiency_tables",
    "analysis_scope",
]
