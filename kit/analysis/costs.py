"""Like-for-like weekly cost: who pays more for comparable children, two ways side by side.

In: the pooled placements (see :mod:`kit.analysis.measures`). Out: tidy tables comparing LAs,
provider sectors and sourcing routes with the region, for children with comparable needs:

* **within needs bands** (stratified): inside each stratum (the kind of home and the number of
  risks: none, 1-2, 3+), the group's average log weekly cost against the rest of the region's;
  the differences are averaged over strata, weighted by the group's placements in each.
* **adjusted** (regression): ordinary least squares of log weekly cost on the kind of home, age
  band, number of risks, deprivation of liberty, solo placement and notice, plus the groups; each
  group's coefficient is compared with the placement-weighted average of all groups. Standard
  errors are heteroskedasticity-robust (HC1), because cost spreads differ by type of home.

Differences are reported as percent (``100 * (exp(d) - 1)``) with a 95% interval and the number
of placements behind them. :func:`cost_effects` returns the fitted effects of needs themselves (log
scale), which the tests compare with the effects the sample generator built in.

Assumptions (shown to users in the guide): the effects multiply cost (log scale); needs act the
same way in every kind of home; what is not recorded (staffing ratios, a provider's history with
the LA) is not adjusted for, so an adjusted difference is a prompt for a question, not a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from kit.analysis.measures import AGE_BANDS, NEEDED_BY, NOT_KNOWN, NOT_RECORDED, PLACEMENT_TYPE, prepare
from kit.region import derive as D

Z95 = NormalDist().inv_cdf(0.975)  # 1.96: the 95% interval of a normal estimate
NEEDS_TERMS = ("per_risk", "dol", "solo", "urgent_today", "urgent_within_5_days")
TERM_LABELS = {
    "per_risk": "Each risk recorded as present",
    "dol": "Deprivation of liberty order",
    "solo": D.ROLES.living_companions.code("solo"),  # the code reads as its own label
    "urgent_today": "Needed today (against more than 5 days' notice)",
    "urgent_within_5_days": "Needed within 5 days (against more than 5 days' notice)",
}
COMPARISONS = {
    # comparison label -> (column of the prepared table, what the groups are compared within)
    "LA": ("la", "setting"),
    "Provider sector": ("provider_sector", "setting"),
    "Sourcing route": ("sourcing_route", "kind_of_home"),
}
"""LAs are compared within the same kind of home (kinship, in-house or agency fostering, children's
home ...), so an LA that buys more agency foster care does not look dearer for that alone (the
sourcing-route comparison shows that gap). Sourcing routes (in-house against external) are compared
within the kind of home with the foster settings merged, since in-house and agency fostering *are*
the routes; kinship
care is left out of that comparison (it is arranged with family and friends, not bought). Provider
sectors are compared for residential and supported accommodation only: foster carers are not owned
by a provider in the same way."""
ROUTE_CAVEAT = (
    "Not adjusted for: where the provider is (homes in dearer areas), the contract route (spot "
    "purchase, framework or block contract), the date the price was agreed, and the overheads of "
    "in-house care (recruiting, training and supervising carers, buildings), which an in-house weekly "
    "cost usually leaves out: a gap is a prompt for a question, not a saving."
)
"""What the in-house against external comparison does not allow for; printed next to it (the chart,
the registry's caveat and the guide)."""
MIN_STRATUM = 2  # a stratum is used for a group when both the group and the rest have at least this many


@dataclass
class CostModel:
    """A fitted regression of log weekly cost: coefficients with robust standard errors."""

    terms: list[str]
    coef: np.ndarray
    cov: np.ndarray
    n: int
    residual_sd: float
    r_squared: float
    columns: dict[str, pd.Series] = field(repr=False, default_factory=dict)

    def estimate(self, contrast: dict[str, float]) -> tuple[float, float]:
        """A linear combination of coefficients and its standard error."""
        c = np.zeros(len(self.terms))
        for term, weight in contrast.items():
            c[self.terms.index(term)] = weight
        return float(c @ self.coef), float(np.sqrt(max(c @ self.cov @ c, 0.0)))


def _cost_frame(placements: pd.DataFrame, within: str = "setting") -> pd.DataFrame:
    """Rows usable for cost analysis: a positive weekly cost and a known type."""
    p = prepare(placements)
    p = p[(p["cost"] > 0) & p[PLACEMENT_TYPE].notna()].copy()
    p["log_cost"] = np.log(p["cost"].astype(float))
    # The kind of home without how foster care was sourced (for comparing sourcing routes).
    p["kind_of_home"] = (
        p["setting"].astype("string").str.replace(rf"^{D.FOSTER}: (in-house|agency)$", D.FOSTER, regex=True)
    )
    p["within"] = p[within].astype("string").fillna(NOT_KNOWN)
    p["needs_band"] = p["needs_band"].astype("string").fillna(NOT_KNOWN)
    p["age_band"] = p["age_band"].astype("string").fillna(NOT_KNOWN) if "age_band" in p else NOT_KNOWN
    p["urgency"] = p[NEEDED_BY].astype("string").fillna(NOT_RECORDED)
    p["risk_count"] = pd.to_numeric(p["risk_count"], errors="coerce").fillna(0).astype(float)
    return p


def _dummies(values: pd.Series, prefix: str, reference: str | None = None) -> pd.DataFrame:
    levels = sorted(values.dropna().unique(), key=str)
    if reference is None or reference not in levels:
        counts = values.value_counts()
        reference = str(counts.index[0]) if len(counts) else None
    return pd.DataFrame(
        {f"{prefix}{lvl}": (values == lvl).astype(float) for lvl in levels if lvl != reference},
        index=values.index,
    )


def fit_cost_model(p: pd.DataFrame, group: str | None = None) -> CostModel:
    """Least squares of ``log_cost`` on the kind of home (``within``), age band, needs and notice,
    plus dummies for ``group`` (rows with the group missing are dropped). ``p`` comes from
    :func:`_cost_frame`."""
    if group is not None:
        p = p[p[group].notna()]
    parts = [
        pd.Series(1.0, index=p.index, name="intercept").to_frame(),
        _dummies(p["within"], "within: "),
        _dummies(p["age_band"], "age band: ", reference="10-15"),
        pd.DataFrame(
            {
                "per_risk": p["risk_count"].astype(float),
                "dol": p["dol"].astype(float),
                "solo": p["solo"].astype(float),
                "urgent_today": (p["urgency"] == D.TODAY).astype(float),
                "urgent_within_5_days": (p["urgency"] == D.WITHIN_5_DAYS).astype(float),
                "urgency not recorded": (p["urgency"] == NOT_RECORDED).astype(float),
            },
            index=p.index,
        ),
    ]
    columns: dict[str, pd.Series] = {}
    if group is not None:
        g = p[group].astype("string")
        levels = sorted(g.unique(), key=str)
        for lvl in levels:
            columns[str(lvl)] = (g == lvl).astype(float)
        parts.append(pd.DataFrame({f"group: {lvl}": columns[str(lvl)] for lvl in levels[1:]}, index=p.index))
    X = pd.concat(parts, axis=1)
    X = X.loc[:, (X != 0).any(axis=0)]  # a level absent after filtering is not a term
    y = p["log_cost"].to_numpy(dtype=float)
    A = X.to_numpy(dtype=float)
    n, k = A.shape
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    bread = np.linalg.pinv(A.T @ A)
    meat = (A * resid[:, None] ** 2).T @ A
    cov = bread @ meat @ bread * n / max(n - k, 1)  # HC1
    tss = float(((y - y.mean()) ** 2).sum())
    return CostModel(
        terms=list(X.columns),
        coef=coef,
        cov=cov,
        n=n,
        residual_sd=float(np.sqrt((resid**2).sum() / max(n - k, 1))),
        r_squared=1 - float((resid**2).sum()) / tss if tss else np.nan,
        columns=columns,
    )


def cost_effects(placements: pd.DataFrame) -> pd.DataFrame:
    """The fitted effect of each need on log weekly cost, within the same kind of home.

    Columns: ``term`` (``per_risk``, ``dol``, ``solo``, ``urgent_today``, ``urgent_within_5_days``,
    then ``age band: ...``), ``label``, ``estimate`` (log scale), ``std_error``, ``lower``,
    ``upper`` (95%), ``percent`` (the effect as a percent change in cost) and ``placements`` (rows
    with the need; rows with at least one risk for ``per_risk``). ``attrs["n"]`` is the rows in the model.
    """
    p = _cost_frame(placements, within="setting")
    model = fit_cost_model(p)
    rows = []
    counts = {
        "dol": int(p["dol"].sum()),
        "solo": int(p["solo"].sum()),
        "urgent_today": int((p["urgency"] == D.TODAY).sum()),
        "urgent_within_5_days": int((p["urgency"] == D.WITHIN_5_DAYS).sum()),
        "per_risk": int((p["risk_count"] > 0).sum()),
    }
    for band in AGE_BANDS:
        counts[f"age band: {band}"] = int((p["age_band"] == band).sum())
    for term in [*NEEDS_TERMS, *(f"age band: {b}" for b in AGE_BANDS if b != "10-15")]:
        if term not in model.terms:
            continue
        est, se = model.estimate({term: 1.0})
        rows.append(
            {
                "term": term,
                "label": TERM_LABELS.get(term, term.replace("age band: ", "Aged ") + " (against 10-15)"),
                "estimate": round(est, 4),
                "std_error": round(se, 4),
                "lower": round(est - Z95 * se, 4),
                "upper": round(est + Z95 * se, 4),
                "percent": round(100 * (np.exp(est) - 1), 1),
                "placements": counts.get(term, 0),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["n"] = model.n
    return out


def _stratified(p: pd.DataFrame, group: str) -> pd.DataFrame:
    """Each group against the rest of the region within strata (kind of home x needs band)."""
    p = p[p[group].notna()]
    rows = []
    for level in sorted(p[group].astype("string").unique(), key=str):
        is_g = (p[group].astype("string") == level).to_numpy()
        diff_w, var_w, weight, used = 0.0, 0.0, 0.0, 0
        for _, idx in p.groupby(["within", "needs_band"], sort=True).indices.items():
            y = p["log_cost"].to_numpy()[idx]
            a, b = y[is_g[idx]], y[~is_g[idx]]
            if len(a) < MIN_STRATUM or len(b) < MIN_STRATUM:
                continue
            w = float(len(a))
            diff_w += w * (a.mean() - b.mean())
            var_w += w**2 * (a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            weight += w
            used += len(a)
        if weight:
            d, se = diff_w / weight, np.sqrt(var_w) / weight
            rows.append({"group": str(level), "stratified_placements": used, "d": d, "se": se})
        else:
            rows.append({"group": str(level), "stratified_placements": 0, "d": np.nan, "se": np.nan})
    return pd.DataFrame(rows)


def _adjusted(p: pd.DataFrame, group: str) -> pd.DataFrame:
    """Each group's regression coefficient against the placement-weighted average of the other
    groups (the rest of the region), the same baseline as the within-bands comparison."""
    p = p[p[group].notna()]
    if p[group].nunique() < 2:
        return pd.DataFrame(columns=["group", "d", "se"])
    model = fit_cost_model(p, group=group)
    n = {lvl: float(col.sum()) for lvl, col in model.columns.items()}
    rows = []
    for lvl in model.columns:
        rest = sum(v for k, v in n.items() if k != lvl)
        contrast = {
            f"group: {k}": -v / rest for k, v in n.items() if k != lvl and f"group: {k}" in model.terms
        }
        if f"group: {lvl}" in model.terms:
            contrast[f"group: {lvl}"] = 1.0
        d, se = model.estimate(contrast)
        rows.append({"group": lvl, "d": d, "se": se})
    return pd.DataFrame(rows)


def _pct(d):
    return (100 * (np.exp(np.asarray(d, dtype=float)) - 1)).round(1)


def like_for_like(placements: pd.DataFrame, comparison: str = "LA") -> pd.DataFrame:
    """One comparison (``LA``, ``Provider sector`` or ``Sourcing route``), both methods side by side.

    Columns: ``comparison``, ``group``, ``placements`` (with a cost), ``median_weekly_cost`` (raw),
    ``raw_percent`` (the group's raw average against the region's, for contrast),
    ``stratified_percent`` with ``stratified_lower``/``stratified_upper`` and
    ``stratified_placements`` (the group's placements in strata where a comparison was possible),
    ``adjusted_percent`` with ``adjusted_lower``/``adjusted_upper``. Percent: how much more (or, if
    negative, less) the group pays than the region for comparable children.
    """
    column, within = COMPARISONS[comparison]
    p = _cost_frame(placements, within=within)
    if column not in p:
        return pd.DataFrame()
    if comparison == "Provider sector":
        p = p[~p[PLACEMENT_TYPE].eq(D.FOSTER).fillna(False)]
    if comparison == "Sourcing route":
        p = p[~p["sourcing_route"].eq(D.KINSHIP_ROUTE).fillna(False)]
    p = p[p[column].notna()].copy()
    p[column] = p[column].astype("string")
    if p.empty:
        return pd.DataFrame()
    base = (
        p.groupby(column)
        .agg(
            placements=("cost", "size"), median_weekly_cost=("cost", "median"), mean_log=("log_cost", "mean")
        )
        .reset_index()
        .rename(columns={column: "group"})
    )
    base["group"] = base["group"].astype(str)
    base["raw_percent"] = _pct(base["mean_log"] - p["log_cost"].mean())
    base["median_weekly_cost"] = base["median_weekly_cost"].round(0)
    strat = _stratified(p, column)
    adj = _adjusted(p, column)
    out = base.drop(columns="mean_log").merge(strat, on="group", how="left")
    out["stratified_percent"] = _pct(out["d"])
    out["stratified_lower"] = _pct(out["d"] - Z95 * out["se"])
    out["stratified_upper"] = _pct(out["d"] + Z95 * out["se"])
    out = out.drop(columns=["d", "se"]).merge(adj, on="group", how="left")
    out["adjusted_percent"] = _pct(out["d"])
    out["adjusted_lower"] = _pct(out["d"] - Z95 * out["se"])
    out["adjusted_upper"] = _pct(out["d"] + Z95 * out["se"])
    out = out.drop(columns=["d", "se"])
    out["stratified_placements"] = out["stratified_placements"].fillna(0).astype("int64")
    out["placements"] = out["placements"].astype("int64")
    out.insert(0, "comparison", comparison)
    cols = [
        "comparison", "group", "placements", "stratified_placements", "median_weekly_cost", "raw_percent",
        "stratified_percent", "stratified_lower", "stratified_upper",
        "adjusted_percent", "adjusted_lower", "adjusted_upper",
    ]  # fmt: skip
    return out[cols]


def route_within_type(placements: pd.DataFrame) -> pd.DataFrame:
    """In-house against external **within each type of home**, both methods with intervals.

    The comparison of :func:`like_for_like` (``Sourcing route``) run separately on each type's
    placements, so that one type's gap (fostering, where agency carers cost more) is never published
    as a gap of all types. ``group`` is ``<type>: <route>``; ``placement_type`` says the type. Costs
    outside the sense range are left out (as everywhere: :func:`kit.region.derive.plausible_cost`).
    """
    p = prepare(placements)
    parts = []
    for t in D.TYPES:
        x = like_for_like(
            p[p[PLACEMENT_TYPE].astype("string").eq(t).fillna(False).to_numpy()], "Sourcing route"
        )
        if len(x) and x["group"].nunique() >= 2:
            x = x.copy()
            x["group"] = t + ": " + x["group"].astype(str)
            parts.append(x)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def like_for_like_costs(placements: pd.DataFrame) -> pd.DataFrame:
    """Every comparison of :data:`COMPARISONS` in one tidy table; sourcing routes are compared within
    each type of home (:func:`route_within_type`), never across all types at once."""
    p = prepare(placements)
    parts = [route_within_type(p) if c == "Sourcing route" else like_for_like(p, c) for c in COMPARISONS]
    parts = [x for x in parts if len(x)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
