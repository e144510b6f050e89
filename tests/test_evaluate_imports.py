"""``samestory.evaluate`` is a package of modules by job; every name the scripts,
benchmarks, tests and the CLI import from it must still resolve there (re-exports)."""

from __future__ import annotations

import ast
from pathlib import Path

import samestory.evaluate as evaluate

ROOT = Path(__file__).resolve().parents[1]
READERS = ("src", "tests", "scripts", "benchmarks")


def names_read_from_evaluate(tree: ast.AST) -> set[str]:
    """Names a module takes from ``samestory.evaluate``: ``from samestory.evaluate import
    X`` and ``evaluate.X`` after ``from samestory import evaluate``."""
    names: set[str] = set()
    bound = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "samestory.evaluate":
            names.update(alias.name for alias in node.names)
        if isinstance(node, ast.ImportFrom) and node.module == "samestory":
            bound |= any(a.name == "evaluate" and a.asname is None for a in node.names)
    if bound:
        names.update(
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "evaluate"
        )
    return names


def test_every_name_read_from_evaluate_resolves() -> None:
    read: dict[str, set[str]] = {}
    for folder in READERS:
        for path in (ROOT / folder).rglob("*.py"):
            if "samestory/evaluate" in path.as_posix():
                continue
            for name in names_read_from_evaluate(ast.parse(path.read_text(encoding="utf-8"))):
                read.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert "make_short_variants" in read  # the scan itself works
    missing = {name: sorted(where) for name, where in read.items() if not hasattr(evaluate, name)}
    assert missing == {}
