"""Is this machine ready? Versions, the kit's own files, and proof that nothing needs the network."""

from __future__ import annotations

import importlib
import socket
import sys
from contextlib import contextmanager
from importlib import metadata

import pandas as pd

from kit.core.paths import REPO

PINNED = (
    "pandas",
    "numpy",
    "great-expectations",
    "ipywidgets",
    "matplotlib",
    "openpyxl",
    "pyyaml",
    "jupyterlab",
)


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


@contextmanager
def no_network():
    """Inside this block any attempt to open a network connection raises an error."""

    def refuse(*args, **kwargs):
        raise OSError("network access attempted while the kit promised to work offline")

    saved = socket.socket.connect, socket.create_connection
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection = saved  # type: ignore[method-assign]


def check_environment() -> pd.DataFrame:
    """One row per check: what was looked at, what was found, and whether it is as it should be."""
    rows = []
    ok_python = sys.version_info[:2] == (3, 11)
    rows.append(("Python 3.11", sys.version.split()[0], ok_python))
    pins = _pins()
    for name in PINNED:
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "not installed"
        rows.append((f"{name} {pins.get(name, '')}".strip(), found, found == pins.get(name)))
    with no_network():
        try:
            from kit import standards

            loaded = [standards.load(s, v) for s, v in standards.available()]
            rows.append(("standard files load, offline", f"{len(loaded)} versions", len(loaded) >= 4))
            for module in ("kit.read.files", "kit.mapping.suggest", "kit.check"):
                importlib.import_module(module)
            rows.append(("kit modules import, offline", "yes", True))
        except Exception as exc:  # report, don't crash the start-here notebook
            rows.append(("kit works offline", f"failed: {exc}", False))
    return pd.DataFrame(rows, columns=["check", "found", "ok"])
