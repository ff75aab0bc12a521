"""Why children were placed away from where they were wanted: the recorded reasons, tabulated.

In: the pooled placements (``RegionalDataset.placements``). Out: tidy tables, each by reason for
the whole region, by type of home and by needs band:

* :func:`out_of_la_reasons` -- why the preferred location was outside the placing LA (v1's
  ``out_of_la_reason`` role; v0.1 and v2 files do not record it);
* :func:`non_preferred_location_reasons` -- why the placement was not in the preferred location
  (v2's ``non_preferred_location_reason`` role), whose "provision within distance exists but is not
  available" code is the one signal of availability the standard records.

A reason is counted only for the rows of files whose version records the field (missing by design
elsewhere, never a code); a row that should have a reason but has none is ``Not recorded``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from kit import standards
from kit.analysis.measures import (
    PLACEMENT_TYPE,
    REGION,
    Grid,
    Measure,
    Shape,
    _bool,
    _percent,
    _text,
    prepare,
)
from kit.region import derive as D

OTHER_REASONS = "Other reasons"
FEW_FOR_A_REASON = 20
"""Reasons given for fewer placements than this in the region are pooled (``Other reasons``): a
rare reason split by type and need could otherwise be worked out from the other tables' totals."""


@functools.cache
def version_role(name: str) -> tuple[tuple[str, ...], standards.Role | str | None]:
    """(the placements versions that have role ``name``, the role) -- the role must be the same in each."""
    found = {v: standards.load("placements", v).roles.get(name) for v in standards.versions("placements")}
    found = {v: r for v, r in found.items() if r is not None}
    roles = list(found.values())
    if any(r != roles[0] for r in roles[1:]):
        raise standards.StandardFileError(f"The placements versions disagree on the role {name}.")
    return tuple(found), (roles[0] if roles else None)


def _field(role) -> str | None:
    return role if isinstance(role, str) or role is None else role.field


def _recorded_in(p: pd.DataFrame, versions: tuple[str, ...]) -> pd.Series:
    """Rows from a file of one of ``versions`` (the pooled ``version`` column)."""
    if "version" not in p:
        return pd.Series(False, index=p.index)
    return p["version"].astype("string").isin(list(versions)).fillna(False)


def _tabulate(p: pd.DataFrame, reason: pd.Series, eligible: pd.Series) -> pd.DataFrame:
    """``breakdown``, ``group``, ``reason``, ``placements``, ``percent`` (of the group) by type of
    home and by needs band, the first with a ``Region`` group (its total; publishing it once keeps a
    hidden count from being pinned by two copies of it); every reason that occurs anywhere is a row
    of every group."""
    e = p[eligible.to_numpy()]
    r = reason[eligible.to_numpy()].fillna(D.NOT_RECORDED)
    sizes = r.value_counts()
    r = r.where(~r.isin(sizes.index[sizes < FEW_FOR_A_REASON]), OTHER_REASONS)
    reasons = sorted(r.unique(), key=lambda x: (x in (OTHER_REASONS, D.NOT_RECORDED), x))
    splits = {
        "Placement type": _text(e, PLACEMENT_TYPE).fillna(D.NOT_RECORDED),
        "Needs band": e["needs_band"].astype("string").fillna(D.NOT_RECORDED),
    }
    overall = r.value_counts()
    rows = []
    for label, key in splits.items():
        counts = pd.DataFrame({"g": key, "r": r}).groupby(["g", "r"]).size()
        for x in reasons if label == "Placement type" else ():  # the whole region: once, as the
            rows.append(
                {"breakdown": label, "group": REGION, "reason": x, "placements": int(overall.get(x, 0))}
            )
        for g in sorted(key.unique(), key=str):
            for x in reasons:
                rows.append(
                    {"breakdown": label, "group": g, "reason": x, "placements": int(counts.get((g, x), 0))}
                )
    out = pd.DataFrame(rows, columns=["breakdown", "group", "reason", "placements"])
    total = out.groupby(["breakdown", "group"])["placements"].transform("sum")
    out["percent"] = _percent(out["placements"], total)
    return out


