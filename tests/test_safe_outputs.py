"""Every file the kit writes is safe to open, stays inside the output folder, and is the same bytes
on a rerun (issue 17, items 2, 3 and 7).

* **Safe to open** (OWASP CSV injection): every command that writes a table (``check``, ``jsonld
  --validate``, ``duplicates``, ``run``) is given inputs whose cells, file names, LA names and
  register values start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; every CSV and
  workbook it writes is then scanned cell by cell, and no cell may be one a spreadsheet would run.
  The kit's own re-reading of its ``standard.csv`` gives back the values exactly.
* **Confined paths**: an LA code that is a path is refused before any work; an output folder that
  is a file, cannot be made, or holds files the kit did not write is one plain line; a folder an
  earlier run wrote is cleared of exactly that run's files; a run that fails says what it left.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import REPO, SAMPLE_DATA, TEST_KEY

from kit.app import quarterly_run
from kit.core.errors import KitError
from kit.outputs.excel import _PLAIN_NUMBER, FORMULA_STARTS, restore

CORPUS = REPO / "tests" / "data" / "malformed"
sys.path.insert(0, str(CORPUS))
from make_corpus import FORMULA_HEADER, FORMULA_PAYLOADS  # noqa: E402

PAYLOAD_NAME = "=1+2 placements.csv"  # a file name that is itself a formula


def kit(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=900, env=env,
    )  # fmt: skip


def _runs(text: str) -> bool:
    """True for cell text a spreadsheet could evaluate (a plain number such as -3 is just a number)."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def live_cells(folder: Path) -> list[tuple[str, str]]:
    """Every cell in the CSV files and workbooks under ``folder`` that a spreadsheet could run."""
    found = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as fh:
                found += [(name, c) for row in csv.reader(fh) for c in row if _runs(c)]
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:  # a formula is an <f> element in a sheet's XML
                for entry in z.namelist():
                    if entry.startswith("xl/worksheets/") and re.search(rb"<f[ >]", z.read(entry)):
                        found.append((f"{name}:{entry}", "<f>"))
            for ws in openpyxl.load_workbook(path).worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if c.data_type == "f" or (
                            isinstance(c.value, str) and _runs(c.value) and not c.quotePrefix
                        ):
                            found.append((f"{name}:{ws.title}!{c.coordinate}", str(c.value)))
    return found


def _scanned(folder: Path) -> set[str]:
    return {p.suffix for p in folder.rglob("*") if p.suffix in (".csv", ".xlsx")}


