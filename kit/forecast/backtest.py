"""Honest accuracy: a rolling-origin backtest of the model and three baselines, and choosing by it.

From every forecast origin that leaves enough history before it (:data:`MIN_TRAIN_QUARTERS` quarter
ends, so that even the seasonal naive has a year-on-year change to learn from) and at least one
quarter after it, every method is fitted on the data before the origin alone, exactly as it would
have been then, and forecasts 1 to :data:`MAX_HORIZON` quarters ahead (as far as the history runs).
Series: the total, each commercial type, and each LA's total.

Out: a :class:`Backtest` with ``detail`` (one row per method x series x origin x horizon) and
``summary`` (method x series x horizon, plus ``horizon == 0`` for all horizons together): mean absolute
error (``mae``, children), weighted absolute percentage error (``wape``: total absolute error over
total actual children), and the share of actual counts inside the 80% and 95% intervals.
``selection`` names, for each series, the method the published projection uses: the one with the
lowest weighted error over every origin and horizon (the model wins ties and near-ties within
:data:`TIE_TOLERANCE`).

Limits: origins overlap (the horizons of neighbouring origins share quarters), so the scores are
not independent; the choice is made and scored on the same quarters, so the published method's
scores are a little optimistic; a few origins describe the recent past only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.forecast.baseline import METHOD_LABELS, METHODS, MIN_POINTS, baseline_forecast
from kit.forecast.categories import TYPE_LABELS, TYPES
from kit.forecast.history import CareHistory, quarter_ends, quarterly_counts
from kit.forecast.stock_flow import estimate_rates, project, start_stock

MIN_TRAIN_QUARTERS = max(MIN_POINTS.values())
"""Quarter ends of history before the first origin (five: a year and a quarter)."""
MAX_HORIZON = 8
TIE_TOLERANCE = 0.02
"""The model is kept unless a baseline's weighted error is more than 2% (relative) lower."""
MAX_ORIGINS = 12
"""The latest origins used by default: three years of quarterly origins."""
LEVELS = ("total", "type", "la")


@dataclass
class Backtest:
    """Backtest results (see the module docstring)."""

    origins: list[pd.Timestamp]
    max_horizon: int
    detail: pd.DataFrame
    summary: pd.DataFrame
    selection: pd.DataFrame

    @property
    def holdout_quarters(self) -> int:  # the longest horizon scored
        return self.max_horizon

    def overall(self) -> pd.DataFrame:
        """One row per method: scores over the seven types together, every origin and horizon."""
        s = self.summary
        return s[(s["series"] == "all types") & (s["horizon"] == 0)].reset_index(drop=True)

    def by_horizon(self, series: str = "total") -> pd.DataFrame:
        """Weighted error by horizon (rows) and method (columns) for one series."""
        s = self.summary[(self.summary["series"] == series) & (self.summary["horizon"] > 0)]
        return s.pivot_table(index="horizon", columns="method", values="wape", aggfunc="first")

    calibration: pd.DataFrame | None = None

    def method_for(self, series: str, horizon: int = 0) -> str:
        """The method the published projection uses for ``series`` at ``horizon`` quarters ahead."""
        sel = self.selection.set_index(["series", "horizon"])["method"]
        if horizon > self.max_horizon:
            horizon = 0
        return sel.get((series, horizon), "stock_flow")


def _score(detail: pd.DataFrame) -> pd.DataFrame:
    def agg(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "origins": g["origin"].nunique(),
                "points": len(g),
                "mae": g["abs_error"].mean(),
                "wape": g["abs_error"].sum() / max(g["actual"].sum(), 1) * 100,
                "coverage_80": g["in_80"].mean() * 100,
                "coverage_95": g["in_95"].mean() * 100,
                "coverage_80_raw": g["in_80_raw"].mean() * 100,
                "coverage_95_raw": g["in_95_raw"].mean() * 100,
            }
        )

    keys = ["method", "level", "series"]
    by_h = detail.groupby([*keys, "horizon"], sort=False).apply(agg, include_groups=False).reset_index()
    all_h = detail.groupby(keys, sort=False).apply(agg, include_groups=False).reset_index()
    all_h["horizon"] = 0
    types = detail[detail["level"] == "type"]
    pooled_h = types.groupby(["method", "horizon"], sort=False).apply(agg, include_groups=False).reset_index()
    pooled = types.groupby("method", sort=False).apply(agg, include_groups=False).reset_index()
    pooled["horizon"] = 0
    for frame in (pooled_h, pooled):
        frame["level"], frame["series"] = "type", "all types"
    out = pd.concat([by_h, all_h, pooled_h, pooled], ignore_index=True)
    out["horizon"] = out["horizon"].astype(int)
    return out.sort_values(["method", "level", "series", "horizon"], kind="stable").reset_index(drop=True)


