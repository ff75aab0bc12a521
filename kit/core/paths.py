"""Where things are: the repository, the sample region, the standard files and the official artefacts."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"
GUIDES = REPO / "guides"
OUTPUTS = REPO / "outputs"
STANDARDS = REPO / "kit" / "standards"
# The national programme's own artefacts, vendored unchanged (Open Government Licence v3.0; see the
# README beside them): the Excel templates, the v1 SHACL shape, its context and example records.
OFFICIAL = STANDARDS / "official"
OFFICIAL_TEMPLATES = OFFICIAL / "templates"
OFFICIAL_SHACL = OFFICIAL / "shacl"
