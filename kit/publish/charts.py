"""Charts of the sufficiency tables, following the Analysis Function's chart guidance.

In: *suppressed* tables from :mod:`kit.publish.suppression` (hidden values are missing and are
drawn as a gap labelled ``[c]``, never as zero) and a ``source`` line. Out: one matplotlib
``Figure`` per chart, whose title states the finding (computed from the data), axes say what
they measure and in what unit, bars and lines are labelled directly, colours come from the
Analysis Function's colour-blind-safe palette (:mod:`kit.core.style`, which also holds the
matplotlib settings each chart is drawn under), and the source sits at the bottom.

matplotlib is imported here (and in the dashboard and report), never by ``import kit``.
"""

from __future__ import annotations

import io
import re
import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from kit.analysis.costs import ROUTE_CAVEAT
from kit.analysis.measures import REGION, TYPES
from kit.core.style import (
    DARK_BLUE,
    DARK_GREY,
    DARK_PINK,
    ORANGE,
    PALETTE,
    TEXT,
    TURQUOISE,
    styled,
)
from kit.publish.maps import where_map
from kit.publish.suppression import HIDDEN
from kit.region.derive import EXTERNAL_ROUTE, FOSTER, RESIDENTIAL, SUPPORTED

# Keyed by the standard's placement type codes (its placement_type role), in the standard's order.
TYPE_PHRASES = {
    FOSTER: "foster care",
    RESIDENTIAL: "residential care",
    SUPPORTED: "supported accommodation",
}
TYPE_COLOURS = dict(zip(TYPES, (DARK_BLUE, TURQUOISE, DARK_PINK), strict=True))
SIZE = (8.0, 4.6)
DPI = 110


# ---------------------------------------------------------------------------------------------
# Helpers


def financial_quarter(quarter: str) -> str:
    """``2025Q2`` (calendar April-June 2025) -> ``Q1 2025-26`` (the financial year LAs report in); a
    financial label as the tables write it (``2025-26 Q1``) -> ``Q1 2025-26``."""
    fin = re.fullmatch(r"(\d{4}-\d{2}) Q([1-4])", str(quarter))
    if fin:
        return f"Q{fin.group(2)} {fin.group(1)}"
    try:
        year, q = int(str(quarter)[:4]), int(str(quarter)[-1])
    except ValueError:
        return str(quarter)
    fy = year if q >= 2 else year - 1
    fq = q - 1 if q >= 2 else 4
    return f"Q{fq} {fy}-{str(fy + 1)[-2:]}"


def source_line(n_las: int, quarters, synthetic: bool = False, what: str = "placements returns") -> str:
    """``Source: placements returns of 6 LAs, Q1 2025-26 to Q2 2026-27; synthetic sample``."""
    qs = sorted(
        str(q) for q in quarters if isinstance(q, str) and re.fullmatch(r"\d{4}Q[1-4]|\d{4}-\d{2} Q[1-4]", q)
    )
    period = f", {financial_quarter(qs[0])} to {financial_quarter(qs[-1])}" if qs else ""
    la_word = "LA" if n_las == 1 else "LAs"
    return f"Source: {what} of {n_las} {la_word}{period}" + ("; synthetic sample" if synthetic else "")


def _figure(title: str, source: str, size=SIZE, left: float = 0.30) -> tuple[Figure, Axes]:
    fig = Figure(figsize=size, dpi=DPI)
    lines = textwrap.wrap(title, 66)
    top = 0.97 - (0.058 * len(lines) + 0.05) * (SIZE[1] / size[1])
    ax = fig.add_axes((left, 0.17, 0.94 - left, top - 0.17))
    fig.text(0.02, 0.97, "\n".join(lines), ha="left", va="top", fontsize=12.5, weight="bold", color=TEXT)
    fig.text(0.02, 0.02, source, ha="left", va="bottom", fontsize=8, color=DARK_GREY)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=DARK_GREY, labelsize=9)
    fig.kit_title = title  # the finding, for alt text and the report's list of findings
    return fig, ax


