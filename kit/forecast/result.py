"""The forecast's results: tables, charts, a plain-English summary, and writing them to a folder.

In: what :func:`kit.forecast.forecast_region` computed. Out: a :class:`ForecastResult` whose tables
are ``projection``, ``intervals``, ``by_age``, ``backtest`` (and ``backtest_detail``), ``spend``,
``needs_mix``, ``cost_table``, ``scenario_comparison``, ``entries`` and ``transitions``, and
``by_la``, ``by_uasc`` (the projection split by LA and UASC status), ``need`` (need beside
placements as made, :mod:`kit.forecast.need`), ``entry_trend`` and ``transitions_by_duration``;
``write(out_dir)`` saves them as CSV with the charts as PNG.

Small numbers: every table written passes through :mod:`kit.publish.suppression`, the kit's one
suppression, by the shapes in :func:`table_shapes`: recorded counts of children (history, the
backtest's actual counts, entrants, placements behind the needs mix and the costs) below
``suppress_below`` (default 5) are hidden with enough others that none can be worked out from the
totals, with the values that come from them; the rates and costs tables leave out rows resting on
fewer child-months or placements than that. The charts draw the suppressed history. Projected
values are model outputs, rounded to whole children or pounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kit.forecast import charts
from kit.forecast.backtest import Backtest, verdict
from kit.forecast.categories import TYPE_LABELS, TYPES
from kit.forecast.history import quarter_label
from kit.forecast.scenarios import Scenario
from kit.forecast.stock_flow import Projection, Rates

INTERVAL_COLUMNS = ["lower_95", "lower_80", "median", "upper_80", "upper_95"]


def table_shapes() -> dict:
    """How the counts of children in each written table add up (for :mod:`kit.publish.suppression`).

    Every table written is listed; an empty shape means the table holds model results (projected
    children, intervals, scores, spend, shares of the simulation), not counts of children.
    """
    from kit.analysis.measures import Column, Grid, Shape

    model = Shape()
    return {
        # recorded children at each quarter end by type; the ``total`` type is each quarter's total
        "projection": Shape(
            (Grid("quarter_end", "type", "recorded", blocks=("kind",), column_total="total"),)
        ),
        "backtest_detail": Shape(
            (
                Grid(
                    "quarter_end",
                    "series",
                    "actual",
                    derived=("error", "abs_error", "in_80", "in_95", "in_80_raw", "in_95_raw"),
                    blocks=("method", "origin"),
                    column_total="total",
                ),
            )
        ),
        # each LA's recorded total at each quarter end (LAs do not add up to a row of this table)
        "backtest_detail_la": Shape(
            (
                Grid(
                    "quarter_end",
                    "series",
                    "actual",
                    derived=("error", "abs_error", "in_80", "in_95", "in_80_raw", "in_95_raw"),
                    blocks=("method", "origin"),
                ),
            )
        ),
        "entries": Shape((Column("entrants_observed", derived=("entrants_per_quarter", "dispersion")),)),
        "needs_mix": Shape((Grid("type", "needs_band", "placements", derived=("share",)),)),
        # recorded preferences by type placed x type needed (placements that record one)
        "need_mix": Shape((Grid("type", "needed", "placements", derived=("share",)),)),
        "cost_table": Shape(
            (
                Grid(
                    "type",
                    "needs_band",
                    "n",
                    column_total="all",
                    derived=("mean_weekly", "sd_weekly", "p10", "median", "p90"),
                ),
            )
        ),
        "transitions": model,  # rates; rows on fewer child-months than the threshold are left out
        "transitions_by_duration": model,  # the same
        "entry_trend": model,
        "projection_la": model,
        "projection_uasc": model,
        "projection_need": model,
        "intervals": model,
        "projection_by_age": model,
        "backtest": model,
        "backtest_published": model,
        "forecast_methods": model,
        "spend": model,
        "scenario_comparison": model,
    }


def published_summary(
    history: pd.DataFrame, projection: Projection, backtest: Backtest | None
) -> pd.DataFrame:
    """The published projection by quarter and type: for each type and horizon the method the backtest
    chose (:meth:`Backtest.method_for`), its intervals calibrated on the backtest. Without a backtest,
    the model's own. Out: :meth:`Projection.summary` columns plus ``horizon`` and ``method``."""
    from kit.forecast.backtest import calibrate
    from kit.forecast.baseline import METHODS, baseline_forecast

    summ = projection.summary("type")
    summ["horizon"] = summ.groupby("type").cumcount() + 1
    summ["method"] = "stock_flow"
    if backtest is None:
        return summ
    summ["method"] = [
        backtest.method_for(t, int(h)) for t, h in zip(summ["type"], summ["horizon"], strict=True)
    ]
    horizon = int(summ["horizon"].max())
    for m in METHODS:
        if not (summ["method"] == m).any():
            continue
        fc = baseline_forecast(history, horizon, m).set_index(["quarter_end", "type"])
        use = summ["method"] == m
        keys = list(zip(summ.loc[use, "quarter_end"], summ.loc[use, "type"], strict=True))
        for col in ["mean", *INTERVAL_COLUMNS]:
            summ.loc[use, col] = fc.loc[keys, col].to_numpy()
    return calibrate(summ, backtest.calibration)


