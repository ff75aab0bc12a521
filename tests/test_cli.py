"""The command line: output a user can read, exit status 2 with one line for unusable input."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def run_kit(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_standards_list_names_every_version():
    out = run_kit("standards", "list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["standard", "version", "status"]
    versions = {tuple(line.split()[:2]) for line in lines[1:]}
    assert versions == {("person", "1.0.0"), ("placements", "0.1"), ("placements", "1"), ("placements", "2")}


def test_standards_show_lists_fields_and_rules():
    out = run_kit("standards", "show", "placements", "--version", "1")
    assert out.returncode == 0, out.stderr
    assert "childId" in out.stdout and "required" in out.stdout
    assert "xlsx-2026-06" in out.stdout
    assert "Rules (" in out.stdout


def test_unknown_version_is_one_line_and_exit_2():
    out = run_kit("standards", "show", "placements", "--version", "7")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "Known versions" in out.stderr


def test_missing_input_file_is_one_line_and_exit_2(tmp_path):
    out = run_kit("check", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out"))
    assert out.returncode == 2
    assert out.stderr.strip().startswith("kit: ") and "nope.csv" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_works_for_every_command():
    for command in ("standards", "check", "guides", "synth", "demo"):
        out = run_kit(command, "--help")
        assert out.returncode == 0 and "usage:" in out.stdout, command
