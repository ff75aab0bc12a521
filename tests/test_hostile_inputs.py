"""Hostile input (issue 17, items 1, 4 and 5): nothing breaks, no two children merge, no value
corrupts a figure.

The files are the hostile part of the malformed corpus (``tests/data/malformed/``, written by
``make_corpus.py`` there); named pipes cannot be committed, so they are made here in a temporary
folder. The whole-region test (an LA with no usable rows, web addresses in names) runs the real
``python -m kit run`` on three LAs of the sample region and is marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, SAMPLE_REGION, TEST_KEY, TODAY, no_hang

from kit.check import check_files
from kit.core import style
from kit.core.errors import KitError
from kit.outputs import write_outputs
from kit.region.privacy import normalise_identifier, pseudonymise

CORPUS = REPO / "tests" / "data" / "malformed"
PLACEHOLDERS = ["NULL", "None", "nan", "#N/A", "?", "-", "N/A", "unknown"]


def run_kit(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kit", *args],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=600, env=env,
    )  # fmt: skip


def one_plain_line(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kit: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def rules_by_row(result) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for row, rule in result.findings[["source_row", "rule"]].itertuples(index=False):
        if pd.notna(row):
            out.setdefault(int(row), set()).add(rule)
    return out


# ---------------------------------------------------------------------------------------------
# Item 4: IDs that cannot merge children


def test_placeholder_child_ids_are_errors_and_never_children(tmp_path):
    result = check_files([CORPUS / "placeholder_child_ids.csv"], la="LA09", run_checks=False)
    s = result.summary()
    assert (s["rows_in"], s["rows_standard"], s["rows_blank"], s["rows_rejected"]) == (10, 2, 0, 8)
    assert result.data["childId"].tolist() == ["LA900001", "LA900010"]
    hits = result.findings[result.findings["rule"] == "placeholder_id"]
    assert hits["value"].tolist() == PLACEHOLDERS
    assert hits["source_row"].tolist() == list(range(3, 11))
    assert (hits["severity"] == "error").all() and (hits["field"] == "childId").all()
    assert hits["message"].str.contains("cannot be used").all()
    standard = pd.read_csv(write_outputs(result, tmp_path)["standard"], dtype=str, keep_default_na=False)
    assert standard["childId"].tolist() == ["LA900001", "LA900010"]


def test_invisible_and_look_alike_characters_are_findings_and_give_the_visible_ids_pseudonym():
    result = check_files([CORPUS / "invisible_and_lookalike_ids.csv"], la="LA09", run_checks=False)
    assert result.summary()["rows_standard"] == 6
    hits = result.findings[result.findings["rule"] == "hidden_characters_in_id"]
    assert hits["source_row"].tolist() == [3, 4, 5, 6] and (hits["severity"] == "warning").all()
    assert hits["message"].str.contains("does not show").sum() == 3
    assert hits["message"].str.contains("another alphabet").sum() == 1
    assert result.data["childId"].tolist() == ["LA900001"] * 4 + ["LA900002"] * 2
    # Pseudonymised from the standard table, or from the raw cells (as a 903 extract's IDs are):
    # the same visible ID always gives the same pseudonym, and two children stay two.
    raw = pd.read_csv(CORPUS / "invisible_and_lookalike_ids.csv", dtype=str, keep_default_na=False)[
        "child_ID"
    ]
    for ids in (result.data["childId"], raw):
        pseudonyms = pseudonymise(ids, TEST_KEY, la="LA09").tolist()
        assert len(set(pseudonyms[:4])) == 1 and len(set(pseudonyms[4:])) == 1
        assert pseudonyms[0] != pseudonyms[4]
    assert {normalise_identifier(v) for v in raw} == {"LA900001", "LA900002"}


def test_full_width_characters_fold_into_the_ascii_id():
    assert normalise_identifier("\uff2c\uff21\uff19\uff10\uff10\uff10\uff10\uff11") == "LA900001"


# ---------------------------------------------------------------------------------------------
# Item 5: values that cannot corrupt figures


def test_implausible_values_are_errors_and_never_reach_the_standard_table(tmp_path):
    result = check_files([CORPUS / "implausible_values.csv"], la="LA09", today=TODAY)
    found = rules_by_row(result)
    assert "above_maximum" in found[2]  # 40 nines as a weekly cost: the standard file's ceiling
    assert "implausible_date" in found[3] and "implausible_date" in found[4]  # 01/01/0001, 31/12/9999
    assert "non_ascii_digits" in found[5] and "non_ascii_digits" in found[6]  # Arabic-Indic digits
    errors = result.findings[result.findings["severity"] == "error"]
    for row, field in [(2, "totalWeeklyCost"), (3, "referralDate"), (4, "costDate"), (5, "totalWeeklyCost"),
                       (6, "siblingCount")]:  # fmt: skip
        assert ((errors["source_row"] == row) & (errors["field"] == field)).any(), (row, field)
    standard = pd.read_csv(write_outputs(result, tmp_path)["standard"], dtype=str, keep_default_na=False)
    by_row = standard.set_index("_source_row")
    assert by_row.loc["2", "totalWeeklyCost"] == "" and by_row.loc["5", "totalWeeklyCost"] == ""
    assert by_row.loc["3", "referralDate"] == "" and by_row.loc["4", "costDate"] == ""
    assert by_row.loc["6", "siblingCount"] == ""
    costs = pd.to_numeric(standard["totalWeeklyCost"].replace("", None))
    assert costs.max() < 1_000_000 and costs.notna().sum() == 4
    assert by_row.loc["7", "totalWeeklyCost"] == "4350"  # the clean row is untouched (£4,350.00)


def test_the_ceilings_and_date_range_are_declared_in_the_standard_files():
    from kit import standards

    for version in ("0.1", "1", "2"):
        std = standards.load("placements", version)
        assert std.field(std.roles.total_cost.field).max == 1_000_000
        dates = [f for f in std.fields if f.type == "date"]
        assert dates and all(str(f.min) == "1990-01-01" and str(f.max) == "2099-12-31" for f in dates)


# ---------------------------------------------------------------------------------------------
# Item 1: no traceback, no hang


def test_an_opendocument_spreadsheet_is_refused_in_words(tmp_path):
    proc = run_kit("check", str(CORPUS / "opendocument.ods"), "--out", str(tmp_path))
    one_plain_line(proc, "opendocument.ods", "OpenDocument spreadsheet (.ods)", "save it as .xlsx")
    assert not (tmp_path / "standard.csv").exists()


def test_hidden_and_very_hidden_sheets_are_named():
    result = check_files([CORPUS / "hidden_sheets.xlsx"], la="LA09", run_checks=False)
    table = result.files[0].table
    assert table.sheet == "Data Collection" and result.summary()["rows_standard"] == 3
    assert "sheet 'Data Collection' is hidden in the workbook: read" in table.evidence
    assert any(
        e.startswith("sheet 'Lookup' is very hidden") and e.endswith("not read") for e in table.evidence
    )
    hit = result.findings[result.findings["rule"] == "hidden_sheet"]
    assert len(hit) == 1 and hit["severity"].iloc[0] == "warning"
    message = hit["message"].iloc[0]
    assert "'Data Collection' (hidden)" in message and "'Lookup' (very hidden" in message
    assert "read from the hidden sheet 'Data Collection'" in message


def test_an_la_file_with_every_child_id_blank_is_rows_rejected_not_a_crash():
    result = check_files([CORPUS / "every_child_id_blank.csv"], la="LA09", run_checks=False)
    s = result.summary()
    assert (s["rows_in"], s["rows_standard"], s["rows_rejected"]) == (4, 0, 4)


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "return.csv"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{fifo}", "--out", "{out}"],
        ["check", str(CORPUS / "ragged_rows.csv"), "--mapping", "{fifo}", "--out", "{out}"],
        ["run", "{fifo}", "--out", "{out}"],
        ["jsonld", "{fifo}", "--standard", "placements", "--out", "{out}/records.jsonld"],
        ["duplicates", "{fifo}", "--out", "{out}"],
    ],
    ids=["check", "mapping", "run", "jsonld", "duplicates"],
)
def test_a_named_pipe_is_refused_at_once_by_every_command(tmp_path, fifo, args):
    filled = [a.format(fifo=fifo, out=tmp_path / "out") for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "kit", *filled],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )  # a reader that opened the pipe would wait for a writer: the timeout fails the test
    one_plain_line(proc, str(fifo), "named pipe (FIFO)")


@pytest.mark.parametrize("reader", ["scenario", "jsonld_records", "national_check"])
def test_a_named_pipe_is_refused_by_the_other_readers(fifo, reader):
    from kit.forecast.scenarios import load_scenario
    from kit.outputs.jsonld import read_records
    from kit.outputs.national_check import national_verdict

    call = {"scenario": load_scenario, "jsonld_records": read_records, "national_check": national_verdict}[
        reader
    ]
    with no_hang(), pytest.raises(KitError, match=r"is a named pipe \(FIFO\)"):
        call(fifo)


def test_a_named_pipe_as_the_key_file_is_refused(fifo):
    from kit.region.privacy import load_key

    with no_hang(), pytest.raises(KitError, match=r"The key file .* is a named pipe \(FIFO\)"):
        load_key(key_file=fifo, environ={})


def test_text_that_reads_as_a_web_address_is_not_a_reference_but_a_real_one_is():
    page = style.page(
        "Esterhold http://evil.example", "<p>" + style.esc("LA https://x.example/a url(x)") + "</p>"
    )
    assert style.outside_references(page) == []
    assert "http://" not in page and "https://" not in page  # written so that no tool takes it for a link
    assert "Esterhold http&#58;//evil.example" in page
    for html_text, what in [
        ('<img src="https://x.example/a.png">', "a web address"),
        ('<a href="http&#58;//x.example">x</a>', "a web address"),  # a character reference is decoded
        ("<script>1</script>", "a script"),
        ('<link rel="stylesheet" href="s.css">', "a linked file"),
        ('<div style="background: url(x.png)">', "an external style"),
        ("<style>@import 'x.css';</style>", "an external style"),
        ("<iframe></iframe>", "a frame"),
    ]:
        assert what in style.outside_references(html_text), html_text
    assert style.outside_references('<img src="data:image/png;base64,AAAA"><a href="#top">t</a>') == []


# ---------------------------------------------------------------------------------------------
# Item 1, the region: an LA with no usable rows, web addresses in names


NOT_PATHS = {"code", "name", "placements_version", "ons_code", "free_text"}  # an LA's keys that are no path


def _hostile_region(tmp: Path, keep: int = 3) -> Path:
    """Three LAs of the sample region: one sends a headers-only file, one a file whose every child
    ID is blank, one its real returns; the region and an LA are named with web addresses."""
    config = yaml.safe_load(SAMPLE_REGION.read_text(encoding="utf-8"))
    base = SAMPLE_REGION.parent.resolve()

    def absolute(value):
        if not isinstance(value, (str, list, dict)):
            return value
        if isinstance(value, list):
            return [str(base / v) for v in value]
        if isinstance(value, dict):
            return {k: absolute(v) for k, v in value.items()}
        return str(base / value) if value else value

    las = []
    for la, files in zip(config["las"][:3], [[CORPUS / "header_only.csv"], [CORPUS / "every_child_id_blank.csv"], None],
                         strict=True):  # fmt: skip
        la = {k: (v if k in NOT_PATHS else absolute(v)) for k, v in la.items()}  # every path made absolute
        if files is not None:
            la["placements"], la["placements_version"], la["mapping"] = [str(f) for f in files], "1", None
        las.append(la)
    las[0]["name"] = f"{las[0]['name']} http://evil.example/x"
    config.update(
        las=las[:keep],
        region=f"{config['region']} https://evil.example",
        reference=absolute(config["reference"]),
        output=str(tmp / "unused"),
    )
    path = tmp / "region.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_region_with_las_without_usable_rows_and_web_addresses_in_names_still_publishes(tmp_path):
    region = _hostile_region(tmp_path)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "KIT_PSEUDONYM_KEY"}
    env["KIT_PSEUDONYM_KEY"] = "5e" * 32
    proc = run_kit("run", str(region), "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    codes = [la["code"] for la in yaml.safe_load(region.read_text())["las"]]
    lines = proc.stdout.splitlines()
    for code in codes[:2]:  # one status line each, saying nothing of theirs is pooled
        line = next(x for x in lines if x.startswith(f"{code} "))
        assert "no usable placement rows this period" in line, line
    assert any(x.startswith(f"{codes[2]} ") and "matched" in x for x in lines)
    findings = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False)
    empty = findings[findings["rule"] == "no_usable_rows"]
    assert sorted(empty["la"]) == sorted(codes[:2]) and (empty["severity"] == "warning").all()
    assert empty["message"].str.contains("no usable placement rows this period").all()
    pooled = pd.read_csv(out / "pooled_placements.csv", dtype=str, keep_default_na=False)
    assert set(pooled["la"]) == {codes[2]} and len(pooled) > 0
    summary = json.loads((out / "run_summary.json").read_text())
    assert summary  # the run finished and said so
    report = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert (out / "report" / "data_pack.xlsx").is_file()
    assert style.outside_references(report) == []
    assert "http://" not in report and "https://" not in report
    assert "https&#58;//evil.example" in report
    quality = (out / "quality_report.html").read_text(encoding="utf-8")
    assert style.outside_references(quality) == [] and "http://" not in quality


def test_a_full_disk_while_writing_is_one_plain_line(monkeypatch, tmp_path, capsys):
    import errno

    import kit.api
    from kit.app import cli

    target = tmp_path / "out" / "standard.csv"

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(kit.api, "write_outputs", full_disk, raising=False)
    code = cli.main(["check", str(CORPUS / "ragged_rows.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"kit: {target} could not be read or written (No space left on device)")
    assert "Check the disk has space" in err[0]


def test_a_device_is_refused_at_once(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "kit", "check", "/dev/zero", "--out", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip  # reading /dev/zero would never end
    one_plain_line(proc, "/dev/zero", "is a device")
    assert not (tmp_path / "out" / "standard.csv").exists()


@pytest.mark.slow
def test_a_region_where_no_la_has_usable_rows_stops_with_one_plain_line(tmp_path):
    region = _hostile_region(tmp_path, keep=2)  # the headers-only LA and the LA without child IDs
    env = {k: v for k, v in os.environ.items() if k != "KIT_PSEUDONYM_KEY"}
    env["KIT_PSEUDONYM_KEY"] = "5e" * 32
    proc = run_kit("run", str(region), "--out", str(tmp_path / "out"), env=env)
    one_plain_line(proc, "None of the 2 LAs in region.yml has usable placement rows", "nothing to publish")
    assert (tmp_path / "out" / "feedback").is_dir()  # each LA still gets its findings
