"""A forecast of need beside placements as made: the type of home children need, and the gap.

The stock-and-flow model projects **placements as made**: if a fifth of the children in children's
homes are there because no foster home was found, the projection carries that displacement forward.
The placements data records, at referral, which type of home the social worker preferred for the
child (the regional dataset's ``preferred_type``, derived once in :mod:`kit.region.derive` from the
standard's suitability fields). This module estimates, from the latest placements that record it,
the mix of **needed** (preferred) type given the type the child was placed in, and applies it to the
projected children in each type, so a commissioner sees need beside placements as made, and the
gap: the places the region must commission for (more foster places, fewer children's-home places).

In: the regional dataset's ``placements`` and a :class:`~kit.forecast.stock_flow.Projection`.
Out: :func:`need_mix` (one row per commercial type placed x needed type, with the coverage: the share
of that type's placements with a recorded preference) and :func:`project_need` (by quarter and the
standard's placement type: as made, need and the gap, with 80% and 95% intervals).

Assumptions (also in ``guides/forecasting.md``):

* Needed type is the one type rated "Preferred" at referral; a referral with none or several
  preferred has no recorded need and counts against the coverage.
* The mix is that of placements started in the ``mix_quarters`` quarters before the forecast start
  (as the needs mix; fewer than :data:`MIN_RECORDED` recorded: all that type's placements); children
  who have stayed long may differ.
* A type placed whose placements record a preference for fewer than :data:`MIN_COVERAGE` of them,
  or for fewer than :data:`MIN_RECORDED`, cannot say what its children need: the need is then not
  published (the table says why) rather than guessed, unless such types hold no more than
  :data:`MAX_UNKNOWN_SHARE` of the projected children, who are then counted as needing the type
  they are in (the note says so).
* ``other`` (placed with parents, adoption, secure homes) is not a type the standard covers: it is
  left out of both sides.
* Uncertainty: each simulation draws its own mix (Dirichlet on the counts plus half a placement per
  needed type), applied to that simulation's children, so the intervals carry both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.forecast.categories import OTHER, TYPES, type_from_placements
from kit.forecast.history import quarter_label
from kit.forecast.stock_flow import QUANTILES, Projection
from kit.region import derive as D

PLACEMENT_TYPES = D.TYPES
"""The standard's placement types (Foster, Residential, Supported Accommodation): what is needed."""
MIN_COVERAGE = 0.5
"""A type placed needs a recorded preference for at least half its placements to say what is needed."""
MIN_RECORDED = 10
"""...and at least this many placements with one."""
MAX_UNKNOWN_SHARE = 0.05
"""Types placed that record too few preferences but hold at most this share of the projected
children are counted as needing the type they are placed in (the note names them); more, and need
is not given."""
MEASURES = ("as made", "need", "gap")

_PLACED_AS = {t: spec.get("placement_type") for t, spec in D.SSDA903.commercial_types.items() if t != OTHER}
"""Commercial type -> the standard's placement type it is made as (reference/ssda903.yaml)."""


def need_mix(placements: pd.DataFrame, until=None, mix_quarters: int = 4) -> pd.DataFrame:
    """Needed type given the type placed in, from the latest placements, with the coverage.

    Out: one row per commercial type placed (not ``other``) x needed type: ``type``, ``placed_as``,
    ``needed``, ``placements`` (recorded preferences behind the share), ``share``, ``coverage`` (share of
    that type's placements with a recorded preference), ``source`` ("recent" or "all placements of
    this type"), ``enough`` (coverage and count enough to say, see the module docstring).
    """
    derived = D.ensure_derived(placements)  # preferred type and commercial type: the one derivation
    df = pd.DataFrame(
        {
            "type": type_from_placements(derived),
            "needed": derived["preferred_type"].astype("string"),
            "start": pd.to_datetime(derived.get("placement_start", pd.NaT), errors="coerce"),
        },
        index=derived.index,
    )
    df = df[df["type"].isin(list(_PLACED_AS))]
    if df.empty:
        raise KitError("The placements have no placement type the forecast can use: need is not projected.")
    until = pd.Timestamp(until) if until is not None else df["start"].max()
    recent = df
    if pd.notna(until) and df["start"].notna().any():
        recent = df[(df["start"] <= until) & (df["start"] > until - pd.DateOffset(months=3 * mix_quarters))]
    rows = []
    for t, placed_as in _PLACED_AS.items():
        sub, source = recent[recent["type"] == t], "recent"
        if sub["needed"].notna().sum() < MIN_RECORDED:
            sub, source = df[df["type"] == t], "all placements of this type"
        recorded = sub["needed"].dropna()
        coverage = len(recorded) / len(sub) if len(sub) else 0.0
        counts = recorded.value_counts().reindex(PLACEMENT_TYPES, fill_value=0)
        enough = bool(len(recorded) >= MIN_RECORDED and coverage >= MIN_COVERAGE)
        for needed in PLACEMENT_TYPES:
            rows.append(
                {
                    "type": t,
                    "placed_as": placed_as,
                    "needed": needed,
                    "placements": int(counts[needed]),
                    "share": counts[needed] / counts.sum() if counts.sum() else np.nan,
                    "coverage": coverage,
                    "source": source,
                    "enough": enough,
                }
            )
    return pd.DataFrame(rows)


def _quantiles(v: np.ndarray) -> dict[str, float]:
    return {k: float(np.quantile(v, p)) for k, p in QUANTILES.items()}


