"""Demand forecast and scenarios for commercially meaningful placement types.

    from kit.forecast import forecast_region
    result = forecast_region(ds, reference_start="2024-04-01", reference_end="2026-09-30",
                             scenarios="scenarios/")     # ds: a RegionalDataset
    result.projection, result.intervals, result.backtest, result.spend, result.scenario_comparison
    result.write("outputs/forecast")                    # CSV tables, PNG charts, summary.txt

Modules: ``categories`` (903 codes -> seven types), ``history`` (episodes -> who was where when),
``stock_flow`` (estimate rates, project by simulation), ``baseline`` (naive, seasonal naive,
exponential smoothing, fitted with statsmodels), ``backtest`` (rolling-origin backtest, the choice
of method per type and horizon, calibrated intervals), ``costing`` (needs mix, weekly costs, spend),
``need`` (the type of home children need, beside placements as made, and the gap),
``scenarios`` (YAML files -> changes), ``scenario_costs`` (running and recruitment costs),
``charts``, ``result``. ``guides/forecasting.md``
explains the method, its assumptions and its limits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.forecast.backtest import Backtest, run_backtest
from kit.forecast.categories import AGE_BANDS, TYPE_LABELS, TYPES, type_from_903
from kit.forecast.costing import (
    SENSE_RANGE,
    cost_table,
    costs_out_of_range,
    needs_mix,
    project_spend,
    simulate_spend,
    spend_summary,
)
from kit.forecast.history import CareHistory, prepare_episodes, quarterly_counts
from kit.forecast.result import ForecastResult, projection_tables, scenario_comparison
from kit.forecast.scenarios import Scenario, adjustments, load_scenario, load_scenarios
from kit.forecast.stock_flow import Projection, Rates, estimate_rates, project, start_stock

__all__ = [
    "AGE_BANDS",
    "TYPES",
    "TYPE_LABELS",
    "Backtest",
    "CareHistory",
    "ForecastResult",
    "Projection",
    "Rates",
    "Scenario",
    "cost_table",
    "default_scenarios_folder",
    "estimate_rates",
    "forecast_region",
    "load_scenario",
    "load_scenarios",
    "needs_mix",
    "prepare_episodes",
    "project",
    "project_spend",
    "quarterly_counts",
    "run_backtest",
    "start_stock",
    "type_from_903",
]

DEFAULT_REFERENCE_YEARS = 3
"""Default reference period: the three years before the forecast start (or all the history if shorter)."""


def _unpack(data, data_end):
    """(episodes, placements, region name, data_end) from a RegionalDataset, a dict, a tuple or a frame."""
    name = "the region"
    if isinstance(data, pd.DataFrame):
        return data, None, name, data_end
    if isinstance(data, dict):
        episodes, placements = data.get("episodes"), data.get("placements")
    elif isinstance(data, (tuple, list)):
        episodes, placements = (list(data) + [None])[:2]
    else:
        episodes, placements = getattr(data, "episodes", None), getattr(data, "placements", None)
        config = getattr(data, "config", None)
        if config is not None:
            name = getattr(config, "name", None) or name
            if data_end is None and getattr(config, "period_end", None) is not None:
                data_end = config.period_end
    if episodes is None:
        raise KitError(
            "The forecast needs SSDA903 episodes: pass a regional dataset or a dict with 'episodes'."
        )
    return episodes, placements, name, data_end


def forecast_region(
    data,
    reference_start=None,
    reference_end=None,
    horizon_quarters: int = 12,
    scenarios=(),
    n_sims: int = 500,
    seed: int | None = 2026,
    inflation: float = 0.03,
    holdout_quarters: int = 8,
    costs: pd.DataFrame | None = None,
    data_end=None,
    mix_quarters: int = 4,
    backtest_sims: int = 200,
    region: str | None = None,
    backtest_by_la: bool = True,
    entry_trend: bool = True,
) -> ForecastResult:
    """Forecast children by placement type, backtest it, cost it and run the scenarios.

    In: ``data``: a ``RegionalDataset`` (its ``episodes``, ``placements`` and ``config.period_end``),
    a dict ``{"episodes": ..., "placements": ...}``, a tuple ``(episodes, placements)`` or an
    episodes frame alone (then no spend or measured displacement). ``reference_start`` /
    ``reference_end``: the period whose rates are projected (default: the three years up to the
    forecast start, which is the latest quarter end in the data). ``horizon_quarters``: how far
    ahead (8 to 12 is sensible). ``scenarios``: scenario files, a folder of them, or
    :class:`Scenario` objects. ``n_sims``, ``seed``: the simulation (same seed, same numbers).
    ``inflation``: annual rate for costs (0.03 = 3%). ``holdout_quarters``: the longest horizon the rolling
    backtest scores (as far as the history allows; default 8). ``backtest_by_la``: backtest each LA too. ``costs``: a cost table to use instead of the one measured from the placements
    (see :mod:`kit.forecast.costing`). ``data_end``: the date the extracts run to (default: the
    dataset's period end, else the latest episode date). ``backtest_sims``: simulations in the
    backtest. ``region``: the name in titles and the summary (default: the dataset's).
    ``entry_trend``: fit a trend to monthly entrants (False: entrants at the reference period's mean).
    Out: a :class:`ForecastResult`.
    """
    episodes, placements, name, data_end = _unpack(data, data_end)
    region = region or name
    history = prepare_episodes(episodes, data_end=data_end)
    notes = list(history.notes)
    origin = history.last_quarter_end
    if origin < history.first_snapshot + pd.offsets.QuarterEnd(1):
        raise KitError(
            "The SSDA903 history is shorter than a quarter: the forecast needs at least a year of returns."
        )
    ref_end = pd.Timestamp(reference_end) if reference_end is not None else origin
    default_start = max(
        origin - pd.DateOffset(years=DEFAULT_REFERENCE_YEARS) + pd.Timedelta(days=1),
        history.first_snapshot + pd.Timedelta(days=1),
    )
    ref_start = pd.Timestamp(reference_start) if reference_start is not None else default_start
    rates = estimate_rates(history, ref_start, ref_end, entry_trend=entry_trend)
    months = rates.months
    if months < 12:
        notes.append(
            f"The reference period has only {months} months: rates may reflect one season; a year or more is better."
        )
    stock = start_stock(history, origin)
    base = project(rates, stock, horizon_quarters, n_sims=n_sims, seed=seed, start=origin)
    observed = quarterly_counts(history, last=origin)
    by_age = base.summary("age_band")

    bt = None
    try:
        ref_quarters = max(round(months / 3), 2)
        bt = run_backtest(
            history,
            ref_quarters,
            n_sims=min(n_sims, backtest_sims),
            seed=seed,
            max_horizon=holdout_quarters,
            by_la=backtest_by_la,
            la_sims=max(min(n_sims, backtest_sims) // 2, 20),
            entry_trend=entry_trend,
        )
    except KitError as exc:
        notes.append(f"Backtest not run: {exc}")
    projection, intervals = projection_tables(observed, base, bt)
    if entry_trend:
        est, lo, hi = rates.trend_interval()
        notes.append(
            f"Entry trend: entrants change by {est:+.1%} a year as projected (95% interval {lo:+.1%} to "
            f"{hi:+.1%}; fitted on the reference period's months, pulled towards no trend where the data "
            "do not show one clearly); each simulation draws its own."
        )
    notes.append(
        "The projections by LA and by UASC status are the stock-and-flow model's simulations (each child "
        "carries its LA and UASC status), so they add up to the model's total, not to the published one "
        "where the backtest chose a baseline."
    )
    if bt is not None:
        notes.append(
            "The projection by type uses, for each type and horizon, the method with the lowest backtest "
            "error (the method column of the projection table); spend and scenarios use the "
            "stock-and-flow model's simulations, so they add up to the model's types, not the published ones."
        )

    loaded = load_scenarios(scenarios) if scenarios else []
    runs = {
        s.name: project(
            rates, stock, horizon_quarters, n_sims=n_sims, seed=seed, start=origin,
            adjustments=adjustments(s, rates, placements),
        )
        for s in loaded
    }  # fmt: skip

    spend = mix = table = need = preferred = None
    spend_runs = {}
    if placements is not None and len(placements):
        from kit.forecast.need import need_mix, project_need

        try:
            preferred = need_mix(placements, until=origin, mix_quarters=mix_quarters)
            need = project_need(base, preferred, seed=seed)
            if need["note"].ne("").any():
                notes.append(need.loc[need["note"].ne(""), "note"].iloc[0])
        except KitError as exc:
            notes.append(f"Need not projected: {exc}")
        try:
            mix = needs_mix(placements, until=origin, mix_quarters=mix_quarters)
            table = cost_table(placements) if costs is None else costs
            if costs is None and costs_out_of_range(placements):
                notes.append(
                    f"{costs_out_of_range(placements)} weekly costs outside £{SENSE_RANGE[0]:,.0f} to "
                    f"£{SENSE_RANGE[1]:,.0f} (the standard's sense range) left out of the "
                    "cost table (the quality checks flag them; most are keying slips)."
                )
            from kit.forecast.scenario_costs import provision_costs

            by_name = {s.name: s for s in loaded}
            for name, proj in {"Baseline": base, **runs}.items():
                arr, years, costed = simulate_spend(proj, mix, table, inflation=inflation, seed=seed)
                if name in by_name:  # the scenario's own provision: running costs, recruitment
                    arr = arr + provision_costs(by_name[name], base, proj, table, inflation)
                spend_runs[name] = (arr, years, costed)
            spend = spend_summary(*spend_runs["Baseline"])
            missing = [TYPE_LABELS[t] for t in TYPES if t not in spend_runs["Baseline"][2]]
            if missing:
                notes.append(f"Not costed (no weekly costs in the placements data): {', '.join(missing)}.")
        except KitError as exc:
            notes.append(f"Spend not projected: {exc}")
    else:
        notes.append("No placements data: spend and the needs split are not projected.")
    comparison = scenario_comparison(base, runs, spend_runs) if loaded else None
    return ForecastResult(
        region=region,
        origin=origin,
        reference_start=rates.start,
        reference_end=rates.end,
        n_sims=n_sims,
        seed=seed,
        inflation=inflation,
        rates=rates,
        history=observed,
        baseline_projection=base,
        projection=projection,
        intervals=intervals,
        by_age=by_age,
        backtest_result=bt,
        spend=spend,
        needs_mix=mix,
        cost_table=table,
        scenario_comparison=comparison,
        scenarios=loaded,
        scenario_projections=runs,
        notes=notes,
        need=need,
        preferred_mix=preferred,
    )


def default_scenarios_folder() -> Path:
    """The repository's ``scenarios/`` folder of example scenario files."""
    from kit.core.paths import REPO

    return REPO / "scenarios"
