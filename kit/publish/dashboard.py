"""The sufficiency dashboard: filter the region's placements and see the picture change.

In: the pooled placements (``RegionalDataset.placements``). Out: :class:`SufficiencyDashboard`,
ipywidgets filters (LA, period, placement type, age band, UASC) over summary numbers and charts
that re-render whenever a filter changes. Everything it shows is computed by
:func:`filter_placements` (a pure function, usable without widgets) and the kit's measures, and
small numbers are suppressed exactly as in the published report, so what is on screen can be
shared.

The widgets are plain attributes (``dash.la``, ``dash.period``, ...) and the results are widget
values (``dash.summary.value`` is HTML, ``dash.charts[name].value`` PNG bytes), so tests set
``.value`` and read results without a browser; no ``Output`` widget is used (it does not capture
outside a kernel).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as widgets
import numpy as np
import pandas as pd

from kit import standards
from kit.analysis import sufficiency_tables
from kit.analysis.measures import (
    AGE_BANDS,
    LABELS,
    NOT_KNOWN,
    PLACEMENT_TYPE,
    REGION,
    TYPES,
    annualised_spend,
    prepare,
)
from kit.publish import charts as ch
from kit.publish.suppression import suppress_tables
from kit.region.derive import FOSTER

# NOT_KNOWN (kit/analysis/labels.yaml): the age band of a child whose SSDA903 record did not match
NOT_RECORDED = "Not recorded"  # a placement with no type or no start date
UASC_OPTIONS = (("All children", "all"), ("UASC only", "uasc"), ("Not UASC", "not_uasc"))
DASHBOARD_CHARTS = ("cost_by_type", "placements_by_quarter", "displacement_by_needs", "far_from_home")
_TABLES = ("weekly_cost_distribution", "placements_by_quarter", "displacement", "distance_bands")


def _as_list(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _uasc_roles() -> list:
    """The ``uasc_status`` role of every placements version that records it (v2 onwards)."""
    found = []
    for version in standards.versions("placements"):
        role = standards.load("placements", version).roles.get("uasc_status")
        if role is not None and role not in found:
            found.append(role)
    return found


UASC_ROLES = _uasc_roles()


def _uasc(placements: pd.DataFrame) -> pd.Series:
    if "uasc" in placements:
        return placements["uasc"].astype("boolean")
    for role in UASC_ROLES:  # no SSDA903 join: the standard's own UASC field, where the version has it
        if role.field in placements:
            answers = {role.code("uasc"): True, role.code("not_uasc"): False}
            return placements[role.field].astype("string").map(answers).astype("boolean")
    return pd.Series(pd.NA, index=placements.index, dtype="boolean")


def filter_placements(
    placements: pd.DataFrame,
    la: str | Iterable[str] | None = None,
    period: str | Iterable[str] | None = None,
    placement_type: str | Iterable[str] | None = None,
    age_band: str | Iterable[str] | None = None,
    uasc: bool | str | None = None,
) -> pd.DataFrame:
    """The placements matching every filter given (``None`` = no filter on that).

    ``la``: LA codes; ``period``: quarters as in the ``quarter`` column (``2026Q2``);
    ``placement_type``: the standard's types (``Not recorded`` for a placement with no type, or
    no start date for ``period``); ``age_band``: bands, ``Not known`` for children
    whose 903 record did not match; ``uasc``: ``True``/``"uasc"`` for UASC only,
    ``False``/``"not_uasc"`` for children known not to be UASC, ``None``/``"all"`` for all (a
    child whose UASC status is unknown is in neither UASC filter).
    """
    keep = pd.Series(True, index=placements.index)
    for column, wanted in (("la", la), ("quarter", period), (PLACEMENT_TYPE, placement_type)):
        values = _as_list(wanted)
        if values is not None:
            keep &= placements[column].astype("string").fillna(NOT_RECORDED).isin(values)
    bands = _as_list(age_band)
    if bands is not None:
        col = placements["age_band"].astype("string") if "age_band" in placements else None
        if col is None:
            col = pd.Series(pd.NA, index=placements.index, dtype="string")
        keep &= col.fillna(NOT_KNOWN).isin(bands)
    if uasc in (True, "uasc"):
        keep &= _uasc(placements).eq(True).fillna(False)
    elif uasc in (False, "not_uasc"):
        keep &= _uasc(placements).eq(False).fillna(False)
    elif uasc not in (None, "all"):
        raise ValueError(f"uasc must be True, False, None, 'uasc', 'not_uasc' or 'all', not {uasc!r}")
    return placements[keep.to_numpy()]


def _shown(n: int, threshold: int) -> str:
    """A count as it may be shown: ``fewer than 5`` for 1 to threshold-1."""
    return f"fewer than {threshold}" if 0 < n < threshold else f"{n:,}"


def _share(num: int, den: int, threshold: int) -> str:
    if den < threshold:
        return "[c]"
    if 0 < num < threshold or 0 < den - num < threshold:
        return "[c]"
    return f"{100 * num / den:.0f}%"


class SufficiencyDashboard:
    """Filters and the charts and numbers they drive (see the module docstring).

    Attributes: the filter widgets ``la``, ``period``, ``placement_type``, ``age_band``, ``uasc``
    and the ``reset`` button; the outputs ``summary`` (``widgets.HTML``), ``charts`` (name ->
    ``widgets.Image``) and ``captions`` (name -> ``widgets.HTML``: each chart's finding, the
    text a screen reader reads); ``filtered`` (the placements shown), ``numbers`` (the summary as
    a dict) and ``ui`` (the whole dashboard, to ``display``).
    """

    def __init__(
        self,
        placements: pd.DataFrame,
        suppress_below: int = 5,
        synthetic: bool = False,
        chart_names: Iterable[str] = DASHBOARD_CHARTS,
    ):
        self.placements = prepare(placements)
        self.threshold = int(suppress_below)
        self.synthetic = synthetic
        self.chart_names = tuple(chart_names)
        p = self.placements
        las = sorted(p["la"].dropna().astype(str).unique())
        names = p.groupby(p["la"].astype(str))["la_name"].first().to_dict() if "la_name" in p else {}
        quarters = sorted(p["quarter"].dropna().astype(str).unique())
        if p["quarter"].isna().any():
            quarters.append(NOT_RECORDED)
        types = [t for t in TYPES if t in set(p[PLACEMENT_TYPE].dropna())]
        if p[PLACEMENT_TYPE].isna().any():
            types.append(NOT_RECORDED)
        bands = [b for b in AGE_BANDS if b in set(p["age_band"].dropna())] if "age_band" in p else []
        if "age_band" not in p or p["age_band"].isna().any():
            bands.append(NOT_KNOWN)
        style = {"description_width": "initial"}
        self.la = widgets.SelectMultiple(
            options=[(f"{names[c]} ({c})" if names.get(c) else c, c) for c in las],
            value=tuple(las), rows=min(8, max(len(las), 2)), description=LABELS["local_authority"], style=style,
        )  # fmt: skip
        self.period = widgets.SelectMultiple(
            options=[(ch.financial_quarter(q) if q != NOT_RECORDED else q, q) for q in quarters],
            value=tuple(quarters), rows=min(8, max(len(quarters), 2)), description="Quarter", style=style,
        )  # fmt: skip
        self.placement_type = widgets.SelectMultiple(
            options=types, value=tuple(types), rows=3, description="Type of home", style=style
        )
        self.age_band = widgets.SelectMultiple(
            options=bands,
            value=tuple(bands),
            rows=min(6, max(len(bands), 2)),
            description="Age band",
            style=style,
        )
        self.uasc = widgets.Dropdown(options=UASC_OPTIONS, value="all", description="UASC", style=style)
        self._everything = {
            "la": tuple(las), "period": tuple(quarters), "placement_type": tuple(types), "age_band": tuple(bands),
        }  # fmt: skip
        self.reset = widgets.Button(
            description="Show everything", tooltip="Select every LA, quarter, type and age"
        )
        self.reset.on_click(lambda _: self.select_all())
        self.summary = widgets.HTML()
        self.charts = {name: widgets.Image(format="png", width=640) for name in self.chart_names}
        self.captions = {name: widgets.HTML() for name in self.chart_names}
        self.filtered = p.iloc[:0]
        self.numbers: dict = {}
        self.tables: dict[str, pd.DataFrame] = {}
        self._hold = False
        for w in self.filter_widgets:
            w.observe(self._changed, names="value")
        filters = widgets.HBox([self.la, self.period, self.placement_type, self.age_band])
        figures = [widgets.VBox([self.captions[n], self.charts[n]]) for n in self.chart_names]
        self.ui = widgets.VBox([filters, widgets.HBox([self.uasc, self.reset]), self.summary, *figures])
        self.update()

    @property
    def filter_widgets(self) -> list[widgets.Widget]:
        return [self.la, self.period, self.placement_type, self.age_band, self.uasc]

    def filters(self) -> dict:
        """The current filter values, as :func:`filter_placements` takes them."""
        return {
            "la": list(self.la.value),
            "period": list(self.period.value),
            "placement_type": list(self.placement_type.value),
            "age_band": list(self.age_band.value),
            "uasc": self.uasc.value,
        }

    def select_all(self) -> None:
        """Every option of every filter (what the reset button does); one re-render."""
        self._hold = True
        try:
            for name, values in self._everything.items():
                getattr(self, name).value = values
            self.uasc.value = "all"
        finally:
            self._hold = False
        self.update()

    def _changed(self, _change) -> None:
        if not self._hold:
            self.update()

    def source(self) -> str:
        las = self.filtered["la"].dropna().unique() if len(self.filtered) else self.la.value
        return ch.source_line(len(las), list(self.period.value), synthetic=self.synthetic)

    def update(self) -> None:
        """Filter, recompute, suppress, and redraw the summary and charts."""
        self.filtered = filter_placements(self.placements, **self.filters())
        f = self.filtered
        t = self.threshold
        n = len(f)
        children = int(f["child"].nunique()) if "child" in f else n
        foster_pref = int(f["preferred_type"].eq(FOSTER).fillna(False).sum())
        displaced = int(f["displaced"].astype("boolean").fillna(False).sum())
        outside = (
            f["placed_outside_la"].astype("boolean")
            if "placed_outside_la" in f
            else pd.Series(dtype="boolean")
        )
        far = f["over_20_miles"]
        costs = f["cost"].dropna()  # inside the sense range only (prepare: the one cost)
        spend = annualised_spend(f) if len(costs) else None
        region_spend = (
            float(
                spend.loc[
                    (spend["la"] == REGION) & (spend["placement_type"] == "All types"), "annualised_spend"
                ].iloc[0]
            )
            if spend is not None
            else np.nan
        )
        self.numbers = {
            "placements": n,
            "children": children,
            "foster_preferred": foster_pref,
            "displaced": displaced,
            "median_weekly_cost": float(costs.median()) if len(costs) >= t else np.nan,
            # The report's and the forecast's one spend figure (kit.analysis.measures.annualised_spend).
            "annualised_spend": region_spend if len(costs) >= t else np.nan,
            "costs_left_out": int((f["cost_recorded"].notna() & f["cost"].isna()).sum()),
            "outside_la": int(outside.fillna(False).sum()),
            "with_location": int(outside.notna().sum()),
            "over_20_miles": int(far.fillna(False).sum()),
            "with_distance": int(far.notna().sum()),
        }
        self.summary.value = self._summary_html()
        if n < t:
            self.tables = {}
            for name in self.chart_names:
                self.charts[name].value = b""
                self.captions[name].value = "<p><i>Not enough placements to draw this chart.</i></p>"
            return
        self.tables = suppress_tables(sufficiency_tables(f, names=list(_TABLES)), t)
        figures = ch.build_charts(self.tables, self.source(), names=self.chart_names)
        for name in self.chart_names:
            fig = figures.get(name)
            self.charts[name].value = ch.png_bytes(fig) if fig is not None else b""
            self.captions[name].value = f"<h4>{html.escape(fig.kit_title)}</h4>" if fig is not None else ""
        ch.close(figures)

    def _summary_html(self) -> str:
        x, t = self.numbers, self.threshold
        labels = [lbl for lbl, v in self.la.options if v in self.la.value] if self.la.options else []
        quarters = [lbl for lbl, v in self.period.options if v in self.period.value]
        if x["placements"] < t:
            body = (
                f"<p><b>{_shown(x['placements'], t)} placements</b> match these filters: too few to show "
                "without risking identifying a child. Widen the filters.</p>"
            )
        else:
            cost = "[c]" if np.isnan(x["median_weekly_cost"]) else f"£{x['median_weekly_cost']:,.0f}"
            rows = [
                ("Placements", _shown(x["placements"], t)),
                ("Children", _shown(x["children"], t)),
                (
                    "Placed in residential care when foster care was preferred",
                    _share(x["displaced"], x["foster_preferred"], t),
                ),
                ("Median weekly cost", cost),
                (
                    "Annualised spend (placements made, a year each)",
                    "[c]" if np.isnan(x["annualised_spend"]) else f"£{x['annualised_spend'] / 1e6:,.1f}m",
                ),
                ("Costs left out (outside the standard's sense range)", _shown(x["costs_left_out"], t)),
                ("Placed outside their LA", _share(x["outside_la"], x["with_location"], t)),
                ("More than 20 miles from home", _share(x["over_20_miles"], x["with_distance"], t)),
            ]
            body = (
                "<table>"
                + "".join(
                    f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>"
                    for a, b in rows
                )
                + "</table>"
            )
        scope = (
            f"<p>Showing {len(labels)} of {len(self.la.options)} LAs ({html.escape(', '.join(labels)) or 'none'}); "
            f"{len(quarters)} of {len(self.period.options)} quarters"
            f"{' (' + html.escape(quarters[0]) + ' to ' + html.escape(quarters[-1]) + ')' if quarters else ''}; "
            f"types: {html.escape(', '.join(self.placement_type.value)) or 'none'}; "
            f"ages: {html.escape(', '.join(self.age_band.value)) or 'none'}; "
            f"{html.escape(dict((v, k) for k, v in UASC_OPTIONS)[self.uasc.value])}.</p>"
        )
        return (
            scope
            + body
            + f"<p><small>Numbers below {t} are hidden ([c]) as in the published report.</small></p>"
        )

    def _ipython_display_(self):  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.ui)


def sufficiency_dashboard(placements: pd.DataFrame, suppress_below: int = 5, synthetic: bool = False):
    """The dashboard for the pooled placements (``display`` it, or show ``.ui``, in a notebook)."""
    return SufficiencyDashboard(placements, suppress_below=suppress_below, synthetic=synthetic)
