"""Periods in placement from pooled SSDA903 episodes, and who was where at any date.

In: the regional dataset's ``episodes`` frame (one row per 903 episode, pseudonymised: ``la``,
``child``, ``DECOM``, ``DEC``, ``PLACE``, ``PLACE_PROVIDER``, ``dob``; optional ``LS``, ``year``).
Out: a :class:`CareHistory` (tidy spells, each with its placement type, and the dates the history
covers) from which :func:`snapshots` says who was looked after, in which type and at what age, at
any list of dates, and :func:`quarterly_counts` gives children by type at each quarter end.

Assumptions (also in ``guides/forecasting.md``):

* A child is looked after on date ``d`` when an episode has ``DECOM <= d`` and no ``DEC`` or
  ``DEC > d`` (an episode that ends on ``d`` and the next that starts on ``d`` count once, in the
  new one).
* Episodes under a series of short breaks (legal status V3, V4) are left out, as in DfE statistics:
  those children do not hold a placement between breaks.
* The same episode restated in later returns (same ``la``, ``child``, ``DECOM``) is kept once, from
  the latest return; an episode left open but followed by a later one is closed when the next starts.
* The history is complete from the 1 April of the earliest collection year (``year`` column), or
  from the month of the earliest episode end when there is no ``year`` column: a return holds
  every episode open in its year, but not children who left before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.forecast.categories import (
    AGE_BANDS,
    DAYS_PER_YEAR,
    TYPES,
    age_band,
    blank_provider_count,
    duration_band,
    type_from_903,
)
from kit.region.derive import EPISODE as EP  # 903 columns by role: reference/ssda903.yaml
from kit.region.derive import SSDA903 as D_SSDA903
from kit.region.derive import financial_quarter_label
from kit.region.derive import flag as D_flag

DECOM, DEC, PLACE, PROVIDER, LS = EP.start, EP.end, EP.place, EP.provider, EP.legal_status
REQUIRED = ("la", "child", DECOM, DEC, PLACE, PROVIDER, "dob")
UASC = "uasc"
"""The regional dataset's episode column (kit/region/dataset_schema.yaml) saying the child was an
unaccompanied asylum-seeking child on the episode's start date (from the 903 UASC table's DUC)."""
SHORT_BREAKS = tuple(D_SSDA903.raw["legal_status_short_breaks"])


@dataclass
class CareHistory:
    """Tidy periods in placement and the dates the history covers.

    ``spells`` columns: ``key`` (int, one per child per LA), ``start``, ``end`` (datetime64; NaT when
    still open at ``data_end``), ``type`` (a key of :data:`TYPES`), ``dob``, ``la``, ``care_start``
    (the start of the period of care the spell belongs to: see :func:`period_of_care_start`) and
    ``uasc`` (the episode's UASC flag on its start date; False when the episodes do not carry one).
    """

    spells: pd.DataFrame
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    notes: list[str] = field(default_factory=list)

    @property
    def first_snapshot(self) -> pd.Timestamp:
        """The earliest month end at which the stock is complete (the day before ``data_start`` or later)."""
        return month_end_on_or_before(self.data_start - pd.Timedelta(days=1), allow_equal=True)

    @property
    def last_snapshot(self) -> pd.Timestamp:
        """The latest month end the history covers."""
        return month_end_on_or_before(self.data_end, allow_equal=True)

    @property
    def last_quarter_end(self) -> pd.Timestamp:
        """The latest quarter end the history covers: the default forecast start."""
        return quarter_end_on_or_before(self.data_end)

    def for_la(self, la) -> CareHistory:
        """The same history restricted to one LA's children (same dates, no notes)."""
        spells = self.spells[self.spells["la"] == str(la)].reset_index(drop=True)
        return CareHistory(spells=spells, data_start=self.data_start, data_end=self.data_end)

    @property
    def las(self) -> list[str]:
        """The LAs in the history, sorted."""
        return sorted(self.spells["la"].unique()) if "la" in self.spells else []


def month_end_on_or_before(date, allow_equal: bool = True) -> pd.Timestamp:
    date = pd.Timestamp(date).normalize()
    end = date + pd.offsets.MonthEnd(0)
    if end == date and allow_equal:
        return end
    return date - pd.offsets.MonthEnd(1)


def quarter_end_on_or_before(date) -> pd.Timestamp:
    date = pd.Timestamp(date).normalize()
    end = date + pd.offsets.QuarterEnd(0)
    return end if end == date else date - pd.offsets.QuarterEnd(1)


def month_ends(first, last) -> pd.DatetimeIndex:
    """Month ends from ``first`` to ``last`` inclusive (both month ends)."""
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="ME")


