"""The forecast's model terms on synthetic regions with KNOWN dynamics: exits that depend on time in
care, an entry trend with its uncertainty, the per-LA and UASC splits, and need beside placements
as made.

The region below is a monthly chain written as SSDA903 episodes (events on a random day of each
month): children come into care (Poisson entrants a month, optionally with a trend), are fostered
in-house or by an agency, move between the two (a new episode, the same period of care) and leave
care with a monthly chance that depends on how long they have been looked after. Tolerances are
stated next to each check and printed (``pytest -s``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from kit.forecast import (
    TYPES,
    estimate_rates,
    forecast_region,
    prepare_episodes,
    project,
    start_stock,
)
from kit.forecast.categories import DURATION_BANDS
from kit.forecast.history import period_of_care_start, snapshots
from kit.forecast.need import need_mix, project_need
from kit.forecast.stock_flow import EXIT, Projection
from kit.region import derive as D

pytestmark = pytest.mark.slow

CODES = {"inhouse_foster": ("U6", "PR1"), "ifa": ("U6", "PR4")}
FOSTER_TYPES = ("inhouse_foster", "ifa")
EXIT_EARLY, EXIT_LATE = 0.08, 0.02  # monthly chance of leaving care: first 6 months, after
MOVE = 0.05  # monthly chance of moving between in-house and agency fostering (a new episode)
FIRST, CUT, END = pd.Timestamp("2014-01-31"), pd.Timestamp("2024-12-31"), pd.Timestamp("2026-12-31")


def simulate(
    seed=3, lam=40.0, growth=0.0, las=(("A01", 0.6, 0.0), ("A02", 0.4, 0.25)), first=FIRST, last=END
):
    """SSDA903-shaped episodes from the chain; ``growth``: entrants' log-growth a month (0 = none);
    ``las``: (code, share of entrants, share of that LA's entrants who are UASC)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(first, last, freq="ME")
    day = (dates - pd.Timestamp(0)).days.to_numpy()
    rows, alive = [], {}  # child -> [episode start, type, months in care at the last month end, la, uasc]
    n = 0
    for k in range(len(dates) - 1):
        d0, d1 = day[k], day[k + 1]
        for child in list(alive):
            start, typ, months, la, uasc = alive[child]
            u = rng.random()
            leave = EXIT_EARLY if months < 6 else EXIT_LATE
            when = int(d0 + rng.integers(1, d1 - d0 + 1))
            if u < leave:
                rows.append((child, start, when, typ, la, uasc))
                del alive[child]
                continue
            if u < leave + MOVE:
                rows.append((child, start, when, typ, la, uasc))
                start, typ = when, 1 - typ
            alive[child] = [start, typ, months + 1, la, uasc]
        for code, share, uasc_share in las:
            for _ in range(rng.poisson(lam * share * np.exp(growth * k))):
                alive[n] = [int(d0 + rng.integers(1, d1 - d0 + 1)), int(rng.random() < 0.5), 0, code,
                            bool(rng.random() < uasc_share)]  # fmt: skip
                n += 1
    rows += [(c, v[0], -1, v[1], v[3], v[4]) for c, v in alive.items()]
    ep = pd.DataFrame(rows, columns=["child", "decom", "dec", "type", "la", "uasc"])
    rng_dob = np.random.default_rng(seed + 1)
    ages = rng_dob.uniform(0.5, 3.0, n)  # at entry: nobody reaches 18 within the run
    first_start = ep.groupby("child")["decom"].min()
    dob = first_start - np.ceil(ages[first_start.index] * 365.25).astype(np.int64)
    as_date = lambda d: pd.to_datetime(d, unit="D")  # noqa: E731
    out = pd.DataFrame(
        {
            "la": ep["la"],
            "child": "C" + ep["child"].astype(str),
            "DECOM": as_date(ep["decom"]),
            "DEC": as_date(ep["dec"].where(ep["dec"] >= 0)),
            "PLACE": [CODES[FOSTER_TYPES[t]][0] for t in ep["type"]],
            "PLACE_PROVIDER": [CODES[FOSTER_TYPES[t]][1] for t in ep["type"]],
            "dob": as_date(dob.reindex(ep["child"]).to_numpy()),
            "uasc": ep["uasc"].astype("boolean"),
            "year": "2018-19",
        }
    )
    history_day = pd.Timestamp(2018, 4, 1)
    return out[out["DEC"].isna() | (out["DEC"] >= history_day)].reset_index(drop=True)


def extract(episodes, on):
    on = pd.Timestamp(on)
    out = episodes[episodes["DECOM"] <= on].copy()
    out.loc[out["DEC"] > on, "DEC"] = pd.NaT
    return out


@pytest.fixture(scope="module")
def region():
    full = simulate()
    return {"truth": full, "seen": extract(full, CUT)}


@pytest.fixture(scope="module")
def rates(region):
    return estimate_rates(region["seen"], "2021-01-01", CUT)


# ---------------------------------------------------------------------------------------------
# a. Exits that depend on time in care

RATE_TOLERANCE = 0.01  # monthly exit chance within 1 percentage point of the truth


def test_a_move_of_home_does_not_restart_the_period_of_care():
    spells = pd.DataFrame(
        {
            "key": [1, 1, 1, 2],
            "start": pd.to_datetime(["2020-01-10", "2020-05-02", "2021-03-01", "2020-02-01"]),
            "end": pd.to_datetime(["2020-05-02", "2020-09-30", None, None]),
        }
    )
    care = period_of_care_start(spells)
    # the move on 2 May continues the period; the return on 1 March 2021 after a gap starts a new one
    assert list(care) == list(pd.to_datetime(["2020-01-10", "2020-01-10", "2021-03-01", "2020-02-01"]))


def test_exit_rates_by_time_in_care_recover_the_known_rates(region, rates):
    table = rates.duration_table()
    foster = table[table["type"].isin(FOSTER_TYPES)]
    by_band = foster.groupby("duration_band", sort=False).apply(
        lambda g: np.average(g["leave_care"], weights=g["child_months"]), include_groups=False
    )
    truth = {DURATION_BANDS[0]: EXIT_EARLY, DURATION_BANDS[1]: EXIT_LATE, DURATION_BANDS[2]: EXIT_LATE}
    # The wrong model: one exit rate whatever the time in care (the model before duration bands).
    p = rates.transition_probabilities()
    n = rates.transitions.sum(axis=2)
    idx = [TYPES.index(t) for t in FOSTER_TYPES]
    pooled = float(np.average(p[:, idx, EXIT], weights=n[:, idx]))
    # The other wrong model: time since the episode (home) started, not the period of care.
    history = prepare_episodes(region["seen"])
    history.spells["care_start"] = history.spells["start"]
    by_episode = estimate_rates(history, "2021-01-01", CUT).duration_table()
    by_episode = by_episode[by_episode["type"].isin(FOSTER_TYPES)]
    episode_early = float(
        np.average(
            by_episode.loc[by_episode["duration_band"] == DURATION_BANDS[0], "leave_care"],
            weights=by_episode.loc[by_episode["duration_band"] == DURATION_BANDS[0], "child_months"],
        )
    )
    print(
        f"\nexit a month by time in care: {dict(by_band.round(4))} vs truth {truth}; duration-free "
        f"{pooled:.4f}; timed from the episode start, first 6 months {episode_early:.4f} (tolerance {RATE_TOLERANCE})"
    )
    for band, rate in truth.items():
        assert abs(by_band[band] - rate) <= RATE_TOLERANCE, band
    assert abs(pooled - EXIT_EARLY) > RATE_TOLERANCE  # one rate for all cannot hold both
    assert abs(episode_early - EXIT_EARLY) > RATE_TOLERANCE


def test_time_in_care_advances_so_survivors_match_what_happened(region, rates):
    # Follow the children looked after on CUT for a year (no entrants): how many are still looked after?
    stock = start_stock(region["seen"], CUT)
    no_entrants = dataclasses.replace(rates, entries=np.zeros_like(rates.entries))
    after = pd.Timestamp("2025-12-31")
    truth_history = prepare_episodes(extract(region["truth"], END))
    on_cut = start_stock(truth_history, CUT)
    assert len(on_cut) == len(stock)
    snap = snapshots(truth_history, [CUT, after])
    keys0 = set(snap.loc[snap["k"] == 0, "key"])
    still = len(keys0 & set(snap.loc[snap["k"] == 1, "key"]))
    with_duration = project(no_entrants, stock, 4, n_sims=100, seed=5, start=CUT)
    without = project(
        dataclasses.replace(no_entrants, by_duration=None), stock, 4, n_sims=100, seed=5, start=CUT
    )
    got = with_duration.counts[:, -1].sum(axis=(1, 2)).mean()
    flat = without.counts[:, -1].sum(axis=(1, 2)).mean()
    print(
        f"\nchildren of {len(stock)} still looked after a year on: {still} happened; {got:.0f} projected with "
        f"time in care, {flat:.0f} without (tolerance 3%)"
    )
    assert abs(got / still - 1) <= 0.03
    assert abs(flat / still - 1) > 0.03  # the duration-free model fails the same tolerance
    # every child's time in care is carried: the stock by time in care moves out of the first band
    dur = with_duration.duration_counts.mean(axis=0)
    assert dur[0, 0] > 50 and dur[-1, 0] < 0.02 * dur[0, 0]  # (the entry rate's prior lets a few in)


# ---------------------------------------------------------------------------------------------
# b. An entry trend with its uncertainty

TREND = 0.01  # entrants grow 1% a month (12.7% a year)


def test_a_known_entry_trend_is_recovered_with_its_sign_and_size():
    episodes = simulate(seed=11, growth=TREND, first=pd.Timestamp("2016-01-31"), last=CUT)
    r = estimate_rates(episodes, "2021-01-01", CUT)
    z = (r.trend_fitted - TREND) / r.trend_fitted_se
    est, lo, hi = r.trend_interval()
    print(
        f"\nentry trend: fitted {r.trend_fitted:.4f} a month (truth {TREND}, {z:+.2f} SE), projected "
        f"{r.trend:.4f} (+-{r.trend_se:.4f}); a year {est:+.1%} (95% {lo:+.1%} to {hi:+.1%})"
    )
    assert abs(z) <= 2.5
    assert r.trend > 0 and lo > 0  # the sign is clear
    assert 0.5 * TREND <= r.trend <= 1.1 * TREND  # pulled towards none by the prior, but not far
    # Each simulation draws its slope: projected entrants grow by about the projected trend.
    stock = start_stock(episodes, CUT)
    proj = project(r, stock, 8, n_sims=200, seed=2, start=CUT)
    per_month = proj.entrants[:, 1:, :].sum(axis=2).mean(axis=0)
    growth = np.log(per_month[12:].mean() / per_month[:12].mean()) / 12
    print(f"projected entrants grow {growth:.4f} a month (the model's projected trend {r.trend:.4f})")
    assert abs(growth - r.trend) <= 0.003


def test_no_trend_gives_an_interval_around_zero_that_still_widens_the_projection(region, rates):
    est, lo, hi = rates.trend_interval()
    print(
        f"\nno trend: fitted {rates.trend_fitted:.4f} (SE {rates.trend_fitted_se:.4f}); a year {est:+.1%} ({lo:+.1%} to {hi:+.1%})"
    )
    assert lo < 0 < hi
    assert abs(rates.trend) < 2 * rates.trend_se
    stock = start_stock(region["seen"], CUT)
    trended = project(rates, stock, 8, n_sims=200, seed=4, start=CUT)
    flat = project(
        dataclasses.replace(rates, trend=0.0, trend_se=0.0), stock, 8, n_sims=200, seed=4, start=CUT
    )
    last_year = lambda p: p.entrants[:, -12:, :].sum(axis=(1, 2))  # noqa: E731
    print(
        f"entrants in year 2: spread {last_year(trended).std():.0f} with the trend's draws, {last_year(flat).std():.0f} without"
    )
    assert last_year(trended).std() > 1.2 * last_year(flat).std()
    assert abs(rates.trend) <= rates.trend_fitted_se  # centred near none
    assert abs(last_year(trended).mean() / last_year(flat).mean() - 1) < 0.10


# ---------------------------------------------------------------------------------------------
# c. Per-LA and UASC splits


def test_la_and_uasc_splits_add_up_and_follow_their_entrants(region, rates):
    stock = start_stock(region["seen"], CUT)
    proj = project(rates, stock, 8, n_sims=100, seed=6, start=CUT)
    total = proj.counts.sum(axis=(2, 3))
    assert proj.las == ("A01", "A02")
    assert (proj.la_counts.sum(axis=2) == total).all() and (proj.uasc_counts.sum(axis=2) == total).all()
    now = stock.groupby("la").size()
    assert list(proj.la_counts[0, 0]) == [now["A01"], now["A02"]]
    share = proj.la_counts[:, -1, 1].mean() / total[:, -1].mean()
    uasc = proj.uasc_counts[:, -1, 1].mean() / total[:, -1].mean()
    print(
        f"\nprojected share in A02 {share:.3f} (entrants 0.40), UASC {uasc:.3f} (entrants 0.40 x 0.25 = 0.10)"
    )
    assert abs(share - 0.40) <= 0.03 and abs(uasc - 0.10) <= 0.02
    summ = proj.summary("la")
    last = summ[summ["quarter_end"] == summ["quarter_end"].max()].set_index("la")
    assert abs(last.loc[["A01", "A02"], "mean"].sum() - last.loc["total", "mean"]) < 1e-6


# ---------------------------------------------------------------------------------------------
# d. Need beside placements as made


def _placements(episodes, prefer_foster_in_agency: float, recorded: float, seed=1):
    """Placements-standard rows: the type placed from the 903, and a preferred type recorded for a
    share ``recorded`` of them: foster for in-house placements, foster or residential for agency ones."""
    rng = np.random.default_rng(seed)
    pl = episodes[episodes["DECOM"] > pd.Timestamp("2023-12-31")].copy()
    pl["place_903"], pl["place_provider_903"], pl["placement_start"] = (
        pl["PLACE"],
        pl["PLACE_PROVIDER"],
        pl["DECOM"],
    )
    pl[D.PLACEMENT_TYPE] = D.FOSTER
    agency = (pl["PLACE_PROVIDER"] == CODES["ifa"][1]).to_numpy()
    pref = np.where(agency & (rng.random(len(pl)) >= prefer_foster_in_agency), D.RESIDENTIAL, D.FOSTER)
    pl["preferred_type"] = pd.array(np.where(rng.random(len(pl)) < recorded, pref, None), dtype="string")
    return pl.reset_index(drop=True)


def test_need_beside_placements_as_made_gives_the_gap(region, rates):
    placements = _placements(region["seen"], prefer_foster_in_agency=0.7, recorded=0.9)
    mix = need_mix(placements, until=CUT)
    ifa = mix[mix["type"] == "ifa"].set_index("needed")
    assert (
        abs(ifa.loc[D.RESIDENTIAL, "share"] - 0.3) <= 0.05
        and abs(ifa.loc[D.FOSTER, "coverage"] - 0.9) <= 0.05
    )
    proj = project(rates, start_stock(region["seen"], CUT), 4, n_sims=100, seed=8, start=CUT)
    need = project_need(proj, mix, seed=8)
    last = need[need["quarter_end"] == need["quarter_end"].max()].set_index(["placement_type", "measure"])
    agency_kids = proj.by_type()[:, -1, TYPES.index("ifa")].mean()
    expected_gap = ifa.loc[D.RESIDENTIAL, "share"] * agency_kids  # agency children who need residential care
    print(
        f"\nneed: residential gap {last.loc[(D.RESIDENTIAL, 'gap'), 'median']:.0f} (expected about {expected_gap:.0f}); "
        f"foster gap {last.loc[(D.FOSTER, 'gap'), 'median']:.0f}"
    )
    assert abs(last.loc[(D.RESIDENTIAL, "gap"), "median"] / expected_gap - 1) <= 0.10
    assert abs(last.loc[(D.FOSTER, "gap"), "median"] + expected_gap) <= 0.10 * expected_gap
    assert last.loc[(D.RESIDENTIAL, "as made"), "median"] == 0
    gap = last.xs("gap", level="measure")
    assert (gap["lower_80"] <= gap["median"]).all() and (gap["median"] <= gap["upper_80"]).all()


def test_need_is_not_guessed_when_few_placements_record_a_preference(region, rates):
    placements = _placements(region["seen"], prefer_foster_in_agency=0.7, recorded=0.2)
    mix = need_mix(placements, until=CUT)
    assert not mix.loc[mix["type"].isin(FOSTER_TYPES), "enough"].any()
    proj = project(rates, start_stock(region["seen"], CUT), 2, n_sims=20, seed=8, start=CUT)
    need = project_need(proj, mix)
    assert need.loc[need["measure"] != "as made", "median"].isna().all()
    assert need.loc[need["measure"] == "gap", "note"].str.contains("too few placements record").all()


def test_forecast_writes_the_split_and_need_files(region, tmp_path):
    seen = extract(region["truth"], "2025-12-31")
    placements = _placements(seen, prefer_foster_in_agency=0.8, recorded=0.9)
    result = forecast_region(
        {"episodes": seen, "placements": placements}, horizon_quarters=8, n_sims=40, seed=3,
        holdout_quarters=2, backtest_sims=20, backtest_by_la=False,
    )  # fmt: skip
    written = result.write(tmp_path / "forecast", charts_too=False)
    la = pd.read_csv(written["projection_la"])
    uasc = pd.read_csv(written["projection_uasc"])
    need = pd.read_csv(written["projection_need"])
    assert set(la["la"]) == {"A01", "A02", "total"} and set(uasc["uasc"]) == {"UASC", "not UASC", "total"}
    for table, col in ((la, "la"), (uasc, "uasc")):
        wide = table.pivot_table(index="quarter_end", columns=col, values="mean")
        assert np.allclose(wide.drop(columns="total").sum(axis=1), wide["total"], atol=1.0)
        assert (table["lower_95"] <= table["median"]).all() and (table["median"] <= table["upper_95"]).all()
    assert set(need["measure"]) == {"as made", "need", "gap"} and need["quarter"].nunique() == 8
    text = result.summary_text()
    assert "By LA" in text and "UASC" in text and "Need beside placements as made" in text
    trend = pd.read_csv(written["entry_trend"])
    assert list(trend["estimate"]) == ["fitted", "projected"]
    dur = pd.read_csv(written["transitions_by_duration"])
    assert set(dur["duration_band"]) <= set(DURATION_BANDS) and (dur["child_months"] >= 5).all()
    assert isinstance(result.baseline_projection, Projection)


def test_the_reports_split_table_hides_small_recorded_counts_with_a_complement():
    # Three LAs (20, 3 and 12 children now) and the UASC split (33 and 2): the LAs add up to the
    # region's total, so hiding B's 3 must hide another LA too; the same for the two UASC groups.
    from kit.forecast.result import ForecastResult

    dates = pd.date_range("2026-09-30", periods=13, freq="ME")
    la = np.zeros((2, 13, 3), dtype=np.int64)
    la[:, :, 0], la[:, :, 1], la[:, :, 2] = 20, 3, 12
    uasc = np.zeros((2, 13, 2), dtype=np.int64)
    uasc[:, :, 0], uasc[:, :, 1] = 33, 2
    counts = np.zeros((2, 13, len(TYPES), 5), dtype=np.int64)
    counts[:, :, 0, 0] = 35
    proj = Projection(dates=dates, counts=counts, entrants=np.zeros((2, 13, 5)), seed=0,
                      la_counts=la, uasc_counts=uasc, las=("A", "B", "C"))  # fmt: skip
    result = ForecastResult.__new__(ForecastResult)
    result.baseline_projection, result.origin = proj, dates[0]
    table = result.split_table(5).set_index("group")
    now = table["now (Sep 2026)"]
    assert now["LA A"] == 20 and now["LA B"] == "[c]" and now["LA C"] == "[c]"
    assert now["not UASC"] == "[c]" and now["UASC"] == "[c]"
    assert table.loc["LA B", "2027-28 Q2"] == "3 (3 to 3)"  # projections are model results
