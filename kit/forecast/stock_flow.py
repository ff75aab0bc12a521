"""The stock-and-flow model: estimate monthly rates from episodes, then project by simulation.

The model is a monthly discrete-time Markov chain over (age band, time in care, placement type), the
method of the Children's Social Care Demand Model with four changes: seven commercially meaningful
types instead of four; move and exit rates that also depend on how long the child has been looked
after (:data:`~kit.forecast.categories.DURATION_BANDS`, from the period of care's start); an entry
trend with its uncertainty; and prediction intervals by Monte-Carlo simulation (with parameter
uncertainty) instead of an analytic variance. Each simulated child carries its LA and UASC flag, so
the projection splits by LA and by UASC and the splits add up to the region.

Estimation (:func:`estimate_rates`), over the reference period the user chooses:

* Look at every child at each month end. A child looked after at one month end is, at the next,
  in the same type, in another type, or no longer looked after (an exit). Counting these by age
  band and type gives transition and exit probabilities per month.
* Children looked after at a month end who were not at the previous one are entrants (new
  periods of care, and returns to care). Their number per month by age band, their ages and the type
  they are in are the entry rates. A child who comes and leaves between two month ends never holds a
  placement at a month end and is not counted: the model forecasts children in placements, not starts.
* Ageing is not estimated: every child's age is tracked exactly, the age band follows it, and every
  child leaves care at 18. Month pairs in which a child turns 18 are left out of the exit rates, so
  that leaving at 18 is not counted twice.
* Sparse cells (few child-months in an age band and type) are shrunk towards the type's rates over
  all ages (a prior worth :data:`PRIOR_CHILD_MONTHS` child-months); each time-in-care cell of an age
  band and type is shrunk the same way towards that age band and type's rates over every duration.
* Time in care: the years since the child's period of care started (not the episode: a move of
  home does not restart it), at each month end; it advances a month each simulated month.
* Entry trend: monthly entrants (all ages) get a log-linear trend, a Poisson regression on the month
  with overdispersion (:func:`fit_entry_trend`, statsmodels); each simulation draws its own slope from
  the estimate's uncertainty, so a trend not told from none still widens the intervals, centred on
  about no change.

Projection (:func:`project`): the children looked after at the start, each with their type and age,
and entrants drawn every month (Poisson, widened when monthly counts vary more than Poisson, e.g.
sibling groups), move month by month with the estimated probabilities. Each simulation first draws
its own rates from their sampling uncertainty (Gamma for entry rates, Dirichlet for transition
rows), so intervals carry both the randomness of who moves and the uncertainty of the rates. They
do not carry changes in policy or practice that the reference period did not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from kit.core.errors import KitError
from kit.forecast.categories import (
    AGE_BAND_EDGES,
    AGE_BANDS,
    CARE_ENDS_AT,
    DAYS_PER_YEAR,
    DURATION_BANDS,
    IFA,
    INHOUSE_FOSTER,
    LA_HOME,
    PRIVATE_HOME,
    TYPES,
    age_band,
    duration_band,
)
from kit.forecast.history import CareHistory, month_end_on_or_before, month_ends, prepare_episodes, snapshots

PRIOR_CHILD_MONTHS = 12.0
"""Weight of the all-ages rates of a type when a cell (age band x type) has few observations."""
ENTRY_PRIOR = 5.0
"""Weight (entrants) of the all-ages type mix of entrants in an age band with few entrants."""
MIN_REFERENCE_MONTHS = 3
QUANTILES = {"lower_95": 0.025, "lower_80": 0.10, "median": 0.5, "upper_80": 0.90, "upper_95": 0.975}
NEAREST_TYPE = {LA_HOME: PRIVATE_HOME, PRIVATE_HOME: LA_HOME, INHOUSE_FOSTER: IFA, IFA: INHOUSE_FOSTER}
"""A type never seen in the reference period borrows the rates of its nearest type (needed when a
scenario opens a kind of provision the region did not use)."""

NB = len(AGE_BANDS)
ND = len(DURATION_BANDS)
NT = len(TYPES)
TREND_PRIOR_SD = 0.0025
"""The entry trend's prior: no trend, give or take 0.25% a month (about 3% a year: an assumption of the
kit, a plausible size for a region's year-on-year change in entrants, not a measured one). Why a prior: a log-linear trend fitted on three years
of months and extrapolated three years ahead turns a chance two-standard-error wobble into a 10%
error in the stock; the prior pulls a trend the data do not clearly show towards none (a slope whose
standard error equals the prior's is halved), while a precisely measured trend is kept nearly whole."""
MIN_TREND_MONTHS = 6
"""Fewer reference months than this: no entry trend is fitted (the slope is taken as none, with no
uncertainty: a trend over a few months is a season, not a trend)."""
EXIT = NT  # index of "left care" in the last axis of transition arrays


@dataclass
class Rates:
    """Monthly rates estimated over a reference period (counts kept, so uncertainty can be drawn).

    ``transitions[b, c, j]``: child-months in age band ``b`` and type ``c`` at one month end that were
    in type ``j`` (or ``j == EXIT``: no longer looked after) at the next. ``entries[m, b]``: entrants
    in month ``m`` of the reference period in age band ``b``. ``entry_types[b, c]``: entrants by band
    and type. ``entrant_ages[b]``: ages (years) of the entrants in band ``b``.

    ``by_duration[b, d, c, j]``: the same child-months as ``transitions`` split by time-in-care band
    ``d`` (None: rates that do not depend on time in care). ``entrant_la[b]``, ``entrant_uasc[b]``:
    each entrant's LA (index into ``las``) and UASC flag, aligned with ``entrant_ages[b]`` (so a drawn
    entrant keeps its age, LA and UASC status together). ``trend``, ``trend_se``: the entry trend's
    slope (log entrants per month) and its standard error after the prior :data:`TREND_PRIOR_SD`
    (what the simulations draw from); ``trend_fitted``, ``trend_fitted_se``: the regression's own.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    transitions: np.ndarray
    entries: np.ndarray
    entry_types: np.ndarray
    entrant_ages: list[np.ndarray]
    aged_out: int = 0
    notes: list[str] = field(default_factory=list)
    by_duration: np.ndarray | None = None
    entrant_la: list[np.ndarray] | None = None
    entrant_uasc: list[np.ndarray] | None = None
    las: tuple[str, ...] = ()
    trend: float = 0.0
    trend_se: float = 0.0
    trend_fitted: float = 0.0
    trend_fitted_se: float = 0.0

    @property
    def months(self) -> int:
        return self.entries.shape[0]

    # --- point estimates -------------------------------------------------------------------
    def _transition_alpha(self) -> np.ndarray:
        """Counts plus the shrinkage prior: the Dirichlet parameters of each transition row."""
        counts = self.transitions.astype(float)
        pooled = counts.sum(axis=0)  # (type, to) over all ages
        for c, t in enumerate(TYPES):
            if pooled[c].sum() == 0 and t in NEAREST_TYPE:
                near = TYPES.index(NEAREST_TYPE[t])
                pooled[c] = pooled[near]
                pooled[c, c], pooled[c, near] = pooled[near, near], pooled[near, c]
            if pooled[c].sum() == 0:  # never seen, nothing near: stays put, leaves at the overall rate
                overall = counts.sum(axis=(0, 1))
                exit_rate = overall[EXIT] / max(overall.sum(), 1.0)
                pooled[c] = 0.0
                pooled[c, c], pooled[c, EXIT] = 1.0 - exit_rate, exit_rate
        pooled = pooled / pooled.sum(axis=1, keepdims=True)
        return counts + PRIOR_CHILD_MONTHS * pooled[None, :, :]

    def transition_probabilities(self) -> np.ndarray:
        """``P[b, c, j]``: chance a child in band ``b``, type ``c`` is in ``j`` (or left) a month later
        (over every time in care)."""
        alpha = self._transition_alpha()
        return alpha / alpha.sum(axis=2, keepdims=True)

    def _duration_alpha(self) -> np.ndarray:
        """Dirichlet parameters of each (age band, time in care, type) row: its counts plus the age
        band and type's rates over every duration, worth :data:`PRIOR_CHILD_MONTHS` child-months (the
        same shrinkage as from age band to type). Shape [B, D, T, T+1] (D = 1 without durations)."""
        base = self.transition_probabilities()
        if self.by_duration is None:
            return self._transition_alpha()[:, None]
        return self.by_duration.astype(float) + PRIOR_CHILD_MONTHS * base[:, None]

    def duration_probabilities(self) -> np.ndarray:
        """``P[b, d, c, j]``: as :meth:`transition_probabilities`, for a child in time-in-care band ``d``."""
        alpha = self._duration_alpha()
        return alpha / alpha.sum(axis=3, keepdims=True)

    def trend_table(self) -> pd.DataFrame:
        """The entry trend as fitted and as projected (after the prior), a month and as a change a year."""
        rows = []
        for what, b, se in (("fitted", self.trend_fitted, self.trend_fitted_se),
                            ("projected", self.trend, self.trend_se)):  # fmt: skip
            z = stats.norm.ppf(0.975)
            rows.append({"estimate": what, "slope_per_month": b, "standard_error": se,
                         "change_a_year": float(np.expm1(12 * b)),
                         "change_a_year_lower_95": float(np.expm1(12 * (b - z * se))),
                         "change_a_year_upper_95": float(np.expm1(12 * (b + z * se)))})  # fmt: skip
        return pd.DataFrame(rows)

    def trend_interval(self, level: float = 0.95) -> tuple[float, float, float]:
        """The entry trend as a change a year (0.05 = 5% more entrants a year): estimate, lower, upper."""
        z = stats.norm.ppf(0.5 + level / 2)
        to_year = lambda b: float(np.expm1(12 * b))  # noqa: E731
        return (
            to_year(self.trend),
            to_year(self.trend - z * self.trend_se),
            to_year(self.trend + z * self.trend_se),
        )

    def entry_rates(self) -> np.ndarray:
        """Mean entrants per month by age band."""
        return self.entries.mean(axis=0)

    def dispersion(self) -> np.ndarray:
        """Variance over mean of monthly entrants by band (1 = Poisson; floored at 1)."""
        if self.months < 3:
            return np.ones(NB)
        mean = self.entries.mean(axis=0)
        var = self.entries.var(axis=0, ddof=1)
        return np.where(mean > 0, np.maximum(var / np.maximum(mean, 1e-9), 1.0), 1.0)

    def _entry_alpha(self) -> np.ndarray:
        counts = self.entry_types.astype(float)
        pooled = counts.sum(axis=0)
        pooled = pooled / pooled.sum() if pooled.sum() else np.full(NT, 1.0 / NT)
        return counts + ENTRY_PRIOR * pooled[None, :]

    def entry_type_shares(self) -> np.ndarray:
        """``E[b, c]``: share of entrants in band ``b`` who start in type ``c``."""
        alpha = self._entry_alpha()
        return alpha / alpha.sum(axis=1, keepdims=True)

    # --- readable tables ---------------------------------------------------------------------
    def entries_table(self) -> pd.DataFrame:
        """Entrants per quarter by age band (mean over the reference period) and their dispersion."""
        return pd.DataFrame(
            {
                "age_band": AGE_BANDS,
                "entrants_per_quarter": 3 * self.entry_rates(),
                "entrants_observed": self.entries.sum(axis=0),
                "dispersion": self.dispersion(),
            }
        )

    def duration_table(self) -> pd.DataFrame:
        """One row per time-in-care band x type: child-months and the monthly chance of leaving care
        and of moving to another type (every age, weighted by the child-months of each age band)."""
        if self.by_duration is None:
            return pd.DataFrame(columns=["duration_band", "type", "child_months", "leave_care", "move"])
        p = self.duration_probabilities()
        n = self.by_duration.sum(axis=3).astype(float)  # [b, d, c]
        rows = []
        for d, dband in enumerate(DURATION_BANDS):
            for c, t in enumerate(TYPES):
                w = n[:, d, c]
                if w.sum() == 0:
                    w = np.ones(NB)
                leave = float(np.average(p[:, d, c, EXIT], weights=w))
                stay = float(np.average(p[:, d, c, c], weights=w))
                rows.append({"duration_band": dband, "type": t, "child_months": int(n[:, d, c].sum()),
                             "leave_care": leave, "move": 1.0 - stay - leave})  # fmt: skip
        return pd.DataFrame(rows)

    def transitions_table(self) -> pd.DataFrame:
        """One row per age band x type: child-months observed and monthly chance of each move."""
        p = self.transition_probabilities()
        rows = []
        for b, band in enumerate(AGE_BANDS):
            for c, t in enumerate(TYPES):
                row = {"age_band": band, "type": t, "child_months": int(self.transitions[b, c].sum())}
                row["stay"] = p[b, c, c]
                row["leave_care"] = p[b, c, EXIT]
                for j, t2 in enumerate(TYPES):
                    if j != c:
                        row[f"to_{t2}"] = p[b, c, j]
                rows.append(row)
        return pd.DataFrame(rows)

    # --- draws for the simulation -------------------------------------------------------------
    def draw(self, n_sims: int, rng: np.random.Generator, uncertain: bool = True):
        """Per-simulation parameters: (transition P [S,B,D,T,T+1], entry rate [S,B], entry shares
        [S,B,T], entry trend slope [S]).

        With ``uncertain``, each simulation draws its own rates: transition rows from
        Dirichlet(counts + prior), entry rates from the Gamma posterior of a Poisson mean (widened by
        the dispersion), entry mixes from Dirichlet(counts + prior), the trend's slope from its normal
        sampling distribution. Without, every simulation uses the point estimates.
        """
        alpha = np.maximum(self._duration_alpha(), 1e-3)
        if not uncertain:
            p = np.broadcast_to(alpha / alpha.sum(axis=3, keepdims=True), (n_sims, *alpha.shape))
            lam = np.broadcast_to(self.entry_rates(), (n_sims, NB))
            mix = np.broadcast_to(self.entry_type_shares(), (n_sims, NB, NT))
            return p.copy(), lam.copy(), mix.copy(), np.full(n_sims, float(self.trend))
        g = rng.gamma(alpha[None], 1.0, size=(n_sims, *alpha.shape))
        p = g / g.sum(axis=4, keepdims=True)
        phi = self.dispersion()
        total = self.entries.sum(axis=0)
        lam = rng.gamma((total + 0.5) / phi, phi / self.months, size=(n_sims, NB))
        ealpha = np.maximum(self._entry_alpha(), 1e-3)
        ge = rng.gamma(ealpha[None], 1.0, size=(n_sims, *ealpha.shape))
        mix = ge / ge.sum(axis=2, keepdims=True)
        slope = rng.normal(float(self.trend), float(self.trend_se), size=n_sims)
        return p, lam, mix, slope

    def trend_multiplier(self, slope: np.ndarray, month: int) -> np.ndarray:
        """Per simulation, entrants in reference month index ``month`` (0 = the first reference month;
        the projection's months follow on) over the reference period's mean, under each slope."""
        k = np.arange(self.months) - (self.months - 1) / 2
        norm = np.exp(np.outer(slope, k)).mean(axis=1)
        return np.exp(slope * (month - (self.months - 1) / 2)) / norm


def shrink_trend(slope: float, se: float, prior_sd: float = TREND_PRIOR_SD) -> tuple[float, float]:
    """The slope's posterior (mean, sd) under a normal prior of no trend with sd ``prior_sd``."""
    if se <= 0:
        return 0.0, 0.0
    w = prior_sd**2 / (prior_sd**2 + se**2)
    return float(w * slope), float(np.sqrt(w) * se)


def fit_entry_trend(entries: np.ndarray) -> tuple[float, float]:
    """(slope, standard error) of log monthly entrants on the month: a Poisson regression (statsmodels
    GLM) over the reference period, its standard error widened by the overdispersion (Pearson
    chi-squared over residual degrees of freedom, at least 1) so that months varying more than
    Poisson (sibling groups) do not make a trend look surer than it is. Why a trend at all: a region
    whose entrants rise or fall would otherwise be projected flat; drawing the slope in each
    simulation keeps the uncertainty even when the trend is not told from none.
    Fewer than :data:`MIN_TREND_MONTHS` months: (0, 0).
    """
    y = np.asarray(entries, dtype=float).reshape(len(entries), -1).sum(axis=1)
    if len(y) < MIN_TREND_MONTHS or y.sum() == 0 or (y > 0).sum() < 2:
        return 0.0, 0.0
    import statsmodels.api as sm

    t = np.arange(len(y)) - (len(y) - 1) / 2
    fit = sm.GLM(y, sm.add_constant(t), family=sm.families.Poisson()).fit()
    phi = max(float(fit.pearson_chi2) / max(float(fit.df_resid), 1.0), 1.0)
    return float(fit.params[1]), float(fit.bse[1] * np.sqrt(phi))


def _history(episodes_or_history) -> CareHistory:
    if isinstance(episodes_or_history, CareHistory):
        return episodes_or_history
    return prepare_episodes(episodes_or_history)


def reference_month_ends(history: CareHistory, start, end) -> pd.DatetimeIndex:
    """Month ends bounding the reference period: from the month end before ``start`` to ``end``."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first = month_end_on_or_before(start - pd.Timedelta(days=1))
    last = month_end_on_or_before(end)
    if first < history.first_snapshot:
        raise KitError(
            f"The reference period starts on {start:%d %B %Y}, before the SSDA903 history is complete "
            f"(it covers {history.data_start:%d %B %Y} to {history.data_end:%d %B %Y}): choose a later start."
        )
    if last > history.last_snapshot:
        raise KitError(
            f"The reference period ends on {end:%d %B %Y}, after the SSDA903 history ends "
            f"({history.data_end:%d %B %Y}): choose an earlier end."
        )
    dates = month_ends(first, last)
    if len(dates) - 1 < MIN_REFERENCE_MONTHS:
        raise KitError(
            f"The reference period {start:%d %B %Y} to {end:%d %B %Y} is shorter than "
            f"{MIN_REFERENCE_MONTHS} months: choose a longer one (a year or more is better)."
        )
    return dates


def estimate_rates(episodes, start, end, entry_trend: bool = True) -> Rates:
    """Monthly entry, transition and exit rates over the reference period ``start`` to ``end``.

    In: the regional dataset's ``episodes`` (or a prepared :class:`CareHistory`); the first and last
    day of the reference period (dates or ISO text); ``entry_trend``: fit the entry trend (False:
    entrants are projected at the reference period's mean, with no trend). Out: :class:`Rates`.
    """
    history = _history(episodes)
    dates = reference_month_ends(history, start, end)
    snap = snapshots(history, dates)
    nxt = snap[["key", "k", "type", "age", "la", "uasc"]].copy()
    nxt["k"] -= 1
    pairs = snap.merge(nxt, on=["key", "k"], how="outer", suffixes=("", "_next"))
    pairs = pairs[(pairs["k"] >= 0) & (pairs["k"] < len(dates) - 1)]

    # Exits and moves of children looked after at a month end (not counting those who turn 18).
    had = pairs[pairs["type"].notna()]
    gap_years = (dates[had["k"].to_numpy() + 1] - dates[had["k"].to_numpy()]).days.to_numpy() / DAYS_PER_YEAR
    turns_18 = (had["age"].to_numpy() + gap_years) >= CARE_ENDS_AT
    kept = had[~turns_18]
    to = kept["type_next"].fillna(EXIT).to_numpy(dtype=np.int64)
    by_duration = np.zeros((NB, ND, NT, NT + 1), dtype=np.int64)
    np.add.at(
        by_duration,
        (
            kept["band"].to_numpy(dtype=np.int64),
            kept["dur"].to_numpy(dtype=np.int64),
            kept["type"].to_numpy(dtype=np.int64),
            to,
        ),
        1,
    )
    transitions = by_duration.sum(axis=1)

    # Entrants: looked after at a month end, not at the one before.
    new = pairs[pairs["type"].isna()]
    k_new = new["k"].to_numpy(dtype=np.int64)
    age_new = new["age_next"].to_numpy()
    band_new = age_band(age_new)
    type_new = new["type_next"].to_numpy(dtype=np.int64)
    entries = np.zeros((len(dates) - 1, NB), dtype=np.int64)
    np.add.at(entries, (k_new, band_new), 1)
    entry_types = np.zeros((NB, NT), dtype=np.int64)
    np.add.at(entry_types, (band_new, type_new), 1)
    la_new = new["la_next"].to_numpy(dtype=np.int64)
    uasc_new = new["uasc_next"].astype(bool).to_numpy()
    order = [np.argsort(age_new[band_new == b], kind="stable") for b in range(NB)]
    ages = [age_new[band_new == b][o] for b, o in enumerate(order)]
    e_la = [la_new[band_new == b][o] for b, o in enumerate(order)]
    e_uasc = [uasc_new[band_new == b][o] for b, o in enumerate(order)]
    fitted, fitted_se = fit_entry_trend(entries) if entry_trend else (0.0, 0.0)
    trend, trend_se = shrink_trend(fitted, fitted_se)
    notes = list(history.notes)
    if entries.sum() == 0:
        raise KitError("No child came into care in the reference period: choose a longer or later period.")
    return Rates(
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        transitions=transitions,
        entries=entries,
        entry_types=entry_types,
        entrant_ages=ages,
        aged_out=int(turns_18.sum()),
        notes=notes,
        by_duration=by_duration,
        entrant_la=e_la,
        entrant_uasc=e_uasc,
        las=tuple(history.las),
        trend=trend,
        trend_se=trend_se,
        trend_fitted=fitted,
        trend_fitted_se=fitted_se,
    )


# ---------------------------------------------------------------------------------------------
# Projection


@dataclass
class Capacity:
    """Extra places of one type, filled by children who would otherwise have gone to another.

    From month ``from_month`` (1 = the first projected month), up to ``places`` children arriving in
    ``from_type`` (entrants and children moving) go to ``to_type`` instead while fewer than ``places``
    children sit in those extra places; a child who leaves an extra place frees it.
    """

    from_type: str
    to_type: str
    places: int
    from_month: int = 1


@dataclass
class Adjustments:
    """Changes to the rates a scenario makes (see :mod:`kit.forecast.scenarios`).

    ``entry_multiplier``: entrants per month are multiplied by this (0.95 = 5% fewer).
    ``redirect``: ``(from_types, share, to_shares)``: each child arriving in one of ``from_types`` goes
    instead, with chance ``share``, to a type drawn from ``to_shares`` (a dict type -> share).
    ``capacity``: extra places (:class:`Capacity`). ``from_month``: month the first two start.
    """

    entry_multiplier: float = 1.0
    redirect: tuple[tuple[str, ...], float, dict[str, float]] | None = None
    capacity: list[Capacity] = field(default_factory=list)
    from_month: int = 1


@dataclass
class Projection:
    """Simulated children by month, type and age band.

    ``counts[s, m, c, b]``: children in simulation ``s`` at month end ``dates[m]`` (``dates[0]`` is the
    start) in type ``c`` and age band ``b``. ``entrants[s, m, b]``: entrants in month ``m`` (1-based).
    ``la_counts[s, m, l]``: children of LA ``las[l]``; ``uasc_counts[s, m, u]``: children not UASC
    (``u == 0``) and UASC (``u == 1``); ``duration_counts[s, m, d]``: children by time in care. Each
    simulated child carries its LA and UASC flag, so every split adds up to the region's total.
    """

    dates: pd.DatetimeIndex
    counts: np.ndarray
    entrants: np.ndarray
    seed: int | None
    la_counts: np.ndarray | None = None
    uasc_counts: np.ndarray | None = None
    duration_counts: np.ndarray | None = None
    las: tuple[str, ...] = ()

    @property
    def n_sims(self) -> int:
        return self.counts.shape[0]

    def quarter_index(self) -> np.ndarray:
        """Indices into ``dates`` of the quarter ends after the start."""
        is_qe = self.dates.is_quarter_end
        return np.flatnonzero(is_qe & (np.arange(len(self.dates)) > 0))

    def by_type(self) -> np.ndarray:
        """``[s, m, c]``: children by simulation, month and type (all ages)."""
        return self.counts.sum(axis=3)

    def summary(self, by: str = "type") -> pd.DataFrame:
        """Mean and quantiles at each projected quarter end, by ``type``, ``age_band``, ``la``, ``uasc``
        or ``duration_band``, with a ``total`` row.

        Out: columns ``quarter_end``, the ``by`` column, ``mean`` and the :data:`QUANTILES`.
        """
        q = self.quarter_index()
        if by == "type":
            arr = self.counts.sum(axis=3)[:, q, :]
            names = list(TYPES)
        elif by == "age_band":
            arr = self.counts.sum(axis=2)[:, q, :]
            names = list(AGE_BANDS)
        elif by == "la" and self.la_counts is not None:
            arr, names = self.la_counts[:, q, :], list(self.las)
        elif by == "uasc" and self.uasc_counts is not None:
            arr, names = self.uasc_counts[:, q, :], list(UASC_GROUPS)
        elif by == "duration_band" and self.duration_counts is not None:
            arr, names = self.duration_counts[:, q, :], list(DURATION_BANDS)
        else:
            raise ValueError("by must be 'type', 'age_band', 'la', 'uasc' or 'duration_band'")
        arr = np.concatenate([arr, arr.sum(axis=2, keepdims=True)], axis=2)
        names = names + ["total"]
        rows = []
        for i, qi in enumerate(q):
            for j, name in enumerate(names):
                v = arr[:, i, j]
                row = {"quarter_end": self.dates[qi], by: name, "mean": float(v.mean())}
                row.update({k: float(np.quantile(v, p)) for k, p in QUANTILES.items()})
                rows.append(row)
        return pd.DataFrame(rows)


UASC_GROUPS = ("not UASC", "UASC")
"""The UASC split's two groups, in the order of :attr:`Projection.uasc_counts`."""


def start_stock(episodes, at) -> pd.DataFrame:
    """Children looked after on ``at`` (the forecast start): columns ``type``, ``age`` (years),
    ``in_care`` (years since the period of care started), ``la`` and ``uasc``.

    In: the regional dataset's ``episodes`` (or a :class:`CareHistory`) and a date within the history.
    """
    from kit.forecast.history import stock_on

    history = _history(episodes)
    at = pd.Timestamp(at)
    if at > history.data_end or at < history.first_snapshot:
        raise KitError(
            f"The forecast cannot start on {at:%d %B %Y}: the SSDA903 history covers "
            f"{history.data_start:%d %B %Y} to {history.data_end:%d %B %Y}."
        )
    return stock_on(history, at)[["type", "age", "in_care", "la", "uasc"]]


def project(
    rates: Rates,
    start_stock: pd.DataFrame,
    horizon_quarters: int = 12,
    n_sims: int = 500,
    seed: int | None = 2026,
    start=None,
    adjustments: Adjustments | None = None,
    parameter_uncertainty: bool = True,
) -> Projection:
    """Simulate children by type and age band month by month from ``start`` for ``horizon_quarters``.

    In: :class:`Rates`; the children looked after at the start (``type`` key and ``age`` in years, and
    optionally ``in_care`` in years (default 0: new to care), ``la`` and ``uasc``, as
    :func:`start_stock` gives); the start date (a month end; default the reference period's end);
    ``n_sims`` simulations from ``seed``; optional scenario :class:`Adjustments`.
    Out: a :class:`Projection`.

    Random numbers are keyed on (seed, child, month) rather than drawn in sequence, so the same seed
    gives the same numbers, and a scenario run from the same seed as the baseline meets the same
    children, the same entrants and the same chances: differences between the two come from the
    scenario, not from the luck of the draw (common random numbers).
    """
    if horizon_quarters < 1 or n_sims < 1:
        raise KitError("The horizon (quarters) and the number of simulations must both be at least 1.")
    adj = adjustments or Adjustments()
    origin = month_end_on_or_before(start if start is not None else rates.end)
    dates = pd.date_range(origin, periods=3 * horizon_quarters + 1, freq="ME")
    root = np.random.SeedSequence(seed)
    salt = np.uint64(root.generate_state(1, dtype=np.uint64)[0])
    p, lam, mix, slope = rates.draw(
        n_sims, np.random.default_rng(root.spawn(1)[0]), uncertain=parameter_uncertainty
    )
    nd = p.shape[2]  # time-in-care bands of the rates (1 when they do not depend on it)
    # Reference-month index of the month before the first projected one (the trend's clock).
    ref_last = month_end_on_or_before(rates.end)
    k0 = rates.months - 1 + (origin.year - ref_last.year) * 12 + (origin.month - ref_last.month)
    # Moves are drawn in two steps: stay (chance p_stay), else one of the other outcomes.
    p_flat = p.reshape(-1, NT + 1).copy()
    current = np.tile(np.arange(NT), n_sims * NB * nd)
    p_stay = np.minimum(p_flat[np.arange(len(p_flat)), current], 1.0 - 1e-12)
    p_flat[np.arange(len(p_flat)), current] = 0.0
    p_flat /= np.maximum(p_flat.sum(axis=1, keepdims=True), 1e-300)
    move_draw = _categorical_sampler(p_flat)
    entry_draw = _categorical_sampler(mix.reshape(-1, NT))
    phi = rates.dispersion()
    type_index = {t: i for i, t in enumerate(TYPES)}

    unknown = sorted(set(start_stock["type"]) - set(TYPES))
    if unknown:
        raise KitError(f"Unknown placement types in the start stock: {', '.join(unknown)}.")
    n0 = len(start_stock)
    las = tuple(sorted({*rates.las, *(start_stock["la"].astype(str) if "la" in start_stock else [])}))
    la_of = {la: i for i, la in enumerate(las)}
    bank_la = (
        np.array([la_of[la] for la in rates.las], dtype=np.int32) if rates.las else np.zeros(1, np.int32)
    )
    # Per-child arrays (32-bit where it suffices: the simulation is limited by memory traffic).
    sim = np.repeat(np.arange(n_sims, dtype=np.int32), n0)
    cid = np.arange(len(sim), dtype=np.uint64)  # child ids: the start stock, then entrants (see below)
    typ = np.tile(start_stock["type"].map(type_index).to_numpy(dtype=np.int32), n_sims)
    age = np.tile(start_stock["age"].to_numpy(dtype=float), n_sims)
    tic = np.tile(
        start_stock["in_care"].fillna(0.0).to_numpy(dtype=float)
        if "in_care" in start_stock
        else np.zeros(n0),
        n_sims,
    )
    la = np.tile(
        start_stock["la"].astype(str).map(la_of).to_numpy(dtype=np.int32)
        if "la" in start_stock
        else np.zeros(n0, dtype=np.int32),
        n_sims,
    )
    uasc = np.tile(
        start_stock["uasc"].fillna(False).to_numpy(dtype=bool)
        if "uasc" in start_stock
        else np.zeros(n0, bool),
        n_sims,
    )
    n_la = max(len(las), 1)
    flag = np.zeros(
        len(sim), dtype=np.int32
    )  # 1 + index of the Capacity rule whose extra place a child holds

    counts = np.zeros((n_sims, len(dates), NT, NB), dtype=np.int64)
    entrants = np.zeros((n_sims, len(dates), NB), dtype=np.int64)
    la_counts = np.zeros((n_sims, len(dates), n_la), dtype=np.int64)
    uasc_counts = np.zeros((n_sims, len(dates), 2), dtype=np.int64)
    dur_counts = np.zeros((n_sims, len(dates), ND), dtype=np.int64)
    band = age_band(age).astype(np.int32)
    dur = np.minimum(duration_band(tic), nd - 1).astype(np.int32)

    def record(m):
        _record(counts, m, sim, typ, band, n_sims)
        la_counts[:, m] = np.bincount(sim * n_la + la, minlength=n_sims * n_la).reshape(n_sims, n_la)
        uasc_counts[:, m] = np.bincount(sim * 2 + uasc, minlength=n_sims * 2).reshape(n_sims, 2)
        d_all = duration_band(tic)
        dur_counts[:, m] = np.bincount(sim * ND + d_all, minlength=n_sims * ND).reshape(n_sims, ND)

    record(0)
    cells = np.arange(n_sims * NB, dtype=np.uint64)  # one per simulation x age band
    for m in range(1, len(dates)):
        step_years = (dates[m] - dates[m - 1]).days / DAYS_PER_YEAR
        # 1. Children already looked after move, stay or leave (rates of their age band and time in
        # care at the last month end).
        row = ((sim * NB + band) * nd + dur) * NT + typ
        u = keyed_uniform(salt, STREAM_MOVE, m, cid)
        go = u >= p_stay[row]  # most children stay where they are: draw the rest only for the others
        new_typ = typ.copy()
        new_typ[go] = move_draw((u[go] - p_stay[row[go]]) / (1.0 - p_stay[row[go]]), row[go]).astype(np.int32)
        age = age + step_years
        tic = tic + step_years
        stay = (new_typ != EXIT) & (age < CARE_ENDS_AT)
        moved = stay & (new_typ != typ)
        sim, cid, typ, age, flag, moved = (
            sim[stay],
            cid[stay],
            new_typ[stay],
            age[stay],
            flag[stay],
            moved[stay],
        )
        tic, la, uasc = tic[stay], la[stay], uasc[stay]
        band = age_band(age).astype(np.int32)

        # 2. Entrants arrive: counts by inverse CDF of one keyed uniform per simulation x band, so a
        # scenario with fewer entrants keeps the baseline's first entrants (and their draws).
        trend = rates.trend_multiplier(slope, k0 + m)[:, None]  # [S, 1]: this simulation's entry trend
        rate = (lam * trend * (adj.entry_multiplier if m >= adj.from_month else 1.0)).ravel()
        phi_cell = np.tile(phi, n_sims)
        over = phi_cell > 1.0
        if (
            over.any()
        ):  # gamma-Poisson: monthly counts vary more than Poisson (sibling groups arrive together)
            g = keyed_uniform(salt, STREAM_GAMMA, m, cells[over])
            shape = lam.ravel()[over] / (phi_cell[over] - 1.0)
            rate[over] = stats.gamma.ppf(g, np.maximum(shape, 1e-9), scale=(phi_cell[over] - 1.0)) * (
                rate[over] / np.maximum(lam.ravel()[over], 1e-12)
            )
        n_new = stats.poisson.ppf(keyed_uniform(salt, STREAM_COUNT, m, cells), rate).astype(np.int64)
        n_new = np.minimum(n_new, MAX_ENTRANTS - 1)
        entrants[:, m, :] = n_new.reshape(n_sims, NB)
        e_cell = np.repeat(np.arange(n_sims * NB, dtype=np.int32), n_new)
        e_sim, e_band = e_cell // NB, e_cell % NB
        e_j = np.arange(len(e_cell)) - np.repeat(np.cumsum(n_new) - n_new, n_new)
        e_cid = ENTRANT_BASE + ((np.uint64(m) * np.uint64(n_sims * NB) + e_cell.astype(np.uint64))
                                * np.uint64(MAX_ENTRANTS) + e_j.astype(np.uint64))  # fmt: skip
        e_age = np.empty(len(e_cell))
        e_la = np.zeros(len(e_cell), dtype=np.int32)
        e_uasc = np.zeros(len(e_cell), dtype=bool)
        ua = keyed_uniform(salt, STREAM_AGE, m, e_cid)
        for b in range(NB):
            sel = e_band == b
            if sel.any():
                bank = rates.entrant_ages[b]
                lo, hi = _band_range(b)
                pick = (ua[sel] * len(bank)).astype(np.int64)
                e_age[sel] = bank[pick] if len(bank) else lo + ua[sel] * (hi - lo)
                if len(bank) and rates.entrant_la is not None:  # the same entrant's LA and UASC status
                    e_la[sel] = bank_la[rates.entrant_la[b][pick]]
                    e_uasc[sel] = rates.entrant_uasc[b][pick]
        e_typ = entry_draw(keyed_uniform(salt, STREAM_TYPE, m, e_cid), e_sim * NB + e_band).astype(np.int32)

        sim = np.concatenate([sim, e_sim])
        cid = np.concatenate([cid, e_cid])
        typ = np.concatenate([typ, e_typ])
        age = np.concatenate([age, e_age])
        band = np.concatenate([band, e_band])
        tic = np.concatenate([tic, np.zeros(len(e_cell))])
        la = np.concatenate([la, e_la])
        uasc = np.concatenate([uasc, e_uasc])
        dur = np.minimum(duration_band(tic), nd - 1).astype(np.int32)
        flag = np.concatenate([flag, np.zeros(len(e_cell), dtype=np.int32)])
        arrived = np.concatenate([moved, np.ones(len(e_cell), dtype=bool)])

        # 3. Scenario changes to where arriving children go.
        typ, flag = _apply_scenario(adj, m, sim, cid, typ, flag, arrived, n_sims, salt, type_index)
        record(m)
    return Projection(
        dates=dates,
        counts=counts,
        entrants=entrants,
        seed=seed,
        la_counts=la_counts,
        uasc_counts=uasc_counts,
        duration_counts=dur_counts,
        las=las,
    )


(
    STREAM_MOVE,
    STREAM_GAMMA,
    STREAM_COUNT,
    STREAM_AGE,
    STREAM_TYPE,
    STREAM_REDIRECT,
    STREAM_TARGET,
    STREAM_RANK,
) = range(1, 9)
MAX_ENTRANTS = 1 << 16  # per simulation, age band and month: far above any region's entrants
ENTRANT_BASE = np.uint64(1 << 40)  # entrant ids start above any start stock (simulations x children)
_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a well-spread 64-bit hash (wrap-around arithmetic is intended)."""
    with np.errstate(over="ignore"):
        z = z + _M1
        z = (z ^ (z >> np.uint64(30))) * _M2
        z = (z ^ (z >> np.uint64(27))) * _M3
    return z ^ (z >> np.uint64(31))


def keyed_uniform(salt: np.uint64, stream: int, month: int, ids: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1) that depend only on (seed salt, stream, month, id): common random numbers."""
    key = _mix(np.asarray(salt ^ _mix(np.uint64(stream << 32 | month)), dtype=np.uint64))
    z = _mix(np.asarray(ids, dtype=np.uint64) ^ key)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def _band_range(b: int) -> tuple[float, float]:
    edges = (0.0, *AGE_BAND_EDGES, CARE_ENDS_AT)
    return edges[b], edges[b + 1]


def _categorical_sampler(probs: np.ndarray):
    """A function (u, row) -> outcome drawn from ``probs[row]`` for uniforms ``u`` in [0, 1).

    All rows' cumulative probabilities are laid end to end, row ``r`` shifted by ``2 r``, so one
    ``searchsorted`` draws every child's outcome at once without building an (n x outcomes) array.
    """
    k = probs.shape[1]
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0  # rounding must never leave a gap above the last outcome
    shift = 2.0 * np.arange(len(cum))[:, None]
    flat = (cum + shift).ravel()

    def draw(u: np.ndarray, row: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(flat, u + 2.0 * row, side="right")
        return np.minimum(pos - row * k, k - 1)

    return draw


def _record(counts, m, sim, typ, band, n_sims) -> None:
    flat = (sim * NT + typ) * NB + band
    counts[:, m] = np.bincount(flat, minlength=n_sims * NT * NB).reshape(n_sims, NT, NB)


def _apply_scenario(adj, m, sim, cid, typ, flag, arrived, n_sims, salt, type_index):
    """Redirect arriving children as the scenario says (on copies); returns (typ, flag)."""
    typ = typ.copy()
    flag = flag.copy()
    if adj.redirect is not None and m >= adj.from_month:
        from_types, share, to_shares = adj.redirect
        src = np.isin(typ, [type_index[t] for t in from_types]) & arrived
        go = src & (keyed_uniform(salt, STREAM_REDIRECT, m, cid) < share)
        if go.any():
            targets = np.array([type_index[t] for t in to_shares])
            w = np.cumsum(np.array(list(to_shares.values()), dtype=float))
            pick = np.searchsorted(w / w[-1], keyed_uniform(salt, STREAM_TARGET, m, cid[go]), side="right")
            typ[go] = targets[np.minimum(pick, len(targets) - 1)]
    for r, cap in enumerate(adj.capacity, start=1):
        to_i, from_i = type_index[cap.to_type], type_index[cap.from_type]
        flag[(flag == r) & (typ != to_i)] = 0  # a child who moved on frees the extra place
        if m < cap.from_month or cap.places <= 0:
            continue
        held = np.bincount(sim[flag == r], minlength=n_sims)
        free = np.maximum(cap.places - held, 0)
        cand = np.flatnonzero(arrived & (typ == from_i) & (flag == 0))
        if not len(cand) or not free.any():
            continue
        priority = keyed_uniform(salt, STREAM_RANK, m, cid[cand])
        cand = cand[np.lexsort((priority, sim[cand]))]
        s = sim[cand]
        rank = np.arange(len(cand)) - np.searchsorted(s, s, side="left")
        take = cand[rank < free[s]]
        typ[take] = to_i
        flag[take] = r
    return typ, flag
