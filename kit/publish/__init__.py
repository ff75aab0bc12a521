"""Presenting the sufficiency picture: charts, the dashboard, and the published report.

    from kit.publish import publish_region, sufficiency_dashboard
    paths = publish_region(dataset, "outputs/region/publish")   # report.html, data_pack.xlsx, charts/
    dash = sufficiency_dashboard(dataset.placements)           # in a notebook: display(dash.ui)

Modules: ``suppression`` (the one small-number rule, for everything published), ``style`` (the
Analysis Function palette, chart settings, the CSS and page skeleton of every HTML page),
``charts`` (matplotlib), ``dashboard`` (ipywidgets), ``report`` (HTML report and Excel data pack,
written through :mod:`kit.outputs.excel`).
``import kit`` does not import this package; importing it does not import matplotlib or
ipywidgets either (``kit.publish.suppression`` is light): the dashboard loads on first use.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_DASHBOARD = ("SufficiencyDashboard", "filter_placements", "sufficiency_dashboard")


def __getattr__(name: str):
    if name in _DASHBOARD:
        from kit.publish import dashboard

        return getattr(dashboard, name)
    raise AttributeError(f"module 'kit.publish' has no attribute {name!r}")


def is_synthetic(config) -> bool:
    """True for the kit's synthetic sample region (its region file lives in ``sample_data/``)."""
    from kit.core.paths import REPO

    path = getattr(config, "path", None)
    if path is None:
        return False
    try:
        Path(path).resolve().relative_to((REPO / "sample_data").resolve())
        return True
    except ValueError:
        return False


_WHY = {
    "no type recorded": "with no type recorded",
    "no start date": "with no start date",
    "outside the period": "dated outside the period",
}


def _left_out_note(left_out: dict[str, int], threshold: int) -> str:
    """A sentence on the placements left out of the tables (a small number is not given exactly)."""
    parts = [
        f"{n:,} placements {_WHY.get(why, why)}"
        if n >= threshold
        else f"fewer than {threshold} placements {_WHY.get(why, why)}"
        for why, n in left_out.items()
    ]
    return (
        f"Left out of every table: {'; '.join(parts)}. The data-quality report lists them." if parts else ""
    )


def forecast_section(forecast, threshold: int) -> dict:
    """The forecast as a part of the published report: summary, charts, headline and scenarios.

    The headline's "now" column counts real children by type: it is hidden exactly where the
    suppressed history (:meth:`ForecastResult.published_history`, through
    :mod:`kit.publish.suppression`) hides the same counts; the projected figures and scenario
    differences are model results. The charts draw the suppressed history.
    """
    from kit.publish.suppression import HIDDEN

    headline = forecast.headline()
    now = [c for c in headline.columns if str(c).startswith("now")]
    last = forecast.published_history(threshold).iloc[-1]
    labels = _type_labels(forecast)
    hidden = {labels.get(t, t) for t, v in last.items() if pd.isna(v)}
    for col in now:
        headline[col] = headline[col].astype(object).where(~headline["type"].isin(hidden), HIDDEN)
    splits = forecast.split_table(threshold)  # each LA and UASC status: "now" under the threshold hidden
    return {
        "id": "forecast",
        "title": "Forecast of children looked after, spend and scenarios",
        "paragraphs": [*forecast.summary_text().splitlines(), *getattr(forecast, "notes", [])],
        "charts": forecast.charts(threshold),
        "tables": {
            "Children looked after by type: now and projected (median, 95% interval)": headline,
            "Scenarios against the baseline": forecast.scenario_summary(),
            "Rolling backtest: weighted error of the published method (best baseline)": forecast.backtest_table(),
            "Children looked after by LA and UASC status: now and projected (median, 95% interval)": splits,
            "Need beside placements as made, by the standard's placement type (the gap is places to commission)": forecast.need_table(),
        },  # fmt: skip
    }


def _type_labels(forecast) -> dict[str, str]:
    """Forecast type code -> the label the headline uses."""
    proj = forecast.projection
    return dict(zip(proj["type"], proj["type_label"], strict=True))


def _dated(produced_on, period_end) -> str | None:
    """The report's sentence saying when: the date given, else the period's end, else None (today)."""
    if produced_on is not None:
        return f"Produced on {produced_on:%d %B %Y}."
    if period_end is not None:
        return f"Figures to the end of the period, {period_end:%d %B %Y}."
    return None


def publish_region(
    dataset, out_dir, synthetic: bool | None = None, forecast=None, produced_on=None
) -> dict[str, Path]:
    """Every published output for a regional dataset: ``report.html``, ``data_pack.xlsx``, ``charts/``.

    In: a :class:`kit.region.RegionalDataset` and a folder. The tables are computed, suppressed at
    the region's threshold (``config.suppress_below``), charted from the suppressed tables, and
    written by :func:`kit.publish.report.write_report`. With ``forecast`` (a
    :func:`kit.forecast.forecast_region` result) the report gains the forecast and scenarios.
    Returns the paths by name (``report``, ``data_pack``, ``charts`` and ``chart_<name>``).
    ``produced_on`` (a date) is when the report says it was produced; without it the report names
    the end of the region's period instead of reading the clock, so a rerun gives the same bytes.
    """
    from kit.analysis import analysis_scope, regional_tables
    from kit.publish import charts as ch
    from kit.publish.report import write_report
    from kit.publish.suppression import suppress_tables

    cfg = dataset.config
    threshold = int(getattr(cfg, "suppress_below", 5) or 5)
    synthetic = is_synthetic(cfg) if synthetic is None else synthetic
    placements, left_out = analysis_scope(
        dataset.placements, getattr(cfg, "period_start", None), getattr(cfg, "period_end", None)
    )
    tables = regional_tables(dataset, placements)
    quarters = placements["quarter"].dropna().astype(str).unique() if "quarter" in placements else []
    source = ch.source_line(len(cfg.las), quarters, synthetic=synthetic)
    figures = ch.build_charts(suppress_tables(tables, threshold), source)
    sections = [forecast_section(forecast, threshold)] if forecast is not None else []
    try:
        return write_report(
            tables,
            figures,
            out_dir,
            title=f"Placement sufficiency: {cfg.name}",
            suppress_below=threshold,
            source=source,
            synthetic=synthetic,
            la_names={la.code: la.name for la in cfg.las},
            intro=_left_out_note(left_out, threshold),
            sections=sections,
            dated=_dated(produced_on, getattr(cfg, "period_end", None)),
        )
    finally:
        ch.close(figures)
        for section in sections:
            ch.close(section["charts"])


__all__ = [
    "SufficiencyDashboard",
    "filter_placements",
    "is_synthetic",
    "publish_region",
    "sufficiency_dashboard",
]