def select_methods(summary: pd.DataFrame) -> pd.DataFrame:
    """Per series and horizon, the method with the lowest weighted error over the origins (the model
    wins ties); ``horizon == 0`` rows give the choice over every horizon, used beyond the longest one scored.

    Out: ``series``, ``level``, ``horizon``, ``method``, ``method_label``, ``model_wape``,
    ``best_baseline``, ``best_baseline_wape``, ``chosen_wape``.
    """
    s = summary[summary["series"] != "all types"]
    rows = []
    for (level, series, h), g in s.groupby(["level", "series", "horizon"], sort=False):
        w = g.set_index("method")["wape"]
        base = w.drop(index="stock_flow", errors="ignore")
        best = base.idxmin() if len(base) else None
        model = w.get("stock_flow")
        chosen = "stock_flow" if model is not None and (best is None or model <= base[best] + 1e-09) else best
        rows.append(
            {
                "series": series,
                "level": level,
                "horizon": int(h),
                "method": chosen,
                "method_label": METHOD_LABELS[chosen],
                "model_wape": model,
                "best_baseline": best,
                "best_baseline_wape": None if best is None else base[best],
                "chosen_wape": w[chosen],
            }
        )
    return pd.DataFrame(rows)


def _ratios(d: pd.DataFrame, level: str) -> pd.Series:
    """How far each actual count fell from the median, in units of that side's half-width."""
    above = d["actual"] >= d["median"]
    width = (d[f"upper_{level}"] - d["median"]).where(above, d["median"] - d[f"lower_{level}"])
    gap = (d["actual"] - d["median"]).abs()
    return (gap / width.where(width > 0)).where(width > 0, np.where(gap > 0, np.inf, 0.0))


def calibration_factors(detail: pd.DataFrame, chosen=None) -> pd.DataFrame:
    """Per method, the factors that stretch (or shrink) its 80% and 95% intervals so that, over the
    backtest's total and type series where the method is the one published (``chosen``: a mask;
    all its rows when it is never chosen), they held 80% and 95% of the actual counts (conformal
    scaling, fitted on the backtest itself). Out: ``method``, ``factor_80``, ``factor_95``."""
    chosen = np.ones(len(detail), dtype=bool) if chosen is None else np.asarray(chosen, dtype=bool)
    keep = detail["level"].isin(("total", "type")).to_numpy()
    rows = []
    for m in dict.fromkeys(detail["method"]):
        mine = keep & (detail["method"] == m).to_numpy()
        g = detail[mine & chosen] if (mine & chosen).any() else detail[mine]
        row = {"method": m}
        for level, p in (("80", 0.80), ("95", 0.95)):
            r = _ratios(g, level).replace(np.inf, np.nan).dropna()
            row[f"factor_{level}"] = float(np.quantile(r, p)) if len(r) else 1.0
        rows.append(row)
    return pd.DataFrame(rows)


def calibrate(frame: pd.DataFrame, factors: pd.DataFrame, method_column: str = "method") -> pd.DataFrame:
    """``frame``'s interval columns stretched about the median by each row's method's factors."""
    f = factors.set_index("method")
    out = frame.copy()
    for level in ("80", "95"):
        k = out[method_column].map(f[f"factor_{level}"]).fillna(1.0)
        med = out["median"]
        out[f"lower_{level}"] = np.maximum(med - k * (med - out[f"lower_{level}"]), 0.0)
        out[f"upper_{level}"] = med + k * (out[f"upper_{level}"] - med)
    return out


def _long(
    forecast: pd.DataFrame, level: str, origin: pd.Timestamp, method: str | None = None
) -> pd.DataFrame:
    f = forecast.rename(columns={"type": "series"}).copy()
    if method is not None:
        f["method"] = method
    f["level"] = level
    f["origin"] = origin
    f["horizon"] = [len(quarter_ends(origin, q)) - 1 for q in f["quarter_end"]]
    return f


