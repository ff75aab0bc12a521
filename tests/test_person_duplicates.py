"""Likely duplicate people across the sample region's LAs, against the planted ground truth.

The sample region plants children who moved from one LA to another and so appear in both LAs'
person extracts, with realistic differences (a nickname, a surname typo, day and month of birth
swapped, no NHS number, a new address): ``sample_data/person/duplicates_truth.csv``. The finder
must find them (recall) without flagging other children (precision), and say why in words.
"""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from kit.core.errors import KitError
from kit.person.duplicates import (
    DEFAULT_WEIGHTS,
    OUTPUT_COLUMNS,
    find_duplicates,
    iter_clusters,
    scoring_table,
)
from kit.region.persons import check_region_persons

SAMPLE = Path(os.environ.get("KIT_SAMPLE_DATA", REPO / "sample_data"))


def _key(la1, id1, la2, id2):
    return frozenset([(la1, id1), (la2, id2)])


@pytest.fixture(scope="module")
def region():
    """Every sample LA's person extract, mapped and converted (the identifiers are checked by the finder)."""
    path = SAMPLE / "region.yml"
    if not path.exists():
        pytest.fail("sample_data/region.yml is missing: run 'python -m kit synth --out sample_data'")
    results = check_region_persons(path, run_checks=False)
    truth = pd.read_csv(SAMPLE / "person" / "duplicates_truth.csv", dtype=str, keep_default_na=False)
    # A child who moved twice is one person in three records: every pair within a group is true.
    groups = iter_clusters(
        truth.rename(
            columns={
                "la_a": "la_1",
                "person_id_a": "person_id_1",
                "la_b": "la_2",
                "person_id_b": "person_id_2",
            }
        )
    )
    true_pairs = {frozenset(p) for g in groups for p in combinations(sorted(g), 2)}
    pairs = find_duplicates(list(results.values()))
    return {"results": results, "truth": truth, "true_pairs": true_pairs, "pairs": pairs}


def test_precision_and_recall_on_the_planted_cross_la_duplicates(region):
    pairs = region["pairs"]
    across = pairs[pairs["la_1"] != pairs["la_2"]]
    found = {_key(r.la_1, r.person_id_1, r.la_2, r.person_id_2) for r in across.itertuples()}
    true = {p for p in region["true_pairs"] if len({la for la, _ in p}) == 2}
    hits = found & true
    precision, recall = len(hits) / max(len(found), 1), len(hits) / len(true)
    print(f"\ncross-LA duplicates: {len(true)} planted, {len(found)} listed, {len(hits)} right")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    assert len(true) >= 50
    assert precision >= 0.9 and recall >= 0.9
    # Most are the same NHS number, even where an LA writes it with spaces (943 476 5919).
    assert across["matched_on"].str.contains("NHS number").sum() > len(true) / 2
    assert set(across["la_1"]) | set(across["la_2"]) == set(region["results"])


def test_hard_cases_are_found_by_score_with_reasons_in_words(region):
    """Pairs with no shared identifier must be found from names and date of birth, and say how."""
    pairs, truth = region["pairs"], region["truth"]
    reasons = {_key(r.la_1, r.person_id_1, r.la_2, r.person_id_2): r for r in pairs.itertuples()}
    checked = 0
    for t in truth[truth["differences"].str.contains("NHS number not recorded")].itertuples():
        pair = reasons.get(_key(t.la_a, t.person_id_a, t.la_b, t.person_id_b))
        if pair is None or pair.matched_on != "score":
            continue  # found through a shared UPN instead: fine
        checked += 1
        if "day and month of birth swapped" in t.differences:
            assert "day and month swapped" in pair.reasons
        if "surname typo" in t.differences:
            assert (
                "family name one typing slip apart" in pair.reasons or "sound or look alike" in pair.reasons
            )
        if "nickname" in t.differences:
            assert "variants of one name" in pair.reasons or "look alike" in pair.reasons
        assert "postcode" in pair.reasons and pair.band in ("likely", "possible")
    assert checked >= 3
    same_id = pairs[pairs["matched_on"] != "score"]
    assert (same_id["score"] == 1.0).all() and (same_id["band"] == "same identifier").all()
    assert same_id["reasons"].str.startswith("same ").all()