def quarter_ends(first, last) -> pd.DatetimeIndex:
    """Calendar quarter ends (31 March, 30 June, 30 September, 31 December) from ``first`` to ``last``."""
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="QE-DEC")


def quarter_label(dates) -> list[str]:
    """'2026-27 Q2' style labels (financial-year quarters, as the sufficiency tables and the guide
    use them) for quarter-end dates."""
    calendar = [str(pd.Period(d, freq="Q")) for d in pd.DatetimeIndex(dates)]
    return [str(q) for q in financial_quarter_label(calendar)]


def _dates(values: pd.Series, column: str) -> pd.Series:
    """Dates from datetime64, ISO text or day-first text (never month-first)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dayfirst = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    out = iso.fillna(dayfirst)
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        raise KitError(
            f"The episodes' {column} column has {int(bad.sum())} values that are not dates "
            f"(e.g. {text[bad].iloc[0]!r}); use ISO dates (2025-04-01) or day-first (01/04/2025)."
        )
    return out.astype("datetime64[ns]")


def _history_start(episodes: pd.DataFrame, dec: pd.Series, decom: pd.Series) -> pd.Timestamp:
    if "year" in episodes and episodes["year"].notna().any():
        first = episodes["year"].dropna().astype(str).str.slice(0, 4)
        first = pd.to_numeric(first, errors="coerce").dropna()
        if len(first):
            return pd.Timestamp(int(first.min()), 4, 1)
    ended = dec.dropna()
    if len(ended):
        return ended.min().normalize().replace(day=1)
    return decom.min().normalize().replace(day=1)


def prepare_episodes(episodes: pd.DataFrame, data_start=None, data_end=None) -> CareHistory:
    """Clean pooled 903 episodes into periods in placement with a placement type.

    In: ``episodes`` shaped like the regional dataset's (columns :data:`REQUIRED`; ``LS`` and
    ``year`` used when present); ``data_start`` / ``data_end`` override the dates the history covers
    (default: from ``year`` or the earliest episode end, and the latest DECOM or DEC).
    Out: a :class:`CareHistory`. Raises :class:`KitError` when a required column is missing.
    """
    missing = [c for c in REQUIRED if c not in episodes]
    if missing:
        raise KitError(
            f"The episodes table has no {', '.join(missing)} column(s): the forecast needs the regional "
            "dataset's episodes (SSDA903 episodes joined to the header's date of birth)."
        )
    notes: list[str] = []
    ep = episodes.copy()
    ep[DECOM] = _dates(ep[DECOM], DECOM)
    ep[DEC] = _dates(ep[DEC], DEC)
    ep["dob"] = _dates(ep["dob"], "dob")
    n0 = len(ep)
    ep = ep[ep[DECOM].notna()]
    if LS in ep:
        breaks = ep[LS].astype("string").str.strip().str.upper().isin(SHORT_BREAKS).fillna(False)
        if breaks.any():
            notes.append(f"{int(breaks.sum())} episodes under a series of short breaks (V3/V4) left out.")
        ep = ep[~breaks.to_numpy(dtype=bool)]
    no_dob = ep["dob"].isna()
    if no_dob.any():
        notes.append(f"{int(no_dob.sum())} episodes with no date of birth left out (age unknown).")
        ep = ep[~no_dob]
    if n0 and len(ep) < n0 * 0.5:
        notes.append(f"Only {len(ep)} of {n0} episodes were usable.")
    if ep.empty:
        raise KitError("No usable SSDA903 episodes: every episode lacks a start date or a date of birth.")

    start_all = _history_start(episodes, ep[DEC], ep[DECOM])
    data_start = pd.Timestamp(data_start) if data_start is not None else start_all
    data_end = (
        pd.Timestamp(data_end) if data_end is not None else max(ep[DECOM].max(), ep[DEC].max()).normalize()
    )
    ep = ep[ep[DECOM] <= data_end]

    ep["key"] = pd.factorize(ep["la"].astype(str) + "\x1f" + ep["child"].astype(str))[0]
    order = ["key", DECOM] + (["year"] if "year" in ep else [])
    ep = ep.sort_values(order, kind="stable").drop_duplicates(["key", DECOM], keep="last")
    nxt = ep.groupby("key")[DECOM].shift(-1)
    end = ep[DEC].where(ep[DEC].notna() & (nxt.isna() | (ep[DEC] <= nxt)), nxt)
    end = end.where(end.isna() | (end <= data_end), pd.NaT)  # ends after the extract date are not known yet
    blank = blank_provider_count(ep[PLACE], ep[PROVIDER])
    if blank:
        notes.append(
            f"{blank} foster or children's-home episodes have no PLACE_PROVIDER: counted as in-house."
        )
    spells = pd.DataFrame(
        {
            "key": ep["key"].to_numpy(),
            "start": ep[DECOM].to_numpy(),
            "end": end.to_numpy(),
            "type": type_from_903(ep[PLACE], ep[PROVIDER]),
            "dob": ep["dob"].to_numpy(),
            "la": ep["la"].astype(str).to_numpy(),
        }
    )
    spells["uasc"] = D_flag(ep, UASC).fillna(False).to_numpy(dtype=bool)  # unknown: not UASC
    spells = spells[spells["end"].isna() | (spells["end"] > spells["start"])].reset_index(drop=True)
    spells["care_start"] = period_of_care_start(spells)
    return CareHistory(spells=spells, data_start=data_start, data_end=data_end, notes=notes)


def period_of_care_start(spells: pd.DataFrame) -> pd.Series:
    """The start of each spell's period of care: a child's spells that follow on without a day's
    gap (an episode ends on the day the next starts, as a move of home or of legal status does) are
    one period of care; a gap starts a new one (a return to care).

    Why the spells and not the 903's reason for a new episode: the tidy spells already close an
    episode left open when the next starts, so contiguity is the one rule that agrees with how the
    history counts children. Limit: the returns hold only episodes open in their years, so for a
    child already looked after when the history starts, an earlier episode of the same period may be
    missing: their period of care is known to start on or before their first spell (a lower bound on
    time in care, at most the history's length short; the guide says so).
    """
    sp = spells.sort_values(["key", "start"], kind="stable")
    prev_end = sp.groupby("key")["end"].shift(1)
    new_period = prev_end.isna() | (sp["start"] > prev_end)
    period = new_period.astype(np.int64).groupby(sp["key"]).cumsum()
    first = sp["start"].groupby([sp["key"], period]).transform("min")
    return first.reindex(spells.index)


def snapshots(history: CareHistory, dates) -> pd.DataFrame:
    """Who was looked after at each date.

    In: a :class:`CareHistory` and sorted dates. Out: one row per child per date with ``k`` (index
    into ``dates``), ``key``, ``type`` (index into :data:`TYPES`), ``age`` (years) and ``band``
    (index into :data:`AGE_BANDS`), ``in_care`` (years since the period of care started), ``dur``
    (index into :data:`DURATION_BANDS`), ``la`` (index into :attr:`CareHistory.las`) and ``uasc``.
    """
    d = pd.DatetimeIndex(dates).as_unit("ns").asi8
    sp = history.spells
    start = sp["start"].to_numpy("datetime64[ns]").astype(np.int64)
    end = sp["end"].to_numpy("datetime64[ns]")
    end = np.where(np.isnat(end), np.iinfo(np.int64).max, end.astype(np.int64))
    first = np.searchsorted(d, start, side="left")  # first date on or after the start
    stop = np.searchsorted(d, end, side="left")  # first date on or after the end: not covered
    n = np.maximum(stop - first, 0)
    rows = np.repeat(np.arange(len(sp)), n)
    k = np.repeat(first, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    type_index = {t: i for i, t in enumerate(TYPES)}
    types = np.array([type_index[t] for t in sp["type"]], dtype=np.int64)
    dob = sp["dob"].to_numpy("datetime64[ns]").astype(np.int64)
    age = (d[k] - dob[rows]) / (86400e9 * DAYS_PER_YEAR)
    care = sp["care_start"] if "care_start" in sp else sp["start"]
    care = care.to_numpy("datetime64[ns]").astype(np.int64)
    in_care = np.maximum(d[k] - care[rows], 0) / (86400e9 * DAYS_PER_YEAR)
    la_index = pd.Categorical(sp["la"], categories=history.las).codes.astype(np.int64)
    uasc = sp["uasc"].to_numpy(dtype=bool) if "uasc" in sp else np.zeros(len(sp), dtype=bool)
    out = pd.DataFrame(
        {
            "k": k,
            "key": sp["key"].to_numpy()[rows],
            "type": types[rows],
            "age": age,
            "in_care": in_care,
            "la": la_index[rows],
            "uasc": uasc[rows],
        }
    )
    out = out[out["age"] >= 0].drop_duplicates(["key", "k"], keep="last")
    out["band"] = age_band(out["age"].to_numpy())
    out["dur"] = duration_band(out["in_care"].to_numpy())
    return out.reset_index(drop=True)


def stock_on(history: CareHistory, date) -> pd.DataFrame:
    """Children looked after on ``date``: columns ``type`` (key), ``age`` (years), ``band`` (label),
    ``in_care`` (years since the period of care started), ``la`` (code) and ``uasc``."""
    snap = snapshots(history, [pd.Timestamp(date)])
    las = np.array(history.las or [""], dtype=object)
    return pd.DataFrame(
        {
            "type": np.array(TYPES, dtype=object)[snap["type"].to_numpy()],
            "age": snap["age"].to_numpy(),
            "band": np.array(AGE_BANDS, dtype=object)[snap["band"].to_numpy()],
            "in_care": snap["in_care"].to_numpy(),
            "la": las[snap["la"].to_numpy()] if len(snap) else np.array([], dtype=object),
            "uasc": snap["uasc"].to_numpy(dtype=bool),
        }
    )


def quarterly_counts(history: CareHistory, first=None, last=None) -> pd.DataFrame:
    """Children looked after at each quarter end, by type.

    In: a :class:`CareHistory`; ``first`` / ``last`` quarter ends (default: every quarter end the
    history covers). Out: a frame indexed by quarter-end date with one column per type and ``total``.
    """
    first = pd.Timestamp(first) if first is not None else history.first_snapshot + pd.offsets.QuarterEnd(0)
    last = pd.Timestamp(last) if last is not None else history.last_quarter_end
    dates = quarter_ends(first, last)
    snap = snapshots(history, dates)
    counts = np.zeros((len(dates), len(TYPES)), dtype=np.int64)
    np.add.at(counts, (snap["k"].to_numpy(), snap["type"].to_numpy()), 1)
    out = pd.DataFrame(counts, index=dates, columns=list(TYPES))
    out.index.name = "quarter_end"
    out["total"] = out[list(TYPES)].sum(axis=1)
    return out
