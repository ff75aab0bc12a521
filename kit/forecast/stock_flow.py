"""The stock-and-flow model: estimate monthly rates from episodes, then project by simulation.

The model is a monthly discrete-time Markov chain over (age band, placement type), the method of the
Children's Social Care Demand Model with two changes: seven commercially meaningful types instead of
four, and prediction intervals by Monte-Carlo simulation (with parameter uncertainty) instead of an
analytic variance.

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
  all ages (a prior worth :data:`PRIOR_CHILD_MONTHS` child-months).

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
    IFA,
    INHOUSE_FOSTER,
    LA_HOME,
    PRIVATE_HOME,
    TYPES,
    age_band,
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
NT = len(TYPES)
EXIT = NT  # index of "left care" in the last axis of transition arrays


@dataclass
class Rates:
    """Monthly rates estimated over a reference period (counts kept, so uncertainty can be drawn).

    ``transitions[b, c, j]``: child-months in age band ``b`` and type ``c`` at one month end that were
    in type ``j`` (or ``j == EXIT``: no longer looked after) at the next. ``entries[m, b]``: entrants
    in month ``m`` of the reference period in age band ``b``. ``entry_types[b, c]``: entrants by band
    and type. ``entrant_ages[b]``: ages (years) of the entrants in band ``b``.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    transitions: np.ndarray
    entries: np.ndarray
    entry_types: np.ndarray
    entrant_ages: list[np.ndarray]
    aged_out: int = 0
    notes: list[str] = field(default_factory=list)

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
        """``P[b, c, j]``: chance a child in band ``b``, type ``c`` is in ``j`` (or left) a month later."""
        alpha = self._transition_alpha()
        return alpha / alpha.sum(axis=2, keepdims=True)

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
        """Per-simulation parameters: (transition P [S,B,T,T+1], entry rate [S,B], entry shares [S,B,T]).

        With ``uncertain``, each simulation draws its own rates: transition rows from
        Dirichlet(counts + prior), entry rates from the Gamma posterior of a Poisson mean (widened by
        the dispersion), entry mixes from Dirichlet(counts + prior). Without, every simulation uses
        the point estimates.
        """
        if not uncertain:
            p = np.broadcast_to(self.transition_probabilities(), (n_sims, NB, NT, NT + 1))
            lam = np.broadcast_to(self.entry_rates(), (n_sims, NB))
            mix = np.broadcast_to(self.entry_type_shares(), (n_sims, NB, NT))
            return p.copy(), lam.copy(), mix.copy()
        alpha = np.maximum(self._transition_alpha(), 1e-3)
        g = rng.gamma(alpha[None], 1.0, size=(n_sims, *alpha.shape))
        p = g / g.sum(axis=3, keepdims=True)
        phi = self.dispersion()
        total = self.entries.sum(axis=0)
        lam = rng.gamma((total + 0.5) / phi, phi / self.months, size=(n_sims, NB))
        ealpha = np.maximum(self._entry_alpha(), 1e-3)
        ge = rng.gamma(ealpha[None], 1.0, size=(n_sims, *ealpha.shape))
        mix = ge / ge.sum(axis=2, keepdims=True)
        return p, lam, mix


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