def projection_tables(
    history: pd.DataFrame, projection: Projection, backtest: Backtest | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(projection, intervals): recorded and projected children by quarter and type, long format,
    projected by the method the backtest chose for each type and horizon (``method``)."""
    rec = history.reset_index().melt(id_vars="quarter_end", var_name="type", value_name="recorded")
    rec["kind"] = "recorded"
    summ = published_summary(history, projection, backtest)
    proj = summ[["quarter_end", "type", "mean", "median", "method"]].copy()
    proj["kind"] = "projected"
    table = pd.concat([rec, proj], ignore_index=True)
    table["quarter"] = quarter_label(table["quarter_end"])
    table["type_label"] = table["type"].map(lambda t: TYPE_LABELS.get(t, "All children looked after"))
    table = table[
        ["quarter", "quarter_end", "kind", "type", "type_label", "recorded", "mean", "median", "method"]
    ]
    intervals = summ[["quarter_end", "type", "method", *INTERVAL_COLUMNS]].copy()
    intervals.insert(0, "quarter", quarter_label(intervals["quarter_end"]))
    return table, intervals


def _as_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The backtest's ``horizon`` ("all" for 0), ``origins`` and ``points`` columns as text: they
    number quarters ahead and forecasts, not children, so the small-number check must not read them."""
    out = frame.copy()
    if "horizon" in out:
        out["horizon"] = [("all" if int(h) == 0 else str(int(h))) for h in out["horizon"]]
    for col in ("origins", "points"):
        if col in out:
            out[col] = out[col].astype(int).astype(str)
    return out


def _round(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Round the numeric columns only (dates and text untouched)."""
    attrs, frame = frame.attrs, frame.copy()
    frame.attrs = {}  # a suppressed table's mask (a frame in attrs) would stop pandas combining columns
    num = frame.select_dtypes("number").columns
    out = frame.assign(**{c: frame[c].round(digits) for c in num})
    out.attrs = attrs
    return out


def scenario_comparison(
    baseline: Projection,
    runs: dict[str, Projection],
    spend: dict[str, tuple[np.ndarray, list[str], list[str]]],
) -> pd.DataFrame:
    """Side-by-side table: every scenario (and the baseline) by type at each projection year's end,
    and spend per projection year, with the difference from the baseline (paired simulations).

    Out columns: ``scenario``, ``measure`` ("children" or "spend"), ``period``, ``type``, ``mean``,
    ``lower_95``, ``upper_95``, ``baseline_mean``, ``difference``, ``difference_lower_80``,
    ``difference_upper_80``.
    """
    rows = []
    months = np.arange(12, baseline.counts.shape[1], 12)
    base_counts = baseline.by_type()
    for name, proj in {"Baseline": baseline, **runs}.items():
        counts = proj.by_type()
        for m in months:
            period = quarter_label([proj.dates[m]])[0]
            for c, t in enumerate([*TYPES, "total"]):
                v = counts[:, m, :].sum(axis=1) if t == "total" else counts[:, m, c]
                b = base_counts[:, m, :].sum(axis=1) if t == "total" else base_counts[:, m, c]
                rows.append(_row(name, "children", period, t, v.astype(float), b.astype(float)))
        if name in spend and "Baseline" in spend:
            arr, years, costed = spend[name]
            barr = spend["Baseline"][0]
            idx = [TYPES.index(t) for t in costed]
            for y, label in enumerate(years):
                for t in [*costed, "total"]:
                    v = arr[:, y, idx].sum(axis=1) if t == "total" else arr[:, y, TYPES.index(t)]
                    b = barr[:, y, idx].sum(axis=1) if t == "total" else barr[:, y, TYPES.index(t)]
                    rows.append(_row(name, "spend", label, t, v, b))
    return pd.DataFrame(rows)


def _row(name, measure, period, t, v, b) -> dict:
    d = v - b
    return {
        "scenario": name,
        "measure": measure,
        "period": period,
        "type": t,
        "mean": float(v.mean()),
        "lower_95": float(np.quantile(v, 0.025)),
        "upper_95": float(np.quantile(v, 0.975)),
        "baseline_mean": float(b.mean()),
        "difference": float(d.mean()),
        "difference_lower_80": float(np.quantile(d, 0.10)),
        "difference_upper_80": float(np.quantile(d, 0.90)),
    }


@dataclass
class ForecastResult:
    """Everything the forecast produced (see the module docstring for the tables)."""

    region: str
    origin: pd.Timestamp
    reference_start: pd.Timestamp
    reference_end: pd.Timestamp
    n_sims: int
    seed: int | None
    inflation: float
    rates: Rates
    history: pd.DataFrame
    baseline_projection: Projection
    projection: pd.DataFrame
    intervals: pd.DataFrame
    by_age: pd.DataFrame
    backtest_result: Backtest | None
    spend: pd.DataFrame | None
    needs_mix: pd.DataFrame | None
    cost_table: pd.DataFrame | None
    scenario_comparison: pd.DataFrame | None
    scenarios: list[Scenario] = field(default_factory=list)
    scenario_projections: dict[str, Projection] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    need: pd.DataFrame | None = None
    preferred_mix: pd.DataFrame | None = None

    # --- tables ------------------------------------------------------------------------------
    @property
    def backtest(self) -> pd.DataFrame | None:
        """Backtest scores: one row per method x type (MAE, MAPE, 80% and 95% coverage)."""
        return None if self.backtest_result is None else self.backtest_result.summary

    @property
    def backtest_detail(self) -> pd.DataFrame | None:
        return None if self.backtest_result is None else self.backtest_result.detail

    @property
    def entries(self) -> pd.DataFrame:
        """Entrants per quarter by age band over the reference period."""
        return self.rates.entries_table()

    @property
    def transitions(self) -> pd.DataFrame:
        """Monthly chances of staying, moving and leaving care, by age band and type."""
        return self.rates.transitions_table()

    def _split(self, by: str) -> pd.DataFrame | None:
        proj = self.baseline_projection
        if (by == "la" and proj.la_counts is None) or (by == "uasc" and proj.uasc_counts is None):
            return None
        summ = proj.summary(by)
        summ.insert(0, "quarter", quarter_label(summ["quarter_end"]))
        return summ

    @property
    def by_la(self) -> pd.DataFrame | None:
        """Projected children by LA at each quarter end (mean, median, 80% and 95% intervals) with a
        ``total`` row: each child carries its LA, so the LAs add up to the total in every simulation."""
        return self._split("la")

    @property
    def by_uasc(self) -> pd.DataFrame | None:
        """Projected children by UASC status ("UASC", "not UASC", ``total``), as :attr:`by_la`."""
        return self._split("uasc")

    def split_table(self, suppress_below: int = 5) -> pd.DataFrame:
        """The report's per-LA and UASC rows: children now and at the end of each projection year
        (median and 95% interval). The "now" counts are recorded children: they pass through the
        kit's one suppression (:mod:`kit.publish.suppression`; the LAs, and the two UASC groups, each
        add up to the region's total, so a hidden count takes another with it)."""
        from kit.analysis.measures import Column, Shape
        from kit.publish.suppression import HIDDEN, suppress_table

        proj = self.baseline_projection
        if proj.la_counts is None:
            return pd.DataFrame()
        parts = [("la", name, i) for i, name in enumerate(proj.las)]
        parts += [("uasc", name, i) for i, name in enumerate(("not UASC", "UASC"))]
        now = pd.DataFrame(
            {
                "split": [by for by, _, _ in parts],
                "now": [
                    int((proj.la_counts if by == "la" else proj.uasc_counts)[0, 0, i]) for by, _, i in parts
                ],
            }
        )
        safe = suppress_table(now, Shape((Column("now", blocks=("split",)),)), suppress_below)
        rows = []
        for k, (by, name, _) in enumerate(parts):
            summ = self._split(by)
            ends = summ[(summ[by] == name) & summ["quarter_end"].isin(summ["quarter_end"].unique()[3::4])]
            shown = safe["now"].iloc[k]
            row = {"group": f"LA {name}" if by == "la" else name,
                   f"now ({self.origin:%b %Y})": HIDDEN if pd.isna(shown) else int(shown)}  # fmt: skip
            for _, r in ends.iterrows():
                row[r["quarter"]] = f"{r['median']:,.0f} ({r['lower_95']:,.0f} to {r['upper_95']:,.0f})"
            rows.append(row)
        return pd.DataFrame(rows)

    def need_table(self) -> pd.DataFrame:
        """The report's need table: at the end of each projection year, by the standard's placement
        type, children as made, in need of it and the gap (median, 80% interval of the gap)."""
        if self.need is None or not len(self.need):
            return pd.DataFrame()
        n = self.need
        ends = n[n["quarter_end"].isin(n["quarter_end"].unique()[3::4])]
        wide = ends.pivot_table(index=["quarter", "placement_type"], columns="measure", values="median",
                                aggfunc="first", dropna=False)  # fmt: skip
        gap = ends[ends["measure"] == "gap"].set_index(["quarter", "placement_type"])
        out = pd.DataFrame(
            {
                "as made": wide["as made"].round(0),
                "need": wide["need"].round(0),
                "gap": wide["gap"].round(0),
                "gap 80% interval": [
                    "" if pd.isna(lo) else f"{lo:+,.0f} to {hi:+,.0f}"
                    for lo, hi in zip(
                        gap["lower_80"].reindex(wide.index), gap["upper_80"].reindex(wide.index), strict=True
                    )
                ],
                "coverage": [f"{c:.0%}" for c in gap["coverage"].reindex(wide.index)],
            }
        ).reset_index()
        return out

    def headline(self) -> pd.DataFrame:
        """Children by type now and at the end of each projection year (median and 95% interval)."""
        now = self.history.iloc[-1]
        ends = self.intervals[
            self.intervals["quarter_end"].isin(self.intervals["quarter_end"].unique()[3::4])
        ]
        rows = []
        for t in [*TYPES, "total"]:
            row = {
                "type": TYPE_LABELS.get(t, "All children looked after"),
                f"now ({self.origin:%b %Y})": now[t],
            }
            for _, r in ends[ends["type"] == t].iterrows():
                row[r["quarter"]] = f"{r['median']:,.0f} ({r['lower_95']:,.0f} to {r['upper_95']:,.0f})"
            rows.append(row)
        return pd.DataFrame(rows)

    def backtest_table(self) -> pd.DataFrame:
        """The rolling backtest in one table: for the total and each type, the published method's
        weighted error (%) at each horizon, with the best baseline's in brackets (model results only)."""
        from kit.forecast.backtest import published_scores

        if self.backtest_result is None:
            return pd.DataFrame()
        ps = published_scores(self.backtest_result)
        ps = ps[ps["level"] != "la"]
        rows = []
        for series in ["total", *TYPES]:
            g = ps[ps["series"] == series].set_index("horizon")
            if g.empty:
                continue
            row = {"type": TYPE_LABELS.get(series, "All children looked after")}
            for h, r in g.iterrows():
                best = r["best_baseline_wape"]
                row[f"{h} quarter{'s' if h > 1 else ''} ahead"] = f"{r['wape']:.1f}%" + (
                    "" if pd.isna(best) else f" ({best:.1f}%)"
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def scenario_summary(self) -> pd.DataFrame:
        """One row per scenario: children at the horizon (in total and in the four bought types most scenarios
        move) and spend in the last projection year, against the baseline (mean change, and the 80%
        interval of the spend change over paired simulations)."""
        sc = self.scenario_comparison
        if sc is None or not len(sc):
            return pd.DataFrame()
        last = sc.loc[sc["measure"] == "children", "period"].iloc[-1]
        rows = []
        for name in dict.fromkeys(sc["scenario"]):
            if name == "Baseline":
                continue
            kids = sc[(sc["scenario"] == name) & (sc["period"] == last)].set_index("type")
            row = {
                "scenario": name,
                f"children {last}": round(kids.loc["total", "mean"]),
                "change in children": round(kids.loc["total", "difference"]),
                "in-house fostering": round(kids.loc["inhouse_foster", "difference"]),
                "IFA": round(kids.loc["ifa", "difference"]),
                "LA children's homes": round(kids.loc["la_home", "difference"]),
                "private or voluntary homes": round(kids.loc["private_home", "difference"]),
            }
            spend = sc[(sc["scenario"] == name) & (sc["measure"] == "spend") & (sc["type"] == "total")]
            if len(spend):
                r = spend.iloc[-1]
                year = r["period"].split(" (")[0].lower()
                row[f"change in spend {year} (£m)"] = round(r["difference"] / 1e6, 2)
                row["80% interval (£m)"] = (
                    f"{r['difference_lower_80'] / 1e6:,.2f} to {r['difference_upper_80'] / 1e6:,.2f}"
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def summary_text(self) -> str:
        """A few plain-English lines: what the projection says, how it did in the backtest, spend."""
        lines = []
        tot = self.intervals[self.intervals["type"] == "total"].iloc[-1]
        lines.append(
            f"{self.region}: {self.history['total'].iloc[-1]:,.0f} children looked after on "
            f"{self.origin:%d %B %Y}; projected {tot['median']:,.0f} by {tot['quarter']} "
            f"(95% interval {tot['lower_95']:,.0f} to {tot['upper_95']:,.0f}), from rates over "
            f"{self.reference_start:%d %b %Y} to {self.reference_end:%d %b %Y}."
        )
        if self.backtest_result is not None:
            lines.append(verdict(self.backtest_result))
        split = self._split_sentence()
        if split:
            lines.append(split)
        from kit.forecast.need import need_text

        if need_text(self.need):
            lines.append(need_text(self.need))
        if self.spend is not None and len(self.spend):
            first = self.spend[self.spend["type"] == "total"].iloc[0]
            lines.append(
                f"Projected spend in {first['year'].replace('Year', 'year')}: £{first['mean'] / 1e6:,.1f}m "
                f"(95% interval £{first['lower_95'] / 1e6:,.1f}m to £{first['upper_95'] / 1e6:,.1f}m), "
                f"inflation {self.inflation:.1%} a year."
            )
        if self.scenario_comparison is not None and len(self.scenario_comparison):
            sc = self.scenario_comparison
            last = sc.loc[sc["measure"] == "children", "period"].iloc[-1]
            for s in self.scenarios:
                kids = sc[(sc["scenario"] == s.name) & (sc["period"] == last) & (sc["type"] == "total")]
                sp = sc[(sc["scenario"] == s.name) & (sc["measure"] == "spend") & (sc["type"] == "total")]
                change = round(kids["difference"].iloc[0])
                noun = "child" if abs(change) == 1 else "children"
                moved = f"{change:+,} {noun}" if change else "no change in the number of children"
                text = f"Scenario '{s.name}': {moved} by {last}"
                if len(sp):
                    year = sp["period"].iloc[-1].split(" (")[0].lower()
                    diff = sp["difference"].iloc[-1]
                    text += f", spend {'-' if diff < 0 else '+'}£{abs(diff) / 1e6:,.2f}m in {year}"
                lines.append(text + " against the baseline.")
        return "\n".join(lines)

    def _split_sentence(self) -> str:
        """One line: the largest and smallest LA's projection and the UASC children's at the horizon."""
        la, uasc = self.by_la, self.by_uasc
        if la is None or uasc is None:
            return ""
        last = la["quarter_end"].max()
        la_last = la[(la["quarter_end"] == last) & (la["la"] != "total")]
        u = uasc[(uasc["quarter_end"] == last) & (uasc["uasc"] == "UASC")].iloc[0]
        parts = ", ".join(
            f"{r['la']} {r['median']:,.0f} ({r['lower_95']:,.0f} to {r['upper_95']:,.0f})"
            for _, r in la_last.iterrows()
        )
        return (
            f"By LA, {la_last['quarter'].iloc[0]} (median, 95% interval): {parts}; of them UASC "
            f"{u['median']:,.0f} ({u['lower_95']:,.0f} to {u['upper_95']:,.0f})."
        )

    # --- charts --------------------------------------------------------------------------------
    def charts(self, suppress_below: int = 5) -> dict[str, object]:
        """The forecast's charts as matplotlib Figures, by file name stem (history suppressed)."""
        source = f"Source: pooled SSDA903 episodes, {self.region}"
        history = self.published_history(suppress_below)
        out = {"projection": charts.projection_chart(history, self.intervals, source)}
        if self.backtest_result is not None:
            out["backtest"] = charts.backtest_chart(self.backtest_result, source)
        if self.spend is not None and len(self.spend):
            out["spend"] = charts.spend_chart(self.spend, source)
        if self.scenario_comparison is not None and len(self.scenarios):
            out["scenarios"] = charts.scenario_chart(self.scenario_comparison, source)
        return out

    # --- writing -------------------------------------------------------------------------------
    def published_history(self, suppress_below: int = 5) -> pd.DataFrame:
        """The recorded counts (quarter ends x types and ``total``) as published: small ones hidden (NaN)."""
        from kit.publish.suppression import suppress_table

        proj = self.projection[self.projection["kind"] == "recorded"]
        safe = suppress_table(proj, table_shapes()["projection"], suppress_below)
        wide = safe.pivot_table(
            index="quarter_end", columns="type", values="recorded", aggfunc="first", dropna=False
        )
        return wide.reindex(index=self.history.index, columns=self.history.columns).astype(float)

    def tables(self, suppress_below: int = 5) -> dict[str, pd.DataFrame]:
        """The tables as written: through :func:`kit.publish.suppression.suppress_tables` by
        :func:`table_shapes`, thin rates and costs left out, values rounded."""
        from kit.publish.suppression import suppress_tables, withhold_thin_rows

        raw = {
            "projection": self.projection,
            "intervals": self.intervals,
            "projection_by_age": self.by_age,
            "entries": self.entries,
            "transitions": withhold_thin_rows(self.transitions, "child_months", suppress_below),
            "transitions_by_duration": withhold_thin_rows(
                self.rates.duration_table(), "child_months", suppress_below
            ),
            "entry_trend": self.rates.trend_table(),
        }
        for name, table in (("projection_la", self.by_la), ("projection_uasc", self.by_uasc)):
            if table is not None:
                raw[name] = table
        if self.need is not None:
            raw["projection_need"] = self.need
            raw["need_mix"] = self.preferred_mix
        if self.backtest_result is not None:
            from kit.forecast.backtest import published_scores

            raw["backtest"] = self.backtest
            detail = self.backtest_detail.astype(
                {
                    "actual": float,
                    "in_80": "boolean",
                    "in_95": "boolean",
                    "in_80_raw": "boolean",
                    "in_95_raw": "boolean",
                }
            )
            raw["backtest_detail"] = detail[detail["level"] != "la"].drop(columns="level")
            raw["backtest_detail_la"] = detail[detail["level"] == "la"].drop(columns="level")
            raw["backtest_published"] = published_scores(self.backtest_result)
            raw["forecast_methods"] = self.backtest_result.selection
        if self.spend is not None:
            raw["spend"] = self.spend
            raw["needs_mix"] = self.needs_mix
            costs = self.cost_table
            raw["cost_table"] = withhold_thin_rows(costs, "n", suppress_below) if "n" in costs else costs
        if self.scenario_comparison is not None:
            raw["scenario_comparison"] = self.scenario_comparison
        for name in (
            "backtest",
            "backtest_detail",
            "backtest_detail_la",
            "backtest_published",
            "forecast_methods",
        ):
            if name in raw:  # horizons and numbers of origins are labels, not counts of children
                raw[name] = _as_labels(raw[name])
        safe = suppress_tables(raw, suppress_below, table_shapes())
        digits = {"intervals": 0, "projection_by_age": 1, "entries": 2, "transitions": 4, "backtest": 2,
                  "backtest_detail": 1, "backtest_detail_la": 1, "backtest_published": 2, "forecast_methods": 2, "spend": 0, "needs_mix": 3, "cost_table": 0, "scenario_comparison": 1,
                  "transitions_by_duration": 4, "entry_trend": 5, "projection_la": 0, "projection_uasc": 0, "projection_need": 0, "need_mix": 3}  # fmt: skip
        proj = safe["projection"].copy()
        attrs, proj.attrs = proj.attrs, {}
        out = {"projection": proj.round({"mean": 1, "median": 0})}
        out["projection"].attrs = attrs
        out.update(
            {name: _round(table, digits[name]) for name, table in safe.items() if name != "projection"}
        )
        return out

    def write(self, out_dir, suppress_below: int = 5, charts_too: bool = True) -> dict[str, Path]:
        """Write every table as CSV, the charts as PNG and ``summary.txt`` into ``out_dir``.

        Out: file name stem -> path. The folder is created if needed.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        from kit.outputs.excel import write_csv

        for name, table in self.tables(suppress_below).items():
            written[name] = write_csv(table, out / f"{name}.csv", date_format="%Y-%m-%d")
        if charts_too:
            for name, fig in self.charts(suppress_below).items():
                path = out / f"{name}.png"
                fig.savefig(path, dpi=120)
                written[f"{name}_chart"] = path
        path = out / "summary.txt"
        notes = "\n".join(f"- {n}" for n in self.notes)
        path.write_text(
            self.summary_text() + ("\n\nNotes:\n" + notes if notes else "") + "\n", encoding="utf-8"
        )
        written["summary"] = path
        return written
