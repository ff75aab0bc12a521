"""End to end: `python -m kit run sample_data/region.yml` with a test key, then the outputs checked.

The region is run once for the whole module (about a minute); every test reads what it wrote.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

REGION = Path(os.environ.get("KIT_SAMPLE_REGION", REPO / "sample_data" / "region.yml"))
TEST_KEY = "5e" * 32  # a fixed test key: the sample region is synthetic
CONTRACT_COLUMNS = [
    "la", "la_name", "child", "version", "placement_start", "quarter", "_source_file", "_source_row",
    "episode_matched", "age_at_start", "age_band", "sex", "ethnicity", "legal_status", "uasc", "place_903",
    "place_provider_903", "in_house", "home_district", "urn", "urn_status", "provider_type", "provider_places",
    "provider_sector", "provider_owner", "provider_la", "provider_region", "placement_la_code",
    "placement_region", "home_la_code", "home_region", "distance_miles", "distance_band", "placed_outside_la",
    "placed_outside_region", "risk_count", "needs_band", "preferred_type", "displaced",
]  # fmt: skip
OFFICER_FIELDS = ["referralOfficerName", "placementOfficerName", "costOfficerName"]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "KIT_PSEUDONYM_KEY"}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not REGION.exists():
        pytest.fail(
            f"{REGION} is missing: build the sample region with 'python -m kit synth --out sample_data'"
        )
    out = tmp_path_factory.mktemp("region")
    proc = subprocess.run(
        [sys.executable, "-m", "kit", "run", str(REGION), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False, env=_env(KIT_PSEUDONYM_KEY=TEST_KEY),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    pooled = pd.read_csv(out / "pooled_placements.csv", dtype=str, keep_default_na=False)
    findings = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    rates = pd.read_csv(out / "match_rates.csv", dtype={"la": str, "version": str})
    summary = json.loads((out / "run_summary.json").read_text())
    standard = {
        p.parent.name: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((out / "feedback").glob("*/standard.csv"))
    }
    answer = pd.read_csv(REGION.parent / "answer_key.csv", dtype=str, keep_default_na=False)
    answer["base"] = answer["file"].str.split("/").str[-1]
    return dict(out=out, stdout=proc.stdout, pooled=pooled, findings=findings, rates=rates, summary=summary,
                standard=standard, answer=answer)  # fmt: skip


def test_the_run_prints_a_status_line_per_la_and_where_the_outputs_are(run):
    lines = run["stdout"].splitlines()
    for code in run["standard"]:
        assert any(line.startswith(f"{code} ") and "matched" in line for line in lines), code
    assert "Outputs in" in run["stdout"] and "pooled_placements.csv" in run["stdout"]
    for name in (
        "pooled_placements.csv",
        "findings.csv",
        "match_rates.csv",
        "quality_report.html",
        "run_summary.json",
    ):
        assert (run["out"] / name).is_file(), name
    for code in run["standard"]:
        assert (run["out"] / "feedback" / code / "feedback.xlsx").is_file()


def test_pooled_rows_are_exactly_the_sum_of_the_las_standard_rows(run):
    pooled, summary = run["pooled"], run["summary"]
    per_la = {code: len(frame) for code, frame in run["standard"].items()}
    assert len(pooled) == sum(per_la.values()) == summary["pooled_rows"] == summary["sum_of_la_standard_rows"]
    assert pooled["la"].value_counts().to_dict() == per_la
    for code, s in summary["las"].items():
        assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"], code


def test_every_pseudonym_is_16_hex_and_no_raw_child_id_leaves_the_la(run):
    pooled = run["pooled"]
    assert pooled["child"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert (pooled["childId"] == pooled["child"]).all()
    raw = set()
    for frame in run["standard"].values():
        raw |= set(frame["childId"]) - {""}
    raw |= {r.lstrip("0") for r in raw if r.isdigit() and len(r.lstrip("0")) >= 5}
    assert raw
    for name in (
        "pooled_placements.csv",
        "findings.csv",
        "match_rates.csv",
        "run_summary.json",
        "quality_report.html",
    ):
        tokens = set(re.findall(r"[A-Za-z0-9]+", (run["out"] / name).read_text(encoding="utf-8")))
        leaked = tokens & raw
        assert not leaked, f"raw child IDs in {name}: {sorted(leaked)[:5]}"


def test_the_same_child_gets_the_same_pseudonym_in_every_file_and_quarter(run):
    for code, frame in run["standard"].items():
        mine = run["pooled"][run["pooled"]["la"] == code]
        pairs = frame.merge(mine, on=["_source_file", "_source_row"], suffixes=("_raw", ""))
        assert len(pairs) == len(frame)
        by_raw = pairs.groupby("childId_raw")["child"].nunique()
        assert (by_raw == 1).all(), code  # one pseudonym per child...
        assert pairs.groupby("child")["childId_raw"].nunique().max() == 1, (
            code
        )  # ...and one child per pseudonym
        quarters = pairs.groupby("child")["_source_file"].nunique()
        assert (quarters > 1).any(), "some children have placements in several quarters' files"


def test_officer_names_never_reach_pooled_outputs(run):
    assert not set(OFFICER_FIELDS) & set(run["pooled"].columns)
    f = run["findings"]
    officer = f[f["field"].isin(OFFICER_FIELDS) & (f["value"] != "")]
    assert (officer["value"] == "(officer name withheld)").all()


def test_the_pooled_table_has_the_contracts_columns(run):
    missing = [c for c in CONTRACT_COLUMNS if c not in run["pooled"].columns]
    assert not missing
    assert set(run["pooled"]["urn_status"]) <= {"registered", "not_on_register", "missing"}
    assert set(run["pooled"]["age_band"]) <= {"Under 1", "1-4", "5-9", "10-15", "16+", ""}
    assert set(run["pooled"]["version"]) <= {"0.1", "1", "2"}
    assert run["pooled"]["quarter"].str.fullmatch(r"\d{4}Q[1-4]|").all()


def test_match_rates_per_la_agree_with_the_planted_unmatched_rows(run):
    rates, findings, answer = run["rates"], run["findings"], run["answer"]
    assert sorted(rates["la"]) == sorted(run["standard"])
    assert (rates["matched"] + rates["unmatched"] == rates["rows"]).all()
    assert ((rates["rate"] - rates["matched"] / rates["rows"]).abs() < 1e-3).all()
    unmatched = findings[findings["rule"] == "no_903_episode"]
    assert (
        unmatched.groupby("la").size().reindex(rates["la"], fill_value=0).tolist()
        == rates["unmatched"].tolist()
    )
    # Unmatched rows are exactly the ones the generator planted (if it planted any), plus rows whose
    # date the LA left empty or unreadable.
    planted = answer[answer["kind"].str.contains("903|unmatch|episode", regex=True)]
    date_fields = ("placementDate", "placementStartDate")
    no_date = answer[answer["field"].isin(date_fields)]
    explained = set(map(tuple, pd.concat([planted, no_date])[["la", "base", "source_row"]].to_numpy()))
    got = set(map(tuple, unmatched[["la", "source_file", "source_row"]].to_numpy()))
    assert got <= explained
    assert set(map(tuple, planted[["la", "base", "source_row"]].to_numpy())) <= got
    # v1 dates are a few days off DECOM in some rows (the window finds them); v2 start dates are exact.
    for r in rates.itertuples():
        share = r.matched_window / r.rows
        assert (0.05 < share < 0.3) if r.version != "2" else share == 0, (r.la, share)


def test_matched_episodes_agree_with_the_type_of_home(run):
    p = run["pooled"]
    p = p[(p["episode_matched"] == "true") & (p["placementType"] != "")]
    expected = {"Foster": "U", "Residential": "KSRP", "Supported Accommodation": "KHP"}
    agrees = [row.place_903[:1] in expected[row.placementType] for row in p.itertuples()]
    assert sum(agrees) / len(agrees) > 0.995


def test_urn_statuses_match_the_planted_urns(run):
    pooled, findings, answer = run["pooled"], run["findings"], run["answer"]
    for kind, rule in (
        ("urn_not_on_register", "urn_not_on_register"),
        ("unregistered_provider", "unregistered_placement"),
    ):
        planted = set(
            map(
                tuple,
                answer[answer["kind"] == kind][["la", "base", "source_row", "source_column"]].to_numpy(),
            )
        )
        found = set(
            map(
                tuple,
                findings[findings["rule"] == rule][
                    ["la", "source_file", "source_row", "source_column"]
                ].to_numpy(),
            )
        )
        assert planted and found == planted, kind
    counts = pooled["urn_status"].value_counts()
    assert counts["registered"] > 0.95 * len(pooled)
    assert counts["not_on_register"] == (answer["kind"] == "urn_not_on_register").sum()
    missing = pooled[pooled["urn_status"] == "missing"]
    assert (missing["unregistered"] == "true").sum() == (answer["kind"] == "unregistered_provider").sum()
    registered = pooled[pooled["urn_status"] == "registered"]
    assert (registered["provider_type"] != "").all() and (registered["provider_owner"] != "").all()
    rates = run["rates"]
    assert (
        rates["urn_registered"] + rates["urn_not_on_register"] + rates["urn_missing"] == rates["rows"]
    ).all()


def test_distances_and_bands_are_sensible(run):
    p = run["pooled"]
    p = p[p["distance_miles"] != ""]
    assert len(p) > 0.9 * len(run["pooled"])
    miles = p["distance_miles"].astype(float)
    assert (miles >= 0).all() and miles.max() < 300
    bands = pd.cut(miles, [-1, 5, 10, 20, 1e9], labels=["0-5", "5-10", "10-20", "over 20"]).astype(str)
    assert (bands == p["distance_band"]).all()
    outside = p["placed_outside_la"] == "true"
    assert ((p["placement_la_code"] != p["la"]) == outside).all()
    assert 0.2 < outside.mean() < 0.65  # DfE 2025: 41% of new placements outside the LA
    assert 0.1 < (p["distance_band"] == "over 20").mean() < 0.45  # DfE 2025: 24% over 20 miles
    assert (p.loc[p["placed_outside_region"] == "true", "placed_outside_la"] == "true").all()


def test_the_quality_report_is_regional_and_offline(run):
    html = (run["out"] / "quality_report.html").read_text(encoding="utf-8")
    for code in run["standard"]:
        assert f">{code}<" in html
    assert "no_903_episode" in html or "urn_not_on_register" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


def test_running_without_a_key_exits_2_with_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "kit", "run", str(REGION), "--out", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, check=False, env=_env(HOME=str(tmp_path)),
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("kit: No pseudonymisation key") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists(), "nothing is written without a key"


def test_keygen_writes_a_private_key_outside_the_repository_and_explains_its_use(tmp_path):
    path = tmp_path / "keys" / "region.key"
    cmd = [sys.executable, "-m", "kit", "keygen", "--out", str(path)]
    first = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and re.fullmatch(r"[0-9a-f]{64}\n", path.read_text())
    assert "export KIT_PSEUDONYM_KEY=" in first.stdout and "key_file:" in first.stdout
    assert path.read_text().strip() not in first.stdout  # the key itself is never printed
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "--force" in again.stderr
    inside = subprocess.run([sys.executable, "-m", "kit", "keygen", "--out", str(REPO / "outputs" / "x.key")],
                            cwd=REPO, capture_output=True, text=True, check=False)  # fmt: skip
    assert inside.returncode == 2 and "inside the kit's folder" in inside.stderr
    help_ = subprocess.run(
        [sys.executable, "-m", "kit", "run", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert "--key-file" in help_.stdout


def test_importing_the_region_package_does_not_import_great_expectations():
    code = "import sys, kit, kit.region; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_rerun_of_the_same_inputs_and_key_gives_every_output_byte_for_byte(run, tmp_path):
    """Issue 17 item 7: fixed workbook times, no clock in any data file (timings apart), stable order.
    The second run is another process with another hash seed, so that set order cannot hide."""
    again = tmp_path / "again"
    proc = subprocess.run(
        [sys.executable, "-m", "kit", "run", str(REGION), "--out", str(again)],
        cwd=REPO, capture_output=True, text=True, check=False,
        env=_env(KIT_PSEUDONYM_KEY=TEST_KEY, PYTHONHASHSEED="12345"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = {p.relative_to(run["out"]).as_posix(): p for p in run["out"].rglob("*") if p.is_file()}
    second = {p.relative_to(again).as_posix(): p for p in again.rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    assert {
        "run_timings.json",
        "run_manifest.json",
        "report/data_pack.xlsx",
        "feedback/Z01/feedback.xlsx",
    } <= set(first)
    differ = sorted(name for name in first if first[name].read_bytes() != second[name].read_bytes())
    assert set(differ) <= {"run_timings.json"}, differ  # how long each step took: the one that may differ
    assert "timings_seconds" not in run["summary"] and "seconds" not in run["summary"]["las"]["Z01"]
    report = (run["out"] / "report" / "report.html").read_text(encoding="utf-8")
    assert "Figures to the end of the period, 30 September 2026." in report
