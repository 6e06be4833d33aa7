"""Imports run one way: bot -> retrieval. retrieval/ knows nothing of Discord, SQLite or bot/,
and no module of retrieval/ or bot/ imports, however indirectly, a module that imports it.

Within bot/, changes to the archive go through the Library (retrieval.library), and Discord
commands reach retrieval/ only through the desk (bot.desk).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

RETRIEVAL = ROOT / "retrieval"
# Top-level packages that retrieval/ must never import (directly, lazily or under TYPE_CHECKING).
FORBIDDEN = {"bot", "discord", "sqlite3", "sqlite_utils"}


def imported_packages(path: Path) -> set[str]:
    """The top-level names of every import statement anywhere in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
            "import_module",
            "__import__",
        }:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split(".")[0])
    return found


def imported_modules(path: Path) -> set[str]:
    """The full dotted name of every module the module imports, anywhere (``from a.b import c``: ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
            "import_module",
            "__import__",
        }:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def within(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


MODULES = sorted(RETRIEVAL.rglob("*.py"))
# The three places that change the archive: `newsdesk ingest`, /archive, the bot's live archive.
ARCHIVE_CALLERS = [ROOT / "bot" / "ingest_cli.py", ROOT / "bot" / "cogs" / "archive_commands.py", ROOT / "bot" / "live.py"]
COGS = sorted((ROOT / "bot" / "cogs").rglob("*.py"))


def test_the_retrieval_package_has_modules() -> None:
    assert {"archive.py", "answerer.py", "saved.py", "bm25.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_retrieval_imports_nothing_from_bot_discord_or_sqlite(path: Path) -> None:
    bad = imported_packages(path) & FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; retrieval/ must not depend on them"


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os.path\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.desk import Desk\n"
        "def f():\n    import discord.ext\n    return importlib.import_module('sqlite_utils')\n"
    )
    assert imported_packages(module) & FORBIDDEN == {"bot", "discord", "sqlite_utils"}


def test_the_store_reads_the_archive_not_the_answering_rules() -> None:
    tree = ast.parse((RETRIEVAL / "store" / "saved.py").read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "retrieval.archive" in modules and "retrieval.answer.answerer" not in modules


def test_the_archive_is_data_and_imports_no_answering_rules() -> None:
    tree = ast.parse((RETRIEVAL / "archive.py").read_text(encoding="utf-8"))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    rules = sorted(m for m in modules if m == "retrieval.answer" or m.startswith("retrieval.answer."))
    assert not rules, f"retrieval/archive.py imports {rules}: the answering rules take the archive, not the reverse"


# -- import cycles ----------------------------------------------------------------------
#
# The graph has an edge for every import statement of a module of the package: at module
# level, under ``if TYPE_CHECKING:`` (a type-only loop is still a loop a reader must follow),
# and inside functions (a lazy import that dodges a cycle is still the cycle), plus
# ``importlib.import_module("...")`` with a literal name. ``from package import name`` points
# at the submodule ``package.name`` when there is one, else at the package.

# A function-level import that closes a loop on purpose: (importer, imported) -> why.
# Empty: every loop so far was a layering mistake and has been removed.
JUSTIFIED_LAZY: dict[tuple[str, str], str] = {}


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``) by dotted name (a package by its own)."""
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _function_level(tree: ast.Module) -> set[int]:
    """The ids of the import nodes inside a function body."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(child) for child in ast.walk(node) if child is not node)
    return inside


def _imported_names(node: ast.AST, package: str) -> list[str]:
    """The dotted names one import statement (or import_module call) brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: from the importer's package, up level - 1
            parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*parts, *([node.module] if node.module else [])])
        return [f"{base}.{alias.name}" for alias in node.names] + [base]
    if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
        "import_module",
        "__import__",
    }:
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def import_graph(modules: dict[str, Path]) -> dict[str, dict[str, tuple[int, bool]]]:
    """For each module, the modules among ``modules`` it imports, each with the line of the
    first such import and whether it is inside a function."""
    graph: dict[str, dict[str, tuple[int, bool]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        lazy = _function_level(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = graph.setdefault(name, {})
        for node in ast.walk(tree):
            names = _imported_names(node, package)
            if isinstance(node, ast.ImportFrom):
                # ``from a.b import c``: the submodule a.b.c when there is one, else a.b itself.
                *submodules, base = names
                names = [n for n in submodules if n in modules] or [base]
            for target in names:
                while target and target not in modules:  # ``import a.b.f`` of a function f
                    target = target.rpartition(".")[0]
                if target and target != name and target not in edges:
                    edges[target] = (node.lineno, id(node) in lazy)  # type: ignore[attr-defined]
    return graph


def import_cycles(graph: dict[str, dict[str, tuple[int, bool]]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) through each group of modules that import each other
    (Tarjan's strongly connected components), leaving out the justified lazy imports."""
    edges = {m: sorted(t for t, (_, lazy) in targets.items() if not (lazy and (m, t) in JUSTIFIED_LAZY))
             for m, targets in graph.items()}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in edges.get(module, []):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(edges):
        if module not in order:
            visit(module)
    return [_cycle_in(group, edges) for group in groups]


def _cycle_in(group: set[str], edges: dict[str, list[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in edges[module]:
                if target == start:
                    return [*paths[module], start]
                if target in group and target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group always has one


def describe(cycle: list[str], graph: dict[str, dict[str, tuple[int, bool]]]) -> str:
    """``a (line 3) -> b (line 9, in a function) -> a``."""
    steps = []
    for module, target in zip(cycle, cycle[1:]):
        line, lazy = graph[module][target]
        steps.append(f"{module} (line {line}{', in a function' if lazy else ''})")
    return " -> ".join([*steps, cycle[-1]])


@pytest.mark.parametrize("package", ["retrieval", "bot"])
def test_no_import_cycle_among_the_modules_of(package: str) -> None:
    graph = import_graph(module_names(ROOT, package))
    assert len(graph) > 10
    cycles = [describe(cycle, graph) for cycle in import_cycles(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_cycle_finder_sees_lazy_type_only_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import g\n    return g\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n")
    (package / "d.py").write_text("import importlib\nimportlib.import_module('pkg.e')\n")
    (package / "e.py").write_text("from pkg import d\n")
    (package / "f.py").write_text("from pkg.sub.b import f\nfrom pkg import sub\n")
    graph = import_graph(module_names(tmp_path, "pkg"))
    found = [describe(cycle, graph) for cycle in import_cycles(graph)]
    assert sorted(found) == [
        "pkg.a (line 1) -> pkg.sub.b (line 2, in a function) -> pkg.c (line 3) -> pkg.a",
        "pkg.d (line 2) -> pkg.e (line 1) -> pkg.d",
    ]


def test_the_module_checker_sees_full_names(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import retrieval.store.saved\nfrom retrieval.ingest import feeds\ndef f():\n    from retrieval import library\n")
    found = imported_modules(module)
    assert found == {"retrieval.store.saved", "retrieval.ingest", "retrieval"}
    assert within("retrieval.store.saved", "retrieval.store") and not within("retrieval.storey", "retrieval.store")


@pytest.mark.parametrize("path", ARCHIVE_CALLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_changes_to_the_archive_go_through_the_library(path: Path) -> None:
    bad = {m for m in imported_modules(path) if within(m, "retrieval.ingest", "retrieval.store")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; change the archive through retrieval.library"


@pytest.mark.parametrize("path", COGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_discord_commands_reach_retrieval_only_through_the_desk(path: Path) -> None:
    bad = {m for m in imported_modules(path) if within(m, "retrieval")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; reach retrieval/ through bot.desk"