def test_the_output_names_records_not_people(region):
    pairs = region["pairs"]
    assert list(pairs.columns) == OUTPUT_COLUMNS and pairs["pair"].tolist() == list(range(1, len(pairs) + 1))
    data = pd.concat([r.data for r in region["results"].values()])
    text = " ".join(pairs["reasons"]) + " " + " ".join(pairs.astype(str).to_numpy().ravel())
    for name in set(data["familyName"].dropna()) | set(data["givenName"].dropna()):
        assert f" {name} " not in f" {text} ", "a name was copied into the output"
    dates = pd.to_datetime(data["dateOfBirth"]).dropna()
    for shown in set(dates.dt.strftime("%Y-%m-%d")) | set(dates.dt.strftime("%d/%m/%Y")):
        assert shown not in text, "a date of birth was copied into the output"


def test_thresholds_and_scope_are_the_users_to_set(region):
    results = list(region["results"].values())
    loose, strict = find_duplicates(results, threshold=0.5), find_duplicates(results, threshold=0.95)
    assert len(strict) <= len(region["pairs"]) <= len(loose)
    assert (strict["score"] >= 0.95).all() and (loose["score"] >= 0.5).all()
    across = find_duplicates(results, scope="across", likely=0.99)
    assert (across["la_1"] != across["la_2"]).all()
    assert set(across.loc[across["matched_on"] == "score", "band"]) <= {"possible"}
    with pytest.raises(KitError, match="Unknown weight"):
        find_duplicates(results, weights={"shoe_size": 3})
    with pytest.raises(KitError, match="between 0 and 1"):
        find_duplicates(results, threshold=70)


def test_transposed_dates_nicknames_and_conflicting_identifiers():
    base = {"_la": "A", "_source_file": "a.csv", "sexCode": "1", "postcode": "QA1 1AA", "nhsNumber": ""}
    rows = [
        {**base, "_source_row": "2", "personId": "a1", "givenName": "Thomas", "familyName": "Wright", "dateOfBirth": "2012-03-07"},
        {**base, "_la": "B", "_source_row": "2", "personId": "b1", "givenName": "Tom", "familyName": "Wright", "dateOfBirth": "2012-07-03", "postcode": "QB2 2BB"},
        # twins: same surname, date of birth and home, different names and NHS numbers: not one child
        {**base, "_source_row": "3", "personId": "a2", "givenName": "Lily", "familyName": "Shaw", "dateOfBirth": "2015-05-05", "nhsNumber": "9434765919"},
        {**base, "_source_row": "4", "personId": "a3", "givenName": "Rose", "familyName": "Shaw", "dateOfBirth": "2015-05-05", "nhsNumber": "9876555510"},
    ]  # fmt: skip
    pairs = find_duplicates(pd.DataFrame(rows), threshold=0.0)
    tom = pairs[(pairs["person_id_1"] == "a1") & (pairs["person_id_2"] == "b1")].iloc[0]
    assert "day and month swapped" in tom.reasons and "variants of one name" in tom.reasons
    assert tom.score >= 0.7  # listed at the default threshold, although two things differ
    twins = pairs[pairs["person_id_1"].isin(["a2", "a3"]) & pairs["person_id_2"].isin(["a2", "a3"])]
    assert (
        len(twins) == 1
        and twins.iloc[0]["score"] < 0.5
        and "different NHS numbers" in twins.iloc[0]["reasons"]
    )


def test_the_scoring_table_is_the_weights_in_words():
    table = scoring_table()
    assert set(DEFAULT_WEIGHTS) <= set(table["weight"])
    assert table.loc[table["weight"] == "dob_swapped", "points"].iloc[0] == DEFAULT_WEIGHTS["dob_swapped"]


def test_duplicates_command_writes_a_csv(region, tmp_path):
    from kit.outputs import write_outputs

    paths = []
    for code, result in list(region["results"].items())[:2]:
        paths.append(str(write_outputs(result, tmp_path / code)["standard"]))
    run = subprocess.run(
        [sys.executable, "-m", "kit", "duplicates", *paths, "--scope", "across", "--out", str(tmp_path / "dups")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = pd.read_csv(tmp_path / "dups" / "duplicates.csv", dtype=str)
    assert list(written.columns) == OUTPUT_COLUMNS and len(written) > 0
    assert "never merge automatically" in run.stdout
