"""The public surface: notebooks import only ``kit.api`` (and ``kit`` for ``__version__``), every
name ``kit.api`` offers resolves, and importing it stays cheap."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest
from conftest import REPO

import kit.api

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
ALLOWED_FROM_KIT = {"__version__", "api"}  # ``from kit import ...``


def _code(cell_source: str) -> str:
    """A cell's Python, with IPython's magics and shell lines (``%matplotlib``, ``!ls``) blanked."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in cell_source.splitlines()
    )


def kit_imports(path) -> list[tuple[int, str]]:
    """(cell number, import statement) for every import of a kit module in a notebook's code cells."""
    found = []
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(
            ast.parse(_code("".join(cell["source"])), filename=f"{path.name} cell {number}")
        ):
            if isinstance(node, ast.Import):
                found += [(number, f"import {a.name}") for a in node.names if a.name.split(".")[0] == "kit"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kit":
                found.append((number, f"from {node.module} import {', '.join(a.name for a in node.names)}"))
    return found


def not_public(statement: str) -> bool:
    if statement.startswith("import "):
        return statement.split()[1] not in {"kit", "kit.api"}
    module, _, names = statement[len("from ") :].partition(" import ")
    if module == "kit.api":
        return False
    return module != "kit" or not set(names.split(", ")) <= ALLOWED_FROM_KIT


def test_the_check_itself_tells_public_from_private():
    assert not not_public("from kit.api import check_files, OUTPUTS")
    assert not not_public("from kit import __version__")
    assert not not_public("import kit.api")
    assert not_public("from kit.check import check_files")
    assert not_public("from kit import standards")
    assert not_public("import kit.region")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_import_only_the_public_surface(path):
    imports = kit_imports(path)
    private = [f"cell {number}: {statement}" for number, statement in imports if not_public(statement)]
    assert not private, f"{path.name} imports from inside the kit; use kit.api instead:\n" + "\n".join(
        private
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_names_notebooks_import_from_kit_api_exist(path):
    for number, statement in kit_imports(path):
        if statement.startswith("from kit.api import "):
            for name in statement[len("from kit.api import ") :].split(", "):
                assert name in kit.api.__all__, (
                    f"{path.name} cell {number} imports {name}, not in kit.api.__all__"
                )


def test_the_command_line_uses_only_the_public_surface():
    cli = REPO / "kit" / "app" / "cli.py"
    imports = []
    for node in ast.walk(ast.parse(cli.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kit":
            imports.append(f"from {node.module} import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import):
            imports += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "kit"]
    assert imports, "the command line imports the kit somewhere"
    private = [s for s in imports if not_public(s)]
    assert not private, "kit/app/cli.py imports from inside the kit; use kit.api instead:\n" + "\n".join(
        private
    )
    for statement in imports:
        if statement.startswith("from kit.api import "):
            assert set(statement[len("from kit.api import ") :].split(", ")) <= set(kit.api.__all__), (
                statement
            )


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("name", kit.api.__all__)
def test_every_public_name_resolves(name):
    assert getattr(kit.api, name) is not None


def test_the_docstring_lists_every_public_name():
    doc = kit.api.__doc__
    missing = [name for name in kit.api.__all__ if not re.search(rf"\b{name}\b", doc)]
    assert not missing, f"kit.api's docstring does not list: {', '.join(missing)}"
    assert len(set(kit.api.__all__)) == len(kit.api.__all__)
    with pytest.raises(AttributeError):
        kit.api.no_such_name  # noqa: B018


def test_importing_kit_api_loads_no_heavy_library():
    code = (
        "import sys, kit.api; "
        "print(sorted(m for m in ('pandas', 'great_expectations', 'matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", f"import kit.api loaded {out.stdout.strip()}: import them lazily"


def test_checking_functions_load_great_expectations_only_when_called():
    code = (
        "import sys; from kit.api import check_files, load_region_config, build_regional_dataset; "
        "print('great_expectations' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split()[0] == "False", "Great Expectations is imported before anything is checked"
