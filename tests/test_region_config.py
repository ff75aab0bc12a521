"""region.yml: paths resolved against the file, and one plain sentence naming the key at fault."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

from kit.core.errors import KitError
from kit.region.config import load_region_config


@pytest.fixture
def region(tmp_path):
    """A tiny region folder with the files a region.yml points at (their content does not matter here)."""
    for rel in ("placements/Z01/q1.csv", "placements/Z01/q2.csv", "placements/Z02/q1.csv",
                "ssda903/Z01/2024-25/episodes.csv", "ssda903/Z01/2024-25/header.csv",
                "ssda903/Z01/2025-26/episodes.csv", "ssda903/Z01/2025-26/uasc.csv",
                "ssda903/Z02/2025-26/episodes.csv", "reference/ofsted.csv", "reference/pcd.csv",
                "mappings/Z02.yml"):  # fmt: skip
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x\n")
    return tmp_path


GOOD = """\
region: Esterhold
code: ZR1
period: {start: 2025-04-01, end: 2026-09-30}
las:
  - code: Z01
    name: Kestlebury
    placements: [placements/Z01/*.csv]
    placements_version: "1"
    ssda903: ssda903/Z01
  - code: Z02
    name: Harrowmere
    placements: placements/Z02/q1.csv
    mapping: mappings/Z02.yml
    ssda903:
      episodes: [ssda903/Z02/2025-26/episodes.csv]
reference:
  ofsted_register: reference/ofsted.csv
  postcode_districts: reference/pcd.csv
privacy:
  key_env: MY_REGION_KEY
  key_file: ~/keys/region.key
  suppress_below: 10
output: out
colour: blue
"""


def _write(folder, text):
    path = folder / "region.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_is_read_with_paths_resolved(region):
    cfg = load_region_config(_write(region, GOOD))
    assert (cfg.name, cfg.code) == ("Esterhold", "ZR1")
    assert (cfg.period_start, cfg.period_end) == (dt.date(2025, 4, 1), dt.date(2026, 9, 30))
    z01, z02 = cfg.las
    assert [p.name for p in z01.placements] == ["q1.csv", "q2.csv"]
    assert [p.parent.name for p in z01.ssda903["episodes"]] == ["2024-25", "2025-26"]
    assert z01.ssda903["uasc"][0].name == "uasc.csv" and z01.placements_version == "1"
    assert z02.mapping == region / "mappings" / "Z02.yml" and z02.placements_version == "auto"
    assert z02.ssda903["header"] == [] and z02.ons_code == "Z02"
    assert cfg.ofsted_register == region / "reference" / "ofsted.csv"
    assert (
        cfg.key_env == "MY_REGION_KEY" and cfg.key_file.name == "region.key" and "~" not in str(cfg.key_file)
    )
    assert cfg.suppress_below == 10 and cfg.window_days == 7 and cfg.free_text == "withhold"
    assert cfg.output == region / "out"
    assert any("colour" in n for n in cfg.notes)


def test_the_sample_region_file_loads():
    path = REPO / "sample_data" / "region.yml"
    if not path.exists():
        pytest.fail("sample_data/region.yml is missing: run 'python -m kit synth --out sample_data'")
    cfg = load_region_config(path)
    assert len(cfg.las) == 6 and all(la.placements and la.ssda903["episodes"] for la in cfg.las)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("region: Esterhold\n", ""), r"region\.yml: name is missing"),
        (("placements: placements/Z02/q1.csv", "placements: placements/Z02/q9.csv"),
         r"las\[1\] \(Z02\)\.placements names 'placements/Z02/q9.csv', but there is no such file"),
        (("placements/Z01/*.csv", "placements/Z01/*.xlsx"), r"las\[0\] \(Z01\)\.placements has the pattern"),
        (("period: {start: 2025-04-01", "period: {start: 2025-13-01"), r"period\.start is '2025-13-01', which is not a date"),
        (('placements_version: "1"', 'placements_version: "3"'), r"placements_version is '3'; write auto, 0.1, 1 or 2"),
        (("  - code: Z02", "  - code: Z01"), r"las\[1\] \(Z01\) repeats an LA code"),
        (("ofsted_register: reference/ofsted.csv", "ofsted_register: ref/none.csv"), r"reference\.ofsted_register names"),
        (("suppress_below: 10", "suppress_below: lots"), r"privacy\.suppress_below is 'lots', which is not a whole number"),
        (("suppress_below: 10", "suppress_below: 2"), r"privacy\.suppress_below is 2, which would publish counts of 1 to 2 children; set it to 3"),
        (("ssda903: ssda903/Z01\n", "ssda903: ssda903/Z09\n"), r"ssda903 names 'ssda903/Z09', which is not a folder"),
        (("period: {start: 2025-04-01, end: 2026-09-30}", "period: {start: 2026-04-01, end: 2025-09-30}"), r"period starts"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_sentence_naming_the_file_and_key(region, change, message):
    old, new = change
    assert old in GOOD
    path = _write(region, GOOD.replace(old, new))
    with pytest.raises(KitError, match=message) as err:
        load_region_config(path)
    text = str(err.value)
    assert str(path) in text and "\n" not in text


def test_a_file_that_is_not_yaml_or_not_a_region(region):
    with pytest.raises(KitError, match="not valid YAML"):
        load_region_config(_write(region, "las: [\n  - code: Z01\n bad"))
    with pytest.raises(KitError, match="should list the region's LAs"):
        load_region_config(_write(region, "name: X\nreference: {ofsted_register: reference/ofsted.csv, "
                                          "postcode_districts: reference/pcd.csv}\n"))  # fmt: skip
    with pytest.raises(KitError, match="does not exist"):
        load_region_config(region / "nope.yml")


def test_top_level_reference_and_privacy_keys_and_a_default_output(region):
    text = GOOD.replace("reference:\n  ofsted_register", "ofsted_register").replace(
        "  postcode_districts", "postcode_districts").replace("output: out\n", "")  # fmt: skip
    cfg = load_region_config(_write(region, text))
    assert cfg.postcode_districts.name == "pcd.csv" and cfg.output.name == "region-ZR1"


def test_run_with_a_bad_region_file_exits_2_with_one_line(region):
    path = _write(region, GOOD.replace("placements/Z02/q1.csv", "placements/Z02/missing.csv"))
    out = subprocess.run([sys.executable, "-m", "kit", "run", str(path)], cwd=REPO, capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.startswith("kit: ") and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