def _paired_bars(ax, labels, first, second, room: float) -> None:
    """Two labelled bars per row (dark blue, then orange: the two-series pair), each labelled at its
    end with its name and value; a hidden value is a gap labelled ``[c]``."""
    y = np.arange(len(labels))[::-1]
    h = 0.38
    series = [(h / 2, first[0], DARK_BLUE, first[1]), (-h / 2, second[0], ORANGE, second[1])]
    top = np.nanmax(np.concatenate([s[1].to_numpy(dtype=float) for s in series]))
    top = top if np.isfinite(top) and top > 0 else 1.0
    for off, vals, colour, name in series:
        v = vals.to_numpy(dtype=float)
        ax.barh(y + off, np.nan_to_num(v), height=h, color=colour)
        for yi, x in zip(y, v, strict=True):
            ax.text((0 if np.isnan(x) else x) + top * 0.01, yi + off, f"{name}: {HIDDEN if np.isnan(x) else f'{x:,.0f}'}",
                    va="center", fontsize=8.5, color=colour)  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * room)


def _money(v: float) -> str:
    return f"£{v:,.0f}"


def _pct(v: float) -> str:
    return f"{v:.0f}%" if abs(v) >= 10 else f"{v:.1f}%"


def _hbar(ax, labels, values, colour=DARK_BLUE, fmt=_pct, xlabel=""):
    """Horizontal bars, labelled at their ends; a hidden value is a gap labelled ``[c]``."""
    y = np.arange(len(labels))[::-1]
    vals = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    ax.barh(y, np.nan_to_num(vals), color=colour, height=0.6)
    top = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
    for yi, v in zip(y, vals, strict=True):
        text = HIDDEN if np.isnan(v) else fmt(v)
        ax.text((0 if np.isnan(v) else v) + top * 0.01, yi, text, va="center", fontsize=9, color=TEXT)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * 1.18 if top > 0 else 1)
    ax.set_xlabel(xlabel, fontsize=9.5, color=DARK_GREY)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, without the software tag (no web address in the file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _no_data(title: str, source: str, message: str) -> Figure:
    fig, ax = _figure(title, source)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color=DARK_GREY, transform=ax.transAxes)
    return fig


# ---------------------------------------------------------------------------------------------
# Charts


