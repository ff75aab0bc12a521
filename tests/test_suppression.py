"""The one suppression (kit.publish.suppression): every aggregate the kit writes for sharing goes
through it -- the report's tables, the data pack's sheets, the charts' data and the forecast's files.

The sample region's counts are large, so the run is published here at a high threshold (30): then
many counts fall below it, and none may be visible anywhere the kit writes for sharing.
"""

from __future__ import annotations

import dataclasses
import functools
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from test_measures import sample_dataset

from kit.analysis.measures import Column, Grid, Shape
from kit.forecast.result import table_shapes
from kit.publish.suppression import (
    hidden_mask,
    pinned_cells,
    recoverable_cells,
    small_counts_shown,
    suppress,
    suppress_table,
)

HIGH = 30


@functools.cache
def _forecast():
    from kit.forecast import forecast_region

    return forecast_region(sample_dataset(), n_sims=60, seed=2026, backtest_sims=40)


def test_a_grid_with_only_a_total_column_protects_its_small_cell():
    # Children at two quarter ends by type, with the kit's `total` type: 3 in "other" at the second.
    rows = []
    for q, counts in (("2026-03-31", {"foster": 40, "home": 12, "other": 9}), ("2026-06-30", {"foster": 41, "home": 14, "other": 3})):  # fmt: skip
        rows += [{"quarter_end": q, "type": t, "recorded": n} for t, n in counts.items()]
        rows.append({"quarter_end": q, "type": "total", "recorded": sum(counts.values())})
    table = pd.DataFrame(rows)
    shape = Shape((Grid("quarter_end", "type", "recorded", column_total="total"),))
    out = suppress_table(table, shape, 5)
    hidden = out.attrs["suppressed"]["recorded"].to_numpy()
    second = (table["quarter_end"] == "2026-06-30").to_numpy()
    assert hidden[second & (table["type"] == "other").to_numpy()]
    assert hidden[second].sum() >= 2, "a partner is hidden: the total would give the 3 away"
    assert not hidden[second & (table["type"] == "total").to_numpy()]  # the total itself is not small
    assert small_counts_shown(out, 5) == []
    # The hidden cells cannot be worked out from the visible cells and totals.
    body = table.pivot(index="quarter_end", columns="type", values="recorded")[["foster", "home", "other"]]
    grid = np.zeros((3, 4), dtype=np.int64)
    grid[:2, :3] = body.to_numpy()
    grid[:2, 3] = body.sum(axis=1)
    grid[2, :3] = body.sum(axis=0)
    grid[2, 3] = body.to_numpy().sum()
    mask = np.zeros_like(grid, dtype=bool)
    wide = out.assign(h=hidden).pivot(index="quarter_end", columns="type", values="h")
    mask[:2, :3] = wide[["foster", "home", "other"]].to_numpy(dtype=bool)
    assert recoverable_cells(grid, mask) == []


def test_projected_rows_keep_their_empty_recorded_count():
    table = pd.DataFrame(
        {
            "quarter_end": ["q1", "q1", "q2", "q2"],
            "kind": ["recorded", "recorded", "projected", "projected"],
            "type": ["a", "total", "a", "total"],
            "recorded": [12.0, 12.0, np.nan, np.nan],
            "median": [np.nan, np.nan, 11.0, 11.0],
        }  # fmt: skip
    )
    out = suppress_table(table, table_shapes()["projection"], 5)
    assert out["recorded"].tolist()[:2] == [12, 12] and out["recorded"].isna().tolist()[2:] == [True, True]


def test_every_forecast_table_written_has_a_suppression_shape():
    written = _forecast().tables(5)
    assert set(written) <= set(table_shapes())


