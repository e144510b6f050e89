"""The import graph keeps its layers: front ends on top, the facade under them, the library
below; the library never reaches up. Read from the source (ast), so no module is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "samestory"
FRONT_ENDS = ("samestory.cli", "samestory.server", "samestory.follow")
FACADE = ("samestory", "samestory.api")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Modules of samestory that ``path`` imports (``from samestory import x`` counts as
    ``samestory.x`` when ``x`` is a module, else as the package root)."""
    name = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "samestory")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".") if _is_package(path) else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module.split(".")[0] != "samestory":
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if _exists(sub) else module)
    found.discard(name)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (
        PACKAGE / relative / "__init__.py"
    ).exists()


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_front_end(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FRONT_ENDS)


def test_the_graph_is_read() -> None:
    assert "samestory.relate" in _imports(MODULES["samestory.api"])
    assert "samestory.api" in _imports(MODULES["samestory"])


@pytest.mark.parametrize("module", [m for m in MODULES if m not in FACADE and not _is_front_end(m)])
def test_the_library_never_imports_the_facade_or_a_front_end(module: str) -> None:
    upward = {m for m in _imports(MODULES[module]) if m in FACADE or _is_front_end(m)}
    assert not upward, f"{module} imports {sorted(upward)}"


SCREENS = "samestory.screens"


@pytest.mark.parametrize("module", [m for m in MODULES if not m.startswith(SCREENS)])
def test_production_never_imports_the_screened_cues(module: str) -> None:
    # samestory.screens holds cues measured and not adopted: only scripts and tests read them.
    screened = {m for m in _imports(MODULES[module]) if m.startswith(SCREENS)}
    assert not screened, f"{module} imports {sorted(screened)}"


def test_the_facade_never_imports_a_front_end() -> None:
    for module in FACADE:
        assert not {m for m in _imports(MODULES[module]) if _is_front_end(m)}, module


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("samestory.candidates", "samestory.relate"),
        *(
            (f"samestory.candidates.{route}", "samestory.relate")
            for route in ("index", "keyword_routes", "lsh", "same_days", "screen", "vector_lists")
        ),
        ("samestory.store.index", "samestory.relate"),
        # The encoder registry in embed loads static_encoder on demand; static_encoder
        # itself builds on samestory.encoders only (no cycle).
        ("samestory.static_encoder", "samestory.embed"),
        ("samestory.encoders", "samestory.embed"),
        ("samestory.overlap", "samestory.relate"),
    ],
)
def test_lower_layers_do_not_import_higher_ones(module: str, forbidden: str) -> None:
    if module not in MODULES:
        pytest.skip(f"{module} no longer exists")
    assert forbidden not in _imports(MODULES[module])


def test_module_level_imports_have_no_cycles() -> None:
    graph = {m: _imports(p, top_level_only=True) & MODULES.keys() for m, p in MODULES.items()}
    # A package imports its submodules and they import it back for shared names: that is
    # how packages work, so edges from a package to its own submodules are left out.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not t.startswith(module + ".")}
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None