def _methods_at(
    history, counts, origin, horizon, ref_quarters, n_sims, seed, level, entry_trend=True
) -> list[pd.DataFrame]:
    """Every method's forecasts from ``origin`` for the series of ``counts`` (columns)."""
    out = []
    first_possible = history.first_snapshot + pd.Timedelta(days=1)
    ref_start = max(origin - pd.offsets.QuarterEnd(ref_quarters) + pd.Timedelta(days=1), first_possible)
    stock = start_stock(history, origin)
    if len(stock):
        proj = project(
            estimate_rates(history, ref_start, origin, entry_trend=entry_trend),
            stock,
            horizon,
            n_sims=n_sims,
            seed=seed,
            start=origin,
        )
        model = proj.summary("type")
        if level == "la":
            model = model[model["type"] == "total"]
        else:
            model = model[model["type"].isin(counts.columns)]
        out.append(
            _long(
                model.assign(
                    type=model["type"].map(
                        lambda t: counts.columns[-1] if t == "total" and level == "la" else t
                    )
                ),
                level,
                origin,
                "stock_flow",
            )
        )
    past = counts[counts.index <= origin]
    for m in METHODS:
        fc = baseline_forecast(past, horizon, m)
        if len(fc):
            out.append(_long(fc, level, origin))
    return out


def run_backtest(
    history: CareHistory,
    reference_quarters: int = 12,
    n_sims: int = 200,
    seed: int | None = 2026,
    max_horizon: int = MAX_HORIZON,
    by_la: bool = True,
    la_sims: int = 100,
    last_quarter_end=None,
    max_origins: int | None = MAX_ORIGINS,
    entry_trend: bool = True,
) -> Backtest:
    """Rolling-origin backtest of the model and the baselines (see the module docstring).

    The model is estimated at each origin on up to ``reference_quarters`` quarters before it; only
    the latest ``max_origins`` origins are used (None: all), which bounds the run time on long histories.
    Raises :class:`KitError` when the history leaves no origin.
    """
    last = pd.Timestamp(last_quarter_end) if last_quarter_end is not None else history.last_quarter_end
    counts = quarterly_counts(history, last=last)
    dates = list(counts.index)
    origins = dates[MIN_TRAIN_QUARTERS - 1 : -1]
    if max_origins is not None:
        origins = origins[-max_origins:]
    if not origins:
        raise KitError(
            f"The SSDA903 history ({history.data_start:%B %Y} to {history.data_end:%B %Y}) has "
            f"{len(dates)} quarter ends: the backtest needs at least {MIN_TRAIN_QUARTERS + 1}; add earlier returns."
        )
    la_counts = {}
    if by_la:
        for la in history.las:
            la_counts[la] = quarterly_counts(history.for_la(la), last=last)[["total"]].rename(
                columns={"total": la}
            )
    forecasts = []
    for origin in origins:
        horizon = min(max_horizon, len(dates) - 1 - dates.index(origin))
        forecasts += _methods_at(
            history, counts, origin, horizon, reference_quarters, n_sims, seed, "type", entry_trend
        )
        for la, c in la_counts.items():
            forecasts += _methods_at(
                history.for_la(la), c, origin, horizon, reference_quarters, la_sims, seed, "la", entry_trend
            )
    fc = pd.concat(forecasts, ignore_index=True)
    fc.loc[fc["series"] == "total", "level"] = "total"
    actual = counts.reset_index().melt(id_vars="quarter_end", var_name="series", value_name="actual")
    for c in la_counts.values():
        actual = pd.concat(
            [actual, c.reset_index().melt(id_vars="quarter_end", var_name="series", value_name="actual")]
        )
    detail = fc.merge(actual, on=["quarter_end", "series"], how="inner")
    detail["error"] = detail["mean"] - detail["actual"]
    detail["abs_error"] = detail["error"].abs()
    for level in ("80", "95"):
        detail[f"in_{level}_raw"] = (detail["actual"] >= detail[f"lower_{level}"]) & (
            detail["actual"] <= detail[f"upper_{level}"]
        )
    order = {t: i for i, t in enumerate(["total", *TYPES, *la_counts])}
    detail = detail.sort_values(
        ["method", "series", "origin", "horizon"], key=lambda s: s.map(order) if s.name == "series" else s
    )
    cols = ["method", "level", "series", "origin", "horizon", "quarter_end", "actual", "mean", "median"]
    cols += ["lower_95", "lower_80", "upper_80", "upper_95", "error", "abs_error", "in_80", "in_95"]
    cols += ["in_80_raw", "in_95_raw"]
    detail["in_80"], detail["in_95"] = detail["in_80_raw"], detail["in_95_raw"]
    detail = detail[cols].reset_index(drop=True)
    selection = select_methods(_score(detail))
    bt = Backtest(origins, int(detail["horizon"].max()), detail, pd.DataFrame(), selection)
    chosen = [bt.method_for(a, int(b)) for a, b in zip(detail["series"], detail["horizon"], strict=True)]
    factors = calibration_factors(detail, detail["method"].to_numpy() == np.array(chosen, dtype=object))
    detail = calibrate(detail, factors)
    for level in ("80", "95"):
        detail[f"in_{level}"] = (detail["actual"] >= detail[f"lower_{level}"] - 1e-9) & (
            detail["actual"] <= detail[f"upper_{level}"] + 1e-9
        )
    bt.detail, bt.summary, bt.calibration = detail, _score(detail), factors
    return bt