def estimate_rates(episodes, start, end) -> Rates:
    """Monthly entry, transition and exit rates over the reference period ``start`` to ``end``.

    In: the regional dataset's ``episodes`` (or a prepared :class:`CareHistory`); the first and last
    day of the reference period (dates or ISO text). Out: :class:`Rates`.
    """
    history = _history(episodes)
    dates = reference_month_ends(history, start, end)
    snap = snapshots(history, dates)
    nxt = snap[["key", "k", "type", "age"]].copy()
    nxt["k"] -= 1
    pairs = snap.merge(nxt, on=["key", "k"], how="outer", suffixes=("", "_next"))
    pairs = pairs[(pairs["k"] >= 0) & (pairs["k"] < len(dates) - 1)]

    # Exits and moves of children looked after at a month end (not counting those who turn 18).
    had = pairs[pairs["type"].notna()]
    gap_years = (dates[had["k"].to_numpy() + 1] - dates[had["k"].to_numpy()]).days.to_numpy() / DAYS_PER_YEAR
    turns_18 = (had["age"].to_numpy() + gap_years) >= CARE_ENDS_AT
    kept = had[~turns_18]
    to = kept["type_next"].fillna(EXIT).to_numpy(dtype=np.int64)
    transitions = np.zeros((NB, NT, NT + 1), dtype=np.int64)
    np.add.at(
        transitions, (kept["band"].to_numpy(dtype=np.int64), kept["type"].to_numpy(dtype=np.int64), to), 1
    )

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
    ages = [np.sort(age_new[band_new == b]) for b in range(NB)]
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
    """

    dates: pd.DatetimeIndex
    counts: np.ndarray
    entrants: np.ndarray
    seed: int | None

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
        """Mean and quantiles at each projected quarter end, by ``type`` (with a ``total`` row) or ``age_band``.

        Out: columns ``quarter_end``, ``type`` or ``age_band``, ``mean`` and the :data:`QUANTILES`.
        """
        q = self.quarter_index()
        if by == "type":
            arr = self.counts.sum(axis=3)[:, q, :]
            names = list(TYPES)
        elif by == "age_band":
            arr = self.counts.sum(axis=2)[:, q, :]
            names = list(AGE_BANDS)
        else:
            raise ValueError("by must be 'type' or 'age_band'")
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


def start_stock(episodes, at) -> pd.DataFrame:
    """Children looked after on ``at`` (the forecast start): columns ``type`` and ``age`` (years).

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
    return stock_on(history, at)[["type", "age"]]


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

    In: :class:`Rates`; the children looked after at the start (``type`` key and ``age`` in years, as
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
    p, lam, mix = rates.draw(n_sims, np.random.default_rng(root.spawn(1)[0]), uncertain=parameter_uncertainty)
    # Moves are drawn in two steps: stay (chance p_stay), else one of the other outcomes.
    p_flat = p.reshape(-1, NT + 1).copy()
    current = np.tile(np.arange(NT), n_sims * NB)
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
    # Per-child arrays (32-bit where it suffices: the simulation is limited by memory traffic).
    sim = np.repeat(np.arange(n_sims, dtype=np.int32), n0)
    cid = np.arange(len(sim), dtype=np.uint64)  # child ids: the start stock, then entrants (see below)
    typ = np.tile(start_stock["type"].map(type_index).to_numpy(dtype=np.int32), n_sims)
    age = np.tile(start_stock["age"].to_numpy(dtype=float), n_sims)
    flag = np.zeros(
        len(sim), dtype=np.int32
    )  # 1 + index of the Capacity rule whose extra place a child holds

    counts = np.zeros((n_sims, len(dates), NT, NB), dtype=np.int64)
    entrants = np.zeros((n_sims, len(dates), NB), dtype=np.int64)
    band = age_band(age).astype(np.int32)
    _record(counts, 0, sim, typ, band, n_sims)
    cells = np.arange(n_sims * NB, dtype=np.uint64)  # one per simulation x age band
    for m in range(1, len(dates)):
        step_years = (dates[m] - dates[m - 1]).days / DAYS_PER_YEAR
        # 1. Children already looked after move, stay or leave (rates of their band at the last month end).
        row = (sim * NB + band) * NT + typ
        u = keyed_uniform(salt, STREAM_MOVE, m, cid)
        go = u >= p_stay[row]  # most children stay where they are: draw the rest only for the others
        new_typ = typ.copy()
        new_typ[go] = move_draw((u[go] - p_stay[row[go]]) / (1.0 - p_stay[row[go]]), row[go]).astype(np.int32)
        age = age + step_years
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
        band = age_band(age).astype(np.int32)

        # 2. Entrants arrive: counts by inverse CDF of one keyed uniform per simulation x band, so a
        # scenario with fewer entrants keeps the baseline's first entrants (and their draws).
        rate = (lam * (adj.entry_multiplier if m >= adj.from_month else 1.0)).ravel()
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
        ua = keyed_uniform(salt, STREAM_AGE, m, e_cid)
        for b in range(NB):
            sel = e_band == b
            if sel.any():
                bank = rates.entrant_ages[b]
                lo, hi = _band_range(b)
                e_age[sel] = (
                    bank[(ua[sel] * len(bank)).astype(np.int64)] if len(bank) else lo + ua[sel] * (hi - lo)
                )
        e_typ = entry_draw(keyed_uniform(salt, STREAM_TYPE, m, e_cid), e_sim * NB + e_band).astype(np.int32)

        sim = np.concatenate([sim, e_sim])
        cid = np.concatenate([cid, e_cid])
        typ = np.concatenate([typ, e_typ])
        age = np.concatenate([age, e_age])
        band = np.concatenate([band, e_band])
        flag = np.concatenate([flag, np.zeros(len(e_cell), dtype=np.int32)])
        arrived = np.concatenate([moved, np.ones(len(e_cell), dtype=bool)])

        # 3. Scenario changes to where arriving children go.
        typ, flag = _apply_scenario(adj, m, sim, cid, typ, flag, arrived, n_sims, salt, type_index)
        _record(counts, m, sim, typ, band, n_sims)
    return Projection(dates=dates, counts=counts, entrants=entrants, seed=seed)


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
