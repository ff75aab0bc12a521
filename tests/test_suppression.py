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

from kit.analysis.measures import Grid, Shape
from kit.forecast.result import table_shapes
from kit.publish.suppression import recoverable_cells, small_counts_shown, suppress_table

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