def test_the_forecast_files_show_no_small_count_at_a_high_threshold(tmp_path):
    fc = _forecast()
    tables = fc.tables(HIGH)
    shapes = table_shapes()
    hidden_somewhere = 0
    for name, table in tables.items():
        assert "suppressed" in table.attrs, f"{name} did not go through kit.publish.suppression"
        assert small_counts_shown(table, HIGH) == [], name
        hidden_somewhere += int(table.attrs["suppressed"].to_numpy().sum())
    assert hidden_somewhere > 0, "at threshold 30 the sample region's forecast has counts to hide"
    paths = fc.write(tmp_path, suppress_below=HIGH, charts_too=False)
    for name, shape in shapes.items():
        if name not in paths:
            continue
        csv = pd.read_csv(paths[name], dtype=str, keep_default_na=False)
        for col in shape.count_columns():
            values = pd.to_numeric(csv[col], errors="coerce")
            assert not ((values >= 1) & (values < HIGH)).any(), f"{name}.csv, {col}"
    # The projection chart draws the suppressed history.
    history = fc.published_history(HIGH)
    assert history.isna().any().any() and not ((history >= 1) & (history < HIGH)).any().any()


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self._in = [], False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "td"

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.cells.append(data.strip())


def test_the_published_run_shows_no_small_count_anywhere_at_a_high_threshold(tmp_path):
    from kit.publish import publish_region
    from kit.publish.report import check_published

    ds = sample_dataset()
    ds = dataclasses.replace(ds, config=dataclasses.replace(ds.config, suppress_below=HIGH))
    paths = publish_region(ds, tmp_path, synthetic=True, forecast=_forecast())
    assert check_published(paths, HIGH) == []
    parser = _Cells()
    parser.feed(paths["report"].read_text(encoding="utf-8"))
    assert "[c]" in parser.cells


@pytest.mark.parametrize("threshold", [5, HIGH])
def test_the_headline_hides_now_where_the_history_is_hidden(threshold):
    from kit.publish import forecast_section

    fc = _forecast()
    section = forecast_section(fc, threshold)
    headline = next(iter(section["tables"].values()))
    now = [c for c in headline.columns if str(c).startswith("now")][0]
    last = fc.published_history(threshold).iloc[-1]
    assert (headline[now] == "[c]").sum() == int(last.isna().sum())
    shown = pd.to_numeric(headline[now], errors="coerce").dropna()
    assert not ((shown >= 1) & (shown < threshold)).any()


# ---------------------------------------------------------------------------------------------
# Disclosure control that survives an attacker (issue 17, item 6; the whole-run attack is
# tests/test_attacker.py)