def out_of_la_reasons(placements: pd.DataFrame) -> pd.DataFrame:
    """Why the preferred location was outside the placing LA, where a v1 file says it was."""
    p = prepare(placements)
    versions, role = version_role("out_of_la_reason")
    local_versions, local_role = version_role("preferred_location_local")
    field = _field(role)
    if field is None:
        return _tabulate(p, pd.Series(pd.NA, index=p.index, dtype="string"), pd.Series(False, index=p.index))
    reason = _text(p, field)
    outside = _bool(p, _field(local_role)).eq(False).fillna(False) & _recorded_in(p, local_versions)
    eligible = _recorded_in(p, versions) & (outside | reason.notna())
    return _tabulate(p, reason, eligible)


def non_preferred_location_reasons(placements: pd.DataFrame) -> pd.DataFrame:
    """Why the placement was not in the preferred location, where a v2 file says it was not."""
    p = prepare(placements)
    versions, role = version_role("non_preferred_location_reason")
    if role is None:
        return _tabulate(p, pd.Series(pd.NA, index=p.index, dtype="string"), pd.Series(False, index=p.index))
    reason = _text(p, role.field)
    not_applicable = reason.eq(role.code("not_applicable")).fillna(False)
    not_preferred = _bool(p, D.ROLES.location_preferred).eq(False).fillna(False)
    eligible = _recorded_in(p, versions) & (
        (not_preferred & ~not_applicable) | (reason.notna() & ~not_applicable)
    )
    return _tabulate(p, reason.where(~not_applicable), eligible)


def not_available_share(table: pd.DataFrame) -> tuple[float, float]:
    """(percent, placements) of the region's non-preferred locations whose reason was that provision
    within distance exists but was not available (NaN where hidden or not recorded)."""
    _, role = version_role("non_preferred_location_reason")
    if role is None or table is None or table.empty:
        return np.nan, np.nan
    row = table[(table["group"] == REGION) & (table["reason"] == role.code("not_available"))].head(1)
    if row.empty:
        return np.nan, np.nan
    pct, n = row["percent"].iloc[0], row["placements"].iloc[0]
    return (float(pct) if pd.notna(pct) else np.nan), (float(n) if pd.notna(n) else np.nan)


_REASON_SHAPE = Shape(
    (Grid("reason", "group", "placements", ("percent",), blocks=("breakdown",), column_total=REGION),)
)

MEASURES = (
    Measure(
        "out_of_la_reasons",
        "Why the preferred location was outside the LA",
        "For placements whose preferred location was outside the placing LA, the reason recorded "
        "(safeguarding concerns, a court order, bail conditions...), for the region, by type of home and "
        "by needs band (reasons given fewer than 20 times are pooled as 'Other reasons').",
        "Placements from v1 files whose preferred location was outside the LA, or with a reason given; the "
        "percent is of the group.",
        "Only v1 files record this field (v2 replaced it with the non-preferred-location reason): rows from "
        "other versions are not in the table, not counted as having no reason.",
        out_of_la_reasons,
        _REASON_SHAPE,
    ),
    Measure(
        "non_preferred_location_reasons",
        "Why the placement was not in the preferred location",
        "For placements not in the location the social worker preferred, the reason recorded, for the "
        "region, by type of home and by needs band (reasons given fewer than 20 times are pooled as 'Other reasons'). 'Provision within distance exists but is not "
        "available' is the standard's one signal that a suitable home existed but had no room.",
        "Placements from v2 files not in the preferred location (or with a reason other than 'Not "
        "applicable'); the percent is of the group.",
        "Only v2 files record this field: rows from v1 files are not in the table (missing by design, "
        "not 'no reason'). One reason per placement, as the social worker judged it.",
        non_preferred_location_reasons,
        _REASON_SHAPE,
    ),
)

__all__ = [
    "MEASURES",
    "non_preferred_location_reasons",
    "not_available_share",
    "out_of_la_reasons",
    "version_role",
]
