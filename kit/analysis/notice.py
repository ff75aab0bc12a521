"""At what notice: days from referral to placement start against the notice the referral asked for.

In: the pooled placements (``RegionalDataset.placements``). Out: tidy tables:

* :func:`days_to_placement` -- per notice asked for (``neededBy``): placements with both dates, the
  median and quartiles of the days from referral to start, and how many started on the day,
  within 5 days and after more than 5;
* :func:`placed_in_time` -- the share placed within the notice asked for, by notice, type of home,
  needs band and LA (only notices with a deadline: "Today" means the day of referral, "< 5 days"
  within five days of it; "> 5 days" sets no deadline, so it has no in-time share);
* :func:`emergency_destinations` -- where children needed today went: the kind of home, and whether
  it was in the LA, elsewhere in the region or outside it.

The start date is the standard's start date (v2 ``placementStartDate``; v1's date of the agreed
placement start, which can sit a few days from the real move); the referral date is the date the
referral was recorded (:data:`REFERRAL_DATE`, the ``referral_date`` role). A start before the
referral is a recording slip: it is left out, like a placement missing either date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.analysis.measures import (
    NEEDED_BY,
    PLACEMENT_TYPE,
    REGION,
    URGENCY,
    URGENCY_LABELS,
    Column,
    Grid,
    Measure,
    Parts,
    Rate,
    Shape,
    _bool,
    _percent,
    _rate,
    _text,
    prepare,
)
from kit.region import derive as D

REFERRAL_DATE = D.ROLES.referral_date
"""The referral date field (the ``referral_date`` role of every placements version)."""
DEADLINE_DAYS = {D.TODAY: 0, D.WITHIN_5_DAYS: 5, D.OVER_5_DAYS: None}
"""Notice asked for -> the most days from referral to start that count as in time (``None``: the
notice sets no deadline). The standard does not define the exact 5-day boundary; 5 days counts."""
IN_LA, IN_REGION, OUTSIDE_REGION = "In the LA", "Elsewhere in the region", "Outside the region"
LOCATIONS = (IN_LA, IN_REGION, OUTSIDE_REGION)
OTHER_KINDS = "Other kinds of home"
FEW_OF_A_KIND = 30
"""Kinds of home with fewer emergency placements than this are pooled (``Other kinds of home``), so
that a handful of secure or unregistered placements does not hide the rest of the table."""


def days_from_referral(placements: pd.DataFrame) -> pd.Series:
    """Whole days from the referral date to the placement start (missing when either is missing)."""
    referral = pd.to_datetime(_text(placements, REFERRAL_DATE), errors="coerce")
    start = pd.to_datetime(placements.get("placement_start"), errors="coerce")
    if start is None:
        start = pd.Series(pd.NaT, index=placements.index)
    return (start - referral).dt.days.astype("Int64")


def _with_days(placements: pd.DataFrame) -> pd.DataFrame:
    p = prepare(placements).copy()
    p["days_to_start"] = days_from_referral(p)
    p["notice"] = _text(p, NEEDED_BY).map(URGENCY_LABELS).astype("string")
    return p


def days_to_placement(placements: pd.DataFrame) -> pd.DataFrame:
    """Per notice asked for: the spread of days from referral to start, and when placements started."""
    p = _with_days(placements)
    rows = []
    for code in URGENCY:
        g = p[_text(p, NEEDED_BY).eq(code).fillna(False)]
        days = g["days_to_start"]
        usable = days[days.notna() & (days >= 0)].astype(float)
        rows.append(
            {
                "needed_by": URGENCY_LABELS[code],
                "with_both_dates": int(len(usable)),
                "started_same_day": int((usable == 0).sum()),
                "started_in_1_to_5_days": int(((usable >= 1) & (usable <= 5)).sum()),
                "started_after_5_days": int((usable > 5).sum()),
                "median_days": float(usable.median()) if len(usable) else np.nan,
                "lower_quartile_days": float(usable.quantile(0.25)) if len(usable) else np.nan,
                "upper_quartile_days": float(usable.quantile(0.75)) if len(usable) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def in_time(placements: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(placed within the notice asked for, eligible): eligible where the notice has a deadline and
    both dates are recorded with the start on or after the referral."""
    p = _with_days(placements)
    deadline = _text(p, NEEDED_BY).map({k: v for k, v in DEADLINE_DAYS.items() if v is not None})
    deadline = pd.to_numeric(deadline, errors="coerce")
    days = p["days_to_start"].astype("float")
    eligible = deadline.notna() & days.notna() & (days >= 0)
    return (days <= deadline) & eligible, eligible


def placed_in_time(placements: pd.DataFrame) -> pd.DataFrame:
    """The share placed within the notice asked for, by notice, type of home, needs band and LA."""
    p = _with_days(placements)
    hit, eligible = in_time(p)
    out = _rate(
        p,
        hit,
        eligible,
        {
            REGION: None,
            "Notice": "notice",
            "Placement type": PLACEMENT_TYPE,
            "Needs band": "needs_band",
            "LA": "la",
        },
    )
    return out


