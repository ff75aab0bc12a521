"""House rules of the repository: pinned set-up, no outputs in notebooks, no data in git."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import yaml
from conftest import REPO


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line, f"{path.name}: '{line}' is not pinned with =="
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_requirements_are_exactly_pinned_and_locked():
    direct = _pins(REPO / "requirements.txt")
    lock = _pins(REPO / "requirements-lock.txt")
    for name in ("jupyterlab", "pandas", "ipywidgets", "great-expectations", "matplotlib", "nbval", "pytest"):
        assert name in direct
    for name, version in direct.items():
        assert lock.get(name) == version, (
            f"{name} is {version} in requirements.txt but {lock.get(name)} in the lock"
        )


def test_conda_environment_is_python_311_with_the_same_pins():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements-lock.txt" in pip_section


def test_layout_of_the_repository():
    for name in ("notebooks", "kit", "sample_data", "guides", "tests", "benchmarks", ".ci"):
        assert (REPO / name).is_dir(), name
    for name in ("environment.yml", "README.md", "pyproject.toml", "Makefile", ".ci/run"):
        assert (REPO / name).is_file(), name
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_makefile_keeps_tool_state_out_of_home():
    makefile = (REPO / "Makefile").read_text()
    for var in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
    ):
        assert re.search(rf"export {var} := \$\(STATE\)", makefile), var
    assert "TMPDIR=$$tmp" in makefile and "mktemp -d" in makefile  # temp files in a fresh folder


def test_committed_notebooks_carry_no_outputs():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{path.name} has outputs: strip them before committing"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_gitignore_keeps_user_data_and_outputs_out():
    files = ["data/la1.xlsx", "outputs/report.html", "returns.csv", "q1.xlsx", "private/x.csv", "region.key"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *files], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert sorted(result.stdout.split()) == sorted(files)
    kept = [
        "sample_data/region.yml",
        "sample_data/x/y.csv",
        "tests/data/bad.csv",
        "kit/standards/placements-v1.yaml",
    ]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *kept], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.stdout.split() == []


def test_importing_the_kit_does_not_import_great_expectations():
    code = "import sys, kit, kit.check, kit.standards; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
