"""Simple baselines on quarterly counts: seasonal naive and simple exponential smoothing.

In: children looked after at each quarter end by type (a frame from
:func:`kit.forecast.history.quarterly_counts`: one row per quarter end, one column per type).
Out: forecasts for the next quarters with 80% and 95% prediction intervals, in the same long shape
as the stock-and-flow model's summary, so the backtest and charts treat all methods alike.

Both are standard forecasting baselines (Hyndman and Athanasopoulos, *Forecasting: principles and
practice*, chapters 5 and 8); the intervals assume normally distributed errors:

* **Seasonal naive**: each quarter repeats the same quarter a year earlier. Residuals are year-on-year
  changes; the interval widens with each further year ahead (``sigma * sqrt(k + 1)``).
* **Simple exponential smoothing** (SES): a weighted average of past counts, recent ones weighing
  more; the smoothing weight is chosen to minimise one-step-ahead squared errors. The forecast is
  flat; the interval widens as ``sigma * sqrt(1 + (h - 1) * alpha**2)``.

Neither knows anything about who is in care, how long children stay or who is about to turn 18:
they only extend the counts. Intervals are never below zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from kit.forecast.stock_flow import QUANTILES

SEASON = 4  # quarters in a year
METHODS = ("seasonal_naive", "exponential_smoothing")
METHOD_LABELS = {
    "stock_flow": "Stock-and-flow model",
    "seasonal_naive": "Seasonal naive",
    "exponential_smoothing": "Exponential smoothing",
}


def _intervals(mean: np.ndarray, sd: np.ndarray) -> dict[str, np.ndarray]:
    out = {"mean": mean}
    for name, p in QUANTILES.items():
        out[name] = np.maximum(mean + stats.norm.ppf(p) * sd, 0.0)
    return out


def seasonal_naive(y: np.ndarray, horizon: int) -> dict[str, np.ndarray] | None:
    """Seasonal naive forecasts of ``y`` for ``horizon`` steps; None with fewer than two years and a quarter."""
    y = np.asarray(y, dtype=float)
    if len(y) < SEASON + 2:
        return None
    resid = y[SEASON:] - y[:-SEASON]
    sigma = np.sqrt(np.mean(resid**2))
    h = np.arange(1, horizon + 1)
    k = (h - 1) // SEASON
    mean = y[len(y) - SEASON + (h - 1) % SEASON]
    return _intervals(mean, sigma * np.sqrt(k + 1))


def _ses_errors(alpha: float, y: np.ndarray) -> tuple[np.ndarray, float]:
    level = y[0]
    errors = np.empty(len(y) - 1)
    for t in range(1, len(y)):
        errors[t - 1] = y[t] - level
        level = level + alpha * errors[t - 1]
    return errors, level


def exponential_smoothing(y: np.ndarray, horizon: int) -> dict[str, np.ndarray] | None:
    """Simple exponential smoothing forecasts of ``y``; None with fewer than three points."""
    y = np.asarray(y, dtype=float)
    if len(y) < 3:
        return None
    fit = optimize.minimize_scalar(
        lambda a: float(np.sum(_ses_errors(a, y)[0] ** 2)), bounds=(0.01, 1.0), method="bounded"
    )
    alpha = float(fit.x)
    errors, level = _ses_errors(alpha, y)
    sigma = np.sqrt(np.sum(errors**2) / max(len(errors) - 1, 1))
    h = np.arange(1, horizon + 1)
    return _intervals(np.full(horizon, level), sigma * np.sqrt(1 + (h - 1) * alpha**2))


def baseline_forecast(counts: pd.DataFrame, horizon_quarters: int, method: str) -> pd.DataFrame:
    """Forecast every column of ``counts`` (quarter ends x types) ``horizon_quarters`` ahead.

    Out: long frame with ``quarter_end``, ``type``, ``method``, ``mean``, ``median`` (= mean) and
    the interval columns of :data:`QUANTILES`. Empty when the history is too short for the method.
    """
    fn = {"seasonal_naive": seasonal_naive, "exponential_smoothing": exponential_smoothing}[method]
    last = pd.Timestamp(counts.index[-1])
    future = pd.date_range(last, periods=horizon_quarters + 1, freq="QE-DEC")[1:]
    rows = []
    for col in counts.columns:
        fc = fn(counts[col].to_numpy(), horizon_quarters)
        if fc is None:
            continue
        for i, q in enumerate(future):
            row = {"quarter_end": q, "type": col, "method": method}
            row.update({k: float(v[i]) for k, v in fc.items()})
            row["median"] = row["mean"]
            rows.append(row)
    return pd.DataFrame(rows)
