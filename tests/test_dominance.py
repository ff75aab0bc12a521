"""The dominance rule for cost statistics (kit.publish.suppression): no published mean, total,
90th percentile or percent of spend is driven by one or two placements.

A row's ``top_two_share`` (kit.analysis.measures.top_two_share) is the share of its cost total that
its two largest placements make up; above DOMINANCE_SHARE the governed statistics are hidden, the
share itself is never published, and a hidden spend total cannot be worked out from the shown ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import sample_regional_dataset

from kit.analysis.measures import MEASURES, NOT_RECORDED, REGION, Column, Shape, top_two_share
from kit.publish.suppression import DOMINANCE_SHARE, recoverable_cells, suppress_table

ALL_TYPES = "All types"  # annualised_spend's column of every type (its Grid's column total)


def _stats_row(group: str, costs: list[float]) -> dict:
    v = np.asarray(costs, dtype=float)
    return {
        "group": group,
        "placements": len(v),
        "median": float(np.median(v)),
        "percentile_90": float(np.quantile(v, 0.9)),
        "mean": float(v.mean()),
        "top_two_share": top_two_share(pd.Series(v)),
    }


_SHAPE = Shape(
    (Column("placements", ("median", "percentile_90", "mean")),),
    dominance=("top_two_share", ("percentile_90", "mean")),
)


def test_one_package_of_most_of_a_groups_cost_hides_its_mean_and_share():
    # Twelve placements: one package of £171,000 a week beside eleven of £1,500 (about 91% of the
    # group's cost in the top one); another group of twelve similar costs; a third of similar costs.
    table = pd.DataFrame(
        [
            _stats_row("dominated", [171_000.0] + [1_500.0] * 11),
            _stats_row("similar", [4_000.0 + 50 * k for k in range(12)]),
            _stats_row("also similar", [3_000.0 + 40 * k for k in range(15)]),
        ]
    )
    assert table["top_two_share"].iloc[0] > 0.9 > DOMINANCE_SHARE
    out = suppress_table(table, _SHAPE, 5)
    assert "top_two_share" not in out.columns and "top_two_share" not in out.attrs["suppressed"]
    assert pd.isna(out["mean"].iloc[0]) and pd.isna(out["percentile_90"].iloc[0])
    assert out["median"].iloc[0] == 1_500.0, "a median does not move with one package: it stays"
    assert out["placements"].tolist() == [12, 12, 15]
    # Many similar costs keep their statistics (one of them is hidden beside the dominated mean,
    # since the group means times their counts add up to a total: the other stays).
    shown = out.loc[1:, "mean"].notna()
    assert shown.sum() == 1
    assert out["mean"].iloc[1:].dropna().iloc[0] in table["mean"].iloc[1:].tolist()


def test_a_group_of_many_similar_costs_keeps_its_statistics():
    table = pd.DataFrame([_stats_row("similar", [4_000.0 + 50 * k for k in range(12)])])
    assert table["top_two_share"].iloc[0] < DOMINANCE_SHARE
    out = suppress_table(table, _SHAPE, 5)
    assert out["mean"].iloc[0] == table["mean"].iloc[0]
    assert out["percentile_90"].iloc[0] == table["percentile_90"].iloc[0]
    assert "top_two_share" not in out.columns


def _spend_table() -> pd.DataFrame:
    """An annualised_spend table as measures builds it (LA x type, with the Region row and the
    All types column), from placements: one LA's children's homes hold a £171k-a-week package."""
    rng = np.random.default_rng(17)
    costs = {}
    for la in ("Z01", "Z02", "Z03", "Z04"):
        for t in ("Foster", "Residential", "Supported Accommodation"):
            base = {"Foster": 900.0, "Residential": 6_000.0, "Supported Accommodation": 2_000.0}[t]
            costs[(la, t)] = list(base * rng.uniform(0.8, 1.2, 20))
    costs[("Z02", "Residential")] = [171_000.0, 9_000.0] + [800.0] * 10
    rows = []
    las = sorted({la for la, _ in costs})
    types = sorted({t for _, t in costs})
    for la in [REGION, *las]:
        for t in [ALL_TYPES, *types]:
            v = [
                c for (a, b), cs in costs.items() if (la in (REGION, a)) and (t in (ALL_TYPES, b)) for c in cs
            ]
            rows.append(
                {
                    "la": la,
                    "placement_type": t,
                    "placements": len(v),
                    "weekly_cost_total": round(sum(v), 0),
                    "annualised_spend": round(sum(v) * 52.18, 0),
                    "top_two_share": top_two_share(pd.Series(v)),
                }
            )
    out = pd.DataFrame(rows)
    total = out.loc[(out["la"] == REGION) & (out["placement_type"] == ALL_TYPES), "annualised_spend"].iloc[0]
    out["percent_of_region_spend"] = (100 * out["annualised_spend"] / total).round(1)
    return out[[c for c in out.columns if c != "top_two_share"] + ["top_two_share"]]


def test_a_hidden_spend_total_cannot_be_recovered_from_the_shown_totals():
    table = _spend_table()
    out = suppress_table(table, MEASURES["annualised_spend"].shape, 5)
    assert "top_two_share" not in out.columns
    dominated = (table["la"] == "Z02") & (table["placement_type"] == "Residential")
    assert table.loc[dominated, "top_two_share"].iloc[0] > DOMINANCE_SHARE
    for col in ("weekly_cost_total", "annualised_spend", "percent_of_region_spend"):
        assert out.loc[dominated, col].isna().all(), col
    assert out["placements"].notna().all(), "no count is small: every count stays"
    # The attacker: every row and column of the grid (with its Region row and All types column)
    # adds up; try to recover each hidden total from the shown ones.
    grid = table.pivot(index="la", columns="placement_type", values="weekly_cost_total")
    shown = out.pivot(index="la", columns="placement_type", values="weekly_cost_total")
    order_r = [r for r in grid.index if r != REGION] + [REGION]
    order_c = [c for c in grid.columns if c != ALL_TYPES] + [ALL_TYPES]
    grid, shown = grid.loc[order_r, order_c], shown.loc[order_r, order_c]
    hidden = shown.isna().to_numpy()
    assert hidden.sum() >= 4, "a partner in the dominated cell's row and column, and the fourth corner"
    for i, j in np.argwhere(hidden):
        for line in (shown.iloc[i, :], shown.iloc[:, j]):
            assert line.isna().sum() >= 2, "one hidden total in a line would follow by subtraction"
    assert recoverable_cells(grid.to_numpy().round().astype(np.int64), hidden) == []
    # The shown totals are the true ones.
    kept = ~hidden
    assert np.allclose(shown.to_numpy()[kept], grid.to_numpy()[kept])


@pytest.mark.slow
def test_no_published_cost_statistic_of_the_sample_region_rests_on_two_placements():
    from kit.analysis import analysis_scope, regional_tables
    from kit.analysis.measures import PLACEMENT_TYPE, prepare
    from kit.publish.suppression import suppress_tables

    ds = sample_regional_dataset()
    cfg = ds.config
    placements, _ = analysis_scope(ds.placements, cfg.period_start, cfg.period_end)
    tables = regional_tables(ds, placements)
    published = suppress_tables(tables, int(cfg.suppress_below))
    for name, table in published.items():
        assert "top_two_share" not in table.columns, name
    # Independently, from the pooled placements: each published spend total and mean.
    p = prepare(placements)
    p = p[p["cost"].notna()]
    la = p["la"].astype("string").fillna(NOT_RECORDED)
    kind = p[PLACEMENT_TYPE].astype("string").fillna(NOT_RECORDED)

    def share(costs: pd.Series) -> float:
        v = np.sort(costs.to_numpy(dtype=float))[::-1]
        return float(v[:2].sum() / v.sum())

    checked = 0
    spend = published["annualised_spend"]
    for _, row in spend[spend["weekly_cost_total"].notna()].iterrows():
        mask = pd.Series(True, index=p.index)
        if row["la"] != REGION:
            mask &= la == row["la"]
        if row["placement_type"] != ALL_TYPES:
            mask &= kind == row["placement_type"]
        costs = p.loc[mask, "cost"]
        assert round(float(costs.sum()), 0) == row["weekly_cost_total"]
        assert share(costs) <= DOMINANCE_SHARE, (row["la"], row["placement_type"])
        checked += 1
    weekly = published["weekly_cost_distribution"]
    by = {"Placement type": None, "LA": la}
    for _, row in weekly[weekly["mean"].notna() & weekly["breakdown"].isin(list(by))].iterrows():
        mask = kind == row["placement_type"]
        if by[row["breakdown"]] is not None:
            mask &= by[row["breakdown"]] == row["group"]
        costs = p.loc[mask, "cost"]
        assert len(costs) == row["placements"]
        assert share(costs) <= DOMINANCE_SHARE, (row["breakdown"], row["placement_type"], row["group"])
        checked += 1
    assert checked >= 20


def test_the_cover_and_the_guide_state_the_dominance_rule():
    from pathlib import Path

    from kit.publish.report import suppression_rules

    text = " ".join(suppression_rules(5))
    assert f"{DOMINANCE_SHARE:.0%}" in text and "two largest placements" in text
    guide = (Path(__file__).parents[1] / "guides" / "privacy.md").read_text(encoding="utf-8")
    assert "no dominance rule yet" not in guide and f"{DOMINANCE_SHARE:.0%} of the group's cost" in guide
