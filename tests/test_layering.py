"""Imports run one way: bot -> retrieval. retrieval/ knows nothing of Discord, SQLite or bot/."""

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


MODULES = sorted(RETRIEVAL.rglob("*.py"))


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
