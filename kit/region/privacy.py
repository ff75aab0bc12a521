"""Privacy: the pseudonymisation key, keyed hashing of identifiers, LA-internal fields, suppression.

In and out, function by function:

* :func:`write_key_file` makes a new random 32-byte key in a file *outside* the kit's folder, readable
  by its owner only (``python -m kit keygen``). :func:`load_key` reads it back: first from the
  environment variable the region file names (default ``KIT_PSEUDONYM_KEY``), then from the key
  file. With neither, it raises :class:`KitError`: the kit never falls back to plain identifiers.
* :func:`pseudonymise` turns identifiers into HMAC-SHA256 pseudonyms (16 hex characters). With the
  same key, the same child ID of the same LA always gives the same pseudonym, in every file and
  every quarter; without the key nobody can go back from a pseudonym to the ID, or test a guess.
* :func:`drop_internal` removes the fields the standard marks ``internal`` (officer names);
  :func:`withhold_free_text` empties v1's free-text "...Other" fields.
* :func:`suppress` hides small numbers in a table of counts (primary suppression) and enough other
  cells that no hidden cell can be worked out from the row and column totals (secondary).

``guides/privacy.md`` explains each of these for a data protection officer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import stat
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.core.paths import REPO

KEY_BYTES = 32  # 256 bits: the HMAC-SHA256 block is 64 bytes, its output 32; 32 random bytes is the norm
MIN_KEY_BYTES = 16  # a key shorter than 128 bits is refused
PSEUDONYM_CHARS = 16  # 64 bits of the digest: collisions stay below 1 in 10 million at a million children
DEFAULT_KEY_FILE = Path("~/.config/csc-kit/region.key")
_FINGERPRINT_MESSAGE = b"csc-kit key fingerprint v1"


class KeyWarning(UserWarning):
    """A key file that works but is not kept as safely as it should be."""


# ---------------------------------------------------------------------------------------------
# The key


def generate_key() -> bytes:
    """A new random key (32 bytes from the operating system's secure random source)."""
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    """The key as text for a key file or an environment variable (hexadecimal, 64 characters)."""
    return key.hex()


def key_fingerprint(key: bytes) -> str:
    """Eight hex characters that identify a key without revealing it.

    Compare fingerprints to check that two runs (two quarters, two machines) used the same key,
    which is what makes the same child get the same pseudonym.
    """
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:8]


def parse_key(text: str, source: str) -> bytes:
    """Bytes of a key written as hexadecimal or base64 text; ``source`` names where it came from."""
    value = re.sub(r"\s+", "", text or "")
    if not value:
        raise KitError(
            f"The pseudonymisation key in {source} is empty; make one with 'python -m kit keygen'."
        )
    key: bytes | None = None
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) % 2 == 0:
        key = bytes.fromhex(value)
    else:
        try:
            key = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            key = None
    if key is None:
        raise KitError(
            f"The pseudonymisation key in {source} is neither hexadecimal nor base64 text; "
            "make a new one with 'python -m kit keygen'."
        )
    if len(key) < MIN_KEY_BYTES:
        raise KitError(
            f"The pseudonymisation key in {source} is only {len(key)} bytes; a key needs at least "
            f"{MIN_KEY_BYTES} (make one with 'python -m kit keygen')."
        )
    return key


def inside_repository(path: str | Path) -> bool:
    """True when ``path`` is inside the kit's folder (where a key could end up in git or a zip)."""
    try:
        Path(path).expanduser().resolve().relative_to(REPO.resolve())
        return True
    except ValueError:
        return False


def _check_permissions(path: Path) -> None:
    """Refuse a key file anyone on the machine can read; warn when the owner's group can."""
    if sys.platform.startswith("win"):
        return  # Windows permissions are ACLs, not mode bits: keep the file in your own profile
    mode = path.stat().st_mode
    if mode & stat.S_IROTH:
        raise KitError(
            f"The key file {path} can be read by every user of this machine; run 'chmod 600 {path}' and try again."
        )
    if mode & (stat.S_IRGRP | stat.S_IWGRP):
        warnings.warn(
            f"The key file {path} can be read by your group; 'chmod 600 {path}' keeps it to you alone.",
            KeyWarning,
            stacklevel=3,
        )


