"""The synthetic sample region: deterministic, calibrated, causal, readable, and honest about its defects.

The region is generated once per session (default seed, into a temporary folder) and compared with
the committed ``sample_data/``; every other test reads the generated files the way a user would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from kit import standards
from kit.check import check_files
from kit.convert.values import parse_date
from kit.read.files import read_file
from kit.synth import parameters as P
from kit.synth import write_sample_region
from kit.synth.calibration import join_placements, measure_region, setting_of
from kit.synth.identifiers import nhs_valid, upn_valid
from kit.synth.layouts import shape_for

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"
OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
FULL_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ([0-9][A-Z]{2})$")
RISKS = [r[0] for r in P.RISKS]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("region")
    write_sample_region(out, seed=2026)
    return {
        "path": out,
        "yml": yaml.safe_load((out / "region.yml").read_text(encoding="utf-8")),
    }


@pytest.fixture(scope="module")
def placements(region):
    """Every LA's placements files read back through the kit (no quality suite), one result per LA."""
    out = {}
    for la in region["yml"]["las"]:
        out[la["code"]] = check_files(
            [region["path"] / p for p in la["placements"]], run_checks=False, la=la["code"]
        )
    return out


@pytest.fixture(scope="module")
def key(region):
    return pd.read_csv(region["path"] / "answer_key.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def episodes(region):
    frames = []
    for la in region["yml"]["las"]:
        for path in la["ssda903"]["episodes"]:
            e = pd.read_csv(region["path"] / path, dtype=str, keep_default_na=False)
            e["la"], e["year"] = la["code"], path.split("/")[-2]
            frames.append(e)
    return pd.concat(frames, ignore_index=True)


def _persons(path: Path) -> pd.DataFrame:
    """A person extract as text (the LAs' extracts are UTF-8 or Windows-1252)."""
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------------------------------
# Determinism, size, speed


def test_regenerating_gives_the_committed_files_byte_for_byte(region):
    if not (SAMPLE / "region.yml").exists():
        pytest.fail("sample_data/ is missing: run 'python -m kit synth --out sample_data --seed 2026'")
    committed = _files(SAMPLE)
    generated = _files(region["path"])
    assert sorted(generated) == sorted(committed), (
        "the generator writes a different set of files than sample_data/"
    )
    differ = [name for name in generated if generated[name] != committed[name]]
    assert not differ, f"regenerated files differ from sample_data/: {differ[:5]}"


def test_sample_data_is_small():
    # How long it takes to build is measured by benchmarks/bench_synth.py, not asserted here.
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024, f"sample_data/ is {size / 1e6:.1f} MB"


def test_a_tiny_region_from_the_command_line_and_a_csv_only_bigger_one(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "kit", "synth", "--out", str(tmp_path / "tiny"), "--las", "2", "--years", "1", "--seed", "7"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    tiny = yaml.safe_load((tmp_path / "tiny" / "region.yml").read_text(encoding="utf-8"))
    assert [la["code"] for la in tiny["las"]] == ["Z01", "Z02"]
    # One year of 903 history (2026-27): only the quarters it covers have placements returns.
    assert len(tiny["las"][0]["ssda903"]["episodes"]) == 1 and len(tiny["las"][0]["placements"]) == 2
    # More than 12 LAs: CSV layouts only (Excel is too slow at national scale).
    write_sample_region(tmp_path / "big", seed=3, las=13, years=1)
    files = list((tmp_path / "big" / "placements").rglob("*"))
    assert files and not [f for f in files if f.suffix == ".xlsx"]


def test_it_never_overwrites_a_folder_that_is_not_a_sample_region(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "mine.csv").write_text("keep me\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a sample region"):
        write_sample_region(tmp_path, las=1, years=1)
    assert (tmp_path / "reference" / "mine.csv").read_text(encoding="utf-8") == "keep me\n"


# ---------------------------------------------------------------------------------------------
# The files read back, in the shape each LA is said to send


def test_every_placements_file_reads_back_in_its_layout(region, placements, key):
    expected_layout = {"june_xlsx": "xlsx-2026-06", "june_xlsx_example": "xlsx-2026-06", "april_xlsx": "xlsx-2026-04",
                       "june_csv": "csv-2026-06", "pipeline": None, "v2": "csv-2026-v2-draft"}  # fmt: skip
    for i, la in enumerate(region["yml"]["las"]):
        result = placements[la["code"]]
        shape = shape_for(i, large=False)
        s = result.summary()
        assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"]
        assert result.standard.version == la["placements_version"] == shape.version
        for f in result.files:
            layout = f.detection.layout.id if f.detection.layout else None
            assert layout == expected_layout[shape.key], (la["code"], f.table.path.name, layout)
        # The only rows the kit cannot use are the ones planted without a child ID.
        missing_ids = key[(key["la"] == la["code"]) & (key["kind"] == "missing_child_id")]
        assert s["rows_rejected"] == len(missing_ids)
        assert s["rows_standard"] > 200


def test_shapes_differ_as_described(region):
    root = region["path"]
    las = {la["code"]: la for la in region["yml"]["las"]}
    first = {code: root / la["placements"][0] for code, la in las.items()}
    assert read_file(first["Z01"]).data.index[0] == 4  # June xlsx with the example row deleted
    assert read_file(first["Z02"]).data.index[0] == 5  # June xlsx with guidance and example kept
    april = read_file(first["Z03"])
    assert april.data.index[0] == 5 and "risk_to_others_other" in april.headers
    raw = first["Z04"].read_bytes()
    assert b"\xa3" in raw and raw.splitlines()[0].startswith(b"Determinants of placement availability")
    pipeline = first["Z05"].read_bytes()
    assert pipeline.startswith(b"\xef\xbb\xbf")
    assert "preferred_location_for_home_search" in read_file(first["Z05"]).headers
    assert "placement_start_date" in read_file(first["Z06"]).headers


def test_the_june_xlsx_has_no_sexual_exploitation_column_by_design(placements):
    s = placements["Z01"].summary()
    assert "riskSexualExploitation" in s["missing_by_design"]
    assert "riskSexualExploitation" not in placements["Z04"].summary()["missing_fields"]


# ---------------------------------------------------------------------------------------------
# The answer key points at cells that really hold the defect


def _money(text: str) -> float | None:
    clean = text.replace("£", "").replace(",", "").strip()
    try:
        return float(clean)
    except ValueError:
        return None


def _cell(table, row: int, letter: str) -> str:
    return str(table.data.at[row, table.letters.index(letter)]).strip()


def _field_cell(table, std, row: int, field: str) -> str:
    index = std.header_index()
    for pos, header in enumerate(table.headers):
        if index.get(standards.normalise_header(header)) == field:
            return str(table.data.at[row, pos]).strip()
    raise KeyError(field)


def test_the_answer_key_points_at_cells_that_hold_each_defect(region, key):
    register = pd.read_csv(
        region["path"] / "reference" / "ofsted_providers.csv", dtype=str, keep_default_na=False
    )
    tables: dict[str, object] = {}
    versions = {p: la["placements_version"] for la in region["yml"]["las"] for p in la["placements"]}
    assert set(key.columns) == {
        "la",
        "file",
        "source_row",
        "source_column",
        "field",
        "kind",
        "expected_severity",
        "value",
    }
    assert set(key["expected_severity"]) <= {"error", "warning"}
    for r in key.itertuples():
        if r.file not in tables:
            tables[r.file] = read_file(region["path"] / r.file)
        t = tables[r.file]
        row = int(r.source_row)
        assert row in t.data.index, (r.file, row)
        cell = _cell(t, row, r.source_column) if r.source_column else ""
        if r.source_column:
            assert cell == r.value.strip(), (r.kind, r.file, row, cell, r.value)
        std = standards.load("placements", versions[r.file]) if r.file in versions else None
        kind = r.kind
        if kind in ("negative_cost",):
            assert _money(cell) < 0
        elif kind == "cost_not_a_number":
            assert _money(cell) is None and cell
        elif kind == "cost_below_range":
            assert 0 < _money(cell) < 100
        elif kind == "cost_above_range":
            assert _money(cell) > 100_000
        elif kind == "full_postcode":
            assert FULL_POSTCODE.match(cell) and cell.split()[0][0] == "Q"
        elif kind == "malformed_outward_code":
            assert not OUTWARD.match(cell) and not FULL_POSTCODE.match(cell)
        elif kind == "impossible_date":
            assert parse_date(cell)[0] is None and re.match(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$", cell)
        elif kind == "month_first_date":
            assert parse_date(cell)[0] is None and dt.datetime.strptime(cell, "%m/%d/%Y")
        elif kind == "future_date":
            assert parse_date(cell)[0].year > 2040
        elif kind.startswith("unknown_code"):
            assert std.codes_for(r.field).canonical(cell) is None
        elif kind == "not_yes_no":
            assert cell.lower() not in ("yes", "no", "y", "n", "true", "false")
        elif kind in ("blank_required", "missing_child_id", "unregistered_provider"):
            assert cell == ""
        elif kind == "other_without_text":
            assert cell == "" and "Other" in _field_cell(t, std, row, "additionalSupport")
        elif kind == "siblings_not_a_number":
            assert not cell.isdigit()
        elif kind == "siblings_more_than_planned":
            assert int(cell) > int(_field_cell(t, std, row, "siblingCount"))
        elif kind == "cost_breakdown_mismatch":
            parts = [
                _money(_field_cell(t, std, row, f))
                for f in (
                    "coreWeeklyCost",
                    "additionalSupportWeeklyCost",
                    "educationWeeklyCost",
                    "otherWeeklyCost",
                )
            ]
            assert abs(sum(parts) - _money(cell)) > 1
        elif kind in ("no_preferred_type", "two_preferred_types"):
            prefs = [
                std.codes_for(f).canonical(_field_cell(t, std, row, f))
                for f in (
                    "fosterCareSuitability",
                    "residentialCareSuitability",
                    "supportedAccommodationSuitability",
                )
            ]
            assert prefs.count("Preferred") == (0 if kind == "no_preferred_type" else 2)
        elif kind == "none_with_other_need":
            parts = [p.strip() for p in cell.split(";")]
            assert "None" in parts and len(parts) > 1
        elif kind == "out_of_la_reason_when_local":
            assert _field_cell(t, std, row, "isPreferredLocationLocal").lower() in ("yes", "y") and cell
        elif kind == "location_reason_when_preferred":
            assert (
                _field_cell(t, std, row, "isLocationPreferred").lower() in ("yes", "y")
                and cell != "Not applicable"
            )
        elif kind == "referral_after_placement":
            later = "placementDate" if std.version == "1" else "placementStartDate"
            assert parse_date(cell)[0] > parse_date(_field_cell(t, std, row, later))[0]
        elif kind == "urn_not_on_register":
            assert cell and cell not in set(register["URN"])
        elif kind == "duplicate_row":
            assert (t.data.loc[row] == t.data.loc[row - 1]).all()
        elif kind == "duplicate_child_placement":
            assert r.field == ("placementDate" if std.version == "1" else "placementStartDate")
            assert _field_cell(t, std, row, "childId") == _field_cell(t, std, row - 1, "childId")
            assert cell == _field_cell(t, std, row - 1, r.field)
            assert not (t.data.loc[row] == t.data.loc[row - 1]).all()
        elif kind == "nhs_check_digit":
            assert len(cell.replace(" ", "")) == 10 and not nhs_valid(cell)
        elif kind == "nhs_placeholder":
            assert len(set(cell)) == 1 and not nhs_valid(cell)
        elif kind == "upn_check_letter":
            assert len(cell) == 13 and not upn_valid(cell)
        elif kind == "upn_malformed":
            assert len(cell) != 13 and not upn_valid(cell)
        elif r.file.endswith("_relationships.csv"):
            # Relationship defects (kit.synth.relationships): the cell holds the value; that the checks find
            # each one, and nothing on clean links, is tests/test_relationships.py's to show.
            assert r.field in {"relationship", "relatedPersonId", "relationshipStartDate"}, kind
        else:
            pytest.fail(f"the test does not know the defect kind {kind!r}")


def test_defects_cover_every_kind_at_3_to_5_percent_of_rows(region, placements, key):
    rows = sum(len(r.data) + r.rows_rejected for r in placements.values())
    pk = key[key["file"].str.startswith("placements/")]
    share = pk.drop_duplicates(["file", "source_row"]).shape[0] / rows
    assert 0.03 <= share <= 0.055, share
    from kit.synth.defects import KINDS, REFERENCE_KINDS

    assert set(KINDS) | set(REFERENCE_KINDS) <= set(pk["kind"])
    assert {"nhs_check_digit", "nhs_placeholder", "upn_check_letter", "upn_malformed"} <= set(key["kind"])


def test_the_kit_reads_clean_cells_and_variant_spellings_without_a_finding(region, placements, key):
    """Every finding of the kit's reader points at a planted defect; variant spellings raise nothing,
    and each planted value the reader cannot use is reported at its cell."""
    variants = pd.read_csv(region["path"] / "variants_key.csv", dtype=str, keep_default_na=False)
    assert len(variants) > 100 and {"Supported Accomodation", "Risk Present"} & set(
        variants["value"].str.strip()
    )
    planted_rows = {(r.file.split("/")[-1], int(r.source_row)) for r in key.itertuples()}
    reported = set()
    for result in placements.values():
        f = result.findings
        f = f[f["rule"] != "missing_by_design"]
        for x in f.itertuples():
            assert (x.source_file, int(x.source_row)) in planted_rows, (
                x.source_file,
                x.source_row,
                x.rule,
                x.value,
            )
            reported.add((x.source_file, int(x.source_row), x.source_column))
    readable_errors = {"unknown_code_placement_type", "unknown_code_pets", "unknown_code_risk", "not_yes_no",
                       "impossible_date", "month_first_date", "cost_not_a_number", "full_postcode",
                       "malformed_outward_code", "siblings_not_a_number"}  # fmt: skip
    for r in key[key["kind"].isin(readable_errors)].itertuples():
        assert (r.file.split("/")[-1], int(r.source_row), r.source_column) in reported, (
            r.kind,
            r.file,
            r.source_row,
        )


def test_the_quality_checks_find_every_planted_defect_and_nothing_else(region, key):
    """Precision and recall of the kit's full checks against the answer key (regional-only kinds aside)."""
    pytest.importorskip("kit.checks")
    findings = []
    for la in region["yml"]["las"]:
        result = check_files([region["path"] / p for p in la["placements"]], run_checks=True, la=la["code"])
        findings.append(result.findings)
    f = pd.concat(findings, ignore_index=True)
    f = f[f["rule"] != "missing_by_design"]
    pk = key[key["file"].str.startswith("placements/") & (key["kind"] != "urn_not_on_register")]
    planted = {
        (p.split("/")[-1], int(r)): s
        for p, r, s in zip(pk["file"], pk["source_row"], pk["expected_severity"], strict=True)
    }
    found = {(a, int(b)) for a, b in zip(f["source_file"], f["source_row"], strict=True) if pd.notna(b)}
    stray = [x for x in found if x not in planted]
    assert not stray, f"findings at rows with no planted defect: {stray[:5]}"
    missed = [x for x in planted if x not in found]
    assert not missed, f"planted defects the checks did not report: {missed[:5]}"
    severities = {
        (a, int(b), s)
        for a, b, s in zip(f["source_file"], f["source_row"], f["severity"], strict=True)
        if pd.notna(b)
    }
    assert all((row[0], row[1], sev) in severities for row, sev in planted.items())


# ---------------------------------------------------------------------------------------------
# Calibration and causal structure


def _standard_rows(region, placements) -> pd.DataFrame:
    frames = []
    for la in region["yml"]["las"]:
        d = placements[la["code"]].data.copy()
        d["la"] = la["code"]
        d["date"] = d["placementStartDate"] if "placementStartDate" in d else d["placementDate"]
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def test_generated_marginals_are_within_tolerance_of_the_public_figures(region, placements):
    rows = _standard_rows(region, placements)
    table = measure_region(region["path"], rows[["la", "childId", "date", "totalWeeklyCost"]])
    measured = set(table["measure"])
    for needed in ("placement mix (share of CLA)", "age at 31 March", "UASC share of CLA", "median weekly cost (£)",
                   "new placements outside the LA", "new placements over 20 miles"):  # fmt: skip
        assert needed in measured
    assert set(table.loc[table["measure"] == "placement mix (share of CLA)", "group"]) == set(P.MIX_TARGET)
    assert len(table[table["measure"] == "median weekly cost (£)"]) >= 6
    off = table[~table["within_tolerance"]]
    assert off.empty, off[["measure", "group", "target", "generated", "tolerance"]].to_string()


@pytest.fixture(scope="module")
def joined(region, placements, episodes):
    rows = _standard_rows(region, placements)
    eps = episodes.drop_duplicates(["la", "CHILD", "DECOM"], keep="last")
    j = join_placements(rows, eps)
    j = j[j["PLACE"].notna()].copy()
    j["setting"] = setting_of(j["PLACE"], j["PLACE_PROVIDER"], j["URN"])
    headers = []
    for la in region["yml"]["las"]:
        for path in la["ssda903"]["header"]:
            h = pd.read_csv(region["path"] / path, dtype=str, keep_default_na=False)
            h["la"] = la["code"]
            headers.append(h)
    dob = pd.concat(headers).drop_duplicates(["la", "CHILD"]).set_index(["la", "CHILD"])["DOB"]
    j["age"] = (
        j["date"]
        - pd.to_datetime(
            dob.reindex(pd.MultiIndex.from_arrays([j["la"], j["childId"]])).to_numpy(), format="%d/%m/%Y"
        )
    ).dt.days / 365.25
    return j


def test_every_placements_row_is_a_903_placement_start(region, placements, joined):
    rows = _standard_rows(region, placements)
    usable = rows.dropna(subset=["date"])
    assert len(joined) / len(usable) > 0.99
    v2 = joined[joined["la"] == "Z06"]
    assert (v2["date"] == v2["decom_day"]).all()  # v2 placement_start_date is DECOM
    v1 = joined[joined["la"] != "Z06"]
    off = (v1["date"] != v1["decom_day"]).mean()
    assert 0.05 < off < 0.25  # v1 "agreed start" dates: mostly DECOM, some a few days off
    expect = {"kinship": "Foster", "inhouse_foster": "Foster", "ifa": "Foster", "childrens_home": "Residential",
              "unregulated": "Residential", "secure": "Residential", "supported": "Supported Accommodation"}  # fmt: skip
    typed = joined.dropna(subset=["placementType"])
    assert (typed["placementType"] == typed["setting"].map(expect)).mean() > 0.99


def test_cost_effects_are_recoverable_by_regression(joined):
    d = joined.dropna(subset=["totalWeeklyCost", "neededBy", *RISKS])
    d = d[d["totalWeeklyCost"].between(100, 100_000) & d["setting"].isin(list(P.COST_MEDIAN_WEEKLY))]
    risks = sum((d[r] == "Risk present").astype(float) for r in RISKS)
    X = pd.DataFrame(
        {
            "per_risk": risks,
            "dol": d["deprivationOfLiberty"].fillna(False).astype(float),
            "solo": (d["livingCompanions"] == "Solo placement recommended").astype(float),
            "urgent_today": (d["neededBy"] == "Today").astype(float),
            "urgent_within_5_days": (d["neededBy"] == "< 5 days").astype(float),
        }
    )
    X = X.join(pd.get_dummies(d["setting"], dtype=float))
    beta, *_ = np.linalg.lstsq(X.to_numpy(), np.log(d["totalWeeklyCost"].to_numpy(dtype=float)), rcond=None)
    got = dict(zip(X.columns, beta, strict=True))
    assert len(d) > 1500
    assert abs(got["per_risk"] - P.COST_LOG_EFFECTS["per_risk"]) < 0.03, got
    for name in ("dol", "solo", "urgent_today"):
        assert abs(got[name] - P.COST_LOG_EFFECTS[name]) < 0.12, (name, got)
    assert got["per_risk"] > 0 and got["dol"] > 0 and got["solo"] > 0 and got["urgent_today"] > 0


def test_older_multi_risk_children_for_whom_foster_was_preferred_go_to_residential_more(joined):
    d = joined[
        (joined["fosterCareSuitability"] == "Preferred")
        & joined["placementType"].notna()
        & joined["age"].notna()
    ]
    risks = sum((d[r] == "Risk present").astype(int) for r in RISKS if r in d)
    older_multi = (d["age"] >= 12) & (risks >= 3)
    rate = (d["placementType"] == "Residential").groupby(older_multi).mean()
    assert rate[True] > 3 * rate[False] and rate[True] > 0.1, rate.to_dict()


def test_urgent_placements_are_further_away_and_sibling_groups_are_sometimes_split(region, joined):
    lookup = pd.read_csv(
        region["path"] / "reference" / "postcode_districts.csv", dtype=str, keep_default_na=False
    )
    la_of = lookup.set_index("pcd_outward")["oslaua"]
    d = joined.dropna(subset=["placementLocation", "neededBy"])
    outside = d["placementLocation"].map(la_of) != d["la"]
    rate = outside.groupby(d["neededBy"] == "Today").mean()
    assert rate[True] > rate[False] + 0.05, rate.to_dict()
    sib = d.dropna(subset=["siblingCount", "siblingsPlacedTogether"])
    groups = sib[sib["siblingCount"] > 0]
    assert (groups["siblingsPlacedTogether"] == groups["siblingCount"]).mean() > 0.4
    assert (groups["siblingsPlacedTogether"] < groups["siblingCount"]).mean() > 0.1


# ---------------------------------------------------------------------------------------------
# SSDA903: the real layout and codes, contiguous and year-aware


def test_903_tables_have_the_dfe_columns_and_contiguous_episodes(region, episodes):
    from kit.synth.ssda903 import EPISODES, HEADER, UASC

    for la in region["yml"]["las"]:
        for table, columns in (("header", HEADER), ("episodes", EPISODES), ("uasc", UASC)):
            for path in la["ssda903"][table]:
                assert list(pd.read_csv(region["path"] / path, nrows=0).columns) == columns
    e = episodes.assign(_d=pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y"))
    e = e.sort_values(["la", "year", "CHILD", "_d"])
    same = (
        (e["CHILD"] == e["CHILD"].shift(-1))
        & (e["la"] == e["la"].shift(-1))
        & (e["year"] == e["year"].shift(-1))
    )
    x1 = e["REC"] == "X1"
    assert (e.loc[x1 & same, "DEC"].to_numpy() == e["DECOM"].shift(-1)[x1 & same].to_numpy()).all()
    assert (e.loc[same, "REC"].isin(["X1"])).all()  # only the last episode of a child ends their care
    nxt = e["RNE"].shift(-1)
    needs_reason = same & nxt.isin(["P", "B", "T", "U"])
    assert (e.loc[needs_reason, "REASON_PLACE_CHANGE"] != "").all()
    assert (e.loc[same & nxt.isin(["T", "U"]), "REASON_PLACE_CHANGE"] == "PLACE").all()
    assert set(e["RNE"]) <= {"S", "L", "P", "T", "B", "U"}
    assert set(e["LS"]) <= {"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}
    assert (e.loc[e["REC"] == "", "DEC"] == "").all()
    assert (
        e.loc[e["PLACE"].isin(["P1", "R1", "R2", "R3", "R5", "Z1", "Z11", "Z12", "Z13", "Z14"]), "URN"] == ""
    ).all()
    for col in ("HOME_POST", "PL_POST"):
        posts = e[col][e[col] != ""]
        assert posts.str.match(r"^Q[A-Z]?[0-9][0-9A-Z]? [0-9][A-Z]{2}$").all()


def test_903_codes_are_year_aware(region, episodes):
    e = episodes
    for year, group in e.groupby("year"):
        start = int(year[:4])
        places = set(group["PLACE"])
        if start < 2024:
            assert "K3" not in places
        if start >= 2025:
            assert not places & {"H5", "P2", "Z1"}, (year, places & {"H5", "P2", "Z1"})
        else:
            assert not places & {"Z11", "Z12", "Z13", "Z14"}
    assert {"H5", "K3"} <= set(e.loc[e["year"] == "2024-25", "PLACE"])  # transition year: both
    h = pd.read_csv(
        region["path"] / region["yml"]["las"][0]["ssda903"]["header"][0], dtype=str, keep_default_na=False
    )
    assert set(h["SEX"]) <= {"M", "F"}  # M/F from the 2024-25 return


def test_an_older_history_uses_1_2_sex_codes_and_no_k3(tmp_path):
    write_sample_region(tmp_path, seed=11, las=1, years=4)
    la = yaml.safe_load((tmp_path / "region.yml").read_text(encoding="utf-8"))["las"][0]
    first = [p for p in la["ssda903"]["header"] if "/2023-24/" in p][0]
    assert set(pd.read_csv(tmp_path / first, dtype=str)["SEX"]) <= {"1", "2"}
    eps = pd.read_csv(tmp_path / first.replace("header", "episodes"), dtype=str, keep_default_na=False)
    assert "K3" not in set(eps["PLACE"]) and set(eps["PLACE"]) & {"H5", "P2"}


# ---------------------------------------------------------------------------------------------
# Persons, identifiers, duplicates, reference data, fictional codes


def test_identifiers_are_valid_test_range_numbers_except_the_planted_ones(region, key):
    planted = {(r.file, int(r.source_row)) for r in key.itertuples()}
    persons = region["yml"]["las"]
    checked = 0
    for la in persons:
        frame = _persons(region["path"] / la["persons"])
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            if (la["persons"], i) in planted:
                continue
            nhs, upn = str(row[6]).replace(" ", ""), str(row[7])
            if nhs:
                assert nhs.startswith("999") and nhs_valid(nhs), (la["code"], i, nhs)
                checked += 1
            if upn:
                assert upn_valid(upn), (la["code"], i, upn)
    assert checked > 5000
    for la in persons:
        for path in la["ssda903"]["header"]:
            h = pd.read_csv(region["path"] / path, dtype=str, keep_default_na=False)
            ok = h["UPN"].isin(["UN1", "UN2", "UN3", "UN4", "UN5"]) | h["UPN"].map(upn_valid)
            assert ok.all()


def test_cross_la_duplicates_are_real_moves_between_las(region, episodes):
    truth = pd.read_csv(region["path"] / "person" / "duplicates_truth.csv", dtype=str, keep_default_na=False)
    persons = sum(len(_persons(region["path"] / la["persons"])) for la in region["yml"]["las"])
    share = 2 * len(truth) / persons
    assert P.PERSON_DUPLICATE_TARGET[0] <= share <= P.PERSON_DUPLICATE_TARGET[1], share
    assert (truth["la_a"] != truth["la_b"]).all()
    ended = episodes[episodes["REC"].isin(["E3", "E4A", "E13"])].set_index(["la", "CHILD"])
    first_leaves = [(a, b) in ended.index for a, b in zip(truth["la_a"], truth["person_id_a"], strict=True)]
    assert np.mean(first_leaves) > 0.95
    assert truth["differences"].str.contains("nickname|typo|swapped").sum() > 10


def test_reference_data_and_codes_are_fictional_and_consistent(region, episodes):
    lookup = pd.read_csv(
        region["path"] / "reference" / "postcode_districts.csv", dtype=str, keep_default_na=False
    )
    assert list(lookup.columns[:2]) == ["pcd_outward", "oslaua"] and {"oseast1m", "osnrth1m", "rgn"} <= set(
        lookup.columns
    )
    assert lookup["pcd_outward"].str.match(OUTWARD).all() and lookup["pcd_outward"].str.startswith("Q").all()
    assert lookup["oslaua"].str.fullmatch(r"Z\d{2,3}").all() and (lookup["rgn"] != "ZR1").any()
    assert pd.to_numeric(lookup["oseast1m"]).min() > 700_000  # off the real coastline
    register = pd.read_csv(
        region["path"] / "reference" / "ofsted_providers.csv", dtype=str, keep_default_na=False
    )
    assert {
        "URN",
        "Provision type",
        "Places",
        "Sector",
        "Organisation which owns the provider",
        "Local authority",
        "Region",
    } <= set(register.columns)
    assert register["URN"].str.match(r"^(SC9\d{5}|29\d{5})$").all() and register["URN"].is_unique
    assert set(register["Sector"]) <= {"Local Authority", "Private", "Voluntary", "Health Authority"}
    homes = register[register["Provision type"] == "Children's home"]
    assert (homes["Region"] != "Esterhold").any()  # homes in neighbouring regions too
    urns = set(register["URN"])
    used = episodes.loc[episodes["URN"] != "", "URN"]
    assert used.isin(urns).all()
    assert all(re.fullmatch(r"Z\d{2}", la["code"]) for la in region["yml"]["las"])
    pl = episodes.loc[episodes["PL_POST"] != "", "PL_POST"].str.split().str[0]
    assert pl.isin(set(lookup["pcd_outward"])).all()


def test_region_yml_has_the_agreed_shape(region):
    text = (region["path"] / "region.yml").read_text(encoding="utf-8")
    assert text.startswith("# The fictional sample region")
    assert re.search(r"^period: \{start: 2025-04-01, end: 2026-09-30\}$", text, re.M)
    y = region["yml"]
    assert list(y) == ["region", "code", "period", "las", "reference", "privacy", "output"]
    assert y["privacy"] == {"key_env": "KIT_PSEUDONYM_KEY", "key_file": None, "suppress_below": 5}
    for la in y["las"]:
        assert list(la) == [
            "code",
            "name",
            "placements",
            "placements_version",
            "mapping",
            "persons",
            "person_mapping",
            *(["relationships", "relationship_mapping"] if "relationships" in la else []),
            "ssda903",
        ]
        for p in la.get("relationships", []):
            assert (region["path"] / p).is_file(), p
        for p in [*la["placements"], la["persons"], *(v for vs in la["ssda903"].values() for v in vs)]:
            assert (region["path"] / p).is_file(), p
        if la["person_mapping"]:
            assert (region["path"] / la["person_mapping"]).is_file()


def test_the_template_skeleton_matches_the_official_workbooks():
    from kit.core.paths import OFFICIAL_TEMPLATES
    from kit.synth import templates

    for layout, name in templates.TEMPLATE_FILES.items():
        assert templates.extract_skeleton(OFFICIAL_TEMPLATES / name) == templates.skeletons()[layout]