def published_scores(backtest: Backtest) -> pd.DataFrame:
    """Per series and horizon, the published (chosen) method's error against the best baseline's.

    Out: ``series``, ``level``, ``horizon``, ``method``, ``wape``, ``best_baseline``,
    ``best_baseline_wape``, ``at_or_below`` (the published error is no higher), ``coverage_80``,
    ``coverage_95``.
    """
    s = backtest.summary[(backtest.summary["horizon"] > 0) & (backtest.summary["series"] != "all types")]
    rows = []
    for (level, series, h), g in s.groupby(["level", "series", "horizon"], sort=False):
        g = g.set_index("method")
        chosen = backtest.method_for(series, int(h))
        base = g.drop(index="stock_flow", errors="ignore")
        best = base["wape"].idxmin() if len(base) else None
        if chosen not in g.index:
            continue
        rows.append(
            {
                "series": series,
                "level": level,
                "horizon": h,
                "origins": int(g.loc[chosen, "origins"]),
                "method": chosen,
                "wape": g.loc[chosen, "wape"],
                "best_baseline": best,
                "best_baseline_wape": None if best is None else base.loc[best, "wape"],
                "at_or_below": best is None or g.loc[chosen, "wape"] <= base.loc[best, "wape"] + 1e-9,
                "coverage_80": g.loc[chosen, "coverage_80"],
                "coverage_95": g.loc[chosen, "coverage_95"],
            }
        )
    return pd.DataFrame(rows)


def published_coverage(backtest: Backtest, levels=("total", "type")) -> dict[str, float]:
    """80% and 95% coverage of the published methods' intervals over every origin and horizon."""
    d = backtest.detail[backtest.detail["level"].isin(levels)]
    chosen = [backtest.method_for(a, int(b)) for a, b in zip(d["series"], d["horizon"], strict=True)]
    d = d[d["method"].to_numpy() == np.array(chosen, dtype=object)]
    return {"coverage_80": d["in_80"].mean() * 100, "coverage_95": d["in_95"].mean() * 100}


def verdict(backtest: Backtest) -> str:
    """Plain-English sentences: the model against the best baseline for the total and the types."""
    ps = published_scores(backtest)
    total = backtest.by_horizon("total")
    if "stock_flow" not in total.columns:
        return "The backtest could not score the model."
    base = total.drop(columns="stock_flow")
    hs = list(total.index)
    types = ps[ps["level"] == "type"]
    wins = types.groupby("series")["at_or_below"].all()
    sel = backtest.selection
    chosen = sel[(sel["level"] == "type") & (sel["horizon"] > 0)]
    swapped = (
        chosen[chosen["method"] != "stock_flow"]
        .groupby("series", sort=False)["method"]
        .agg(lambda m: m.value_counts().index[0])
        .reset_index()
    )
    cov = published_coverage(backtest)
    text = (
        f"Rolling backtest from {len(backtest.origins)} origins, 1 to {backtest.max_horizon} quarters ahead: "
        f"for the total the model's weighted error was {total.loc[hs[0], 'stock_flow']:.1f}% one quarter ahead "
        f"(best baseline {base.loc[hs[0]].min():.1f}%) and {total.loc[hs[-1], 'stock_flow']:.1f}% "
        f"{hs[-1]} quarters ahead (best baseline {base.loc[hs[-1]].min():.1f}%)."
    )
    if len(swapped):
        names = ", ".join(
            f"{TYPE_LABELS.get(t, t)} ({METHOD_LABELS[m].lower()})"
            for t, m in zip(swapped["series"], swapped["method"], strict=True)
        )
        text += (
            " For each type and horizon the projection uses whichever method had the lowest backtest "
            f"error; a baseline is used for some horizons of: {names} (the commonest choice named)."
        )
    text += (
        f" The published method was at or below the best baseline at every horizon for {int(wins.sum())} of "
        f"{len(wins)} types; its 80% intervals, calibrated on the backtest, held {cov['coverage_80']:.0f}% of actual counts and its 95% "
        f"intervals {cov['coverage_95']:.0f}%."
    )
    return text


def coverage_ok(backtest: Backtest, tolerance: float = 5.0) -> bool:
    """Whether the published intervals covered within ``tolerance`` points of 80% and 95%."""
    cov = published_coverage(backtest)
    return bool(abs(cov["coverage_80"] - 80) <= tolerance and abs(cov["coverage_95"] - 95) <= tolerance)
