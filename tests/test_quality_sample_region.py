"""On the sample region, the checks find the planted defects, and nothing on clean cells or variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from kit.app.samples import sample_placements_files
from kit.check import check_files

SAMPLE = REPO / "sample_data"
# Found by the regional joins (kit.region), not by a single LA's file check.
REGIONAL_KINDS = {"urn_not_on_register"}


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    frames = []
    for la, paths in sample_placements_files().items():
        result = check_files(paths, la=la, today=dt.date(2026, 11, 24))
        s = result.summary()
        assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"]
        frames.append(result.findings)
    f = pd.concat(frames, ignore_index=True)
    return f.assign(row=f["source_row"].astype("Int64").astype(str))


def _key(name: str) -> pd.DataFrame:
    key = pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)
    return key[key["file"].str.startswith("placements/")].assign(
        fname=lambda k: k["file"].map(lambda p: Path(p).name)
    )


def test_checks_find_at_least_95_percent_of_planted_defects(findings):
    key = _key("answer_key.csv")
    key = key[~key["kind"].isin(REGIONAL_KINDS)]
    found = set(zip(findings["source_file"], findings["row"], findings["field"], strict=True))
    hit = [
        (f, r, fld) in found for f, r, fld in zip(key["fname"], key["source_row"], key["field"], strict=True)
    ]
    recall = sum(hit) / len(key)
    missed = key[[not h for h in hit]]
    print(f"recall on {len(key)} planted placements defects: {recall:.1%}")
    print(missed.groupby("kind").size().to_string() if len(missed) else "nothing missed")
    assert recall >= 0.95
    assert key["kind"].nunique() >= 20  # every kind of defect is represented


def test_no_error_on_rows_without_a_planted_defect(findings):
    key = _key("answer_key.csv")
    planted_rows = set(zip(key["fname"], key["source_row"], strict=True))
    errors = findings[(findings["severity"] == "error") & findings["source_row"].notna()]
    stray = errors[
        [(f, r) not in planted_rows for f, r in zip(errors["source_file"], errors["row"], strict=True)]
    ]
    assert stray.empty, stray[["source_file", "row", "field", "value", "rule"]].to_string()


def test_known_variant_spellings_raise_nothing(findings):
    variants = _key("variants_key.csv")
    assert len(variants) > 50
    cells = set(zip(variants["fname"], variants["source_row"], variants["field"], strict=True))
    flagged = findings[
        [
            (f, r, fld) in cells
            for f, r, fld in zip(findings["source_file"], findings["row"], findings["field"], strict=True)
        ]
    ]
    assert flagged.empty, flagged[["source_file", "row", "field", "value", "rule"]].to_string()
