"""The offline map of where: demand by home district, supply by district, and the flows between areas.

In: the *suppressed* ``district_demand_supply`` and ``placement_flows`` tables
(:mod:`kit.analysis.availability`), whose district centres come from the region's postcode-district
lookup (``x_m``, ``y_m``: metres east and north). Out: one matplotlib ``Figure``, drawn from those
numbers alone: no map tiles, no boundaries fetched from anywhere, nothing from the network. Each
district is a point at its centre: a blue circle sized by the placements of children whose home is
there, an orange square sized by the residential and supported places registered there. Lines join
the centres of the region's areas (the mean of their districts' centres), as wide as the placements
that went from one to the other; a hidden flow (``[c]``) is not drawn.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kit.analysis.availability import OUTSIDE_REGION
from kit.core.style import DARK_BLUE, DARK_GREY, ORANGE, TEXT, TURQUOISE, styled
from kit.region.derive import RESIDENTIAL, SUPPORTED, TYPE_KEYS

SIZE = (8.0, 7.2)
DPI = 110  # as kit.publish.charts
_PLACES = [f"{TYPE_KEYS[t]}_places" for t in (RESIDENTIAL, SUPPORTED)]


def _figure(title: str, source: str) -> tuple[Figure, object]:
    """A figure with the finding as its title at the top and the source line at the bottom (the
    layout of kit.publish.charts, which imports this module)."""
    fig = Figure(figsize=SIZE, dpi=DPI)
    lines = textwrap.wrap(title, 66)
    fig.text(0.02, 0.98, "\n".join(lines), ha="left", va="top", fontsize=12.5, weight="bold", color=TEXT)
    fig.text(0.02, 0.01, source, ha="left", va="bottom", fontsize=8, color=DARK_GREY)
    ax = fig.add_axes((0.1, 0.27, 0.86, 0.68 - 0.04 * len(lines)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=DARK_GREY, labelsize=9)
    fig.kit_title = title  # the finding, for alt text and the report's list of findings
    return fig, ax


def _title(flows: pd.DataFrame | None) -> str:
    """The finding, from the flows table: the largest visible flow between two of the region's areas
    and the placements (visible) that went outside the region."""
    if flows is None or flows.empty:
        return "Where children's homes are, where places are registered, and where children were placed"
    f = flows.copy()
    f["n"] = pd.to_numeric(f["placements"], errors="coerce")
    between = f[(f["home_area"] != f["placement_area"]) & (f["placement_area"] != OUTSIDE_REGION)]
    between = between[between["home_area"] != OUTSIDE_REGION].dropna(subset=["n"])
    out = f[f["placement_area"] == OUTSIDE_REGION]
    out_n = float(out["n"].sum())
    at_least = "at least " if out["n"].isna().any() else ""
    if between.empty:
        return f"{at_least}{out_n:,.0f} placements went outside the region"
    top = between.loc[between["n"].idxmax()]
    return (
        f"The largest flow between areas was {top['n']:,.0f} placements from {top['home_area']} to "
        f"{top['placement_area']}; {at_least}{out_n:,.0f} placements went outside the region"
    )


@styled
def where_map(districts: pd.DataFrame, source: str, flows: pd.DataFrame | None = None) -> Figure:
    """Demand (home districts), supply (registered places) and the flows between areas, on one map."""
    d = districts.copy()
    d["x"] = pd.to_numeric(d["x_m"], errors="coerce") / 1000
    d["y"] = pd.to_numeric(d["y_m"], errors="coerce") / 1000
    d = d.dropna(subset=["x", "y"])
    fig, ax = _figure(_title(flows), source)
    if d.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No district centres to draw", ha="center", va="center", transform=ax.transAxes)
        return fig
    demand = pd.to_numeric(d["home_placements"], errors="coerce")
    places = sum(pd.to_numeric(d[c], errors="coerce").fillna(0) for c in _PLACES if c in d)
    scale_d = 400 / max(float(demand.max()) if demand.notna().any() else 1.0, 1.0)
    scale_p = 400 / max(float(places.max()) if len(places) else 1.0, 1.0)
    centres = d.groupby("area")[["x", "y"]].mean()
    if flows is not None and not flows.empty:
        f = flows.copy()
        f["n"] = pd.to_numeric(f["placements"], errors="coerce")
        f = f[(f["home_area"] != f["placement_area"]) & f["home_area"].isin(centres.index)]
        f = f[f["placement_area"].isin(centres.index)].dropna(subset=["n"])
        widest = max(float(f["n"].max()) if len(f) else 1.0, 1.0)
        for _, row in f.iterrows():
            a, b = centres.loc[row["home_area"]], centres.loc[row["placement_area"]]
            ax.annotate("", xy=(b["x"], b["y"]), xytext=(a["x"], a["y"]),
                        arrowprops={"arrowstyle": "-|>", "color": TURQUOISE, "alpha": 0.55,
                                    "lw": 0.5 + 6 * row["n"] / widest, "shrinkA": 8, "shrinkB": 8,
                                    "connectionstyle": "arc3,rad=0.15"})  # fmt: skip
    ax.scatter(d["x"], d["y"], s=np.nan_to_num(demand.to_numpy(dtype=float)) * scale_d, color=DARK_BLUE,
               alpha=0.45, label="Placements of children whose home is in the district")  # fmt: skip
    ax.scatter(d["x"], d["y"], s=places.to_numpy(dtype=float) * scale_p, marker="s", facecolor="none",
               edgecolor=ORANGE, linewidth=1.4, label="Registered residential and supported places")  # fmt: skip
    ax.plot([], [], color=TURQUOISE, lw=3, label="Placements from one area to another (width: number)")
    for area, c in centres.iterrows():
        ax.text(c["x"], c["y"], str(area), fontsize=10, weight="bold", color=TEXT, ha="center", va="center")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Kilometres east (postcode district centres)", fontsize=9.5, color=DARK_GREY)
    ax.set_ylabel("Kilometres north", fontsize=9.5, color=DARK_GREY)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.1), fontsize=8.5, frameon=False)
    return fig
