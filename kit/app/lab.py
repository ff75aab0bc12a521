"""``python -m kit lab`` (what ``make lab`` runs): JupyterLab at the kit's folder, safe for the notebooks.

* Lab opens at the kit's own folder, so ``guides/`` and ``outputs/`` are in its file browser, with
  ``notebooks/00_start_here.ipynb`` open.
* As root (containers, CI, some shared servers) Jupyter refuses to start unless told it may; the kit
  tells it, since whoever runs the kit as root has chosen to.
* Saving a notebook inside ``notebooks/`` (the guided notebooks git tracks, including autosave)
  writes it **without outputs** (:func:`strip_outputs_before_save`): a run on a region's real data
  never leaves children's details in a file that could be committed or shared. Results the kit
  produces are written to ``outputs/`` instead; to keep a notebook with its outputs, save a copy
  outside ``notebooks/`` (File > Save Notebook As, e.g. into ``outputs/``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePosixPath

from kit.core.paths import REPO

TRACKED_NOTEBOOKS = "notebooks"
START = f"{TRACKED_NOTEBOOKS}/00_start_here.ipynb"


def strip_outputs_before_save(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter's pre-save hook: a notebook saved under ``notebooks/`` loses its outputs (in place).

    ``path`` is relative to Lab's root (the kit's folder). Other notebooks are saved as they are.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    parts = PurePosixPath(path.replace("\\", "/").lstrip("/")).parts
    if not parts or parts[0] != TRACKED_NOTEBOOKS:
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None


def lab_arguments(extra: list[str] | None = None, *, root: Path = REPO) -> list[str]:
    """The command line that starts JupyterLab as the kit wants it (see the module doc)."""
    args = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        "--FileContentsManager.pre_save_hook=kit.app.lab.strip_outputs_before_save",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return [*args, *(extra or []), str(root / START)]


def run_lab(extra: list[str] | None = None) -> int:
    """Start JupyterLab in this process's place (returns only if it could not start)."""
    args = lab_arguments(extra)
    os.chdir(REPO)
    os.execv(args[0], args)
    return 1  # pragma: no cover - execv does not return
