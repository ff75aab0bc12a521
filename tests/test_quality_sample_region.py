"""On the sample region, the checks find the planted defects, and nothing on clean cells or variants."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from test_national_check import uncovered

from kit.outputs import write_outputs
from kit.outputs.jsonld import export_jsonld
from kit.outputs.national_check import national_verdict

SAMPLE = REPO / "sample_data"
pytestmark = pytest.mark.slow
# Found by the regional joins (kit.region), not by a single LA's file check.
REGIONAL_KINDS = {"urn_not_on_register"}


@pytest.fixture(scope="module")
def findings(checked_sample_las) -> pd.DataFrame:
    frames = []
    for result in checked_sample_las.values():
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


# ---------------------------------------------------------------------------------------------
# The national validator's verdict (tests/test_national_check.py has the rest): here because it
# needs every sample LA checked, which this module's fixtures share.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_every_record_the_official_shape_rejects_has_a_finding_in_every_sample_la(
    checked_sample_las, tmp_path
):
    exported = 0
    for la, result in checked_sample_las.items():
        if result.standard.version != "1":
            continue  # the national programme publishes a SHACL shape for v1 only
        out = tmp_path / la
        write_outputs(result, out)
        export_jsonld(out / "standard.csv", "placements", out / "records.jsonld")
        verdict = national_verdict(out / "records.jsonld", out / "standard.csv")
        assert verdict.records == len(result.data)
        assert set(verdict.problems["la"]) <= {la}
        missed = uncovered(verdict, result.findings)
        assert missed.empty, f"{la}: rejected nationally with no finding:\n{missed.head(10).to_string()}"
        exported += 1
        assert verdict.rejected > 0  # the sample LAs carry planted defects the shape sees too
    assert exported == 5