# ---------------------------------------------------------------------------------------------
# Item 2: safe in every tool that opens an output


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """`kit check` then `kit jsonld --validate` on the corpus' formula payloads, under a formula file name."""
    work = tmp_path_factory.mktemp("payloads")
    source = work / PAYLOAD_NAME
    shutil.copy(CORPUS / "formula_payloads.csv", source)
    out = work / "check"
    proc = kit("check", str(source), "--la", "LA09", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    records = out / "records.jsonld"
    proc = kit(
        "jsonld", str(out / "standard.csv"), "--standard", "placements", "--out", str(records), "--validate"
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_check_and_national_check_outputs_hold_no_cell_that_runs(checked):
    assert {
        "standard.csv",
        "findings.csv",
        "extra_columns.csv",
        "records-national-check.csv",
        "feedback.xlsx",
    } <= {p.name for p in checked.iterdir()}
    assert live_cells(checked) == []
    findings = pd.read_csv(checked / "findings.csv", dtype=str, keep_default_na=False)
    assert (findings["source_file"] == "'" + PAYLOAD_NAME).all()  # the file name too
    extra = pd.read_csv(checked / "extra_columns.csv", dtype=str, keep_default_na=False)
    (column,) = [c for c in extra.columns if c.endswith(FORMULA_HEADER)]  # named "AT: =HYPER...": safe
    assert extra[column].tolist() == ["'+44 1234 567890", "'=1+1", "'@x", "'-", "plain"]
    # Numbers stay numbers: a plain number is never prefixed, in a value or a cost.
    assert "-3" in findings["value"].tolist()
    standard = pd.read_csv(checked / "standard.csv", dtype=str, keep_default_na=False)
    assert standard["totalWeeklyCost"].iloc[0] == "1234.5"


def test_the_kits_own_reading_of_standard_csv_gives_the_payloads_back_exactly(checked):
    graph = json.loads((checked / "records.jsonld").read_text(encoding="utf-8"))["@graph"]
    values = json.dumps(graph, ensure_ascii=False)
    standard = pd.read_csv(checked / "standard.csv", dtype=str, keep_default_na=False)
    for field in ("referralOfficerName", "placementOfficerName", "costOfficerName", "childId"):
        written = [v for v in standard[field] if v.startswith("'")]
        assert written, field
        for value in written:
            assert json.dumps(restore(value), ensure_ascii=False) in values, (field, value)
    for payload in (FORMULA_PAYLOADS["name_of_officer_referral"], "+1+2", "@SUM(A1:A9)", "=LA900004"):
        assert json.dumps(payload, ensure_ascii=False) in values
    assert "'=" not in values and "'+" not in values  # no apostrophe of the CSV reached the records


def test_duplicates_csv_holds_no_cell_that_runs(tmp_path):
    people = pd.read_csv(
        SAMPLE_DATA / "person" / "Z04_sallowdene_children.csv", dtype=str, keep_default_na=False
    ).head(20)
    twin = people.iloc[[0]].copy()
    twin["LAchildID"] = "=HYPERLINK(1)"  # the same person again (same NHS number): an ID the check rejects
    source = tmp_path / "=people.csv"  # and a file name that is a formula, in every pair's row
    pd.concat([people, twin]).to_csv(source, index=False)
    check = tmp_path / "check"
    proc = kit("check", str(source), "--standard", "person", "--profile", "subject_of_care", "--la", "Z04",
               "--out", str(check))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = kit("duplicates", str(check / "standard.csv"), "--out", str(tmp_path / "dup"))
    assert proc.returncode == 0, proc.stderr
    pairs = pd.read_csv(tmp_path / "dup" / "duplicates.csv", dtype=str, keep_default_na=False)
    assert len(pairs) >= 1 and (pairs["source_file_1"] == "'=people.csv").all()
    assert (pairs["source_file_2"] == "'=people.csv").all()
    findings = pd.read_csv(check / "findings.csv", dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(1)" in set(findings["value"])
    assert live_cells(check) == [] and live_cells(tmp_path / "dup") == []


# ---------------------------------------------------------------------------------------------
# Item 3: confined paths


@pytest.mark.parametrize("name", ["la_code_parent_path.yml", "la_code_absolute_path.yml"])
def test_an_la_code_that_is_a_path_is_refused_before_any_work(tmp_path, name):
    from kit.region import load_region_config

    with pytest.raises(KitError, match="is not an LA code"):
        load_region_config(CORPUS / "regions" / name)
    out = tmp_path / "out"
    proc = kit("run", str(CORPUS / "regions" / name), "--out", str(out),
               env={**os.environ, "KIT_PSEUDONYM_KEY": "5e" * 32})  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "not an LA code" in proc.stderr and name in proc.stderr
    assert not out.exists() and not (tmp_path / "escaped").exists()


def test_check_refuses_an_la_code_that_is_a_path(tmp_path):
    proc = kit("check", str(CORPUS / "formula_payloads.csv"), "--la", "../../x", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert "is not an LA code (--la)" in proc.stderr


def test_an_output_folder_that_is_a_file_or_cannot_be_made_is_one_line(tmp_path):
    afile = tmp_path / "out.txt"
    afile.write_text("not a folder")
    for out, words in (
        (afile, "is a file, not a folder"),
        (Path("/dev/null/out"), "cannot write in the output folder"),
    ):
        for args in (["check", str(CORPUS / "formula_payloads.csv")], ["duplicates", str(afile)]):
            proc = kit(*args, "--out", str(out))
            assert proc.returncode == 2, proc.stderr
            assert len(proc.stderr.splitlines()) == 1 and words in proc.stderr and str(out) in proc.stderr
        with pytest.raises(KitError, match=words):
            quarterly_run.prepare_output_folder(out)
    assert afile.read_text() == "not a folder"


def test_a_folder_holding_files_the_kit_did_not_write_is_refused_and_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(KitError, match="no record of writing .*notes.txt.* deletes only its own files"):
        quarterly_run.prepare_output_folder(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_earlier_runs_files_and_only_those_are_cleared(tmp_path):
    out = tmp_path / "out"
    for name in (
        "findings.csv",
        "feedback/Z01/standard.csv",
        "feedback/Z09/feedback.xlsx",
        "report/charts/a.png",
    ):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("old run")
    (out / "my notes.txt").write_text("mine")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the kit's")
    quarterly_run.write_manifest(out, kept=["my notes.txt"])
    listed = json.loads((out / quarterly_run.MANIFEST).read_text())["files"]
    assert "my notes.txt" not in listed and "feedback/Z09/feedback.xlsx" in listed
    manifest = json.loads((out / quarterly_run.MANIFEST).read_text())
    manifest["files"].append("../outside.txt")  # a record edited to point outside never deletes there
    (out / quarterly_run.MANIFEST).write_text(json.dumps(manifest))
    folder, kept = quarterly_run.prepare_output_folder(out)
    assert folder == out and kept == ["my notes.txt"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["my notes.txt"]
    assert outside.read_text() == "not the kit's"


def test_a_run_that_fails_part_way_says_which_partial_outputs_it_left(tmp_path, monkeypatch, sample_region):
    out = tmp_path / "out"

    def fails_after_one_la(config, key, on_la=None, **kwargs):
        (out / "feedback" / "Z01").mkdir(parents=True)
        (out / "feedback" / "Z01" / "standard.csv").write_text("identifiable rows")
        raise OSError(28, "No space left on device", str(out / "feedback" / "Z02" / "standard.csv"))

    monkeypatch.setattr(quarterly_run, "build_regional_dataset", fails_after_one_la)
    with pytest.raises(KitError) as caught:
        quarterly_run.run_region(sample_region, out=out, key=TEST_KEY, progress=False)
    message = str(caught.value)
    assert "No space left on device" in message and "Z02" in message
    assert f"It left partial outputs in {out} (feedback; 1 files, listed in run_manifest.json)" in message
    assert "\n" not in message
    listed = json.loads((out / quarterly_run.MANIFEST).read_text())["files"]
    assert listed == ["feedback/Z01/standard.csv"]
    assert quarterly_run.prepare_output_folder(out) == (out, [])  # the next run clears them
    assert not (out / "feedback").exists()


def test_feedback_is_never_written_outside_its_folder(tmp_path):
    write = quarterly_run.feedback_writer(tmp_path)
    for code in ("../escaped", "/tmp/escaped", ".."):
        with pytest.raises(KitError, match="outside the output folder|not an LA code"):
            write(code, None)
    assert not (tmp_path.parent / "escaped").exists()


# ---------------------------------------------------------------------------------------------
# Item 2 and 3 through `kit run`: a region whose LA name, register and files carry payloads


@pytest.mark.slow
def test_a_hostile_region_run_writes_no_cell_that_runs_and_nothing_outside_out(tmp_path):
    from kit.region import load_region_config

    sample = load_region_config(SAMPLE_DATA / "region.yml")
    la = sample.la("Z04")
    work = tmp_path / "region"
    (work / "placements").mkdir(parents=True)
    payload_file = work / "placements" / PAYLOAD_NAME
    shutil.copy(CORPUS / "formula_payloads.csv", payload_file)
    register = pd.read_csv(sample.ofsted_register, dtype=str, keep_default_na=False)
    owner = "Organisation which owns the provider"
    register[owner] = "=1+2 Care Ltd"
    register.to_csv(work / "register.csv", index=False)
    files = [*map(str, la.placements), str(payload_file)]
    config = {
        "region": "Esterhold",
        "code": "ZR1",
        "period": {"start": str(sample.period_start), "end": str(sample.period_end)},
        "las": [
            {
                "code": "Z04",
                "name": "=SUM(9,9)",
                "placements": files,
                "placements_version": "1",
                "ssda903": {t: [str(p) for p in ps] for t, ps in la.ssda903.items()},
            }
        ],
        "reference": {
            "ofsted_register": str(work / "register.csv"),
            "postcode_districts": str(sample.postcode_districts),
        },
        "privacy": {"suppress_below": 5},
    }
    import yaml

    (work / "region.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    proc = kit("run", str(work / "region.yml"), "--out", str(out),
               env={**os.environ, "KIT_PSEUDONYM_KEY": "5e" * 32})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {p for p in tmp_path.rglob("*") if out not in p.parents and p != out} == before  # nothing outside
    assert _scanned(out) == {".csv", ".xlsx"}
    assert live_cells(out) == []
    pooled = pd.read_csv(out / "pooled_placements.csv", dtype=str, keep_default_na=False)
    assert set(pooled["la_name"]) == {"'=SUM(9,9)"}
    assert "'=1+2 Care Ltd" in set(pooled["provider_owner"])
    assert pd.to_numeric(pooled["age_at_start"], errors="coerce").notna().mean() > 0.9  # numbers stay numbers
    pack = openpyxl.load_workbook(out / "report" / "data_pack.xlsx")
    names = [c for row in pack["Cover"].iter_rows() for c in row if c.value == "=SUM(9,9)"]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)
    manifest = json.loads((out / "run_manifest.json").read_text())["files"]
    assert sorted(manifest) == sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "run_manifest.json"
    )
    assert "feedback/Z04/standard.csv" in manifest


def test_the_workshop_copy_with_fixes_cannot_run_a_formula(tmp_path):
    """copy_with_fixes writes a copy of the LA's own file: its payloads and the fixes stay text."""
    import openpyxl

    from kit.outputs.excel import restore
    from kit.outputs.feedback import copy_with_fixes

    source = tmp_path / "return.csv"
    source.write_text(
        'child_ID,provider_name\nAB1,=HYPERLINK("http://x","y")\nAB2,Oak House\n', encoding="utf-8"
    )
    copy = copy_with_fixes(source, {"B3": "@SUM(1+1)"}, tmp_path / "fixed.csv")
    cells = [line.split(",", 1)[1] for line in copy.read_text(encoding="utf-8").splitlines()[1:]]
    assert all(c.lstrip('"').startswith("'") for c in cells), cells
    assert restore(cells[1]) == "@SUM(1+1)"

    book = openpyxl.Workbook()
    book.active.append(["child_ID", "provider_name"])
    book.active.append(["AB1", "Oak House"])
    book.save(tmp_path / "return.xlsx")
    fixed = copy_with_fixes(tmp_path / "return.xlsx", {"B2": "=1+1"}, tmp_path / "fixed.xlsx")
    cell = openpyxl.load_workbook(fixed).active["B2"]
    assert cell.data_type == "s" and cell.value == "=1+1"
