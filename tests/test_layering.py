"""The import graph between govlang's subpackages: layered, and without a cycle.

A node is a subpackage (``govlang/lang``, ``govlang/runtime``, ...) or a top-level module
(``govlang/api.py``, ``govlang/cli.py``, ...). An arrow is an import executed at run time:
imports under ``if TYPE_CHECKING:`` only name types and are left out. The language core
(``govlang.lang``) imports nothing else of govlang; the runtime only the core; neither reaches
up to the experiments, the sweeps, the API or the command line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "govlang"

LAYERS = {
    "lang": {"lang"},
    "runtime": {"lang", "runtime"},
    "markets": {"lang", "markets"},
}
"""What each low layer may import (itself included)."""

UPPER = {"experiments", "sweeps", "api", "cli", "cli_args", "cli_explain", "cli_runtime"}
"""The front ends: nothing below them imports them."""


def _node(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "govlang" or len(parts) < 2:
        return None
    name = parts[1]
    if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file():
        return name
    return None


def _runtime_imports(tree: ast.AST) -> Iterator[str]:
    """Every module imported outside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, dict[str, str]]:
    """For each node, the nodes it imports, each with one file that does."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        source = _node(".".join(relative.with_suffix("").parts))
        if source is None:
            continue
        arrows = graph.setdefault(source, {})
        for module in _runtime_imports(ast.parse(path.read_text("utf-8"))):
            target = _node(module)
            if target is not None and target != source:
                arrows.setdefault(target, str(relative))
    return graph


def test_the_low_layers_import_only_what_is_below_them() -> None:
    graph = import_graph()
    for layer, allowed in LAYERS.items():
        wrong = {t: f for t, f in graph.get(layer, {}).items() if t not in allowed}
        assert not wrong, f"{layer} imports {wrong}"


def test_nothing_below_the_front_ends_imports_them() -> None:
    graph = import_graph()
    for source in ("lang", "runtime", "markets", "agents", "analyse", "testing"):
        wrong = {t: f for t, f in graph.get(source, {}).items() if t in UPPER}
        assert not wrong, f"{source} imports {wrong}"


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in graph.get(node, {}):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target] if target in path else [target]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_graph_sees_the_imports() -> None:
    """The analysis finds known arrows (so that the tests above cannot pass vacuously)."""
    graph = import_graph()
    assert "lang" in graph["runtime"] and "runtime" in graph["experiments"]
    assert "experiments" in graph["sweeps"] and "lang" in graph["api"]
