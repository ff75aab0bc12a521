"""Privacy helpers: the key, pseudonyms, LA-internal fields; small-number suppression (kit.publish.suppression)."""

from __future__ import annotations

import os
import re
import stat
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from kit import standards
from kit.core.errors import KitError
from kit.publish import suppression as S
from kit.region import privacy as P

KEY = bytes(range(32))


# --------------------------------------------------------------------------------------------- key


def test_keygen_writes_an_owner_only_key_outside_the_repository(tmp_path):
    path, key = P.write_key_file(tmp_path / "keys" / "region.key")
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert P.parse_key(path.read_text(), "test") == key
    with pytest.raises(KitError, match="already exists"):
        P.write_key_file(path)
    _, new = P.write_key_file(path, force=True)
    assert new != key and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keygen_refuses_a_path_inside_the_repository():
    with pytest.raises(KitError, match="inside the kit's folder"):
        P.write_key_file(REPO / "outputs" / "region.key")
    assert not (REPO / "outputs" / "region.key").exists()


class _Config:
    key_env = "TEST_KIT_KEY"
    key_file = None
    path = "region.yml"


def test_load_key_reads_the_environment_first_then_the_key_file(tmp_path):
    path, file_key = P.write_key_file(tmp_path / "k.key")
    cfg = _Config()
    cfg.key_file = path
    assert P.load_key(cfg, environ={}) == file_key
    env_key = os.urandom(32)
    assert P.load_key(cfg, environ={"TEST_KIT_KEY": env_key.hex()}) == env_key
    import base64

    assert P.load_key(cfg, environ={"TEST_KIT_KEY": base64.b64encode(env_key).decode()}) == env_key
    # An explicit --key-file beats the environment.
    assert P.load_key(cfg, key_file=path, environ={"TEST_KIT_KEY": env_key.hex()}) == file_key


def test_no_key_is_an_error_never_plain_ids():
    with pytest.raises(KitError, match="No pseudonymisation key.*never pools plain child IDs"):
        P.load_key(_Config(), environ={})
    with pytest.raises(KitError):
        P.pseudonymise(pd.Series(["123"]), b"")


def test_unusable_keys_are_refused(tmp_path):
    cfg = _Config()
    with pytest.raises(KitError, match="neither hexadecimal nor base64"):
        P.load_key(cfg, environ={"TEST_KIT_KEY": "zz-not-a-key!"})
    with pytest.raises(KitError, match="only 2 bytes"):
        P.load_key(cfg, environ={"TEST_KIT_KEY": "abcd"})
    with pytest.raises(KitError, match="empty"):
        P.parse_key("  ", "test")
    cfg.key_file = tmp_path / "missing.key"
    with pytest.raises(KitError, match="does not exist"):
        P.load_key(cfg, environ={})
    cfg.key_file = REPO / "README.md"
    with pytest.raises(KitError, match="inside the kit's folder"):
        P.load_key(cfg, environ={})


def test_a_world_readable_key_file_is_refused_and_a_group_readable_one_warned(tmp_path):
    path, _ = P.write_key_file(tmp_path / "k.key")
    cfg = _Config()
    cfg.key_file = path
    path.chmod(0o644)
    with pytest.raises(KitError, match="chmod 600"):
        P.load_key(cfg, environ={})
    path.chmod(0o640)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        P.load_key(cfg, environ={})
    assert any(issubclass(w.category, P.KeyWarning) for w in caught)


def test_fingerprint_identifies_a_key_without_revealing_it():
    fp = P.key_fingerprint(KEY)
    assert re.fullmatch(r"[0-9a-f]{8}", fp) and fp not in KEY.hex()
    assert fp == P.key_fingerprint(KEY) != P.key_fingerprint(os.urandom(32))


# --------------------------------------------------------------------------------------- pseudonyms


def test_pseudonyms_are_16_hex_characters_and_stable():
    ids = pd.Series(["104233", "HM004512", "104233", None, ""])
    out = P.pseudonymise(ids, KEY, la="Z01")
    assert out.iloc[0] == out.iloc[2]
    assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in out.iloc[:3])
    assert out.iloc[3:].isna().all()
    assert out.dtype == "string"
    # The same ID in another LA is another child; another key gives unrelated pseudonyms.
    assert P.pseudonymise(ids, KEY, la="Z04").iloc[0] != out.iloc[0]
    assert P.pseudonymise(ids, os.urandom(32), la="Z01").iloc[0] != out.iloc[0]
    # HMAC, not a plain hash of the ID.
    import hashlib

    assert out.iloc[0] not in hashlib.sha256(b"104233").hexdigest()


