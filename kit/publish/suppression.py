"""Small-number suppression of the sufficiency tables, before anything is published.

In: a tidy table from :mod:`kit.analysis` and its :class:`~kit.analysis.measures.Shape` (how its
counts add up). Out: the same table with every count below the threshold hidden, enough other
counts hidden that none can be worked out from totals, and every rate, average or cost that comes
from a hidden count hidden too. Count columns come back as ``Int64`` (hidden = ``<NA>``), derived
columns as floats (hidden = ``NaN``); ``attrs["suppressed"]`` is a boolean table of hidden cells.

Each operation of the shape is turned into the two-way tables of counts that
:func:`kit.region.privacy.suppress` works on (primary and secondary suppression, with the audit
that no hidden cell can be recovered from row and column totals). Limits, stated in the guide:
each operation is suppressed on its own, so two tables that publish the same counts two ways are
not linked; the region's own totals are treated as public.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.analysis.measures import Column, Grid, Parts, Shape
from kit.core.errors import KitError

HIDDEN = "[c]"  # the GSS marker for a value withheld to protect confidentiality


def _suppress(grid: pd.DataFrame, threshold: int, has_totals: bool = False) -> pd.DataFrame:
    """The privacy helper's mask for a grid of counts (with its margins)."""
    from kit.region.privacy import suppress

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
        has_totals = bool(op.row_total and op.column_total)
        if has_totals:
            if op.row_total not in grid.index or op.column_total not in grid.columns:
                has_totals = False
                grid = grid.drop(index=[op.row_total], errors="ignore").drop(
                    columns=[op.column_total], errors="ignore"
                )
            else:
                order_r = [r for r in grid.index if r != op.row_total] + [op.row_total]
                order_c = [c for c in grid.columns if c != op.column_total] + [op.column_total]
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
            out[col] = _counts(out[col]).astype("Int64").mask(hide[col])
        elif hide[col].any():
            values = out[col]
            if pd.api.types.is_integer_dtype(values):
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
        out[name] = suppress_table(table, registry[name].shape, threshold)
    return out


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
