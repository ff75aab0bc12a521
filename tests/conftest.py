"""Shared fixtures: the official artefacts beside the repository, and tidy state folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kit.core.paths import OFFICIAL, OFFICIAL_TEMPLATES  # noqa: E402

APRIL_XLSX = OFFICIAL_TEMPLATES / "National-Placement-Standard-Excel-20260427.xlsx"
JUNE_XLSX = OFFICIAL_TEMPLATES / "National-Placement-Standard-Excel-20260624.xlsx"
SHACL_EXAMPLES = OFFICIAL / "shacl" / "examples"


def pytest_configure(config):
    # Jupyter, IPython and matplotlib state stays out of the user's home during tests.
    state = REPO / ".state"
    for var, sub in {
        "MPLCONFIGDIR": "matplotlib",
        "IPYTHONDIR": "ipython",
        "JUPYTER_CONFIG_DIR": "jupyter/config",
        "JUPYTER_DATA_DIR": "jupyter/data",
        "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
    }.items():
        os.environ.setdefault(var, str(state / sub))
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def official():
    if not OFFICIAL_TEMPLATES.exists():
        pytest.fail(
            f"The shared reference folder is missing: {OFFICIAL_TEMPLATES} (clone ../shared beside the repo)"
        )
    return OFFICIAL
