"""The attacker test: can anyone work out a hidden count from everything the sample region publishes?

The attacker holds every published table of the sample region's run at once (what
``kit.publish.report`` writes: the tables as :func:`kit.publish.suppression.suppress_tables` returns
them) and knows more than a reader would:

* every shown count, and every total of every table's rows, columns and blocks (even where a total
  is hidden: it may be published elsewhere);
* how counts add up *across* tables: a count in one table that equals the same count in another,
  or the sum of counts in another (supported accommodation by provider sector against the sectors
  over residential and supported accommodation, for instance). These links are found from the rows'
  labels and confirmed on the true counts, which is what an attacker who read the definitions knows;
* that a hidden count is at least 1, unless it lies in a row or column hidden whole (the published
  rules say such a line may hold zeros).

Then, by integer programming (:func:`scipy.optimize.milp`), each hidden count is minimised and
maximised over every whole-number solution. No hidden count may be pinned to one value from 1 to
the threshold - 1.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from kit.analysis import REGISTRY, analysis_scope, sufficiency_tables
from kit.analysis.measures import Column, Grid, Parts
from kit.publish.suppression import suppress_tables

pytestmark = pytest.mark.slow


@functools.cache
def _tables():
    from conftest import sample_regional_dataset

    ds = sample_regional_dataset()
    cfg = ds.config
    placements, _ = analysis_scope(ds.placements, cfg.period_start, cfg.period_end)
    return sufficiency_tables(placements, ds.providers, ds.districts), int(cfg.suppress_below)


class _System:
    """The attacker's unknowns (hidden counts) and equations over them."""

    def __init__(self, truth: dict[str, pd.DataFrame], published: dict[str, pd.DataFrame]):
        self.truth, self.published = truth, published
        self.var: dict[tuple, int] = {}  # (table, row, column) -> unknown
        self.value: list[int] = []  # the true value of each unknown (to check the attacker's facts)
        self.lower: list[int] = []
        self.equations: list[tuple[dict[int, float], float]] = []  # coefficients, right-hand side

    def hidden(self, name: str, i: int, col: str) -> bool:
        return bool(self.published[name].attrs["suppressed"][col].iat[i])

    def true(self, name: str, i: int, col: str) -> int:
        v = pd.to_numeric(pd.Series([self.truth[name][col].iat[i]]), errors="coerce").iat[0]
        return 0 if pd.isna(v) else int(round(float(v)))

    def unknown(self, key: tuple, true_value: int) -> int:
        if key not in self.var:
            self.var[key] = len(self.value)
            self.value.append(true_value)
            self.lower.append(1)
        return self.var[key]

    def add(self, terms: list[tuple[tuple, int]], rest: bool = False) -> None:
        """One published relation: sum(sign * count) is known (the true sum: a margin the attacker
        knows), or, with ``rest``, sum(sign * count) + an unknown non-negative rest is 0 (parts that
        fall short of their total). ``terms``: ((table, row, column), sign); shown counts are constants."""
        if len(terms) < 2:
            return  # a line of one count: its "total" is the count itself, known only if shown
        coeffs: dict[int, float] = {}
        true_sum = sum(sign * self.true(*cell) for cell, sign in terms)
        shown = sum(sign * self.true(*cell) for cell, sign in terms if not self.hidden(*cell))
        for cell, sign in terms:
            if self.hidden(*cell):
                k = self.unknown(cell, self.true(*cell))
                coeffs[k] = coeffs.get(k, 0.0) + sign
        if rest:
            k = self.unknown(("rest", len(self.value)), -true_sum)
            self.lower[k] = 0
            coeffs[k] = 1.0
            rhs = -shown
        else:
            rhs = true_sum - shown
        if coeffs:
            self.equations.append((coeffs, float(rhs)))
        # A line whose every published count is hidden may hold zeros (the rules say so).
        if len(terms) >= 2 and all(self.hidden(*cell) for cell, _ in terms):
            for cell, _ in terms:
                self.lower[self.var[cell]] = 0


def _text(table: pd.DataFrame, col: str) -> pd.Series:
    return table[col].astype("string").fillna("Not recorded")


def _block_rows(table: pd.DataFrame, blocks) -> list[np.ndarray]:
    if not blocks:
        return [np.arange(len(table))]
    keys = [_text(table, b) for b in blocks]
    return [np.asarray(v) for v in table.groupby(keys, sort=False).indices.values()]


