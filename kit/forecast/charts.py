"""Charts of the forecast, backtest, spend and scenarios (matplotlib, no display needed).

In: the tables of a :class:`~kit.forecast.result.ForecastResult`. Out: matplotlib ``Figure`` objects
(built without pyplot, so they render on servers and in tests with no display; a notebook shows a
Figure returned by a cell). Every chart follows the Analysis Function's guidance: a title that states
the finding, labelled axes with units, a source line, the colour-blind-safe palette, and series
labelled directly where there is room. Colours and matplotlib settings come from
:mod:`kit.core.style`, the same as the sufficiency charts.
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kit.core.style import (
    DARK_BLUE,
    DARK_GREY,
    DARK_PINK,
    LIGHT_BLUE,
    MID_BLUE,
    ORANGE,
    PALETTE,
    TURQUOISE,
    styled,
)
from kit.forecast.baseline import METHOD_LABELS
from kit.forecast.categories import TYPE_LABELS, TYPES
from kit.forecast.history import quarter_label

BAND_95, BAND_80 = LIGHT_BLUE, MID_BLUE  # the guidance's sequential blues, for interval bands
SOURCE = "Source: pooled SSDA903 episodes"


class Chart(Figure):
    """A matplotlib Figure that a notebook shows as a picture when a cell returns it (no pyplot needed)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def _label(t: str) -> str:
    return TYPE_LABELS.get(t, "All children looked after" if t == "total" else t)


