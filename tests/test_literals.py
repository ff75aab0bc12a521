"""The standard files and reference data are the single source of truth for names and codes.

Outside ``kit/standards/`` (the files and their loader) and ``kit/synth/`` (the sample-region
generator, which plays the part of an LA's system and so spells what LAs type), no string constant
in the kit's code may equal a field name or a code of any standard file, or a column name or code
of the SSDA903, Ofsted or postcode reference files. Later stages read them through the standard's
``roles:`` and ``kit.standards.reference``, so a new version of a standard or of the 903 guide is an
edit of its data file and nothing else. Docstrings and comments are prose and are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

from kit import standards
from kit.standards import reference

KIT = REPO / "kit"
EXEMPT = (KIT / "standards", KIT / "synth")
# Values too generic to stand for a code when they appear in code: single characters (a spreadsheet
# column letter, a separator) and digit strings (version numbers, counts). Codes of that shape
# (903 sex codes 1/2, ethnicity letters) are still read from the reference files.


def generic(value: str) -> bool:
    return len(value) < 2 or value.lstrip("-").isdigit()


# Coincidences: a constant that equals a name or code but means something else, with the reason.
COINCIDENCES = {
    ("kit/core/paths.py", "official"): "the folder kit/standards/official/, not the person name-use code",
    ("kit/region/privacy.py", "Other"): (
        "the camelCase suffix of free-text field names (riskOther, culturalNeedsOther), which catches a "
        "free-text field a future version forgets to declare: not the 'Other' code"
    ),
    **{
        ("kit/person/identifiers.py", kind): (
            "a field type of the standard format (FORMAT.md types), the key of the person types' table; "
            "the person standard happens to name its field after the type"
        )
        for kind in ("upn", "uln", "postcode")
    },
}


def names() -> set[str]:
    found = standards.all_names() | reference.all_names()
    return {n for n in found if not generic(n)}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def literals(path: Path, wanted: set[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        and node.value in wanted
    ]  # fmt: skip


def test_the_guard_finds_a_literal_it_should(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""placementType in a docstring is fine."""\nTYPE = "placementType"\nCODE = "U4"\n')
    assert literals(sample, names()) == [(2, "placementType"), (3, "U4")]


def test_the_names_come_from_every_standard_and_reference_file():
    wanted = names()
    assert {"placementType", "totalWeeklyCost", "personId", "Risk present"} <= wanted  # standards
    assert {"DECOM", "PLACE_PROVIDER", "U4", "PR3"} <= wanted  # SSDA903 reference
    assert len(wanted) > 300


@pytest.mark.parametrize(
    "path",
    sorted(p for p in KIT.rglob("*.py") if not any(p.is_relative_to(e) for e in EXEMPT)),
    ids=lambda p: str(p.relative_to(KIT)),
)
def test_no_field_name_or_code_is_spelled_outside_the_standard_files(path):
    rel = str(path.relative_to(REPO))
    found = [(line, v) for line, v in literals(path, names()) if (rel, v) not in COINCIDENCES]
    assert not found, (
        f"{rel} spells names or codes of a standard or reference file: {found[:10]}. Read them through "
        "the standard's roles (kit/standards/FORMAT.md) or kit.standards.reference instead."
    )


def test_every_coincidence_is_still_there():
    for (rel, value), reason in COINCIDENCES.items():
        assert literals(REPO / rel, {value}), f"{rel} no longer spells {value!r} ({reason}): remove the entry"