def write_key_file(path: str | Path | None = None, force: bool = False) -> tuple[Path, bytes]:
    """Write a new random key to ``path`` (default ``~/.config/csc-kit/region.key``), mode 0600.

    Refuses a path inside the kit's folder, and an existing file unless ``force``.
    Returns the path and the key.
    """
    path = Path(path or DEFAULT_KEY_FILE).expanduser().absolute()
    if inside_repository(path):
        raise KitError(
            f"{path} is inside the kit's folder, where a key could be committed or shared with the code; "
            "choose a path outside it, e.g. ~/.config/csc-kit/region.key."
        )
    if path.exists() and not force:
        raise KitError(
            f"{path} already exists and may hold the key your earlier pseudonyms depend on; "
            "keep it, or add --force to replace it."
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate_key()
    # Create the file with owner-only permissions from the start (no moment where others can read it).
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(encode_key(key) + "\n")
    os.replace(tmp, path)
    return path, key


def load_key(config=None, key_file: str | Path | None = None, environ=None) -> bytes:
    """The region's pseudonymisation key.

    Looks, in order, at the environment variable ``config.key_env`` (default ``KIT_PSEUDONYM_KEY``),
    then at ``key_file`` (e.g. ``--key-file``) or ``config.key_file``. A key file inside the kit's
    folder or readable by every user is refused. No key: :class:`KitError`, never plain IDs.
    """
    environ = os.environ if environ is None else environ
    env_name = getattr(config, "key_env", None) or "KIT_PSEUDONYM_KEY"
    # An explicit --key-file wins over the environment: the user has just named it.
    path = Path(key_file).expanduser() if key_file else None
    if path is None:
        value = environ.get(env_name, "")
        if value.strip():
            return parse_key(value, f"the environment variable {env_name}")
        path = getattr(config, "key_file", None)
    if path is not None:
        path = Path(path).expanduser()
        if inside_repository(path):
            raise KitError(
                f"The key file {path} is inside the kit's folder; move it outside (e.g. to "
                "~/.config/csc-kit/region.key) and point key_file: or --key-file at it."
            )
        if not path.is_file():
            raise KitError(
                f"The key file {path} does not exist; make it with 'python -m kit keygen --out {path}', "
                "or use the key file your region already has."
            )
        _check_permissions(path)
        return parse_key(path.read_text(encoding="utf-8", errors="replace"), f"the key file {path}")
    where = f" in {config.path}" if getattr(config, "path", None) else " in region.yml"
    raise KitError(
        f"No pseudonymisation key: set {env_name} or add key_file:{where} (make a key with "
        "'python -m kit keygen'); the kit never pools plain child IDs."
    )


# ---------------------------------------------------------------------------------------------
# Pseudonyms


def normalise_identifier(value) -> str:
    """The form an LA identifier is hashed in: the same child, however the file wrote the ID.

    Assumptions (repeated in guides/privacy.md): spaces never matter; letters are compared in
    upper case; a number that Excel turned into ``12345.0`` is ``12345``; leading zeros of an
    all-digit ID do not matter (Excel drops them from IDs such as ``0012345``). Empty means none.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = re.sub(r"\s+", "", str(value)).upper()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def pseudonymise(values: pd.Series | Iterable, key: bytes, la: str | None = None) -> pd.Series:
    """HMAC-SHA256 pseudonyms (first 16 hex characters) of identifiers.

    ``la``: the LA whose identifiers these are. LA child IDs are unique only within their LA, so
    the LA code is hashed with the ID (child ``1234`` of Z01 and child ``1234`` of Z02 get different
    pseudonyms); the same ID of the same LA gets the same pseudonym in every file and quarter.
    Pass ``la=None`` for national identifiers (e.g. NHS numbers) that mean the same person
    everywhere. Empty values stay missing. Raises :class:`KitError` on an unusable key.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        raise KitError(
            "A pseudonymisation key of at least 16 bytes is needed; the kit never pools plain IDs."
        )
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    base = hmac.new(bytes(key), digestmod=hashlib.sha256)
    prefix = f"{la}\x1f".encode() if la else b""
    uniques = pd.unique(series.to_numpy(dtype=object))
    lookup: dict = {}
    for raw in uniques:
        text = normalise_identifier(raw)
        if not text:
            lookup[raw] = None
            continue
        h = base.copy()
        h.update(prefix + text.encode("utf-8"))
        lookup[raw] = h.hexdigest()[:PSEUDONYM_CHARS]
    out = series.map(lookup)
    out = out.astype("string")
    out.name = series.name
    # Two different IDs with one pseudonym would merge two children: refuse rather than mislead.
    made = {v for v in lookup.values() if v is not None}
    normalised = {normalise_identifier(r) for r in uniques} - {""}
    if len(made) != len(normalised):
        raise KitError(
            "Two different IDs gave the same pseudonym; make a new key with 'python -m kit keygen'."
        )
    return out


# ---------------------------------------------------------------------------------------------
# Fields that never leave the LA


def internal_fields(standards_: Iterable) -> list[str]:
    """Names of the fields the standards mark ``internal: true`` (officer names)."""
    names: list[str] = []
    for std in standards_:
        names += [f.name for f in std.fields if f.internal and f.name not in names]
    return names


def free_text_fields(standards_: Iterable) -> list[str]:
    """v1's free-text "...Other" descriptions (``riskOther``, ``culturalNeedsOther``...): text typed
    by a social worker, which can name people. v2 removed free text for this reason."""
    names: list[str] = []
    for std in standards_:
        for f in std.fields:
            if f.type == "string" and f.name.endswith("Other") and not f.identifier and f.name not in names:
                names.append(f.name)
    return names


def drop_internal(frame: pd.DataFrame, standards_: Iterable) -> pd.DataFrame:
    """``frame`` without the LA-internal fields of ``standards_`` (officer names never leave the LA)."""
    return frame.drop(columns=[c for c in internal_fields(standards_) if c in frame.columns])


def withhold_free_text(frame: pd.DataFrame, standards_: Iterable) -> tuple[pd.DataFrame, int]:
    """``frame`` with free-text "...Other" fields emptied (columns kept), and how many values went."""
    frame = frame.copy()
    withheld = 0
    for name in free_text_fields(standards_):
        if name in frame.columns:
            withheld += int(frame[name].notna().sum())
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame, withheld


# ---------------------------------------------------------------------------------------------
# Small-number suppression


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