def _structure(system: _System, name: str, table: pd.DataFrame, op) -> None:
    """The relations a table's own shape gives: its rows, columns and blocks add up."""
    for idx in _block_rows(table, op.blocks):
        if isinstance(op, Grid):
            rows, cols = _text(table, op.row).to_numpy(), _text(table, op.column).to_numpy()
            body = [i for i in idx if rows[i] != op.row_total and cols[i] != op.column_total]
            for labels, other, total in ((rows, cols, op.column_total), (cols, rows, op.row_total)):
                for value in {labels[i] for i in body}:
                    line = [(name, i, op.count) for i in body if labels[i] == value]
                    totals = [i for i in idx if labels[i] == value and other[i] == total]
                    if totals:
                        system.add([(c, 1) for c in line] + [((name, totals[0], op.count), -1)])
                    else:
                        system.add([(c, 1) for c in line])
        elif isinstance(op, Parts):
            groups = _text(table, op.group).to_numpy()
            body = [i for i in idx if groups[i] != op.total_group]
            for i in body:
                system.add([((name, i, c), 1) for c in op.parts] + [((name, i, op.total), -1)], rest=True)
            tot = [i for i in idx if groups[i] == op.total_group]
            for c in (*op.parts, op.total):
                line = [((name, i, c), 1) for i in body]
                system.add(line + ([((name, tot[0], c), -1)] if tot else []))
        elif isinstance(op, Column):
            system.add([((name, i, op.count), 1) for i in idx])
    if isinstance(op, Column) and len(op.blocks) >= 2:
        # The same group over the last block (e.g. a provider sector over all placement types).
        outer = _block_rows(table, op.blocks[:-1])
        labels = [c for c in table.columns if c not in (op.count, *op.derived, *op.blocks)]
        labels = [c for c in labels if not pd.api.types.is_numeric_dtype(table[c])]
        for idx in outer:
            key = table.iloc[idx][labels].astype("string").fillna("").agg("/".join, axis=1).to_numpy()
            for value in set(key):
                system.add([((name, i, op.count), 1) for i, k in zip(idx, key, strict=True) if k == value])


def _label_key(table: pd.DataFrame, i: int) -> frozenset:
    return frozenset(
        str(table[c].iat[i])
        for c in table.columns
        if not pd.api.types.is_numeric_dtype(table[c]) and pd.notna(table[c].iat[i])
    )


def _links(system: _System, counts: dict[str, list[str]]) -> int:
    """Relations across tables: the same count twice, or one count the sum of others (found from the
    labels, confirmed on the true counts)."""
    cells = []  # (key, table, row, column)
    for name, cols in counts.items():
        t = system.truth[name]
        for i in range(len(t)):
            key = _label_key(t, i)
            for col in cols:
                cells.append((key, name, i, col))
    by_key: dict[tuple, list] = {}
    parts_of: dict[tuple, list] = {}
    for key, name, i, col in cells:
        by_key.setdefault((key, col), []).append((name, i, col))
        for label in key:
            parts_of.setdefault((key - {label}, col), []).append((name, i, col))
    found = 0
    for (key, col), same in by_key.items():
        whole = same[0]
        for other in same[1:]:
            if other[0] != whole[0] and system.true(*other) == system.true(*whole):
                system.add([(whole, 1), (other, -1)])
                found += 1
        for name in {c[0] for c in parts_of.get((key, col), [])}:
            candidates = [c for c in parts_of[(key, col)] if c[0] == name][:8]
            target = system.true(*whole)
            for size in range(2, len(candidates) + 1):
                hits = [
                    s
                    for s in itertools.combinations(candidates, size)
                    if sum(system.true(*c) for c in s) == target
                ]
                if hits:
                    system.add([(c, 1) for c in hits[0]] + [(whole, -1)])
                    found += 1
                    break
    return found


def _ranges(system: _System) -> list[tuple[int, int]]:
    n = len(system.value)
    a = lil_matrix((len(system.equations), n))
    rhs = np.zeros(len(system.equations))
    for r, (coeffs, b) in enumerate(system.equations):
        for k, v in coeffs.items():
            a[r, k] = v
        rhs[r] = b
    constraints = LinearConstraint(a.tocsr(), rhs, rhs)
    upper = np.full(n, float(max(system.value, default=0) * 10 + 100))
    bounds = Bounds(np.array(system.lower, dtype=float), upper)
    out = []
    for k in range(n):
        c = np.zeros(n)
        ends = []
        for sign in (1.0, -1.0):
            c[k] = sign
            res = milp(c, constraints=constraints, bounds=bounds, integrality=np.ones(n))
            assert res.status == 0, "the attacker's facts must hold for the true counts"
            ends.append(int(round(sign * res.fun)))
        out.append((ends[0], ends[1]))
    return out


def _attack(threshold: int):
    truth, _ = _tables()
    published = suppress_tables(truth, threshold)
    truth = {
        n: t.reset_index(drop=True)
        for n, t in truth.items()
        if published[n] is not None and not published[n].empty
    }
    system = _System(truth, published)
    counts = {}
    for name, table in truth.items():
        shape = REGISTRY[name].shape
        counts[name] = [c for c in shape.count_columns() if c in table.columns]
        for op in shape.counts:
            _structure(system, name, table, op)
    links = _links(system, counts)
    primary = {k for k, key in enumerate(system.var) if key[0] != "rest" and 1 <= system.value[k] < threshold}
    return system, links, primary, _ranges(system)


@pytest.mark.parametrize("threshold", [5, 10])
def test_no_hidden_count_can_be_pinned_from_everything_published(threshold):
    system, links, primary, ranges = _attack(threshold)
    keys = list(system.var)
    assert primary, "the sample region has small counts to protect"
    assert links > 0, "the attacker uses links between tables"
    # The attacker's facts are true: the true counts lie within every range.
    for k, (lo, hi) in enumerate(ranges):
        assert lo <= system.value[k] <= hi
    pinned = [
        (keys[k], lo)
        for k, (lo, hi) in enumerate(ranges)
        if keys[k][0] != "rest" and lo == hi and 1 <= lo < threshold
    ]
    assert pinned == [], f"hidden counts pinned to a small value: {pinned[:5]}"
    # Every small count really is hidden, and so is protected.
    assert all(lo < hi for k, (lo, hi) in enumerate(ranges) if k in primary)
