"""Needs and cost: split projected children by needs band and cost them, with uncertainty.

In: the regional dataset's ``placements`` (placements-standard rows with ``needs_band``,
``totalWeeklyCost``, ``placement_start`` and the 903 or standard placement type) and a
:class:`~kit.forecast.stock_flow.Projection`. Out: the needs mix per type, a weekly cost table per
type x needs band, and projected spend per projection year by type with 80% and 95% intervals.

The cost table is an input of :func:`project_spend`, so a like-for-like cost table from the
sufficiency analysis can replace the one :func:`cost_table` computes. It needs the columns ``type``
(a key of :data:`~kit.forecast.categories.TYPES`), ``needs_band`` and ``mean_weekly``
(pounds per child per week); ``sd_weekly`` and ``n`` (placements behind the figure) add the
uncertainty of the figure when present. A row with ``needs_band`` ``"all"`` is used for a type's
bands that have no row of their own.

Assumptions (also in ``guides/forecasting.md``):

* Children in each type are split by needs band in the proportions of the placements that started
  in the last ``mix_quarters`` quarters before the forecast start (new placements; children who
  stay long may have a different mix). A type with fewer than :data:`MIN_ROWS` such placements uses
  the mix of all its placements, then the mix of every type.
* Weekly costs recorded in the placements data are taken as prices at the forecast start; inflation
  compounds monthly from there at the annual rate given.
* A child costs the same every week of a month; the stock at each month end stands for that month.
* Spend is not estimated for ``other`` (placed with parents, adoption, secure homes...): the
  placements standard does not cover them. Add a row to the cost table to include them.
* Uncertainty of spend combines the projected number of children (each simulation), the sampling
  uncertainty of the needs mix and of each mean weekly cost, and the spread of individual prices
  around the mean (children held for a year each).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.forecast.categories import OTHER, TYPES, type_from_placements
from kit.forecast.stock_flow import QUANTILES, Projection
from kit.region import derive as D

NEEDS_BANDS = D.NEEDS_BANDS
SENSE_RANGE = D.cost_sense_range()
"""Weekly costs outside the standard's sense range (pounds; read from the standard files' rule by
:func:`kit.region.derive.cost_sense_range`) are left out of the cost table, as the report's
annualised spend leaves them out: they are almost always keying slips (a misplaced decimal point)
that the quality checks flag as warnings."""
MIN_ROWS = 10
"""Fewer placements than this in a type x band: that cell's cost falls back to the type's (band "all")."""
WEEKS_PER_YEAR = D.WEEKS_PER_YEAR
"""The kit's one year in weeks (365.25 / 7), the same as the report's annualised spend."""


def _typed(placements: pd.DataFrame) -> pd.DataFrame:
    placements = D.ensure_derived(placements)  # needs band and commercial type: the one derivation
    df = pd.DataFrame(index=placements.index)
    df["type"] = type_from_placements(placements)
    df["needs_band"] = placements["needs_band"].astype("string")
    df["cost"] = D.weekly_cost(placements)
    start = placements["placement_start"] if "placement_start" in placements else pd.Series(pd.NaT, df.index)
    df["start"] = pd.to_datetime(start, errors="coerce")
    return df[df["type"] != ""]


def needs_mix(placements: pd.DataFrame, until=None, mix_quarters: int = 4) -> pd.DataFrame:
    """Share of each needs band within each type, from placements started in the recent quarters.

    In: ``placements``; ``until`` (the forecast start; default: the latest placement start);
    ``mix_quarters`` quarters before it. Out: one row per type x band: ``type``, ``needs_band``,
    ``placements`` (count behind the share, or the fallback's), ``share``, ``source`` ("recent",
    "all placements of this type", "all types").
    """
    df = _typed(placements)
    df = df[df["needs_band"].isin(NEEDS_BANDS)]
    if df.empty:
        raise KitError(
            "The placements have no needs band (risk assessment): the needs mix cannot be measured."
        )
    until = pd.Timestamp(until) if until is not None else df["start"].max()
    recent = df
    if pd.notna(until) and df["start"].notna().any():
        recent = df[(df["start"] <= until) & (df["start"] > until - pd.DateOffset(months=3 * mix_quarters))]
    rows = []
    every = df["needs_band"].value_counts().reindex(NEEDS_BANDS, fill_value=0)
    for t in TYPES:
        if t == OTHER:
            continue
        this_type = recent[recent["type"] == t]
        source = "recent"
        if len(this_type) < MIN_ROWS:
            this_type, source = df[df["type"] == t], "all placements of this type"
        if len(this_type) >= MIN_ROWS:
            counts = this_type["needs_band"].value_counts().reindex(NEEDS_BANDS, fill_value=0)
        else:
            source, counts = "all types", every
        for band in NEEDS_BANDS:
            rows.append(
                {
                    "type": t,
                    "needs_band": band,
                    "placements": int(counts[band]),
                    "share": counts[band] / counts.sum(),
                    "source": source,
                }
            )
    return pd.DataFrame(rows)


def cost_table(placements: pd.DataFrame) -> pd.DataFrame:
    """Weekly cost per child by type and needs band (and band "all" per type) from the placements.

    Out: ``type``, ``needs_band``, ``n``, ``mean_weekly``, ``sd_weekly``, ``p10``, ``median``, ``p90``
    (pounds a week). Costs outside :data:`SENSE_RANGE` are left out (:func:`costs_out_of_range`
    counts them). Cells with fewer than :data:`MIN_ROWS` costed placements are left out (the type's
    "all" row is used for them).
    """
    df = _typed(placements)
    df = df[D.in_sense_range(df["cost"])]
    rows = []
    for t in TYPES:
        sub = df[df["type"] == t]
        for band, cell in [("all", sub)] + [(b, sub[sub["needs_band"] == b]) for b in NEEDS_BANDS]:
            if len(cell) < MIN_ROWS:
                continue
            c = cell["cost"]
            rows.append(
                {
                    "type": t,
                    "needs_band": band,
                    "n": len(c),
                    "mean_weekly": c.mean(),
                    "sd_weekly": c.std(ddof=1),
                    "p10": c.quantile(0.1),
                    "median": c.median(),
                    "p90": c.quantile(0.9),
                }
            )
    return pd.DataFrame(
        rows, columns=["type", "needs_band", "n", "mean_weekly", "sd_weekly", "p10", "median", "p90"]
    )


def costs_out_of_range(placements: pd.DataFrame) -> int:
    """How many recorded weekly costs fall outside :data:`SENSE_RANGE` (left out of the cost table)."""
    cost = _typed(placements)["cost"].dropna()
    return int((~D.in_sense_range(cost)).sum())


def _cost_lookup(costs: pd.DataFrame, t: str, band: str) -> tuple[float, float, float] | None:
    """(mean, sd, n) for a type and band, falling back on the type's "all" row; None if not costed."""
    missing = {"type", "needs_band", "mean_weekly"} - set(costs.columns)
    if missing:
        raise KitError(f"The cost table has no {', '.join(sorted(missing))} column(s).")
    for b in (band, "all"):
        hit = costs[(costs["type"] == t) & (costs["needs_band"] == b)]
        if len(hit):
            r = hit.iloc[0]
            sd = float(r["sd_weekly"]) if "sd_weekly" in r and pd.notna(r["sd_weekly"]) else 0.0
            n = float(r["n"]) if "n" in r and pd.notna(r["n"]) else np.inf
            return float(r["mean_weekly"]), sd, n
    return None


