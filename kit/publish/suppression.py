"""The one small-number suppression of the kit: everything published passes through here.

Two layers, in and out:

* :func:`suppress` -- the rule itself, on one two-way table of counts (rows x columns of whole
  numbers). Out: the table as ``Int64`` with hidden cells missing, with its ``Total`` row and
  column; ``attrs`` lists the hidden cells. Primary suppression hides every count from 1 to
  ``threshold - 1``, secondary suppression hides enough partners that no hidden cell can be
  worked out from the row and column totals and the fact that a hidden count is at least 1, and an
  audit by integer programming (:func:`pinned_cells`) proves it.
* :func:`suppress_table` / :func:`suppress_tables` -- a tidy table from :mod:`kit.analysis` or
  :mod:`kit.forecast` and its :class:`~kit.analysis.measures.Shape` (how its counts add up). Out:
  the same table with every count below the threshold hidden, enough other counts hidden that
  none can be worked out from totals, and every rate, average or cost that comes from a hidden
  count hidden too. Count columns come back as ``Int64`` (hidden = ``<NA>``), derived columns as
  floats (hidden = ``NaN``); ``attrs["suppressed"]`` is a boolean table of hidden cells. Each
  operation of the shape is turned into two-way tables of counts for :func:`suppress`.

Also here: :func:`withhold_thin_rows` (leave out rows resting on too small a base, e.g. rates
from fewer child-months than the threshold), :func:`small_counts_shown` (the publication check)
and the text forms (:func:`as_text`, :func:`show_suppressed`; hidden values read ``[c]``).

Tables published together (:func:`link_tables`, called by :func:`suppress_tables`): each table is
first suppressed on its own, then all of them are attacked at once. The relations a reader can use
are gathered (:func:`relations`): every table's rows, columns and blocks add up (every margin is
treated as known, even where it is hidden, because another table may publish it); the same count in
two tables (the same labels); a count that is the sum of counts of another table (a provider sector
over residential and supported accommodation). A hidden count is taken to be at least 1, except in
a line hidden whole (which the published rules say may hold zeros). Each small hidden count is then
minimised and maximised over every whole-number solution (:func:`scipy.optimize.milp`); one that is
pinned gets a partner hidden, until none is. ``tests/test_attacker.py`` runs an independent attacker
over the sample region's run.

Rules declared with the threshold: the threshold itself may not be below
:data:`kit.region.config.MIN_SUPPRESS_BELOW` (3); no average, percentile, total or percent is shown on
fewer than :data:`MIN_DISTRIBUTION` placements (or the threshold, if higher).

Dominance (a (2, k%) rule for cost statistics): a table whose shape declares ``dominance`` carries
per row the share of its cost total that its two largest placements make up; wherever that share is
above :data:`DOMINANCE_SHARE` (80%), the governed statistics (mean, 90th percentile, spend totals,
percent of spend) are hidden, however many placements the row holds, and the share column itself is
never published. Money totals add up like counts, so a hidden one gets partners hidden in its row and
column (on a Grid by the same secondary logic and audit as counts, :func:`_money_grid`).

Limits: links across tables are found from the rows' labels, so two tables that count the same
children under different labels are linked only through their shared margins; the money secondary
works within one table (a weekly mean times its count is a total that a block of another breakdown
of the same type adds up to: only lines inside a block are protected); like-for-like estimates are
regression coefficients, not sums of placements, and carry no dominance rule.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from kit.analysis.measures import Column, Grid, Parts, Shape
from kit.core.errors import KitError
from kit.region.config import MIN_SUPPRESS_BELOW

MIN_DISTRIBUTION = 10
"""No median, quartile, percentile or mean is published on fewer placements than this (or than the
threshold, if higher): a handful of costs would let a reader work out each of them."""

DOMINANCE_SHARE = 0.8
"""The (2, k%) dominance rule for cost statistics: a mean, total, 90th percentile or percent of
spend is hidden in every row where the row's two largest placements make up more than this share
of its cost total (the shape's ``dominance`` column), even on 10 or more placements. There the
figure describes one or two packages, and either of the two could work out the other's cost (a
commissioner knows their own); 80% is within the usual range of (2, k) rules for business data."""

HIDDEN = "[c]"  # the GSS marker for a value withheld to protect confidentiality


# ---------------------------------------------------------------------------------------------
# The rule, on one two-way table of counts


def suppress(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    totals: bool = True,
    has_totals: bool = False,
    zeros: bool = False,
    total_label: str = "Total",
) -> pd.DataFrame:
    """Hide small counts so that no child can be picked out, even by subtraction from totals.

    In: ``table``, a table of counts (rows x columns of whole numbers >= 0; a Series is one column).
    Out: the same table as ``Int64`` with hidden cells missing (``<NA>``); with ``totals=True`` a
    ``Total`` row and column are added (themselves suppressed where needed). ``out.attrs`` holds
    ``suppressed_cells`` and ``primary_cells`` (lists of (row, column) labels; :func:`hidden_mask`
    turns them into a table of True/False) and ``threshold``.

    The algorithm (guides/privacy.md repeats it):

    1. *Primary*: every count from 1 to ``threshold - 1`` is hidden, totals included. Zeros are
       shown (``zeros=True`` hides them too).
    2. *Secondary*: a hidden row or column total is itself protected (it must not follow from the
       grand total and the other totals); shown totals, and totals published by other tables
       (:func:`link_tables`), are known to the reader. A row or column with exactly one hidden body
       cell would give it away by subtraction, so the smallest other non-zero body cell of that line
       is hidden too (never a zero: a reader knows a hidden count is at least 1, so a hidden zero
       beside it would not protect it).
    3. *Audit*: every hidden cell is minimised and maximised over the whole-number solutions of "each
       line sums to its total", each hidden count at least 1 (:func:`pinned_cells`, integer
       programming). A cell pinned to one value gets a partner in its line; where only zeros are
       left beside it, the whole line is hidden (zeros too: the published rules say such a line may
       hold zeros). A cell equal to a margin of its own (a line of one cell) is protected only
       where that margin is hidden: :func:`link_tables` checks that across the tables.

    ``has_totals=True`` says the last row and column of ``table`` already are the totals (they
    must add up). Limits: one two-way table at a time; tables published together that share cells
    (e.g. the same counts by LA and by region) need their patterns linked by the caller, and
    rates or averages must be hidden wherever their count is (see :func:`mask_where_suppressed`).
    """
    if threshold < MIN_SUPPRESS_BELOW:
        raise KitError(
            f"The suppression threshold is {threshold}, which would publish counts of 1 to "
            f"{MIN_SUPPRESS_BELOW - 1}; set suppress_below to {MIN_SUPPRESS_BELOW} or more."
        )
    frame = table.to_frame() if isinstance(table, pd.Series) else table.copy()
    try:
        values = frame.apply(pd.to_numeric).astype("float64").to_numpy()
    except (ValueError, TypeError):
        raise KitError("Only tables of counts can be suppressed; this table holds something else.") from None
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise KitError(
            "Only tables of whole, non-negative counts can be suppressed; fill or fix the gaps first."
        )
    values = values.astype(np.int64)
    if has_totals:
        if values.shape[0] < 2 or values.shape[1] < 2:
            raise KitError("A table with totals needs at least one row and one column besides the totals.")
        body = values[:-1, :-1]
        if not (
            np.array_equal(body.sum(axis=1), values[:-1, -1])
            and np.array_equal(body.sum(axis=0), values[-1, :-1])
            and body.sum() == values[-1, -1]
        ):
            raise KitError(
                "The table's totals do not add up to its cells; recompute them before suppressing."
            )
        grid = values
        row_labels, col_labels = list(frame.index), list(frame.columns)
    else:
        body = values
        grid = np.zeros((body.shape[0] + 1, body.shape[1] + 1), dtype=np.int64)
        grid[:-1, :-1] = body
        grid[:-1, -1] = body.sum(axis=1)
        grid[-1, :-1] = body.sum(axis=0)
        grid[-1, -1] = body.sum()
        row_labels = [*frame.index, total_label]
        col_labels = [*frame.columns, total_label]
    hidden = (grid < threshold) & ((grid > 0) | zeros)
    primary = hidden.copy()
    hidden = _secondary(grid, hidden, floor=0 if zeros else 1)

    out = pd.DataFrame(grid, index=row_labels, columns=col_labels).astype("Int64")
    out = out.mask(pd.DataFrame(hidden, index=row_labels, columns=col_labels))
    if not totals and not has_totals:
        out, hidden, primary = out.iloc[:-1, :-1], hidden[:-1, :-1], primary[:-1, :-1]

    def cells(mask: np.ndarray) -> list[tuple]:
        return [(out.index[i], out.columns[j]) for i, j in np.argwhere(mask)]

    # Plain lists (not frames) in attrs, so that suppressed tables can still be concatenated.
    out.attrs.update(suppressed_cells=cells(hidden), primary_cells=cells(primary), threshold=threshold)
    return out


def hidden_mask(table: pd.DataFrame, which: str = "suppressed") -> pd.DataFrame:
    """True where :func:`suppress` hid a cell (``which="primary"``: only the small counts themselves)."""
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for row, col in table.attrs.get(f"{which}_cells", []):
        if row in mask.index and col in mask.columns:
            mask.loc[row, col] = True
    return mask


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every row and every column of the grid with margins (the last cell of each is its total)."""
    n, m = shape
    return [[(i, j) for j in range(m)] for i in range(n)] + [[(i, j) for i in range(n)] for j in range(m)]


