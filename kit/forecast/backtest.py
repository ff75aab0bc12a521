"""Honest accuracy: hide the last quarters, forecast them, and score model and baselines alike.

In: a :class:`~kit.forecast.history.CareHistory`, the number of quarters to hide (4 to 8), the
length of the reference period to estimate the model on. Out: a :class:`Backtest` with one row per
method x type x hidden quarter (``detail``) and one per method x type (``summary``): mean absolute
error (``mae``, children), mean absolute percentage error (``mape``), weighted absolute percentage
error (``wape``: total absolute error over total actual children, so a type of 20 children does not
weigh as much as one of 1,000; the headline comparison uses it), and the share of actual counts that
fell inside the 80% and 95% intervals (a well-calibrated method covers about 80% and 95%).

Assumptions: one forecast origin (the start of the hidden quarters), so the scores describe the
recent past only; the model is re-estimated on data before the origin alone, exactly as it would
have been then.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.core.errors import KitError
from kit.forecast.baseline import METHODS, baseline_forecast
from kit.forecast.categories import TYPES
from kit.forecast.history import CareHistory, quarterly_counts
from kit.forecast.stock_flow import estimate_rates, project, start_stock

MIN_REFERENCE_QUARTERS = 2


@dataclass
class Backtest:
    """Backtest results: ``detail`` (method x type x quarter) and ``summary`` (method x type)."""

    origin: pd.Timestamp
    reference_start: pd.Timestamp
    holdout_quarters: int
    detail: pd.DataFrame
    summary: pd.DataFrame

    def overall(self) -> pd.DataFrame:
        """One row per method: scores over the seven types together (not the total)."""
        return self.summary[self.summary["type"] == "all types"].reset_index(drop=True)


def _score(detail: pd.DataFrame) -> pd.DataFrame:
    def agg(g: pd.DataFrame) -> pd.Series:
        ok = g["actual"] > 0
        return pd.Series(
            {
                "quarters": g["quarter_end"].nunique(),
                "mae": g["abs_error"].mean(),
                "mape": (g.loc[ok, "abs_error"] / g.loc[ok, "actual"]).mean() * 100,
                "wape": g["abs_error"].sum() / max(g["actual"].sum(), 1) * 100,
                "coverage_80": g["in_80"].mean() * 100,
                "coverage_95": g["in_95"].mean() * 100,
            }
        )

    per_type = detail.groupby(["method", "type"], sort=False).apply(agg).reset_index()
    types = detail[detail["type"] != "total"]
    pooled = types.groupby("method", sort=False).apply(agg).reset_index()
    pooled["type"] = "all types"
    return pd.concat([per_type, pooled], ignore_index=True)


def run_backtest(
    history: CareHistory,
    holdout_quarters: int = 4,
    reference_quarters: int = 12,
    n_sims: int = 200,
    seed: int | None = 2026,
    last_quarter_end=None,
) -> Backtest:
    """Hide the last ``holdout_quarters`` quarters, forecast them with the model and the baselines.

    The model is estimated on up to ``reference_quarters`` quarters before the hidden ones (fewer if
    the history is shorter). Raises :class:`KitError` when the history leaves fewer than
    :data:`MIN_REFERENCE_QUARTERS` quarters to estimate on.
    """
    last = pd.Timestamp(last_quarter_end) if last_quarter_end is not None else history.last_quarter_end
    origin = last - pd.offsets.QuarterEnd(holdout_quarters)
    first_possible = history.first_snapshot + pd.Timedelta(days=1)
    ref_start = max(origin - pd.offsets.QuarterEnd(reference_quarters) + pd.Timedelta(days=1), first_possible)
    if (origin - ref_start).days < MIN_REFERENCE_QUARTERS * 90:
        raise KitError(
            f"The SSDA903 history ({history.data_start:%B %Y} to {history.data_end:%B %Y}) is too short to "
            f"hide {holdout_quarters} quarters and still estimate the model: hide fewer quarters, or add "
            "earlier returns."
        )
    rates = estimate_rates(history, ref_start, origin)
    proj = project(
        rates, start_stock(history, origin), holdout_quarters, n_sims=n_sims, seed=seed, start=origin
    )
    model = proj.summary("type")
    model["method"] = "stock_flow"
    past = quarterly_counts(history, last=origin)
    forecasts = [model] + [baseline_forecast(past, holdout_quarters, m) for m in METHODS]
    fc = pd.concat([f for f in forecasts if len(f)], ignore_index=True)
    actual = quarterly_counts(history, origin + pd.offsets.QuarterEnd(1), last)
    actual = actual.reset_index().melt(id_vars="quarter_end", var_name="type", value_name="actual")
    detail = fc.merge(actual, on=["quarter_end", "type"], how="inner")
    detail["error"] = detail["mean"] - detail["actual"]
    detail["abs_error"] = detail["error"].abs()
    detail["in_80"] = (detail["actual"] >= detail["lower_80"]) & (detail["actual"] <= detail["upper_80"])
    detail["in_95"] = (detail["actual"] >= detail["lower_95"]) & (detail["actual"] <= detail["upper_95"])
    order = {t: i for i, t in enumerate([*TYPES, "total"])}
    detail = detail.sort_values(
        ["method", "type", "quarter_end"], key=lambda s: s.map(order) if s.name == "type" else s
    )
    cols = ["method", "type", "quarter_end", "actual", "mean", "median", "lower_95", "lower_80"]
    cols += ["upper_80", "upper_95", "error", "abs_error", "in_80", "in_95"]
    detail = detail[cols].reset_index(drop=True)
    return Backtest(
        origin=origin,
        reference_start=ref_start,
        holdout_quarters=holdout_quarters,
        detail=detail,
        summary=_score(detail),
    )


def verdict(backtest: Backtest) -> str:
    """One plain-English sentence comparing the model with the better baseline (over all types)."""
    o = backtest.overall().set_index("method")
    if "stock_flow" not in o.index:
        return "The backtest could not score the model."
    base = o.drop(index="stock_flow")
    if base.empty:
        return "The history was too short to fit a baseline; only the model was scored."
    best = base["wape"].idxmin()
    m, b = o.loc["stock_flow"], o.loc[best]
    from kit.forecast.baseline import METHOD_LABELS

    if abs(m["wape"] - b["wape"]) < 0.1 * b["wape"]:
        compared = "about the same as"
    else:
        compared = "lower than" if m["wape"] < b["wape"] else "higher than"
    return (
        f"Over the {backtest.holdout_quarters} hidden quarters the model's weighted error was {m['wape']:.1f}% "
        f"({compared} {METHOD_LABELS[best].lower()}'s {b['wape']:.1f}%); its 80% intervals held "
        f"{m['coverage_80']:.0f}% of actual counts and its 95% intervals {m['coverage_95']:.0f}%."
    )


def coverage_ok(backtest: Backtest, method: str = "stock_flow", tolerance: float = 15.0) -> bool:
    """Whether ``method``'s 80% and 95% intervals covered close to 80% and 95% (within ``tolerance`` points)."""
    row = backtest.overall().set_index("method").loc[method]
    return bool(abs(row["coverage_80"] - 80) <= tolerance and abs(row["coverage_95"] - 95) <= tolerance)