def project_need(projection: Projection, mix: pd.DataFrame, seed: int | None = 2026) -> pd.DataFrame:
    """Need beside placements as made, by quarter and the standard's placement type.

    In: the model's :class:`Projection` and :func:`need_mix`. Out: ``quarter``, ``quarter_end``,
    ``placement_type``, ``measure`` ("as made": children projected in the types made as it; "need":
    children projected to need it; "gap": need minus as made, the places to commission (negative:
    places made that need would not fill)), ``median`` and the 80% / 95% interval columns,
    ``coverage`` (recorded preferences among the placements behind it) and ``note`` (why a need is
    not given). Need and gap are missing when a type placed records too few preferences.
    """
    rng = np.random.default_rng(np.random.SeedSequence([0 if seed is None else seed, 15]))
    q = projection.quarter_index()
    by_type = projection.by_type()[:, q, :].astype(float)  # [s, quarter, commercial type]
    n_sims = by_type.shape[0]
    placed = list(_PLACED_AS)
    short = sorted({t for t in placed if not mix.loc[mix["type"] == t, "enough"].all()})
    held = by_type[:, :, [TYPES.index(t) for t in placed]].sum(axis=(0, 1))
    short = [t for t, n in zip(placed, held, strict=True) if t in short and n > 0]
    unknown_share = held[[placed.index(t) for t in short]].sum() / max(held.sum(), 1.0)
    assumed = short if unknown_share <= MAX_UNKNOWN_SHARE else []
    # Per simulation, each placed type's mix of needed types (Dirichlet on counts + 0.5).
    draws = np.zeros((n_sims, len(placed), len(PLACEMENT_TYPES)))
    for i, t in enumerate(placed):
        if t in assumed:
            draws[:, i, PLACEMENT_TYPES.index(_PLACED_AS[t])] = 1.0
            continue
        counts = (
            mix[mix["type"] == t].set_index("needed")["placements"].reindex(PLACEMENT_TYPES, fill_value=0)
        )
        draws[:, i, :] = rng.dirichlet(counts.to_numpy(dtype=float) + 0.5, size=n_sims)
    kids = by_type[:, :, [TYPES.index(t) for t in placed]]  # [s, quarter, placed]
    need = np.einsum("sqc,sck->sqk", kids, draws)
    made = np.stack(
        [
            kids[:, :, [i for i, t in enumerate(placed) if _PLACED_AS[t] == k]].sum(axis=2)
            for k in PLACEMENT_TYPES
        ],
        axis=2,
    )
    cov = mix.drop_duplicates("type").set_index("type")
    labels = quarter_label(projection.dates[q])
    rows = []
    for k_i, k in enumerate(PLACEMENT_TYPES):
        feeds = [t for t in placed if _PLACED_AS[t] == k]
        weights = held[[placed.index(t) for t in feeds]]
        coverage = float(np.average(cov.loc[feeds, "coverage"], weights=weights)) if weights.sum() else np.nan
        note = ""
        names = ", ".join(D.SSDA903.commercial_types[t]["label"] for t in short)
        if short and assumed:
            note = (
                f"Too few placements record the preferred type of home for {names} "
                f"({unknown_share:.1%} of the projected children): counted as needing the type they are in."
            )
        elif short:
            note = (
                f"Not estimated: too few placements record the preferred type of home for {names} "
                f"(at least {MIN_COVERAGE:.0%} and {MIN_RECORDED} placements are needed)."
            )
        for j, qe in enumerate(projection.dates[q]):
            values = {
                "as made": made[:, j, k_i],
                "need": need[:, j, k_i],
                "gap": need[:, j, k_i] - made[:, j, k_i],
            }
            for measure in MEASURES:
                row = {"quarter": labels[j], "quarter_end": qe, "placement_type": k, "measure": measure}
                if measure != "as made" and short and not assumed:
                    row.update(dict.fromkeys(QUANTILES, np.nan))
                else:
                    row.update(_quantiles(values[measure]))
                row["coverage"] = coverage
                row["note"] = "" if measure == "as made" else note
                rows.append(row)
    return pd.DataFrame(rows)


def need_text(need: pd.DataFrame | None) -> str:
    """One plain paragraph: need beside placements as made at the horizon, and the gap, for the report."""
    if need is None or not len(need):
        return ""
    last = need[need["quarter_end"] == need["quarter_end"].max()]
    gaps = last[last["measure"] == "gap"]
    if gaps["median"].isna().all():
        return (
            "Need (the type of home social workers preferred) is not projected beside placements as made: "
            + str(gaps["note"].iloc[0]).removeprefix("Not estimated: ")
        )
    quarter = last["quarter"].iloc[0]
    parts = []
    for _, g in gaps.iterrows():
        made = last[(last["placement_type"] == g["placement_type"]) & (last["measure"] == "as made")].iloc[0]
        need_row = last[(last["placement_type"] == g["placement_type"]) & (last["measure"] == "need")].iloc[0]
        parts.append(
            f"{str(g['placement_type']).lower()}: need {need_row['median']:,.0f} against {made['median']:,.0f} as made "
            f"(gap {g['median']:+,.0f}, 80% interval {g['lower_80']:+,.0f} to {g['upper_80']:+,.0f}; "
            f"{g['coverage']:.0%} of placements record a preference)"
        )
    return (
        f"Need beside placements as made, {quarter}, if today's placing continues and children need the "
        "type of home their social worker preferred at referral: " + "; ".join(parts) + ". A positive gap is "
        "places the region must commission for; a negative gap is places made that need would not fill."
    )
