"""Shared fixtures: the vendored official artefacts, the sample region built once per test session.

Slow (integration) tests carry the ``slow`` mark (every notebook is slow too), so that
``pytest -m "not slow"`` is a fast loop while editing. The expensive sample-region work (every LA's
file checked, the pooled regional dataset) is done once per test process and shared: once in a plain
``pytest`` run, once per worker under ``make test`` (pytest-xdist, one worker per core, one test
file per worker at a time so that a notebook's cells run in order in one kernel).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import signal
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kit.core.paths import OFFICIAL, OFFICIAL_SHACL, OFFICIAL_TEMPLATES  # noqa: E402

APRIL_XLSX = OFFICIAL_TEMPLATES / "National-Placement-Standard-Excel-20260427.xlsx"
JUNE_XLSX = OFFICIAL_TEMPLATES / "National-Placement-Standard-Excel-20260624.xlsx"
SHACL_EXAMPLES = OFFICIAL_SHACL / "examples"
SAMPLE_DATA = Path(os.environ.get("KIT_SAMPLE_DATA", REPO / "sample_data"))
SAMPLE_REGION = SAMPLE_DATA / "region.yml"
TODAY = dt.date(2026, 11, 24)  # the day the sample region's checks are run "on"
TEST_KEY = b"throwaway key for the synthetic sample only"  # never a real region's key


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


def pytest_collection_modifyitems(config, items):
    # A notebook runs the journey on the whole sample region: always an integration test.
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def official() -> Path:
    """The national programme's templates, SHACL shape, context and examples, vendored in the kit."""
    return OFFICIAL


def _sample_region_file() -> Path:
    if not SAMPLE_REGION.exists():
        pytest.fail(f"{SAMPLE_REGION} is missing: run 'python -m kit synth --out sample_data --seed 2026'")
    return SAMPLE_REGION


@functools.cache
def sample_regional_dataset():
    """The sample region's RegionalDataset, built once per test process as `python -m kit run` builds
    it (quality checks on: values that fail an error-level check are emptied before analysis)."""
    from kit.region import build_regional_dataset, load_region_config

    config = load_region_config(_sample_region_file())
    return build_regional_dataset(config, key=TEST_KEY, progress=False)


@functools.cache
def sample_la_checks() -> dict:
    """Every sample LA's placements files checked together, as `kit check` does, once per process."""
    from kit.app.samples import sample_placements_files
    from kit.check import check_files

    _sample_region_file()
    return {la: check_files(paths, la=la, today=TODAY) for la, paths in sample_placements_files().items()}


@pytest.fixture(scope="session")
def sample_region():
    """The sample region's loaded region.yml."""
    from kit.region import load_region_config

    return load_region_config(_sample_region_file())


@pytest.fixture(scope="session")
def regional_dataset():
    return sample_regional_dataset()


@pytest.fixture(scope="session")
def checked_sample_las() -> dict:
    return sample_la_checks()


@contextlib.contextmanager
def no_hang(seconds: int = 20):
    """Fail (rather than wait for ever) if something opens a named pipe for reading."""

    def stop(signum, frame):
        raise AssertionError("a reader opened the named pipe and waited for a writer")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
