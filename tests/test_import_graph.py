"""The kit's modules import one another without cycles, and each layer only imports the layers below it.

The graph is built from the source with ``ast`` (nothing is imported): every ``import kit...`` and
``from kit... import ...``, at module level or inside a function, is an edge. Imports under
``if TYPE_CHECKING:`` are for annotations only and never run, so they are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

KIT = Path(__file__).resolve().parents[1] / "kit"
# Stage packages: they may be used by kit/app, never the other way round.
STAGES = (
    "kit.core", "kit.standards", "kit.read", "kit.detect", "kit.mapping", "kit.convert", "kit.checks",
    "kit.check", "kit.outputs", "kit.region", "kit.person", "kit.analysis", "kit.forecast", "kit.publish",
)  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KIT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The kit modules ``module`` imports (a name imported from a package counts as its submodule)."""
    found: set[str] = set()

    def resolve(name: str) -> str | None:
        while name and name not in modules:  # `from kit.x import y` where y is a function: kit.x
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "kit" or alias.name.startswith("kit."):
                    found.add(resolve(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            if base == "kit" or base.startswith("kit."):
                for alias in node.names:
                    found.add(resolve(f"{base}.{alias.name}"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(None)
    found.discard(module)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in KIT.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = _imports(tree, name, path.name == "__init__.py", modules)
    # Importing a module runs its packages' __init__ first, but that is not an edge of the module's
    # own: a cycle through a package's __init__ shows up through the imports that __init__ makes.
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as the list of modules, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = walk(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = walk(node)
            if cycle:
                return cycle
    return None


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_kit_has_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _package(module: str) -> str:
    """kit.region.pool -> kit.region; a top-level module (kit.check, kit.detect) is its own package."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_no_two_packages_import_each_other_even_through_other_modules():
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        for target in targets:
            a, b = _package(module), _package(target)
            if a != b and "kit" not in (a, b):
                graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    assert cycle is None, "package import cycle: " + " -> ".join(cycle)


def test_core_imports_nothing_above_core():
    graph = import_graph()
    wrong = sorted(
        f"{m} -> {t}" for m, targets in graph.items() if _within(m, "kit.core") for t in targets
        if not _within(t, "kit.core")
    )  # fmt: skip
    assert not wrong, "kit/core imports the kit above it: " + "; ".join(wrong)


def test_no_stage_imports_the_app():
    graph = import_graph()
    wrong = sorted(
        f"{m} -> {t}" for m, targets in graph.items() if any(_within(m, s) for s in STAGES) for t in targets
        if _within(t, "kit.app")
    )  # fmt: skip
    assert not wrong, "a stage imports kit/app: " + "; ".join(wrong)


def test_the_cycle_finder_finds_a_planted_cycle():
    planted = {"kit.a": {"kit.b"}, "kit.b": {"kit.c"}, "kit.c": {"kit.a"}, "kit.d": {"kit.a"}}
    assert find_cycle(planted) == ["kit.a", "kit.b", "kit.c", "kit.a"]
    assert find_cycle({"kit.a": {"kit.b"}, "kit.b": set()}) is None


def test_function_level_and_type_checking_imports_count():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from kit.b import B\n"
        "def f():\n    from kit.c import g\n    return g\n"
    )
    found = _imports(ast.parse(source), "kit.a", False, {"kit.a", "kit.b", "kit.c"})
    assert found == {"kit.b", "kit.c"}  # a type-only import still makes the lower package lean on the upper


def test_the_shared_stages_do_not_import_a_standards_plug_in():
    graph = import_graph()
    shared = ("kit.check", "kit.convert", "kit.checks")
    wrong = sorted(
        f"{m} -> {t}" for m, targets in graph.items() if any(_within(m, s) for s in shared) for t in targets
        if _within(t, "kit.person")
    )  # fmt: skip
    assert not wrong, "the person standard plugs in (kit.person.plugin); it is not imported: " + "; ".join(
        wrong
    )