def year_labels(dates: pd.DatetimeIndex, n_years: int) -> list[str]:
    """'Year 1 (Oct 2026 to Sep 2027)' labels for the projection years after ``dates[0]``."""
    out = []
    for y in range(n_years):
        first = dates[min(12 * y + 1, len(dates) - 1)]
        last = dates[min(12 * (y + 1), len(dates) - 1)]
        out.append(f"Year {y + 1} ({first:%b %Y} to {last:%b %Y})")
    return out


def simulate_spend(
    projection: Projection,
    mix: pd.DataFrame,
    costs: pd.DataFrame,
    inflation: float = 0.03,
    seed: int | None = 2026,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Spend per simulation, projection year and type.

    Out: (array ``[sims, years, types]`` of pounds, year labels, types costed). Years are whole
    12-month periods from the forecast start (a last part-year counts only its months).
    """
    if inflation <= -1:
        raise KitError("The inflation rate must be above -100% (e.g. 0.03 for 3% a year).")
    rng = np.random.default_rng(seed)
    counts = projection.by_type()[:, 1:, :].astype(float)  # month ends after the start
    dates = projection.dates
    weeks = np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(float) / 7.0
    years_from_start = (dates[1:] - dates[0]).days.to_numpy() / D.DAYS_PER_YEAR
    price = (1.0 + inflation) ** years_from_start
    n_months = counts.shape[1]
    n_years = int(np.ceil(n_months / 12))
    year_of = np.arange(n_months) // 12
    sims = counts.shape[0]
    spend = np.zeros((sims, n_years, len(TYPES)))
    costed = []
    for c, t in enumerate(TYPES):
        shares = mix[mix["type"] == t].set_index("needs_band").reindex(list(NEEDS_BANDS))
        if shares["share"].isna().all():
            bands = [("all", np.ones(sims))]
        else:
            alpha = shares["placements"].fillna(0).to_numpy(dtype=float) + 1.0
            draw = rng.dirichlet(alpha, size=sims)
            bands = [(b, draw[:, i]) for i, b in enumerate(NEEDS_BANDS)]
        found = False
        for band, share in bands:
            look = _cost_lookup(costs, t, band)
            if look is None:
                continue
            found = True
            mean, sd, n = look
            mean_sim = mean + (sd / np.sqrt(n) if np.isfinite(n) else 0.0) * rng.standard_normal(sims)
            children = counts[:, :, c] * share[:, None]  # [sims, months]
            monthly = children * weeks[None, :] * price[None, :] * mean_sim[:, None]
            for y in range(n_years):
                in_year = year_of == y
                avg = children[:, in_year].mean(axis=1)
                spread = sd * in_year.sum() / 12 * WEEKS_PER_YEAR * np.sqrt(avg) * price[in_year].mean()
                spend[:, y, c] += monthly[:, in_year].sum(axis=1) + spread * rng.standard_normal(sims)
        if found:
            costed.append(t)
    return np.maximum(spend, 0.0), year_labels(dates, n_years), costed


def spend_summary(spend: np.ndarray, years: list[str], costed: list[str]) -> pd.DataFrame:
    """Mean and intervals of spend per year and type (plus ``total`` of the costed types), in pounds."""
    rows = []
    idx = [TYPES.index(t) for t in costed]
    for y, label in enumerate(years):
        for name, values in [(t, spend[:, y, TYPES.index(t)]) for t in costed] + [
            ("total", spend[:, y, idx].sum(axis=1))
        ]:
            row = {"year": label, "type": name, "mean": float(values.mean())}
            row.update({k: float(np.quantile(values, p)) for k, p in QUANTILES.items()})
            rows.append(row)
    return pd.DataFrame(rows)


def project_spend(
    projection: Projection,
    placements: pd.DataFrame,
    costs: pd.DataFrame | None = None,
    inflation: float = 0.03,
    mix_quarters: int = 4,
    seed: int | None = 2026,
) -> pd.DataFrame:
    """Projected annual spend by type with intervals (pounds).

    In: a projection; the ``placements`` (for the needs mix, and the costs unless ``costs`` given);
    an optional cost table (see the module's docstring); annual ``inflation`` (0.03 = 3%).
    Out: :func:`spend_summary`'s table.
    """
    mix = needs_mix(placements, until=projection.dates[0], mix_quarters=mix_quarters)
    costs = cost_table(placements) if costs is None else costs
    spend, years, costed = simulate_spend(projection, mix, costs, inflation=inflation, seed=seed)
    return spend_summary(spend, years, costed)