def _finish(fig: Figure, title: str, source: str) -> Figure:
    """Title (the finding, wrapped) at the top left; the source line below everything (laid out, never overlapping)."""
    width = int(fig.get_figwidth() * 8.5)  # characters of a 12-point bold title that fit across the figure
    fig.suptitle(textwrap.fill(title, width), x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.supxlabel(source, x=0.01, ha="left", fontsize=8, color=DARK_GREY)
    return fig


def _money(x: float) -> str:
    return f"£{x / 1e6:,.1f}m" if abs(x) >= 1e6 else f"£{x / 1e3:,.0f}k"


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


@styled
def projection_chart(history: pd.DataFrame, projection: pd.DataFrame, source: str = SOURCE) -> Figure:
    """Children looked after by type: history, projected median and 80% / 95% intervals, one panel per type.

    In: ``history`` (quarter ends x types, the observed counts) and ``projection`` (long: quarter_end,
    type, median and interval columns, as ``ForecastResult.intervals``).
    """
    panels = [*TYPES, "total"]
    fig = Chart(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True).ravel()
    for ax, t in zip(axes, panels, strict=True):
        p = projection[projection["type"] == t].sort_values("quarter_end")
        if t in history and len(history):
            ax.plot(history.index, history[t], color=DARK_GREY, lw=1.6, label="Recorded")
            # The projection starts from the last recorded count (its quarter end is the forecast start).
            start = {
                c: float(history[t].iloc[-1])
                for c in ("lower_95", "lower_80", "median", "upper_80", "upper_95")
            }
            p = pd.concat([pd.DataFrame([{"quarter_end": history.index[-1], **start}]), p], ignore_index=True)
        ax.fill_between(
            p["quarter_end"],
            p["lower_95"],
            p["upper_95"],
            color=BAND_95,
            alpha=0.35,
            lw=0,
            label="95% interval",
        )
        ax.fill_between(
            p["quarter_end"],
            p["lower_80"],
            p["upper_80"],
            color=BAND_80,
            alpha=0.35,
            lw=0,
            label="80% interval",
        )
        ax.plot(p["quarter_end"], p["median"], color=DARK_BLUE, lw=1.8, label="Projected (median)")
        ax.set_title(_label(t), fontsize=9, loc="left")
        ax.set_ylabel("Children (quarter end)", fontsize=8)
        _style(ax)
        ax.tick_params(axis="x", rotation=45)
    axes[0].legend(fontsize=7, frameon=False, loc="upper left")
    tot = projection[projection["type"] == "total"].sort_values("quarter_end")
    start = float(history["total"].iloc[-1]) if "total" in history and len(history) else np.nan
    end = tot.iloc[-1] if len(tot) else None
    if end is not None and np.isfinite(start):
        change = end["median"] - start
        verb = "rise" if change > 0.02 * start else "fall" if change < -0.02 * start else "stay close to"
        verb_text = f"{verb} from" if verb != "stay close to" else verb
        when = quarter_label([end["quarter_end"]])[0]  # a financial-year quarter, as everywhere
        title = (
            f"Children looked after are projected to {verb_text} {start:,.0f}"
            + (f" to about {end['median']:,.0f}" if verb != "stay close to" else "")
            + f" by {when} (95% interval {end['lower_95']:,.0f} to {end['upper_95']:,.0f})"
        )
    else:
        title = "Projected children looked after by placement type"
    return _finish(fig, title, f"{source}; stock-and-flow model (Monte-Carlo simulation).")


@styled
def backtest_chart(backtest, source: str = SOURCE) -> Figure:
    """Weighted error by horizon: the published method against each baseline, for the total and for
    the seven types together. In: a :class:`kit.forecast.backtest.Backtest`."""
    from kit.forecast.backtest import published_scores

    ps = published_scores(backtest)
    fig = Chart(figsize=(10, 5), layout="constrained")
    axes = fig.subplots(1, 2, sharey=False)
    colours = {"naive": TURQUOISE, "seasonal_naive": DARK_PINK, "exponential_smoothing": ORANGE}
    for ax, series, title in (
        (axes[0], "total", "All children looked after"),
        (axes[1], "all types", "Seven types together"),
    ):
        s = backtest.summary[(backtest.summary["series"] == series) & (backtest.summary["horizon"] > 0)]
        for m, colour in colours.items():
            g = s[s["method"] == m]
            if len(g):
                ax.plot(g["horizon"], g["wape"], color=colour, marker="o", label=METHOD_LABELS[m])
        if series == "total":
            pub = ps[ps["series"] == "total"]
            x, y = pub["horizon"], pub["wape"]
        else:
            pub = ps[ps["level"] == "type"]
            d = backtest.detail
            d = d[d["level"] == "type"]
            keep = [
                backtest.method_for(a, int(b)) == m
                for a, b, m in zip(d["series"], d["horizon"], d["method"], strict=True)
            ]
            d = d[keep]
            g = d.groupby("horizon")
            x = np.array(list(g.groups))
            y = (g["abs_error"].sum() / g["actual"].sum() * 100).to_numpy()
        ax.plot(x, y, color=DARK_BLUE, marker="o", linewidth=2.5, label="Published projection")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("Quarters ahead")
        ax.set_ylabel("Weighted absolute error (%)")
        _style(ax)
    axes[0].legend(frameon=False, fontsize=8)
    tot = ps[ps["series"] == "total"]
    wins = int(tot["at_or_below"].sum())
    title = (
        f"For the total, the published projection's error was at or below the best baseline's at {wins} of "
        f"{len(tot)} horizons"
    )
    return _finish(fig, title, f"{source}; rolling backtest from {len(backtest.origins)} forecast origins.")


@styled
def spend_chart(spend: pd.DataFrame, source: str = SOURCE) -> Figure:
    """Projected annual spend by type with 80% intervals, one group of bars per projection year.

    In: ``ForecastResult.spend`` (year, type, mean and interval columns, pounds).
    """
    years = list(dict.fromkeys(spend["year"]))
    types = [t for t in TYPES if t in set(spend["type"])]
    fig = Chart(figsize=(11, 6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(types))
    h = 0.8 / max(len(years), 1)
    for i, year in enumerate(years):
        s = spend[spend["year"] == year].set_index("type").reindex(types)
        pos = y - 0.4 + h / 2 + i * h
        err = np.vstack([s["mean"] - s["lower_80"], s["upper_80"] - s["mean"]])
        ax.barh(pos, s["mean"], height=h, color=PALETTE[i % len(PALETTE)], label=year, xerr=err,
                error_kw={"ecolor": DARK_GREY, "elinewidth": 0.8, "capsize": 2})  # fmt: skip
        if i == len(years) - 1:
            for yy, v, hi in zip(pos, s["mean"], s["upper_80"], strict=True):
                ax.text(hi, yy, f"  {_money(v)}", va="center", fontsize=7)
    ax.set_yticks(y, [_label(t) for t in types])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _money(x)))
    ax.set_xlabel("Projected spend in the year (pounds, with 80% interval)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    _style(ax)
    total = spend[spend["type"] == "total"]
    if len(total):
        first, last = total.iloc[0], total.iloc[-1]
        biggest = (
            spend[(spend["year"] == years[-1]) & (spend["type"] != "total")].sort_values("mean").iloc[-1]
        )
        title = (
            f"Projected placement spend grows from {_money(first['mean'])} in year 1 to {_money(last['mean'])} "
            f"in year {len(years)}; {_label(biggest['type']).lower()} is the largest part"
            if last["mean"] >= first["mean"]
            else f"Projected placement spend falls from {_money(first['mean'])} in year 1 to "
            f"{_money(last['mean'])} in year {len(years)}"
        )
    else:
        title = "Projected placement spend by type"
    return _finish(fig, title, f"{source} and placements-standard weekly costs; inflation applied.")


@styled
def scenario_chart(comparison: pd.DataFrame, source: str = SOURCE) -> Figure:
    """Each scenario against the baseline: change in children by type at the horizon, and in total spend.

    In: ``ForecastResult.scenario_comparison``.
    """
    scen = [s for s in dict.fromkeys(comparison["scenario"]) if s != "Baseline"]
    last_q = comparison.loc[comparison["measure"] == "children", "period"].iloc[-1]
    kids = comparison[(comparison["measure"] == "children") & (comparison["period"] == last_q)]
    spend = comparison[(comparison["measure"] == "spend") & (comparison["type"] == "total")]
    last_year = spend["period"].iloc[-1] if len(spend) else None
    fig = Chart(figsize=(12, 6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[2, 1])
    y = np.arange(len(TYPES))
    h = 0.8 / max(len(scen), 1)
    for i, s in enumerate(scen):
        d = kids[kids["scenario"] == s].set_index("type").reindex(list(TYPES))
        ax1.barh(y - 0.4 + h / 2 + i * h, d["difference"], height=h, color=PALETTE[i % len(PALETTE)], label=s)
    ax1.axvline(0, color=DARK_GREY, lw=0.8)
    ax1.set_yticks(y, [_label(t) for t in TYPES])
    ax1.invert_yaxis()
    ax1.set_xlabel(f"Children in {last_q}: scenario minus baseline")
    ax1.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)
    _style(ax1)
    best = None
    if last_year is not None:
        d = spend[(spend["period"] == last_year) & (spend["scenario"] != "Baseline")].set_index("scenario")
        d = d.reindex(scen)
        ypos = np.arange(len(scen))
        ax2.barh(ypos, d["difference"], color=[PALETTE[i % len(PALETTE)] for i in range(len(scen))])
        for yy, v in zip(ypos, d["difference"], strict=True):
            if np.isfinite(v):
                ax2.text(0, yy + 0.42, f"{'-' if v < 0 else '+'}{_money(abs(v))}", va="bottom", fontsize=7)
        ax2.axvline(0, color=DARK_GREY, lw=0.8)
        ax2.set_yticks(ypos, [textwrap.fill(s, 24) for s in scen], fontsize=7)
        ax2.invert_yaxis()
        ax2.xaxis.set_major_locator(MaxNLocator(4))
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda x, _: ("-" if x < 0 else "") + _money(abs(x))))
        ax2.set_xlabel(f"Spend in {last_year.split(' (')[0].lower()}: scenario minus baseline")
        _style(ax2)
        if d["difference"].notna().any():
            best = d["difference"].idxmin()
    if best is not None and d.loc[best, "difference"] < 0:
        title = f"'{best}' saves most: about {_money(-d.loc[best, 'difference'])} in {last_year.split(' (')[0].lower()}"
    else:
        title = "Scenarios against the baseline projection"
    return _finish(fig, title, f"{source}; stock-and-flow model, same random draws for every scenario.")