def _complement(grid: np.ndarray, hidden: np.ndarray, line: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The cell to hide beside a line's hidden cell: the smallest non-zero body cell still shown.

    Totals are never the partner (they are public elsewhere: another table's margin, another
    block's cell), and zeros never are (a hidden count is known to be at least 1)."""
    open_cells = [c for c in line[:-1] if not hidden[c] and grid[c] > 0]
    return min(open_cells, key=lambda c: (grid[c], c)) if open_cells else None


def _withheld_lines(hidden: np.ndarray, lines) -> list[list[tuple[int, int]]]:
    """Lines whose every body cell is hidden (zeros too): there a hidden cell may be 0."""
    return [line for line in lines if all(hidden[c] for c in line[:-1])]


def _secondary(grid: np.ndarray, hidden: np.ndarray, floor: int = 1) -> np.ndarray:
    hidden = hidden.copy()
    lines = _lines(grid.shape)
    body_lines = [
        line for line in lines if line[-1][0] < grid.shape[0] - 1 or line[-1][1] < grid.shape[1] - 1
    ]
    given_up: set = set()  # cells that equal a margin: only hiding that margin elsewhere protects them
    body = {(i, j) for i in range(grid.shape[0] - 1) for j in range(grid.shape[1] - 1)}
    for _ in range(4 * grid.size + 4):
        changed = False
        for line in body_lines:
            if sum(hidden[c] for c in line[:-1]) == 1:
                c = _complement(grid, hidden, line)
                if c is not None:
                    hidden[c] = True
                    changed = True
        if changed:
            continue
        exposed = [c for c in pinned_cells(grid, hidden, floor) if c not in given_up]
        if not exposed:
            return hidden
        cell = exposed[0]
        mine = [line for line in (body_lines if cell in body else lines) if cell in line[:-1]]
        for line in mine:
            c = _complement(grid, hidden, line)
            if c is not None:
                hidden[c] = True
                break
        else:
            # Only zeros are left beside it: withhold its whole line (zeros included), which the
            # published rules say may hold zeros, so that "hidden means at least 1" no longer pins it.
            line = next((x for x in mine if not all(hidden[c] for c in x[:-1])), None)
            if line is None:
                given_up.add(cell)
                continue
            for c in line:
                hidden[c] = True
    return hidden


def pinned_cells(grid: np.ndarray, hidden: np.ndarray, floor: int = 1) -> list[tuple[int, int]]:
    """Hidden body cells of a grid with margins that an attacker can pin to one value.

    The attacker knows every shown cell and shown total, that each line sums to its total (a hidden
    total is an unknown of its line, so a small total cannot be worked out from the grand total
    and the others either), and that a hidden count is at least ``floor`` (1: zeros are shown) --
    except in a line withheld whole, where it may be 0. Totals published by other tables are the
    business of :func:`link_tables`, which treats every margin as known. Each hidden cell is minimised and maximised over the
    whole numbers that fit (integer programming, :func:`scipy.optimize.milp`); a cell whose minimum
    and maximum agree is pinned.
    """
    n, m = grid.shape
    grand = (n - 1, m - 1)
    # Every hidden cell is an unknown, a hidden row or column total too: a small total hidden here
    # must not follow from the grand total and the other totals either (the grand total itself is
    # only protected by what it sums).
    cells = [tuple(c) for c in np.argwhere(hidden) if tuple(c) != grand]
    if not cells:
        return []
    lines = _lines(grid.shape)
    withheld = {c for line in _withheld_lines(hidden, lines) for c in line[:-1]}
    lower = [0 if (c in withheld or grid[c] == 0) else floor for c in cells]
    upper = [
        int(grid[grand]) if (c[0] == n - 1 or c[1] == m - 1) else min(grid[c[0], -1], grid[-1, c[1]])
        for c in cells
    ]
    return [cells[k] for k, (lo, hi) in enumerate(cell_ranges(grid, hidden, cells, lower, upper)) if lo == hi]


def cell_ranges(grid, hidden, cells, lower, upper) -> list[tuple[int, int]]:
    """(min, max) of each hidden body cell over the integer solutions of "each line sums to its total"."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    index = {c: k for k, c in enumerate(cells)}
    rows, rhs = [], []
    for line in _lines(grid.shape):
        if len(line) < 3 and line[-1] not in index:
            continue  # a line of one cell: its shown total is the cell itself, not a separate margin
        coeffs = np.zeros(len(cells))
        known = 0
        if line[-1] in index:
            coeffs[index[line[-1]]] = -1.0  # a hidden total: the line's cells sum to it
        else:
            known = int(grid[line[-1]])
        for c in line[:-1]:
            if c in index:
                coeffs[index[c]] = 1.0
            else:
                known -= int(grid[c])
        if coeffs.any():
            rows.append(coeffs)
            rhs.append(known)
    constraints = LinearConstraint(np.array(rows), rhs, rhs) if rows else ()
    bounds = Bounds(np.array(lower, dtype=float), np.array(upper, dtype=float))
    integrality = np.ones(len(cells))
    out = []
    for k in range(len(cells)):
        c = np.zeros(len(cells))
        ends = []
        for sign in (1.0, -1.0):
            c[k] = sign
            res = milp(c, constraints=constraints, bounds=bounds, integrality=integrality)
            ends.append(round(sign * res.fun) if res.status == 0 else None)
        out.append((ends[0], ends[1]))
    return out


def recoverable_cells(grid: np.ndarray, hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells of a grid with margins whose value follows from the shown cells and the totals.

    Each row and column gives an equation (cells sum to the total); the hidden cells are the
    unknowns. A hidden cell is recoverable when it takes the same value in every solution, that
    is when the null space of the system has no component along it. Tests use this as the proof.
    """
    cells = [tuple(c) for c in np.argwhere(hidden)]
    if not cells:
        return []
    index = {c: k for k, c in enumerate(cells)}
    rows = []
    for line in _lines(grid.shape):
        coeffs = np.zeros(len(cells))
        for c in line[:-1]:
            if c in index:
                coeffs[index[c]] += 1.0
        if line[-1] in index:
            coeffs[index[line[-1]]] -= 1.0
        if coeffs.any():
            rows.append(coeffs)
    if not rows:
        return []
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((s > 1e-9 * max(1.0, s.max())).sum())
    null = vt[rank:]  # basis of the null space (rows)
    if null.size == 0:
        return cells
    free = np.abs(null).max(axis=0) > 1e-9
    return [c for c, f in zip(cells, free, strict=True) if not f]


def mask_where_suppressed(values: pd.DataFrame, suppressed_counts: pd.DataFrame) -> pd.DataFrame:
    """Hide rates, averages or costs wherever the counts they come from are hidden.

    ``suppressed_counts`` is what :func:`suppress` returned for the matching counts (same labels).
    """
    mask = (
        hidden_mask(suppressed_counts)
        if "suppressed_cells" in suppressed_counts.attrs
        else suppressed_counts.isna()
    )
    mask = mask.reindex(index=values.index, columns=values.columns, fill_value=False)
    return values.mask(mask.astype(bool))


def show_suppressed(table: pd.DataFrame, marker: str = "[c]") -> pd.DataFrame:
    """The table as text for a report: hidden cells read ``[c]`` (the GSS marker for confidential)."""
    return table.astype(object).where(table.notna(), marker).astype(str)


# ---------------------------------------------------------------------------------------------
# Tidy tables, by their shape


def _suppress(grid: pd.DataFrame, threshold: int, has_totals: bool = False) -> pd.DataFrame:
    """:func:`suppress`'s mask for a grid of counts (with its margins)."""
    out = suppress(grid, threshold, totals=True, has_totals=has_totals)
    # The grid has no gaps, so every missing cell of the result is one the helper hid.
    return out.isna()


def _close_totals(grid: pd.DataFrame) -> pd.DataFrame:
    """A grid whose last row and column are totals, with a residual row/column (``_other``) added
    where the body does not add up to them (e.g. placements with no recorded type)."""
    body = grid.iloc[:-1, :-1]
    row_gap = grid.iloc[:-1, -1] - body.sum(axis=1)
    if (row_gap != 0).any():
        grid.insert(len(grid.columns) - 1, "_other", 0)
        grid.iloc[:-1, -2] = row_gap.to_numpy()
    body = grid.iloc[:-1, :-1]
    col_gap = grid.iloc[-1, :-1] - body.sum(axis=0)
    if (col_gap != 0).any():
        other = pd.DataFrame(
            [col_gap.tolist() + [int(col_gap.sum())]], columns=grid.columns, index=["_other"]
        )
        grid = pd.concat([grid.iloc[:-1], other, grid.iloc[-1:]])
    if (grid.to_numpy() < 0).any():
        raise KitError("A table's totals are smaller than its parts; cannot suppress it.")
    return grid.astype("int64")


def _blocks(table: pd.DataFrame, blocks: tuple[str, ...]):
    """Row positions of each block (the table has a 0..n-1 index)."""
    if not blocks:
        yield np.arange(len(table))
        return
    keys = [table[b].astype("string").fillna("Not recorded") for b in blocks]
    for _, idx in table.groupby(keys, sort=False).indices.items():
        yield np.asarray(idx)


def _counts(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").fillna(0).round().astype("int64")


_SUM = "_sum"  # a margin the kit adds where a table gives only one of its two


def _one_margin(grid: pd.DataFrame, op: Grid) -> pd.DataFrame:
    """A grid that has only row totals (``op.row_total``) or only column totals: add the other
    margin as their sums, so that the given totals are treated as public totals, not as cells.
    Where the parts fall short of a given total, a residual (``_other``) is added first."""
    if op.row_total and op.column_total:
        return grid
    if op.column_total and op.column_total in grid.columns and len(grid.columns) > 1:
        parts = [c for c in grid.columns if c != op.column_total]
        grid = grid[[*parts, op.column_total]].copy()
        gap = grid[op.column_total] - grid[parts].sum(axis=1)
        if (gap != 0).any():
            grid.insert(len(parts), "_other", gap)
        return pd.concat([grid, grid.sum(axis=0).to_frame(_SUM).T]).astype("int64")
    if op.row_total and op.row_total in grid.index and len(grid.index) > 1:
        return _one_margin(grid.T, Grid(op.column, op.row, op.count, column_total=op.row_total)).T
    return grid


def _grid(table: pd.DataFrame, op: Grid, threshold: int, hide: pd.DataFrame) -> None:
    for idx in _blocks(table, op.blocks):
        part = table.iloc[idx]
        rows = part[op.row].astype("string").fillna("Not recorded")
        cols = part[op.column].astype("string").fillna("Not recorded")
        grid = (
            pd.DataFrame({"r": rows, "c": cols, "n": _counts(part[op.count])})
            .pivot_table(index="r", columns="c", values="n", aggfunc="sum", fill_value=0, sort=False)
            .astype("int64")
        )
        grid = _one_margin(grid, op)
        has_totals = bool(op.row_total and op.column_total) or _SUM in grid.index or _SUM in grid.columns
        if has_totals:
            op_row_total = _SUM if _SUM in grid.index else op.row_total
            op_column_total = _SUM if _SUM in grid.columns else op.column_total
            if op_row_total not in grid.index or op_column_total not in grid.columns:
                has_totals = False
                grid = grid.drop(index=[op_row_total], errors="ignore").drop(
                    columns=[op_column_total], errors="ignore"
                )
            else:
                order_r = [r for r in grid.index if r != op_row_total] + [op_row_total]
                order_c = [c for c in grid.columns if c != op_column_total] + [op_column_total]
                grid = _close_totals(grid.loc[order_r, order_c])
        mask = _suppress(grid, threshold, has_totals=has_totals)
        for i, r, c in zip(idx, rows, cols, strict=True):
            if r in mask.index and c in mask.columns and bool(mask.at[r, c]):
                for col in (op.count, *op.derived):
                    hide[col][i] = True
    _thin_statistics(table, op.count, op.derived, threshold, hide)


def _parts(table: pd.DataFrame, op: Parts, threshold: int, hide: pd.DataFrame) -> None:
    for idx in _blocks(table, op.blocks):
        part = table.iloc[idx]
        labels = part[op.group].astype("string").fillna("Not recorded").tolist()
        if len(set(labels)) != len(labels):
            raise KitError(f"Suppression needs one row per {op.group} in each block; the table has repeats.")
        grid = pd.DataFrame({c: _counts(part[c]).to_numpy() for c in op.parts}, index=labels)
        total = _counts(part[op.total]).to_numpy()
        rest = total - grid.sum(axis=1).to_numpy()
        if (rest < 0).any():
            raise KitError(
                f"The counts {', '.join(op.parts)} add up to more than {op.total}; cannot suppress."
            )
        grid["_rest"] = rest
        has_totals = op.total_group is not None and op.total_group in labels
        if has_totals:
            grid["_total"] = total
            grid = grid.loc[[x for x in labels if x != op.total_group] + [op.total_group]]
            if len(grid) < 2:
                has_totals = False
                grid = grid.drop(columns="_total")
            else:
                grid = _close_totals(grid)
        mask = _suppress(grid, threshold, has_totals=has_totals)
        total_col = "_total" if has_totals else mask.columns[-1]
        m = mask.loc[labels]
        for c in op.parts:
            hide[c][idx] |= m[c].to_numpy(dtype=bool)
        hide[op.total][idx] |= m[total_col].to_numpy(dtype=bool)
        any_hidden = m.to_numpy(dtype=bool).any(axis=1)
        for c in op.derived:
            hide[c][idx] |= any_hidden


def _one_line(counts: np.ndarray, threshold: int) -> np.ndarray:
    """Which counts of one column (adding up to a public total) to hide.

    Every count from 1 to ``threshold - 1`` is hidden (all of them when the total is small); then,
    while a reader who knows the total and that each hidden count is at least 1 could pin one (a
    lone hidden count, or hidden counts that can only all be 1), the smallest other non-zero count is
    hidden too. When none is left, the whole column is withheld, zeros included (the published rules
    say a column withheld whole may hold zeros)."""
    mask = (counts > 0) & ((counts < threshold) | (counts.sum() < threshold))
    while mask.any():
        k, total = int(mask.sum()), int(counts[mask].sum())
        if k >= 2 and total > k:
            break
        others = np.flatnonzero(~mask & (counts > 0))
        if not len(others):
            if (counts == 0).any() and k >= 1:
                mask[:] = True
            break
        mask[others[np.argmin(counts[others])]] = True
    return mask


def _labels(table: pd.DataFrame, op: Column) -> list[str]:
    """The columns that tell a table's rows apart besides the op's blocks (text, not numbers)."""
    used = {op.count, *op.derived, *op.blocks}
    return [
        c
        for c in table.columns
        if c not in used
        and not pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]


def _column(table: pd.DataFrame, op: Column, threshold: int, hide: pd.DataFrame) -> None:
    labels = _labels(table, op)
    if len(op.blocks) >= 2 and labels:
        # Counts blocked by two or more columns (e.g. by breakdown and placement type) also add up
        # across the last block: the same group of another type, and the group over all types, are
        # published elsewhere (another table's margin). So each outer block is a two-way table,
        # group x last block, and is suppressed as one (both margins public).
        outer, inner = op.blocks[:-1], op.blocks[-1]
        for idx in _blocks(table, outer):
            part = table.iloc[idx]
            rows = part[labels].astype("string").fillna("Not recorded").agg(" / ".join, axis=1)
            cols = part[inner].astype("string").fillna("Not recorded")
            if pd.DataFrame({"r": rows, "c": cols}).duplicated().any():
                _column_lines(table, op, threshold, hide, idx)
                continue
            grid = (
                pd.DataFrame({"r": rows, "c": cols, "n": _counts(part[op.count])})
                .pivot_table(index="r", columns="c", values="n", aggfunc="sum", fill_value=0, sort=False)
                .astype("int64")
            )
            mask = _suppress(grid, threshold)
            cells = np.array([bool(mask.at[r, c]) for r, c in zip(rows, cols, strict=True)])
            for col in (op.count, *op.derived):
                hide[col][idx] |= cells
    else:
        for idx in _blocks(table, op.blocks):
            _column_lines(table, op, threshold, hide, idx)
    _thin_statistics(table, op.count, op.derived, threshold, hide)


def _column_lines(table, op: Column, threshold: int, hide, idx) -> None:
    mask = _one_line(_counts(table.iloc[idx][op.count]).to_numpy(), threshold)
    for col in (op.count, *op.derived):
        hide[col][idx] |= mask


def _thin_statistics(table, count: str, derived, threshold: int, hide) -> None:
    """Hide every average, percentile, total or percent resting on fewer than
    :data:`MIN_DISTRIBUTION` placements (or the threshold, if higher): a cost distribution on a
    handful of placements describes each of them."""
    if not derived:
        return
    thin = (_counts(table[count]) < max(MIN_DISTRIBUTION, threshold)).to_numpy()
    for col in derived:
        hide[col] |= thin


def suppress_table(table: pd.DataFrame, shape: Shape, threshold: int) -> pd.DataFrame:
    """``table`` with small numbers (and whatever would reveal them) hidden; see the module docstring."""
    table = table.reset_index(drop=True)
    hide = {c: np.zeros(len(table), dtype=bool) for c in table.columns}
    for op in shape.counts:
        missing = [c for c in _op_columns(op) if c not in table.columns]
        if missing:
            raise KitError(f"The table has no column {missing[0]!r} that its suppression rule names.")
        if isinstance(op, Grid):
            _grid(table, op, threshold, hide)
        elif isinstance(op, Parts):
            _parts(table, op, threshold, hide)
        elif isinstance(op, Column):
            _column(table, op, threshold, hide)
        else:  # pragma: no cover - a new kind of operation needs code here
            raise KitError(f"Unknown suppression rule {op!r}.")
    if shape.dominance:
        _dominance(table, shape, hide)
    out = table.copy()
    hide = pd.DataFrame(hide, index=table.index)
    counts = set(shape.count_columns())
    for col in out.columns:
        if col in counts:
            # A count the table does not have (a projected row's recorded count) stays empty.
            gap = pd.to_numeric(out[col], errors="coerce").isna().to_numpy()
            out[col] = _counts(out[col]).astype("Int64").mask(hide[col] | gap)
        elif hide[col].any():
            values = out[col]
            if pd.api.types.is_bool_dtype(values):
                out[col] = values.astype("boolean").mask(hide[col])
            elif pd.api.types.is_integer_dtype(values):
                out[col] = values.astype("Int64").mask(hide[col])
            elif pd.api.types.is_numeric_dtype(values):
                out[col] = values.astype("Float64").mask(hide[col])
            else:
                out[col] = values.astype(object).mask(hide[col])
    if shape.dominance:
        # The share is the rule's input, never a published figure.
        out = out.drop(columns=[shape.dominance[0]])
        hide = hide.drop(columns=[shape.dominance[0]])
    out.attrs["suppressed"] = hide
    out.attrs["threshold"] = threshold
    return out


def _dominance(table: pd.DataFrame, shape: Shape, hide: dict) -> None:
    """The dominance rule (:data:`DOMINANCE_SHARE`), then its secondary suppression.

    Primary: the governed statistics of every row whose two largest placements make up more than
    the share of its cost total are hidden. Secondary: money totals add up (a Grid's cells to its
    margins, a block's rows to its total), so a hidden one could be worked out by differencing;
    on a Grid, :func:`_secondary` hides partners until no hidden total follows from the shown ones
    (the same logic as counts, on the money); in a column of rows, a block with exactly one hidden
    statistic gets the smallest other one hidden too."""
    share_col, governed = shape.dominance
    if share_col not in table.columns:
        raise KitError(f"The table has no column {share_col!r} that its dominance rule names.")
    share = pd.to_numeric(table[share_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    dominated = np.nan_to_num(share, nan=0.0) > DOMINANCE_SHARE
    governed = [c for c in governed if c in table.columns]
    for col in governed:
        hide[col] |= dominated
    for op in shape.counts:
        money = [c for c in op.derived if c in governed]
        if not money:
            continue
        if isinstance(op, Grid):
            _money_grid(table, op, money, hide)
        else:
            for idx in _blocks(table, op.blocks):
                _money_line(table, idx, money, hide)


def _money_line(table: pd.DataFrame, idx: np.ndarray, money: list[str], hide: dict) -> None:
    """Rows of one block whose money adds up: never exactly one of them hidden."""
    if len(idx) < 2:
        return
    values = pd.to_numeric(table[money[0]].iloc[idx], errors="coerce").fillna(0).to_numpy()
    hidden = np.zeros(len(idx), dtype=bool)
    for col in money:
        hidden |= hide[col][idx]
    if hidden.sum() == 1:
        open_rows = [k for k in range(len(idx)) if not hidden[k] and values[k] > 0]
        if open_rows:
            hidden[min(open_rows, key=lambda k: (values[k], k))] = True
    for col in money:
        hide[col][idx] |= hidden


def _money_grid(table: pd.DataFrame, op: Grid, money: list[str], hide: dict) -> None:
    """A Grid's money (cells adding up to its margins) suppressed like counts: wherever a money cell
    is hidden, enough partners are hidden that none follows from the shown cells and totals."""
    for idx in _blocks(table, op.blocks):
        part = table.iloc[idx]
        rows = part[op.row].astype("string").fillna("Not recorded").to_numpy()
        cols = part[op.column].astype("string").fillna("Not recorded").to_numpy()
        value = pd.to_numeric(part[money[0]], errors="coerce").fillna(0).round().astype("int64").to_numpy()
        hidden_rows = np.zeros(len(idx), dtype=bool)
        for col in money:
            hidden_rows |= hide[col][idx]
        body = [k for k in range(len(idx)) if rows[k] != op.row_total and cols[k] != op.column_total]
        r_labels = list(dict.fromkeys(rows[k] for k in body))
        c_labels = list(dict.fromkeys(cols[k] for k in body))
        if not r_labels or not c_labels:
            continue
        grid = np.zeros((len(r_labels) + 1, len(c_labels) + 1), dtype=np.int64)
        where: dict[int, tuple[int, int]] = {}
        for k in body:
            where[k] = (r_labels.index(rows[k]), c_labels.index(cols[k]))
            grid[where[k]] += value[k]
        grid[:-1, -1] = grid[:-1, :-1].sum(axis=1)
        grid[-1, :-1] = grid[:-1, :-1].sum(axis=0)
        grid[-1, -1] = grid[:-1, :-1].sum()
        for k in range(len(idx)):
            if k in where:
                continue
            i = (
                len(r_labels)
                if rows[k] == op.row_total
                else r_labels.index(rows[k])
                if rows[k] in r_labels
                else None
            )
            j = (
                len(c_labels)
                if cols[k] == op.column_total
                else c_labels.index(cols[k])
                if cols[k] in c_labels
                else None
            )
            if i is not None and j is not None:
                where[k] = (i, j)
        hidden = np.zeros(grid.shape, dtype=bool)
        for k, cell in where.items():
            hidden[cell] |= hidden_rows[k]
        hidden = _secondary(grid, hidden, floor=1)
        for k, cell in where.items():
            if hidden[cell]:
                for col in money:
                    hide[col][idx[k]] = True


def _op_columns(op) -> list[str]:
    if isinstance(op, Grid):
        return [op.row, op.column, op.count, *op.derived, *op.blocks]
    if isinstance(op, Parts):
        return [*op.parts, op.total, op.group, *op.derived, *op.blocks]
    return [op.count, *op.derived, *op.blocks]


def suppress_tables(
    tables: dict[str, pd.DataFrame], threshold: int, registry=None
) -> dict[str, pd.DataFrame]:
    """Every table suppressed by its registry shape (``kit.analysis.REGISTRY`` by default).

    ``registry``: table name -> a measure with a ``shape`` (the analysis registry) or a
    :class:`~kit.analysis.measures.Shape` itself (the forecast's tables).

    A table the registry does not know is refused: the kit cannot tell which of its numbers are
    counts of children, so it will not publish it.
    """
    if registry is None:
        from kit.analysis import REGISTRY as registry
    out = {}
    for name, table in tables.items():
        if name not in registry:
            raise KitError(
                f"The table {name!r} has no suppression rule in the registry, so it cannot be published."
            )
        if table is None or table.empty:
            out[name] = table if table is not None else pd.DataFrame()
            continue
        entry = registry[name]
        out[name] = suppress_table(table, entry if isinstance(entry, Shape) else entry.shape, threshold)
    return link_tables(tables, out, threshold, registry)


# ---------------------------------------------------------------------------------------------
# Tables published together


def _shape_of(entry) -> Shape:
    return entry if isinstance(entry, Shape) else entry.shape


def _text(table: pd.DataFrame, col: str) -> np.ndarray:
    return table[col].astype("string").fillna("Not recorded").to_numpy()


def _label_columns(table: pd.DataFrame, used=()) -> list[str]:
    return [
        c
        for c in table.columns
        if c not in used
        and not pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]


class _Relations:
    """Every relation a reader of all the published tables can use, over the hidden counts.

    Unknowns are hidden counts (table, row, column); each relation says that some counts add up to a
    known number (a margin, another table's count) or fall short of a total. A hidden count is at
    least 1, except in a line hidden whole (the published rules say it may hold zeros)."""

    def __init__(self, truth, published):
        self.truth, self.published = truth, published
        self.raw: list[tuple[tuple, bool]] = []  # (((table, row, column), sign), ...), rest
        self._true: dict[tuple, int] = {}
        self.compile()

    def hidden(self, name, i, col) -> bool:
        return bool(self.published[name].attrs["suppressed"][col].iat[i])

    def true(self, name, i, col) -> int:
        key = (name, i, col)
        if key not in self._true:
            v = pd.to_numeric(pd.Series([self.truth[name][col].iat[i]]), errors="coerce").iat[0]
            self._true[key] = 0 if pd.isna(v) else int(round(float(v)))
        return self._true[key]

    def add(self, terms, rest: bool = False) -> None:
        if len(terms) >= 2:  # a line of one count: its "total" is the count itself, known only if shown
            self.raw.append((tuple(terms), rest))

    def _unknown(self, key, value) -> int:
        if key not in self.var:
            self.var[key] = len(self.value)
            self.value.append(value)
            self.lower.append(1)
        return self.var[key]

    def compile(self) -> None:
        """The equations over the counts hidden now (call again after hiding more)."""
        self.var: dict[tuple, int] = {}
        self.value: list[int] = []
        self.lower: list[int] = []
        self.equations: list[tuple[dict[int, float], float]] = []
        for n, (terms, rest) in enumerate(self.raw):
            coeffs: dict[int, float] = {}
            true_sum = sum(sign * self.true(*cell) for cell, sign in terms)
            shown = sum(sign * self.true(*cell) for cell, sign in terms if not self.hidden(*cell))
            for cell, sign in terms:
                if self.hidden(*cell):
                    k = self._unknown(cell, self.true(*cell))
                    coeffs[k] = coeffs.get(k, 0.0) + sign
            if rest:
                k = self._unknown(("", n, ""), -true_sum)
                self.lower[k] = 0
                coeffs[k] = 1.0
            if coeffs:
                self.equations.append((coeffs, float(-shown if rest else true_sum - shown)))
            if all(self.hidden(*cell) for cell, _ in terms):
                for cell, _ in terms:
                    self.lower[self.var[cell]] = 0

    def partners(self, cell: tuple) -> list[tuple]:
        """Shown non-zero counts in a relation with ``cell``."""
        return [
            c
            for terms, _ in self.raw
            if any(c == cell for c, _ in terms)
            for c, _ in terms
            if not self.hidden(*c) and self.true(*c) > 0
        ]

    def structure(self, name: str, op) -> None:
        """A table's own shape: its rows, columns and blocks add up (every margin known)."""
        table = self.truth[name]
        for idx in _blocks(table, op.blocks):
            if isinstance(op, Grid):
                rows, cols = _text(table, op.row), _text(table, op.column)
                body = [i for i in idx if rows[i] != op.row_total and cols[i] != op.column_total]
                for labels, other, total in ((rows, cols, op.column_total), (cols, rows, op.row_total)):
                    for value in dict.fromkeys(labels[i] for i in body):
                        line = [((name, i, op.count), 1) for i in body if labels[i] == value]
                        tot = [i for i in idx if labels[i] == value and other[i] == total]
                        self.add(line + ([((name, tot[0], op.count), -1)] if tot else []))
            elif isinstance(op, Parts):
                groups = _text(table, op.group)
                body = [i for i in idx if groups[i] != op.total_group]
                for i in body:
                    self.add([((name, i, c), 1) for c in op.parts] + [((name, i, op.total), -1)], rest=True)
                tot = [i for i in idx if groups[i] == op.total_group]
                for c in (*op.parts, op.total):
                    self.add([((name, i, c), 1) for i in body] + ([((name, tot[0], c), -1)] if tot else []))
            elif isinstance(op, Column):
                self.add([((name, i, op.count), 1) for i in idx])
        if isinstance(op, Column) and len(op.blocks) >= 2:
            labels = _label_columns(table, (op.count, *op.derived, *op.blocks))
            for idx in _blocks(table, op.blocks[:-1]):
                key = table.iloc[idx][labels].astype("string").fillna("").agg("/".join, axis=1).to_numpy()
                for value in dict.fromkeys(key):
                    self.add([((name, i, op.count), 1) for i, k in zip(idx, key, strict=True) if k == value])

    def links(self, counts: dict[str, list[str]]) -> None:
        """Across tables: the same count twice (the same labels), or a count that is the sum of
        counts of another table whose labels add one more (the sectors of two placement types)."""
        by_key: dict[tuple, list] = {}
        parts_of: dict[tuple, list] = {}
        for name, cols in counts.items():
            t = self.truth[name]
            label_cols = _label_columns(t)
            for i in range(len(t)):
                key = frozenset(str(t[c].iat[i]) for c in label_cols if pd.notna(t[c].iat[i]))
                for col in cols:
                    by_key.setdefault((key, col), []).append((name, i, col))
                    for label in key:
                        parts_of.setdefault((key - {label}, col), []).append((name, i, col))
        for (key, col), same in by_key.items():
            whole = same[0]
            for other in same[1:]:
                if other[0] != whole[0] and self.true(*other) == self.true(*whole):
                    self.add([(whole, 1), (other, -1)])
            target = self.true(*whole)
            for name in dict.fromkeys(c[0] for c in parts_of.get((key, col), [])):
                candidates = [c for c in parts_of[(key, col)] if c[0] == name and c != whole][:8]
                done = False
                for size in range(2, len(candidates) + 1):
                    for subset in itertools.combinations(candidates, size):
                        if sum(self.true(*c) for c in subset) == target:
                            self.add([(c, 1) for c in subset] + [(whole, -1)])
                            done = True
                            break
                    if done:
                        break

    def ranges(self, which: list[int]) -> dict[int, tuple[int, int]]:
        """(min, max) of the unknowns ``which`` over every whole-number solution (:func:`milp`),
        each solved within the unknowns it is linked to (its connected part of the system)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        parent = list(range(len(self.value)))

        def root(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for coeffs, _ in self.equations:
            ks = list(coeffs)
            for k in ks[1:]:
                parent[root(k)] = root(ks[0])
        out = {}
        for k in which:
            part = [j for j in range(len(self.value)) if root(j) == root(k)]
            where = {j: x for x, j in enumerate(part)}
            eqs = [(c, b) for c, b in self.equations if next(iter(c)) in where]
            a = np.zeros((max(len(eqs), 1), len(part)))
            rhs = np.zeros(max(len(eqs), 1))
            for r, (coeffs, b) in enumerate(eqs):
                for j, v in coeffs.items():
                    a[r, where[j]] = v
                rhs[r] = b
            lower = np.array([self.lower[j] for j in part], dtype=float)
            upper = np.full(len(part), float(max(self.value) * 10 + 100))
            constraints = LinearConstraint(a, rhs, rhs)
            ends = []
            for sign in (1.0, -1.0):
                c = np.zeros(len(part))
                c[where[k]] = sign
                res = milp(
                    c, constraints=constraints, bounds=Bounds(lower, upper), integrality=np.ones(len(part))
                )
                ends.append(int(round(sign * res.fun)) if res.status == 0 else None)
            out[k] = (ends[0], ends[1])
        return out


def relations(truth: dict[str, pd.DataFrame], published: dict[str, pd.DataFrame], registry) -> _Relations:
    """What a reader of every published table at once can use against the hidden counts."""
    truth = {
        n: t.reset_index(drop=True)
        for n, t in truth.items()
        if n in published and "suppressed" in published[n].attrs
    }
    system = _Relations(truth, published)
    counts = {}
    for name, table in truth.items():
        shape = _shape_of(registry[name])
        counts[name] = [c for c in shape.count_columns() if c in table.columns]
        for op in shape.counts:
            system.structure(name, op)
    system.links(counts)
    system.compile()
    return system


def _hide(table: pd.DataFrame, shape: Shape, i: int, col: str) -> None:
    """Hide one more count of a suppressed table (in place), with what is worked out from it."""
    hide = table.attrs["suppressed"]
    cols = [col]
    for op in shape.counts:
        if (isinstance(op, (Grid, Column)) and op.count == col) or (
            isinstance(op, Parts) and col in (*op.parts, op.total)
        ):
            cols += list(op.derived)
    for c in cols:
        if c in table.columns and not hide[c].iat[i]:
            hide.loc[i, c] = True
            if pd.api.types.is_integer_dtype(table[c]) or pd.api.types.is_float_dtype(table[c]):
                table[c] = table[c].astype("Float64" if pd.api.types.is_float_dtype(table[c]) else "Int64")
            else:
                table[c] = table[c].astype(object)
            table.loc[i, c] = pd.NA


def link_tables(truth, published, threshold: int, registry, rounds: int = 200):
    """Secondary suppression across every table published together.

    Each table was suppressed on its own; here they are attacked together (:func:`relations`): a
    small hidden count that the published tables pin to one value gets a partner hidden (the
    smallest shown non-zero count in a relation with it), until none is pinned."""
    published = {n: (t.copy() if t is not None else t) for n, t in published.items()}
    for t in published.values():
        if t is not None and "suppressed" in t.attrs:
            t.attrs["suppressed"] = t.attrs["suppressed"].copy()
    stuck: set = set()
    system = relations(truth, published, registry)
    for _ in range(rounds):
        keys = list(system.var)
        small = [
            k
            for k, key in enumerate(keys)
            if key[0] and 1 <= system.value[k] < threshold and key not in stuck
        ]
        pinned = [k for k, (lo, hi) in system.ranges(small).items() if lo is not None and lo == hi]
        if not pinned:
            break
        for k in pinned:
            partners = sorted((system.true(*c), c) for c in system.partners(keys[k]))
            if not partners:  # none beside it: a partner of the hidden counts it is tied to
                ties = {c for terms, _ in system.raw if any(c == keys[k] for c, _ in terms) for c, _ in terms}
                partners = sorted(
                    {(system.true(*c), c) for t in ties if t != keys[k] for c in system.partners(t)}
                )
            if not partners:
                stuck.add(keys[k])
                continue
            name, i, col = partners[0][1]
            _hide(published[name], _shape_of(registry[name]), i, col)
        system.compile()
    return published


def withhold_thin_rows(table: pd.DataFrame, base: str, threshold: int) -> pd.DataFrame:
    """``table`` without the rows whose ``base`` (e.g. child-months behind a rate) is below
    ``threshold``: a rate resting on so few observations could describe one child."""
    keep = pd.to_numeric(table[base], errors="coerce").fillna(0) >= threshold
    return table[keep.to_numpy()].reset_index(drop=True)


def small_counts_shown(
    table: pd.DataFrame, threshold: int, public: tuple[str, ...] = ()
) -> list[tuple[str, int]]:
    """(column, value) of every whole-number cell from 1 to ``threshold - 1`` still visible, in the
    integer columns of a suppressed table (the publication check, also used by the tests)."""
    found = []
    for col in table.columns:
        if col in public:
            continue
        values = table[col]
        if not (pd.api.types.is_integer_dtype(values.dtype)):
            continue
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        for x in v[(v >= 1) & (v < threshold)]:
            found.append((col, int(x)))
    return found


def as_text(table: pd.DataFrame) -> pd.DataFrame:
    """A suppressed table for display: hidden cells ``[c]``, counts with thousands separators."""
    out = pd.DataFrame(index=table.index)
    hide = table.attrs.get("suppressed")
    for col in table.columns:
        s = table[col]
        if pd.api.types.is_integer_dtype(s.dtype):
            text = s.map(lambda v: f"{int(v):,}" if pd.notna(v) else "")
        elif pd.api.types.is_numeric_dtype(s.dtype):
            text = s.map(lambda v: f"{float(v):,.1f}".removesuffix(".0") if pd.notna(v) else "")
        else:
            text = s.astype(object).map(
                lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            )
        if hide is not None and col in hide.columns:
            text = text.where(~hide[col].to_numpy(), HIDDEN)
        out[col] = text.astype(object)
    return out
