"""Simple baselines on quarterly counts, fitted with statsmodels: naive, seasonal naive, exponential smoothing.

In: children looked after at each quarter end (a frame from
:func:`kit.forecast.history.quarterly_counts`: one row per quarter end, one column per series).
Out: forecasts for the next quarters with 80% and 95% prediction intervals, in the same long shape
as the stock-and-flow model's summary, so the backtest and charts treat all methods alike.

These are the standard benchmarks every forecast should beat (Hyndman and Athanasopoulos,
*Forecasting: principles and practice*, chapters 5 and 8), fitted by a maintained library
(statsmodels) rather than by hand:

* **Naive**: every future quarter repeats the last count (a random walk, ``ARIMA(0,1,0)``); the
  interval widens with the square root of the horizon.
* **Seasonal naive**: each quarter repeats the same quarter a year earlier
  (``ARIMA(0,0,0)(0,1,0)[4]``); needs a year and a quarter of history.
* **Simple exponential smoothing**: a weighted average of past counts, recent ones weighing more
  (``ETSModel`` with additive errors, no trend, no season); the smoothing weight is estimated.

None knows anything about who is in care, how long children stay or who is about to turn 18: they
only extend the counts. Intervals assume normal errors and are never below zero.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from kit.forecast.stock_flow import QUANTILES

SEASON = 4  # quarters in a year
METHODS = ("naive", "seasonal_naive", "exponential_smoothing")
METHOD_LABELS = {
    "stock_flow": "Stock-and-flow model",
    "naive": "Naive (last value)",
    "seasonal_naive": "Seasonal naive",
    "exponential_smoothing": "Exponential smoothing",
}
MIN_POINTS = {"naive": 2, "seasonal_naive": SEASON + 1, "exponential_smoothing": 3}
"""Fewest quarter ends each method needs (the seasonal naive needs one year-on-year change)."""


def _intervals(mean: np.ndarray, sd: np.ndarray) -> dict[str, np.ndarray]:
    mean = np.asarray(mean, dtype=float)
    sd = np.nan_to_num(np.asarray(sd, dtype=float), nan=0.0)
    out = {"mean": np.maximum(mean, 0.0)}
    for name, p in QUANTILES.items():
        out[name] = np.maximum(mean + stats.norm.ppf(p) * sd, 0.0)
    return out


def _series(y) -> pd.Series:
    y = np.asarray(y, dtype=float)
    return pd.Series(y, index=pd.period_range("2000Q1", periods=len(y), freq="Q"))


def _arima(y, horizon: int, order, seasonal_order=(0, 0, 0, 0)) -> dict[str, np.ndarray]:
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny samples: statsmodels warns about convergence and frequency
        fit = ARIMA(_series(y), order=order, seasonal_order=seasonal_order).fit()
        fc = fit.get_forecast(horizon).summary_frame()
    return _intervals(fc["mean"].to_numpy(), fc["mean_se"].to_numpy())


def naive(y, horizon: int) -> dict[str, np.ndarray] | None:
    """Naive (random-walk) forecasts of ``y`` for ``horizon`` steps; None with fewer than two points."""
    if len(y) < MIN_POINTS["naive"]:
        return None
    return _arima(y, horizon, (0, 1, 0))


def seasonal_naive(y, horizon: int) -> dict[str, np.ndarray] | None:
    """Seasonal naive forecasts of ``y``; None with fewer than a year and a quarter of points."""
    if len(y) < MIN_POINTS["seasonal_naive"]:
        return None
    return _arima(y, horizon, (0, 0, 0), (0, 1, 0, SEASON))


def exponential_smoothing(y, horizon: int) -> dict[str, np.ndarray] | None:
    """Simple exponential smoothing forecasts of ``y``; None with fewer than three points."""
    if len(y) < MIN_POINTS["exponential_smoothing"]:
        return None
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    s = _series(y)
    if np.ptp(s.to_numpy()) == 0:  # a constant series: the level is known, the spread is nil
        return _intervals(np.full(horizon, s.iloc[-1]), np.zeros(horizon))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ETSModel(s, error="add", trend=None, seasonal=None).fit(disp=False)
        pred = fit.get_prediction(len(s), len(s) + horizon - 1).summary_frame(alpha=0.05)
    z = stats.norm.ppf(0.975)
    sd = (pred["pi_upper"].to_numpy() - pred["pi_lower"].to_numpy()) / (2 * z)
    return _intervals(pred["mean"].to_numpy(), sd)


FUNCTIONS = {"naive": naive, "seasonal_naive": seasonal_naive, "exponential_smoothing": exponential_smoothing}


def baseline_forecast(counts: pd.DataFrame, horizon_quarters: int, method: str) -> pd.DataFrame:
    """Forecast every column of ``counts`` (quarter ends x series) ``horizon_quarters`` ahead.

    Out: long frame with ``quarter_end``, ``type`` (the column), ``method``, ``mean``, ``median``
    (= mean) and the interval columns of :data:`QUANTILES`. Empty when the history is too short.
    """
    fn = FUNCTIONS[method]
    last = pd.Timestamp(counts.index[-1])
    future = pd.date_range(last, periods=horizon_quarters + 1, freq="QE-DEC")[1:]
    rows = []
    for col in counts.columns:
        fc = fn(counts[col].to_numpy(dtype=float), horizon_quarters)
        if fc is None:
            continue
        for i, q in enumerate(future):
            row = {"quarter_end": q, "type": col, "method": method}
            row.update({k: float(v[i]) for k, v in fc.items()})
            row["median"] = row["mean"]
            rows.append(row)
    return pd.DataFrame(rows)