@styled
def cost_by_type(cost: pd.DataFrame, source: str) -> Figure:
    """Median weekly cost by type of home, with the middle half of placements as a line."""
    t = cost[cost["breakdown"] == "Placement type"].set_index("placement_type")
    t = t.reindex([x for x in TYPE_COLOURS if x in t.index])
    med = pd.to_numeric(t["median"], errors="coerce")
    if med.notna().sum() == 0:
        return _no_data("Weekly cost by type of home", source, "No costs to show for these placements")
    title = "Weekly cost by type of home"
    if {RESIDENTIAL, FOSTER} <= set(med.dropna().index):
        ratio = med[RESIDENTIAL] / med[FOSTER]
        title = f"Residential care costs {ratio:.1f} times foster care per week"
    elif med.notna().sum() == 1:
        k = med.dropna().index[0]
        title = f"{TYPE_PHRASES.get(k, k).capitalize()} cost a median of {_money(med[k])} a week"
    elif med.notna().any():
        k = med.idxmax()
        title = (
            f"{TYPE_PHRASES.get(k, k).capitalize()} is the dearest type of home, at {_money(med[k])} a week"
        )
    fig, ax = _figure(title, source)
    labels = list(t.index)
    _hbar(
        ax, labels, med, DARK_BLUE, _money, "Median weekly cost (£ per week); line: middle half of placements"
    )
    y = np.arange(len(labels))[::-1]
    lo = pd.to_numeric(t["lower_quartile"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(t["upper_quartile"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[ok], lo[ok], hi[ok], color=ORANGE, linewidth=2.5)
    top = np.nanmax(np.concatenate([hi[ok], med.to_numpy(dtype=float)])) if ok.any() else med.max()
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
    # Put the median labels beyond the quartile line so they never overlap it.
    for txt, h, m in zip(list(ax.texts)[-len(labels) :], hi, med.to_numpy(dtype=float), strict=True):
        if np.isfinite(h) and np.isfinite(m):
            txt.set_x(max(h, m) + top * 0.015)
    return fig


def quarter_title(totals: pd.Series, by_type: pd.DataFrame | None = None) -> str | None:
    """The finding of the quarterly chart, from its own table (financial quarters, in order): the
    latest quarter against the one before (a fall at the end is never hidden by comparing the first
    and last quarters), then every type whose count moved by 5% or more in that quarter
    (``by_type``: quarters x types), or else the first quarter's total."""
    t = pd.to_numeric(totals, errors="coerce")
    if len(t) < 2 or t.iloc[-2:].isna().any() or not t.iloc[-2] > 0:
        return None
    prev, last = t.index[-2], t.index[-1]

    def verb(a: float, b: float) -> str:
        change = 100 * (b / a - 1)
        return (
            f"rose by {change:.0f}%"
            if change >= 1
            else f"fell by {-change:.0f}%"
            if change <= -1
            else "held level"
        )

    title = (
        f"Placements {verb(t[prev], t[last])} in {financial_quarter(last)} ({t[prev]:,.0f} to {t[last]:,.0f})"
    )
    if by_type is not None and len(by_type) >= 2:
        a = pd.to_numeric(by_type.iloc[-2], errors="coerce")
        b = pd.to_numeric(by_type.iloc[-1], errors="coerce")
        change = (100 * (b / a.where(a > 0) - 1)).dropna()
        moved = [k for k in change.index if abs(change[k]) >= 5]
        if moved:
            title += ": " + ", ".join(
                f"{TYPE_PHRASES.get(k, str(k).lower())} {verb(a[k], b[k])} ({a[k]:,.0f} to {b[k]:,.0f})"
                for k in moved
            )
            return title
    first = t.index[0]
    if len(t) >= 3 and pd.notna(t[first]) and t[first] > 0:
        title += f"; {t[first]:,.0f} in {financial_quarter(first)}"
    return title


@styled
def placements_by_quarter(by_quarter: pd.DataFrame, source: str) -> Figure:
    """Placements starting each quarter, one line per type, labelled at the line's end."""
    t = by_quarter.pivot_table(index="quarter", columns="placement_type", values="placements", aggfunc="sum")
    t = t.sort_index()
    if t.empty:
        return _no_data("Placements by quarter", source, "No placements to show")
    totals = t.sum(axis=1, min_count=1)
    last = t.index[-1]
    title = quarter_title(totals, t)
    if title is None:
        title = f"Placements in {financial_quarter(last)}"
    fig, ax = _figure(title, source, left=0.09)
    ax.set_position((0.09, ax.get_position().y0, 0.58, ax.get_position().height))
    x = np.arange(len(t))
    ymax = np.nanmax(t.to_numpy(dtype=float)) if np.isfinite(t.to_numpy(dtype=float)).any() else 1.0
    ends = []
    for k, col in enumerate(
        [c for c in TYPE_COLOURS if c in t.columns] + [c for c in t.columns if c not in TYPE_COLOURS]
    ):
        colour = TYPE_COLOURS.get(col, PALETTE[3 + k % 3])
        vals = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=float)
        ax.plot(x, vals, color=colour, linewidth=2.2, marker="o", markersize=4)
        ok = np.flatnonzero(np.isfinite(vals))
        if len(ok):
            ends.append([vals[ok[-1]], x[ok[-1]], f"{col} ({vals[ok[-1]]:,.0f})", colour])
    # Direct labels at the lines' ends, nudged apart so they never overlap.
    ends.sort(key=lambda e: e[0])
    gap = ymax * 0.07
    for i in range(1, len(ends)):
        ends[i][0] = max(ends[i][0], ends[i - 1][0] + gap)
    for yv, xv, text, colour in ends:
        ax.text(xv + 0.15, yv, text, va="center", fontsize=9, color=colour)
    ax.set_xticks(x, [financial_quarter(q) for q in t.index], rotation=0, fontsize=8.5)
    ax.set_ylabel("Placements starting (number)", fontsize=9.5, color=DARK_GREY)
    ax.set_ylim(0, ymax * 1.15)
    ax.set_xlabel("Quarter (financial year)", fontsize=9.5, color=DARK_GREY)
    return fig


@styled
def displacement_by_needs(displacement: pd.DataFrame, source: str) -> Figure:
    """Share of foster-preferred placements that went to residential care, by needs band."""
    region = displacement[displacement["breakdown"] == REGION]
    bands = displacement[displacement["breakdown"] == "Needs band"].set_index("group")
    bands = bands.reindex([b for b in ("0 risks", "1-2 risks", "3+ risks") if b in bands.index])
    pct = pd.to_numeric(bands["percent"], errors="coerce")
    r = pd.to_numeric(region["percent"], errors="coerce")
    r = float(r.iloc[0]) if len(r) and pd.notna(r.iloc[0]) else np.nan
    if {"0 risks", "3+ risks"} <= set(pct.dropna().index):
        title = (
            f"Residential care replaced preferred foster care for {_pct(pct['3+ risks'])} of children with 3 "
            f"or more risks, against {_pct(pct['0 risks'])} with none"
        )
    elif np.isfinite(r):
        title = f"{_pct(r)} of children for whom foster care was preferred were placed in residential care"
    else:
        title = "Displacement from foster to residential care"
    fig, ax = _figure(title, source)
    labels = [*bands.index, "All (region)"]
    _hbar(ax, labels, [*pct.tolist(), r], DARK_BLUE, _pct,
          "Placed in residential care when foster care was preferred (% of those placements)")  # fmt: skip
    ax.patches[-1].set_color(DARK_GREY)
    return fig


@styled
def preferred_vs_placed(demand: pd.DataFrame, source: str) -> Figure:
    """Placements a year where each type was preferred, against placements made in it."""
    t = demand.set_index("placement_type")
    pref = pd.to_numeric(t["preferred_per_year"], errors="coerce")
    placed = pd.to_numeric(t["placed_per_year"], errors="coerce")
    gap = (placed - pref).dropna()
    if len(gap) and gap.max() > 0:
        k = gap.idxmax()
        title = (
            f"More children were placed in {TYPE_PHRASES.get(k, k.lower())} than it was preferred for: "
            f"{placed[k]:,.0f} a year placed, "
            f"{pref[k]:,.0f} preferred"
        )
    else:
        title = "Children were placed in the type of home preferred for them"
    fig, ax = _figure(title, source)
    _paired_bars(ax, list(t.index), (pref, "preferred"), (placed, "placed"), room=1.35)
    ax.set_xlabel("Placements a year (number)", fontsize=9.5, color=DARK_GREY)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return fig


@styled
def demand_against_places(demand: pd.DataFrame, source: str) -> Figure:
    """Children needing each type a year against places registered in the region."""
    t = demand.set_index("placement_type")
    pref = pd.to_numeric(t["preferred_per_year"], errors="coerce")
    places = pd.to_numeric(t["registered_places_in_region"], errors="coerce")
    ratio = (places / pref.replace(0, np.nan)).dropna()
    if len(ratio):
        k = ratio.idxmin()
        title = (
            f"The region has {ratio[k]:.1f} registered {k.lower()} places for each child needing one a year, "
            "the fewest of any type"
        )
    else:
        title = "Registered places against children needing them"
    fig, ax = _figure(title, source)
    _paired_bars(ax, list(t.index), (pref, "needing it a year"), (places, "places"), room=1.45)
    ax.set_xlabel(
        "Children (placements a year) and registered places (number)", fontsize=9.5, color=DARK_GREY
    )
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return fig


@styled
def far_from_home(distance: pd.DataFrame, source: str) -> Figure:
    """Share of each type's placements over 20 miles from home."""
    t = distance[distance["distance_band"] == "over 20"].set_index("placement_type")
    types = [x for x in TYPE_COLOURS if x in set(distance["placement_type"])]
    pct = pd.to_numeric(t.reindex(types)["percent"], errors="coerce")
    if pct.notna().any():
        k = pct.idxmax()
        title = (
            f"{_pct(pct[k])} of {TYPE_PHRASES.get(k, k.lower())} placements were more than 20 miles from home"
        )
    else:
        title = "Placements more than 20 miles from home"
    fig, ax = _figure(title, source)
    _hbar(ax, types, pct, DARK_BLUE, _pct, "Placements more than 20 miles from home (% of that type)")
    return fig


def route_title(t: pd.DataFrame) -> str:
    """The finding of the in-house against external chart, type by type (rows ``<type>: External``
    of the table it draws): a clear gap is named with its type, a type whose interval crosses 0 is
    "about the same"; never one figure for all types."""
    parts = []
    for ptype in TYPES:
        row = t[t["group"] == f"{ptype}: {EXTERNAL_ROUTE}"]
        if row.empty:
            continue
        est, lo, hi = (pd.to_numeric(row[c], errors="coerce").iloc[0] for c in
                       ("adjusted_percent", "adjusted_lower", "adjusted_upper"))  # fmt: skip
        phrase = TYPE_PHRASES.get(ptype, ptype.lower())
        if pd.isna(est):
            continue
        if lo > 0 or hi < 0:
            parts.append(f"external {phrase} costs {abs(est):.0f}% {'more' if est > 0 else 'less'}")
        else:
            parts.append(f"external {phrase} costs about the same ({est:+.0f}%)")
    if not parts:
        return "In-house against external weekly cost, within each type of home"
    return "For comparable children, " + "; ".join(parts) + " per week than in-house"


@styled
def like_for_like(lfl: pd.DataFrame, source: str, comparison: str = "LA") -> Figure:
    """Each group's difference in weekly cost from the rest of the region for comparable children:
    adjusted (regression) and within needs bands, each with its 95% interval."""
    t = lfl[lfl["comparison"] == comparison].reset_index(drop=True)
    if t.empty:
        return _no_data(f"Like-for-like weekly cost by {comparison}", source, "Not enough costs to compare")
    adj = pd.to_numeric(t["adjusted_percent"], errors="coerce")
    lo = pd.to_numeric(t["adjusted_lower"], errors="coerce")
    hi = pd.to_numeric(t["adjusted_upper"], errors="coerce")
    clear = t[(lo > 0) | (hi < 0)]
    noun = {"LA": "LA", "Provider sector": "provider sector", "Sourcing route": "sourcing route"}[comparison]
    if comparison == "Sourcing route":
        title = route_title(t)
    elif len(clear):
        k = adj[clear.index].abs().idxmax()
        more = "more" if adj[k] > 0 else "less"
        title = (
            f"For comparable children, {t.at[k, 'group']} pays {abs(adj[k]):.0f}% {more} per week than the rest "
            "of the region"
        )
    else:
        title = f"For comparable children, no {noun} pays clearly more or less per week than the rest of the region"
    fig, ax = _figure(title, source, left=0.36 if comparison == "Sourcing route" else 0.30)
    if comparison == "Sourcing route":  # the caveat, above the source line, with room under the axis
        fig.text(
            0.02, 0.055, textwrap.fill(ROUTE_CAVEAT, 150), ha="left", va="bottom", fontsize=8, color=DARK_GREY
        )
        pos = ax.get_position()
        ax.set_position((pos.x0, 0.28, pos.width, pos.y1 - 0.28))
    y = np.arange(len(t))[::-1].astype(float)
    series = (
        ("adjusted", "Adjusted (regression)", DARK_BLUE, 0.15),
        ("stratified", "Within needs bands", ORANGE, -0.15),
    )
    for key, name, colour, off in series:
        est = pd.to_numeric(t[f"{key}_percent"], errors="coerce").to_numpy(dtype=float)
        low = pd.to_numeric(t[f"{key}_lower"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(t[f"{key}_upper"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(est)
        ax.hlines(y[ok] + off, low[ok], high[ok], color=colour, linewidth=2)
        ax.plot(est[ok], y[ok] + off, "o", color=colour, markersize=6)
        for yi, miss in zip(y + off, ~ok, strict=True):
            if miss:
                ax.text(0, yi, f" {HIDDEN}", va="center", fontsize=8, color=colour)
        if ok.any():
            # Name the series beside the row whose interval ends furthest left, so the name never
            # covers another row's estimate.
            first = np.flatnonzero(ok)[np.argmin(high[ok])]
            ax.text(high[first] + 2.0, y[first] + off, name, va="center", fontsize=8.5, color=colour)
    ax.axvline(0, color=DARK_GREY, linewidth=0.8)
    n = pd.to_numeric(t["placements"], errors="coerce")
    labels = [
        f"{g}{chr(10) if len(str(g)) > 24 else ' '}({HIDDEN if pd.isna(k) else f'{int(k):,}'} placements)"
        for g, k in zip(t["group"], n, strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel("Difference in weekly cost from the rest of the region (%, with 95% interval)", fontsize=9.5,
                  color=DARK_GREY)  # fmt: skip
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    lim = np.nanmax(np.abs(np.concatenate([pd.to_numeric(t[c], errors="coerce").to_numpy(dtype=float) for c in
                                           ("adjusted_lower", "adjusted_upper", "stratified_lower", "stratified_upper")])))  # fmt: skip
    lim = lim if np.isfinite(lim) and lim > 0 else 10
    ax.set_xlim(-lim * 1.15, lim * 1.6)
    return fig


@styled
def cost_drivers(effects: pd.DataFrame, source: str) -> Figure:
    """How much each recorded need adds to weekly cost, with its 95% interval."""
    t = effects[~effects["term"].str.startswith("age band")].reset_index(drop=True)
    pct = pd.to_numeric(t["percent"], errors="coerce")
    if pct.notna().any():
        k = pct.idxmax()
        title = f"{t.at[k, 'label']} adds {pct[k]:.0f}% to the weekly cost of a comparable placement"
    else:
        title = "What recorded needs add to weekly cost"
    fig, ax = _figure(title, source)
    _hbar(ax, list(t["label"].str.replace(r" \(against.*\)", "", regex=True)), pct, DARK_BLUE, _pct,
          "Added to weekly cost, same kind of home (%, line: 95% interval)")  # fmt: skip
    y = np.arange(len(t))[::-1]
    lo = 100 * (np.exp(pd.to_numeric(t["lower"], errors="coerce").to_numpy(dtype=float)) - 1)
    hi = 100 * (np.exp(pd.to_numeric(t["upper"], errors="coerce").to_numpy(dtype=float)) - 1)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.hlines(y[ok], lo[ok], hi[ok], color=ORANGE, linewidth=2)
    top = np.nanmax(hi) if ok.any() else np.nanmax(pct)
    if np.isfinite(top):
        ax.set_xlim(min(0, np.nanmin(lo) if ok.any() else 0), top * 1.25)
        for txt, h in zip(list(ax.texts)[-len(t) :], hi, strict=True):
            if np.isfinite(h):
                txt.set_x(h + top * 0.02)
    return fig


@styled
def risks_by_type(needs: pd.DataFrame, source: str) -> Figure:
    """Share of placements with each risk, all types."""
    t = needs[(needs["placement_type"] == "All types") & needs["need"].str.startswith("Risk: ")].copy()
    t["label"] = t["need"].str.replace("Risk: ", "", regex=False)
    if "coverage_percent" in t:
        # A risk some files cannot record is a share of the placements whose file records it: say so.
        cov = pd.to_numeric(t["coverage_percent"], errors="coerce")
        partial = cov.notna() & (cov < 100)
        t.loc[partial, "label"] = t.loc[partial, "label"] + cov[partial].map(
            lambda v: f"\n(recorded for {v:.0f}% of placements)"
        )
    t["p"] = pd.to_numeric(t["percent"], errors="coerce")
    t = t.sort_values("p", ascending=False, na_position="last")
    if t["p"].notna().any():
        top = t.iloc[0]
        title = f"{top['label']} was the risk most often recorded, in {_pct(top['p'])} of placements"
    else:
        title = "Risks recorded at referral"
    fig, ax = _figure(title, source, size=(8.0, 5.4))
    _hbar(
        ax,
        list(t["label"]),
        t["p"],
        DARK_BLUE,
        _pct,
        "Placements with the risk present (% of those whose file records it)",
    )
    return fig


@styled
def availability_now(table: pd.DataFrame, source: str) -> Figure:
    """Registered places in the region by type: held by the region's own children on the date, and
    the rest (not known to be available), from the table's Region rows."""
    t = table[table["area"] == REGION].set_index("placement_type")
    t = t.reindex([x for x in TYPE_COLOURS if x in t.index])
    held = pd.to_numeric(t["places_held_by_region_children"], errors="coerce")
    rest = pd.to_numeric(t["not_known_to_be_available"], errors="coerce")
    pct = pd.to_numeric(t["percent_held"], errors="coerce")
    day = str(table["on"].iloc[0]) if len(table) else ""
    when = f"{pd.Timestamp(day).day} {pd.Timestamp(day):%B %Y}" if day else "the date"
    if pct.notna().any():
        k = pct.idxmax()
        title = (
            f"On {when} the region's own children held {_pct(pct[k])} of registered "
            f"{TYPE_PHRASES.get(k, k.lower())} places in the region, the highest share of any type"
        )
    else:
        title = f"Registered places held by the region's own children on {when}"
    fig, ax = _figure(title, source)
    y = np.arange(len(t))[::-1]
    h, r = np.nan_to_num(held.to_numpy(dtype=float)), np.nan_to_num(rest.to_numpy(dtype=float))
    ax.barh(y, h, color=DARK_BLUE, height=0.6)
    ax.barh(y, r, left=h, color=ORANGE, height=0.6)
    top = float(np.nanmax(h + r)) if len(t) else 1.0
    for yi, a, b, hv, rv in zip(y, h, r, held, rest, strict=True):
        ax.text(top * 0.01, yi + 0.36, f"held by the region's children: {HIDDEN if pd.isna(hv) else f'{a:,.0f}'}",
                fontsize=8.5, color=DARK_BLUE, va="bottom")  # fmt: skip
        ax.text(a + b + top * 0.01, yi, f"not known to be available: {HIDDEN if pd.isna(rv) else f'{b:,.0f}'}",
                fontsize=8.5, color=TEXT, va="center")  # fmt: skip
    ax.set_yticks(y, list(t.index))
    ax.set_xlim(0, (top or 1.0) * 1.6)
    ax.set_xlabel(
        "Registered places (number); the register records places, not vacancies",
        fontsize=9.5,
        color=DARK_GREY,
    )
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return fig


@styled
def placed_in_time(table: pd.DataFrame, source: str) -> Figure:
    """Share placed within the notice asked for, by notice and by type of home."""
    t = table[table["breakdown"].isin(["Notice", "Placement type"])]
    labels = [str(g) for g in t["group"]]
    pct = pd.to_numeric(t["percent"], errors="coerce")
    notice = t[t["breakdown"] == "Notice"].set_index("group")["percent"]
    notice = pd.to_numeric(notice, errors="coerce").dropna()
    if len(notice):
        low = notice.idxmin()
        title = (
            f"{_pct(notice[low])} of placements {low.lower()} started within that notice, "
            f"the lowest of any notice"
        )
    else:
        title = "Placements started within the notice asked for"
    fig, ax = _figure(title, source)
    _hbar(ax, labels, pct, DARK_BLUE, _pct, "Started within the notice asked for (% of placements)")
    return fig


@styled
def location_reasons(table: pd.DataFrame, source: str) -> Figure:
    """The reasons recorded for placements not in the preferred location (the region's rows)."""
    first = table["breakdown"].iloc[0] if len(table) else ""
    t = table[(table["breakdown"] == first) & (table["group"] == REGION)].copy()
    t["p"] = pd.to_numeric(t["percent"], errors="coerce")
    t = t.sort_values("p", ascending=False, na_position="last")
    if t["p"].notna().any():
        top = t.iloc[0]
        title = f"'{top['reason']}' was the reason given for {_pct(top['p'])} of placements not in the preferred location"
    else:
        title = "Reasons placements were not in the preferred location"
    fig, ax = _figure(title, source, size=(8.0, 5.0), left=0.42)
    labels = ["\n".join(textwrap.wrap(str(x), 34)) for x in t["reason"]]
    _hbar(ax, labels, t["p"], DARK_BLUE, _pct, "Placements not in the preferred location (%)")
    return fig


CHARTS = {
    # chart name -> (function, the table it draws, keyword arguments)
    "cost_by_type": (cost_by_type, "weekly_cost_distribution", {}),
    "placements_by_quarter": (placements_by_quarter, "placements_by_quarter", {}),
    "displacement_by_needs": (displacement_by_needs, "displacement", {}),
    "preferred_vs_placed": (preferred_vs_placed, "demand_against_supply", {}),
    "demand_against_places": (demand_against_places, "demand_against_supply", {}),
    "far_from_home": (far_from_home, "distance_bands", {}),
    "like_for_like_la": (like_for_like, "like_for_like_costs", {"comparison": "LA"}),
    "like_for_like_route": (like_for_like, "like_for_like_costs", {"comparison": "Sourcing route"}),
    "like_for_like_sector": (like_for_like, "like_for_like_costs", {"comparison": "Provider sector"}),
    "cost_drivers": (cost_drivers, "cost_effects", {}),
    "risks": (risks_by_type, "needs_profile", {}),
    "availability_now": (availability_now, "availability_now", {}),
    "placed_in_time": (placed_in_time, "placed_in_time", {}),
    "location_reasons": (location_reasons, "non_preferred_location_reasons", {}),
    "where_map": (where_map, "district_demand_supply", {"flows": ("table", "placement_flows")}),
}
"""Every chart of the report, in the report's order, with the (suppressed) table it is drawn from."""


def build_charts(tables: dict[str, pd.DataFrame], source: str, names=None) -> dict[str, Figure]:
    """Every chart whose table is present (tables must already be suppressed)."""
    out = {}
    for name in names or CHARTS:
        func, table, kwargs = CHARTS[name]
        if table in tables and tables[table] is not None and len(tables[table]):
            # ("table", name): another (suppressed) table the chart also draws, e.g. the map's flows
            kw = {
                k: tables.get(v[1]) if isinstance(v, tuple) and v[:1] == ("table",) else v
                for k, v in kwargs.items()
            }
            out[name] = func(tables[table], source, **kw)
    return out


def close(figures) -> None:
    """Release figures (they are not attached to pyplot, so this only drops references)."""
    figures = figures.values() if isinstance(figures, dict) else figures
    for fig in figures:
        fig.clear()
