"""Where things are: the repository, the sample region, and the shared reference folder."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"
GUIDES = REPO / "guides"
OUTPUTS = REPO / "outputs"
# The team's reference material (official templates, SHACL shapes) sits beside the repository.
SHARED = Path(os.environ.get("KIT_SHARED", REPO.parent / "shared"))
OFFICIAL = SHARED / "reference" / "official"
OFFICIAL_TEMPLATES = OFFICIAL / "templates"