def test_the_same_child_gets_the_same_pseudonym_however_the_file_wrote_the_id():
    forms = pd.Series(["0045123", "45123", " 0045123 ", "45123.0", "45 123"])
    assert P.pseudonymise(forms, KEY, la="Z03").nunique() == 1
    assert P.pseudonymise(pd.Series(["hm004512", "HM004512"]), KEY, la="Z02").nunique() == 1


def test_internal_fields_are_the_officer_names_and_are_dropped():
    for version in ("0.1", "1", "2"):
        std = standards.load("placements", version)
        names = P.internal_fields([std])
        assert names and all("Officer" in n for n in names)
        frame = pd.DataFrame({f.name: [None] for f in std.fields})
        assert not set(names) & set(P.drop_internal(frame, [std]).columns)


def test_free_text_other_fields_are_withheld_but_kept_as_columns():
    std = standards.load("placements", "1")
    fields = P.free_text_fields([std])
    assert "riskOther" in fields and "culturalNeedsOther" in fields and "providerURN" not in fields
    assert P.free_text_fields([standards.load("placements", "2")]) == []
    frame = pd.DataFrame({"riskOther": ["uncle visits", None], "providerURN": ["SC1", "SC2"]})
    out, n = P.withhold_free_text(frame, [std])
    assert n == 1 and out["riskOther"].isna().all() and out["providerURN"].tolist() == ["SC1", "SC2"]


# -------------------------------------------------------------------------------------- suppression


