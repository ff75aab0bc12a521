"""The one small-number suppression of the kit: everything published passes through here.

Two layers, in and out:

* :func:`suppress` -- the rule itself, on one two-way table of counts (rows x columns of whole
  numbers). Out: the table as ``Int64`` with hidden cells missing, with its ``Total`` row and
  column; ``attrs`` lists the hidden cells. Primary suppression hides every count from 1 to
  ``threshold - 1``, secondary suppression hides enough partners that no hidden cell can be
  worked out from the row and column totals, and an audit (:func:`recoverable_cells`) proves it.
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

Limits, stated in the guide: each operation is suppressed on its own, so two tables that publish
the same counts two ways are not linked; the region's own totals are treated as public.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.analysis.measures import Column, Grid, Parts, Shape
from kit.core.errors import KitError

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
    2. *Secondary*: the row and column totals are treated as public even when ``totals=False``
       (they usually are, somewhere). A row or column (with its total) that has exactly one hidden
       cell would give it away by subtraction, so the smallest other non-zero cell of that line is
       hidden too (a body cell before the total; zeros only as a last resort, because a known zero
       reveals its partner). This repeats until every line has none or at least two hidden cells.
    3. *Audit*: the hidden cells are the unknowns of the linear system "each line sums to its
       total". A hidden cell is recoverable exactly when it is the same in every solution; the
       audit finds such cells from the null space of the system and hides one more cell of their
       line, until none is recoverable.

    ``has_totals=True`` says the last row and column of ``table`` already are the totals (they
    must add up). Limits: one two-way table at a time; tables published together that share cells
    (e.g. the same counts by LA and by region) need their patterns linked by the caller, and
    rates or averages must be hidden wherever their count is (see :func:`mask_where_suppressed`).
    """
    if threshold < 1:
        raise KitError(f"The suppression threshold must be at least 1, not {threshold}.")
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
    hidden = _secondary(grid, hidden)

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
    """The cell to hide beside a line's lone hidden cell: the smallest non-zero body cell."""
    total_cell = line[-1]
    open_cells = [c for c in line if not hidden[c]]
    if not open_cells:
        return None

    def rank(c):
        v = grid[c]
        return (v == 0, c == total_cell, v, c)

    return min(open_cells, key=rank)


def _secondary(grid: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    hidden = hidden.copy()
    lines = _lines(grid.shape)
    for _ in range(grid.size + 1):
        changed = False
        for line in lines:
            if sum(hidden[c] for c in line) == 1:
                c = _complement(grid, hidden, line)
                if c is not None:
                    hidden[c] = True
                    changed = True
        if changed:
            continue
        exposed = recoverable_cells(grid, hidden)
        if not exposed:
            return hidden
        cell = exposed[0]
        for line in lines:
            if cell in line:
                c = _complement(grid, hidden, line)
                if c is not None:
                    hidden[c] = True
                    break
        else:  # pragma: no cover - every cell lies on a line
            break
    return hidden


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


def _column(table: pd.DataFrame, op: Column, threshold: int, hide: pd.DataFrame) -> None:
    for idx in _blocks(table, op.blocks):
        part = table.iloc[idx]
        grid = pd.DataFrame({op.count: _counts(part[op.count]).to_numpy()}, index=range(len(part)))
        mask = _suppress(grid, threshold).iloc[:-1, 0].to_numpy(dtype=bool)
        for col in (op.count, *op.derived):
            hide[col][idx] |= mask


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
    out.attrs["suppressed"] = hide
    out.attrs["threshold"] = threshold
    return out


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
    return out


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
