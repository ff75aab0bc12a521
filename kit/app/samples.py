"""The synthetic sample region, for notebooks, workshops and tests.

>>> from kit.app.samples import sample_placements_files
>>> files = sample_placements_files()      # {LA code: [quarterly files]}
"""

from __future__ import annotations

from pathlib import Path

import yaml

from kit.core.errors import KitError
from kit.core.paths import SAMPLE_DATA

REGION_FILE = SAMPLE_DATA / "region.yml"


def sample_region() -> dict:
    """The sample region's ``region.yml`` as a dictionary (paths as written, relative to it)."""
    if not REGION_FILE.exists():
        raise KitError(
            f"The sample region is missing ({REGION_FILE}). Run: python -m kit synth --out sample_data"
        )
    return yaml.safe_load(REGION_FILE.read_text(encoding="utf-8"))


def sample_placements_files() -> dict[str, list[Path]]:
    """Each sample LA's placements files (one per quarter), oldest first."""
    return {la["code"]: [SAMPLE_DATA / p for p in la["placements"]] for la in sample_region()["las"]}


def sample_la_names() -> dict[str, str]:
    return {la["code"]: la["name"] for la in sample_region()["las"]}


def sample_files_on_layout(layout_id: str) -> tuple[str, list[Path]]:
    """(LA code, its quarterly files) of the first sample LA whose returns are on ``layout_id``
    (e.g. ``xlsx-2026-04``, the April 2026 national spreadsheet)."""
    from kit.detect import detect
    from kit.read.files import read_file

    for code, paths in sample_placements_files().items():
        detection = detect(read_file(paths[-1]))
        if detection.layout is not None and detection.layout.id == layout_id:
            return code, paths
    raise KitError(f"No sample LA sends its return on the {layout_id} layout.")
