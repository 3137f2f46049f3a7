"""Names: one namespace for params, monitors and observables; monitor dependencies; usage.

Params, monitors and observables share one namespace, which also holds the built-ins
(``round``, ``reward``, ``action``). The first declaration of a name wins; later ones are
duplicates (GL102). Monitors may read monitors declared after them, but not themselves,
directly or through others (GL106). :func:`monitor_order` returns them dependencies first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from govlang.lang import ir
from govlang.lang.check.exprs import all_exprs
from govlang.lang.check.sink import Reporter
from govlang.lang.check.types import BUILTIN_NAMES
from govlang.lang.ir import names
from govlang.lang.parse import keywords


@dataclass(frozen=True)
class Declaration:
    """A declared name: what kind of thing it is, and the node declaring it."""

    name: str
    kind: str
    node: ir.ObserveDecl | ir.ParamDecl | ir.MonitorDecl

    @property
    def keyword(self) -> str:
        """The keyword that opens the declaration (``param``, ``monitor``, ``observe``)."""
        return {"param": "param", "monitor": "monitor"}.get(self.kind, "observe")


def declarations(institution: ir.Institution) -> list[Declaration]:
    """Every param, monitor and observe declaration, in source order."""
    found = [Declaration(o.name, _observable_kind(o.name), o) for o in institution.observes]
    found += [Declaration(p.name, "param", p) for p in institution.params]
    found += [Declaration(m.name, "monitor", m) for m in institution.monitors]
    return sorted(found, key=lambda d: d.node.span.start)


def _observable_kind(name: str) -> str:
    return "benchmark" if "." in name else "observable"


def namespace(institution: ir.Institution, reporter: Reporter) -> dict[str, Declaration]:
    """The first declaration of every name; reports duplicates, built-ins and reserved words."""
    table: dict[str, Declaration] = {}
    for decl in declarations(institution):
        chosen = decl.kind in ("param", "monitor")  # observables are named by the environment
        if chosen and decl.name not in BUILTIN_NAMES:
            warn_reserved(reporter, decl.name, functools.partial(name_span, reporter, decl))
        if decl.name in BUILTIN_NAMES:
            reporter.emit(
                "GL102",
                f"`{decl.name}` is a built-in name and cannot be declared",
                name_span(reporter, decl),
                "choose another name",
            )
        elif decl.name in table:
            first = table[decl.name]
            reporter.emit(
                "GL102",
                f"`{decl.name}` is already declared as a {first.kind}",
                name_span(reporter, decl),
                f"the first declaration is on {reporter.line_of(first.node.span)}; rename one",
            )
        else:
            table[decl.name] = decl
    return table


def name_span(reporter: Reporter, decl: Declaration) -> ir.Span:
    """The span of the declared name (not of the whole declaration)."""
    return ir.name_or_node(decl.node.name_span, decl.node)


def warn_reserved(reporter: Reporter, name: str, span: Callable[[], ir.Span]) -> None:
    """GL108 when a name the designer chose is a reserved word (``span`` locates the name)."""
    if name in keywords():
        reporter.emit(
            "GL108",
            f"`{name}` is a reserved word of the language",
            span(),
            "it parses here, but reads confusingly; choose another name",
        )


# ------------------------------------------------------------------------- monitor order


def monitor_order(
    institution: ir.Institution, table: dict[str, Declaration], reporter: Reporter
) -> tuple[list[ir.MonitorDecl], set[str]]:
    """The monitors (first declarations), dependencies first, and the names in a cycle."""
    monitors = {d.name: d.node for d in table.values() if isinstance(d.node, ir.MonitorDecl)}
    graph = {
        name: [ref.name for ref in names(node.expr) if ref.name in monitors]
        for name, node in monitors.items()
    }
    order: list[ir.MonitorDecl] = []
    cyclic: set[str] = set()
    for component in _components(graph):
        if len(component) > 1 or component[0] in graph[component[0]]:
            _report_cycle(component, graph, monitors, reporter)
            cyclic.update(component)
        order.extend(monitors[name] for name in component)
    return order, cyclic


def _components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, dependencies first (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        _visit(root, graph, index, low, stack, out)
    return out


def _visit(
    root: str,
    graph: dict[str, list[str]],
    index: dict[str, int],
    low: dict[str, int],
    stack: list[str],
    out: list[list[str]],
) -> None:
    on_stack = set(stack)
    work: list[tuple[str, Iterator[str]]] = []

    def push(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        work.append((node, iter(graph[node])))

    push(root)
    while work:
        node, successors = work[-1]
        child = next((n for n in successors if n not in index or n in on_stack), None)
        if child is not None and child not in index:
            push(child)
            continue
        if child is not None:
            low[node] = min(low[node], index[child])
            continue
        work.pop()
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            out.append(component)


def _report_cycle(
    component: list[str],
    graph: dict[str, list[str]],
    monitors: dict[str, ir.MonitorDecl],
    reporter: Reporter,
) -> None:
    """GL106 at the first monitor of the cycle, underlining its reference to the next one."""
    start = min(component, key=lambda name: monitors[name].span.start)
    path = _cycle_path(start, set(component), graph)
    ref = next(r for r in names(monitors[start].expr) if r.name == path[1])
    chain = " -> ".join(f"`{name}`" for name in path)
    message = (
        f"monitor `{start}` depends on itself"
        if len(path) == 2
        else f"monitors depend on each other in a cycle: {chain}"
    )
    reporter.emit(
        "GL106",
        message,
        ref.span,
        "a monitor cannot read itself, not even through `lag`: break the cycle",
    )


def _cycle_path(start: str, members: set[str], graph: dict[str, list[str]]) -> list[str]:
    """A shortest path ``start -> ... -> start`` inside one component (breadth first)."""
    parent: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in graph[node]:
                if nxt == start:
                    return [*_path_to(node, parent), start]
                if nxt in members and nxt not in parent:
                    parent[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start, start]


def _path_to(node: str, parent: dict[str, str | None]) -> list[str]:
    path = [node]
    while (previous := parent[path[-1]]) is not None:
        path.append(previous)
    return path[::-1]


# ------------------------------------------------------------------------- usage


def used_names(institution: ir.Institution) -> set[str]:
    """Every name read anywhere in the institution, plus each scope's evidence monitor."""
    used = {ref.name for expr in all_exprs(institution) for ref in names(expr)}
    used.update(scope.evidence for scope in institution.scopes if scope.evidence is not None)
    return used


def report_unused(
    institution: ir.Institution, table: dict[str, Declaration], reporter: Reporter
) -> None:
    """GL109 for each param and GL110 for each monitor that nothing reads."""
    used = used_names(institution)
    for decl in table.values():
        if decl.name in used or decl.kind not in ("param", "monitor"):
            continue
        code = "GL109" if decl.kind == "param" else "GL110"
        reporter.emit(
            code,
            f"{decl.kind} `{decl.name}` is never used",
            name_span(reporter, decl),
            "use it in a monitor, a guard or a sanction, or remove it",
        )