def emergency_destinations(placements: pd.DataFrame) -> pd.DataFrame:
    """Where placements needed today went: kind of home x in the LA / elsewhere in the region / outside."""
    p = prepare(placements)
    today = p[_text(p, NEEDED_BY).eq(D.TODAY).fillna(False) & _text(p, PLACEMENT_TYPE).notna()].copy()
    outside_la = _bool(today, "placed_outside_la")
    outside_region = _bool(today, "placed_outside_region")
    where = pd.Series(pd.NA, index=today.index, dtype="string")
    where[outside_la.eq(False).fillna(False)] = IN_LA
    where[outside_la.eq(True).fillna(False)] = IN_REGION
    where[outside_region.eq(True).fillna(False)] = OUTSIDE_REGION
    today["location"] = where.fillna(D.NOT_RECORDED)
    today["kind_of_home"] = _text(today, "setting").fillna(_text(today, PLACEMENT_TYPE))
    sizes = today["kind_of_home"].value_counts()
    few = sizes.index[sizes < FEW_OF_A_KIND]
    today.loc[today["kind_of_home"].isin(few), "kind_of_home"] = OTHER_KINDS
    kinds = sorted(set(today["kind_of_home"].dropna()) - {OTHER_KINDS}) + ([OTHER_KINDS] if len(few) else [])
    locations = [*LOCATIONS, *([D.NOT_RECORDED] if (today["location"] == D.NOT_RECORDED).any() else [])]
    counts = today.groupby(["kind_of_home", "location"]).size()
    rows = [
        {"kind_of_home": k, "location": loc, "placements": int(counts.get((k, loc), 0))}
        for k in kinds
        for loc in locations
    ]
    out = pd.DataFrame(rows, columns=["kind_of_home", "location", "placements"])
    total = out.groupby("kind_of_home")["placements"].transform("sum")
    out["percent"] = _percent(out["placements"], total)
    return out


def in_time_headline(table: pd.DataFrame) -> dict[str, float]:
    """Notice label -> percent placed in time (from the ``Notice`` rows; NaN where hidden)."""
    rows = table[table["breakdown"] == "Notice"]
    return {r["group"]: float(r["percent"]) if pd.notna(r["percent"]) else np.nan for _, r in rows.iterrows()}


_NOTICE_CAVEAT = (
    "The referral date is the date the referral was recorded; v1 files give the date of the agreed "
    "placement start, not the move itself, so a day or two either way is noise. The standard does not "
    "define the exact 5-day boundary: 5 days counts as within it."
)

MEASURES = (
    Measure(
        "days_to_placement",
        "Days from referral to placement",
        "For each notice the referral asked for (needed today, within 5 days, in more than 5 days): how "
        "many days passed from the referral date to the placement start (median and quartiles), and how "
        "many placements started the same day, within 1 to 5 days, or after more than 5 days.",
        "Placements with that notice and both dates recorded, the start on or after the referral (a start "
        "before the referral is a recording slip and is left out, with the placements missing a date).",
        _NOTICE_CAVEAT,
        days_to_placement,
        Shape(
            (
                Parts(
                    (
                        "started_same_day",
                        "started_in_1_to_5_days",
                        "started_after_5_days",
                    ),
                    "with_both_dates",
                    blocks=(),
                    group="needed_by",
                ),
                # the spread rests on every placement with both dates, not on the parts
                Column("with_both_dates", ("median_days", "lower_quartile_days", "upper_quartile_days")),
            )
        ),
    ),
    Measure(
        "placed_in_time",
        "Placed within the notice asked for",
        "The share of placements that started within the notice the referral asked for: on the day of "
        "referral when needed today, within 5 days when needed within 5 days; by notice, type of home, "
        "needs band and LA. A referral for more than 5 days sets no deadline and is not in this share.",
        "Placements needed today or within 5 days with both dates recorded and the start on or after the "
        "referral.",
        _NOTICE_CAVEAT + " A placement found in time can still be the wrong one: read with "
        "'Outcomes by notice'.",
        placed_in_time,
        Shape((Rate("numerator", "denominator"),)),
    ),
    Measure(
        "emergency_destinations",
        "Where placements needed today went",
        "For placements needed on the day of referral: the kind of home found (in-house or agency "
        "fostering, kinship, children's home, secure, unregistered, supported accommodation) and whether it "
        "was in the placing LA, elsewhere in the region, or outside the region.",
        "Placements needed today with a recorded type (the percent is of that kind of home; kinds with "
        "fewer than 30 such placements are pooled as 'Other kinds of home').",
        "'Today' is judged by the referring social worker; LAs differ in how often they use it.",
        emergency_destinations,
        Shape((Grid("kind_of_home", "location", "placements", ("percent",)),)),
    ),
)

__all__ = [
    "DEADLINE_DAYS",
    "MEASURES",
    "REFERRAL_DATE",
    "days_from_referral",
    "days_to_placement",
    "emergency_destinations",
    "in_time",
    "placed_in_time",
]