def _published(out: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The grid (with margins) a reader of the published table sees, and the mask of hidden cells."""
    mask = S.hidden_mask(out).to_numpy()
    grid = out.fillna(-1).to_numpy(dtype=np.int64)
    return grid, mask


def _all_fillings(grid: np.ndarray, mask: np.ndarray, limit: int = 200_000) -> list[dict]:
    """Every non-negative whole-number filling of the hidden cells that agrees with every total.

    Brute force with pruning, independent of the kit's own audit: a hidden cell is protected when
    the fillings give it more than one value.
    """
    n, m = grid.shape
    cells = [tuple(c) for c in np.argwhere(mask)]
    lines = [[(i, j) for j in range(m)] for i in range(n)] + [[(i, j) for i in range(n)] for j in range(m)]
    bound = grid[grid >= 0].max() if (grid >= 0).any() else 0
    found: list[dict] = []

    def ok(values: dict, final: bool) -> bool:
        for line in lines:
            cells_line, total = line[:-1], line[-1]
            known = all(c in values or not mask[c] for c in line)
            body = sum(values.get(c, grid[c]) for c in cells_line if c in values or not mask[c])
            tot = values.get(total, grid[total]) if (total in values or not mask[total]) else None
            if known and body != tot:
                return False
            if tot is not None and body > tot:
                return False
        return True

    def rec(k: int, values: dict) -> None:
        if len(found) >= limit:
            return
        if k == len(cells):
            if ok(values, True):
                found.append(dict(values))
            return
        for v in range(bound + 1):
            values[cells[k]] = v
            if ok(values, False):
                rec(k + 1, values)
            del values[cells[k]]

    rec(0, {})
    return found


def _assert_protected(out: pd.DataFrame, threshold: int = 5) -> None:
    grid, mask = _published(out)
    primary = S.hidden_mask(out, "primary").to_numpy()
    assert mask[primary].all(), "every small count is hidden"
    fillings = _all_fillings(grid, mask)
    assert fillings, "the true table must be one of the fillings"
    for cell in [tuple(c) for c in np.argwhere(mask)]:
        assert len({f[cell] for f in fillings}) > 1, f"hidden cell {cell} can be recovered from the totals"


def test_one_small_cell_needs_a_partner_in_its_row_and_column():
    t = pd.DataFrame({"Foster": [12, 3, 20], "Residential": [15, 9, 11], "Supported": [6, 8, 14]},
                     index=["Z01", "Z02", "Z03"])  # fmt: skip
    out = S.suppress(t)
    assert list(out.index) == ["Z01", "Z02", "Z03", "Total"] and list(out.columns)[-1] == "Total"
    hidden = S.hidden_mask(out)
    assert hidden.loc["Z02", "Foster"]
    assert hidden.loc["Z02"].sum() >= 2 and hidden["Foster"].sum() >= 2
    assert out.loc["Total", "Total"] == t.to_numpy().sum()
    _assert_protected(out)


def test_two_small_cells_in_one_row_and_a_small_total():
    t = pd.DataFrame({"a": [1, 10, 7], "b": [2, 6, 9], "c": [0, 12, 5]}, index=["x", "y", "z"])
    out = S.suppress(t)
    hidden = S.hidden_mask(out)
    assert hidden.loc["x", "a"] and hidden.loc["x", "b"] and hidden.loc["x", "Total"]  # 1, 2 and total 3
    _assert_protected(out)


def test_a_single_column_table_hides_a_second_cell():
    counts = pd.Series([14, 3, 9, 22], index=["Under 1", "1-4", "5-9", "10-15"], name="children")
    out = S.suppress(counts)
    assert S.hidden_mask(out).iloc[:, 0].sum() >= 2
    _assert_protected(out)


def test_zeros_are_shown_unless_asked_and_large_tables_stay_readable():
    t = pd.DataFrame({"a": [0, 10], "b": [10, 12]}, index=["x", "y"])
    out = S.suppress(t)
    assert not S.hidden_mask(out).to_numpy().any()
    assert S.hidden_mask(S.suppress(t, zeros=True)).loc["x", "a"]


def test_the_audit_catches_a_cell_pairwise_suppression_leaves_exposed():
    # Two hidden rectangles joined by one hidden cell: every row and column has 0 or 2+ hidden
    # cells, yet the joining cell follows from the totals (sum of rows 0-1 minus columns 0-1).
    body = np.array([[6, 7, 9, 9, 5], [8, 6, 7, 9, 9], [9, 9, 6, 8, 7], [9, 9, 7, 6, 8], [7, 8, 9, 9, 9]])
    grid = np.zeros((6, 6), dtype=np.int64)
    grid[:-1, :-1] = body
    grid[:-1, -1] = body.sum(axis=1)
    grid[-1, :-1] = body.sum(axis=0)
    grid[-1, -1] = body.sum()
    hidden = np.zeros_like(grid, dtype=bool)
    for c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[c] = True
    assert (1, 2) in S.recoverable_cells(grid, hidden)
    fixed = S._secondary(grid, hidden)
    assert S.recoverable_cells(grid, fixed) == []


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_leave_no_hidden_cell_recoverable(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 4)))
    body = rng.choice(
        [0, 1, 2, 3, 4, 5, 6, 8, 11, 15], size=shape, p=[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    )
    out = S.suppress(pd.DataFrame(body))
    grid = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    grid[:-1, :-1] = body
    grid[:-1, -1] = body.sum(axis=1)
    grid[-1, :-1] = body.sum(axis=0)
    grid[-1, -1] = body.sum()
    mask = S.hidden_mask(out).to_numpy()
    assert S.recoverable_cells(grid, mask) == []
    assert mask[(grid > 0) & (grid < 5)].all()
    if mask.sum() <= 5:
        _assert_protected(out)


def test_totals_false_returns_the_body_but_still_protects_it_against_totals():
    t = pd.DataFrame({"a": [3, 10], "b": [10, 12]}, index=["x", "y"])
    out = S.suppress(t, totals=False)
    assert out.shape == (2, 2)
    assert out.isna().sum().sum() >= 2  # the 3 and a partner: the totals would give the 3 away


def test_given_totals_must_add_up_and_only_counts_are_accepted():
    good = pd.DataFrame([[6, 7, 13], [8, 2, 10], [14, 9, 23]])
    out = S.suppress(good, has_totals=True)
    assert out.shape == (3, 3) and out.iloc[1, 1] is pd.NA
    bad = good.copy()
    bad.iloc[2, 2] = 24
    with pytest.raises(KitError, match="do not add up"):
        S.suppress(bad, has_totals=True)
    with pytest.raises(KitError, match="counts"):
        S.suppress(pd.DataFrame({"a": [1.5, 2]}))
    with pytest.raises(KitError, match="counts"):
        S.suppress(pd.DataFrame({"a": [-1, 2]}))


def test_rates_are_hidden_where_their_counts_are_and_markers_show():
    counts = pd.DataFrame({"a": [3, 10], "b": [10, 12]}, index=["x", "y"])
    out = S.suppress(counts)
    costs = pd.DataFrame({"a": [900.0, 1000.0], "b": [1100.0, 950.0]}, index=["x", "y"])
    masked = S.mask_where_suppressed(costs, out)
    assert pd.isna(masked.loc["x", "a"])
    shown = S.show_suppressed(out)
    assert shown.loc["x", "a"] == "[c]" and shown.loc["x", "Total"] == "13"


def test_threshold_is_configurable():
    t = pd.DataFrame({"a": [7, 20], "b": [20, 30]}, index=["x", "y"])
    assert not S.hidden_mask(S.suppress(t)).to_numpy().any()
    assert S.hidden_mask(S.suppress(t, threshold=10)).loc["x", "a"]
