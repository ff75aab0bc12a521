"""The field reference in guides/reference/ is generated from the standard files and never drifts."""

from __future__ import annotations

from conftest import REPO

from kit import standards
from kit.app.guides import expected_guides


def test_committed_reference_guides_match_a_fresh_generation():
    folder = REPO / "guides" / "reference"
    expected = expected_guides()
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert sorted(committed) == sorted(expected), "run 'make guides' and commit guides/reference/"
    for name, text in expected.items():
        assert committed[name] == text, f"guides/reference/{name} is out of date: run 'make guides'"


def test_what_we_check_page_matches_a_fresh_generation():
    from kit.checks.describe import render_what_we_check

    committed = (REPO / "guides" / "what-we-check.md").read_text(encoding="utf-8")
    assert committed == render_what_we_check(), "guides/what-we-check.md is out of date: run 'make guides'"


def test_reference_guide_names_every_field_and_code():
    v1 = standards.load("placements", "1")
    page = expected_guides()["placements-v1.md"]
    for f in v1.fields:
        assert f"`{f.name}`" in page
    for cl in v1.codelists.values():
        for code in cl.values:
            assert f"`{code}`" in page