def test_a_threshold_below_the_floor_is_refused_in_one_sentence():
    import subprocess
    import sys

    from kit.core.errors import KitError
    from kit.core.paths import REPO
    from kit.publish.suppression import suppress
    from kit.region import load_region_config

    with pytest.raises(KitError, match="set suppress_below to 3 or more"):
        suppress(pd.DataFrame({"n": [1, 9]}), 2)
    region = REPO / "tests" / "data" / "malformed" / "regions" / "suppress_below_one.yml"
    with pytest.raises(KitError, match=r"privacy\.suppress_below is 1, which would publish counts of 1 to 2"):
        load_region_config(region)
    proc = subprocess.run(
        [sys.executable, "-m", "kit", "run", str(region), "--out", str(REPO / ".state" / "never-written")],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert "suppress_below is 1" in proc.stderr and "Traceback" not in proc.stderr
    assert not (REPO / ".state" / "never-written").exists()


def test_hidden_counts_that_could_only_all_be_one_get_a_partner():
    # Two hidden 1s beside a public total: "each hidden count is at least 1" pins both.
    table = pd.DataFrame({"group": ["a", "b", "c", "d"], "placements": [1, 1, 50, 60]})
    out = suppress_table(table, Shape((Column("placements"),)), 5)
    hidden = out.attrs["suppressed"]["placements"].to_numpy()
    assert hidden.tolist() == [True, True, True, False], "the smallest other count joins them"
    assert small_counts_shown(out, 5) == []


def test_zeros_beside_hidden_ones_do_not_pin_them():
    # Four LAs with one placement over £10k a week each, two with none: the column adds up to 4,
    # which another table publishes; with the zeros shown, four hidden counts >= 1 are each 1.
    grid = np.array(
        [[1, 30, 31], [1, 40, 41], [1, 20, 21], [1, 25, 26], [0, 33, 33], [0, 18, 18], [4, 166, 170]]
    )
    hidden = np.zeros_like(grid, dtype=bool)
    hidden[:4, 0] = True
    assert len(pinned_cells(grid, hidden)) == 4
    out = suppress(pd.DataFrame(grid[:-1, :-1], columns=["over", "rest"]), 5)
    full = hidden_mask(out).to_numpy()
    assert full[:4, 0].all() and full[:4, 1].all(), (
        "each row is hidden whole, so a hidden count there may be 0"
    )
    assert not full[4:6, :2].any(), "the zeros and their rows stay shown"
    assert pinned_cells(grid, full) == []
    assert out.loc[[0, 1, 2, 3], "Total"].tolist() == [31, 41, 21, 26]


def test_counts_blocked_twice_are_protected_across_the_last_block():
    # Placements by provider sector within each type (as the weekly cost table has them): 4 supported
    # accommodation placements with no sector recorded. Another table publishes each sector over
    # the types, so the 4 must not be recoverable across the types either.
    sectors = {
        "LA": (2303, 57, 66),
        "Not recorded": (19, 72, 4),
        "Private": (1213, 844, 982),
        "Voluntary": (189, 72, 202),
    }
    rows = [
        {"breakdown": "Provider sector", "placement_type": t, "group": g, "placements": n[k], "median": 900.0}
        for g, n in sectors.items()
        for k, t in enumerate(["Foster", "Residential", "Supported"])
    ]
    table = pd.DataFrame(rows)
    out = suppress_table(
        table, Shape((Column("placements", ("median",), blocks=("breakdown", "placement_type")),)), 5
    )
    hide = out.attrs["suppressed"]
    wide = table.assign(h=hide["placements"]).pivot(index="group", columns="placement_type", values="h")
    assert wide.sum(axis=0).ge(2).all() or wide.sum(axis=0).eq(0).any()
    assert (wide.sum(axis=1).isin([0]) | wide.sum(axis=1).ge(2)).all(), "no sector has one lone hidden type"
    body = table.pivot(index="group", columns="placement_type", values="placements").to_numpy()
    grid = np.zeros((5, 4), dtype=np.int64)
    grid[:4, :3], grid[:4, 3], grid[4, :3], grid[4, 3] = body, body.sum(1), body.sum(0), body.sum()
    mask = np.zeros_like(grid, dtype=bool)
    mask[:4, :3] = wide.to_numpy(dtype=bool)
    assert pinned_cells(grid, mask) == []
    assert (hide["median"] >= hide["placements"]).all()


def test_no_cost_distribution_on_a_handful_of_placements():
    from kit.publish.suppression import MIN_DISTRIBUTION

    table = pd.DataFrame(
        {
            "group": ["children's home", "secure", "unregistered"],
            "placements": [973, 6, 66],
            "median": [6108.0, 10050.0, 4992.0],
        }
    )
    out = suppress_table(table, Shape((Column("placements", ("median",)),)), 5)
    assert MIN_DISTRIBUTION >= 5
    assert out["placements"].tolist() == [973, 6, 66], "the count of 6 is not small: it stays"
    assert pd.isna(out["median"].iloc[1]) and out["median"].iloc[0] == 6108.0


def test_the_cover_states_the_rules_applied():
    from kit.publish.report import suppression_rules

    text = " ".join(suppression_rules(5))
    assert "1 to 4" in text and "below 3" in text and "at least 1" in text
    assert "fewer than 10 placements" in text and "1 to 0" not in text
    assert "another table" in text and "hidden whole, which may hold zeros" in text
