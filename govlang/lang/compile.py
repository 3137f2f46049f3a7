"""Stage 4: a checked institution -> governance graph, manifest and digests.

:func:`compile_institution` binds an :class:`~govlang.lang.ir.Institution` to its param values
(defaults plus overrides), resolves every count (``for k rounds``, ``after k rounds``, ...) to
an ``int``, keys every edge ``RULE_ID:from->to`` (``#2``, ``#3``... when one rule declares the
same ``from->to`` twice), and produces

- the **manifest**: the compiled institution as JSON-ready data (``specs/artifacts.md``);
- the **semantic digest**: SHA-256 of the canonical JSON of the manifest without source spans,
  without the file digest and without the digest itself. Layout and comments do not change
  it; any change to a name, number, guard, priority, text or param value does;
- the **file digest**: SHA-256 of the exact source bytes, when they are known;
- the **governance graph** (:class:`~govlang.lang.graph.GovernanceGraph`), built once: the states
  and keyed transitions the analyser, the renderer and the runtime plan read; and its export
  :attr:`~CompiledInstitution.graph`, a :class:`networkx.MultiDiGraph` with one node per state
  (``agent.active``) and one edge per declared transition, keyed by its edge key.

Edges out of a state are tried in *priority order*: larger ``priority`` first, ties in
declaration order within the scope (rules in order, edges in order within a rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import networkx as nx

from govlang.lang import ir
from govlang.lang.codes import diagnostic
from govlang.lang.diagnostics import GovlangError
from govlang.lang.graph import GovernanceGraph, governance_graph, node_key
from govlang.lang.manifest import (
    COUNT_CLAUSES,
    SCOPE_TITLES,
    build_manifest,
    canonical_json,
    edge_attributes,
    priority_order,
    semantic_digest,
    sha256_digest,
    state_attributes,
    try_constant,
)
from govlang.lang.params import ParamValue, resolve_params
from govlang.lang.unparse import format_expr, format_sanction

EdgeKind = Literal["escalation", "restoration"]


@dataclass(frozen=True)
class CompiledEdge:
    """One declared transition: its key, rule, kind and counts resolved to ints.

    ``kind`` is ``escalation`` for a ``rule`` edge and ``restoration`` for a ``restore`` edge;
    ``order`` is the edge's position in its scope (rules in order, edges in order).
    """

    key: str
    scope: str
    rule: ir.RuleDecl
    edge: ir.Edge
    kind: EdgeKind
    order: int
    persistence: int | None = None
    dwell: int | None = None
    clean: int | None = None
    credits: int | None = None
    cooldown: int | None = None

    @property
    def source(self) -> str:
        """The state the edge leaves."""
        return self.edge.source

    @property
    def target(self) -> str:
        """The state the edge enters."""
        return self.edge.target

    @property
    def priority(self) -> int:
        """Larger is tried first."""
        return self.edge.priority


@dataclass(frozen=True, eq=False)
class CompiledInstitution:
    """An institution bound to its params, with its manifest, digests and graph.

    Instances compare by identity; compare :attr:`digest` to compare institutions.
    """

    institution: ir.Institution
    params: Mapping[str, ParamValue]
    manifest: dict[str, Any]
    digest: str
    file_digest: str | None
    governance: GovernanceGraph
    edges: tuple[CompiledEdge, ...] = ()

    def manifest_json(self, indent: int | None = None) -> str:
        """The manifest as canonical JSON (:func:`~govlang.lang.manifest.canonical_json`).

        Keys sorted, separators ``,`` and ``:``, UTF-8 text kept as is: equal manifests give
        equal strings. ``indent`` lays it out for people (same content, not canonical).
        """
        return canonical_json(self.manifest, indent)

    @property
    def short_digest(self) -> str:
        """The first 12 hex digits of the semantic digest."""
        return self.digest.removeprefix("sha256:")[:12]

    def scope(self, kind: str) -> ir.ScopeDecl | None:
        """The ``agent`` or ``market`` scope, or ``None`` if the institution has none."""
        return next((s for s in self.institution.scopes if s.kind == kind), None)

    def states(self, scope: str) -> tuple[ir.StateDecl, ...]:
        """The states of ``scope`` in declaration order (empty if there is no such scope)."""
        found = self.scope(scope)
        return found.states if found is not None else ()

    def initial_state(self, scope: str) -> ir.StateDecl:
        """The initial state of ``scope`` (``KeyError`` if the scope has none)."""
        for state in self.states(scope):
            if state.initial:
                return state
        raise KeyError(f"scope `{scope}` has no initial state")

    def edges_from(self, scope: str, state: str) -> tuple[CompiledEdge, ...]:
        """The edges out of ``state``, in priority order (see the module docstring)."""
        return self._out.get((scope, state), ())

    def edge(self, scope: str, key: str) -> CompiledEdge:
        """The edge of ``scope`` with edge key ``key`` (``KeyError`` if there is none)."""
        return self._by_key[(scope, key)]

    def edge_key(self, edge: ir.Edge) -> str:
        """The edge key of one of this institution's :class:`~govlang.lang.ir.Edge` objects."""
        compiled = self._by_id.get(id(edge))
        if compiled is None or compiled.edge is not edge:
            raise KeyError(f"{edge.source}->{edge.target} is not an edge of this institution")
        return compiled.key

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The governance graph as a :class:`networkx.MultiDiGraph` (see :func:`build_graph`)."""
        return build_graph(self.institution, self.edges, self.digest)

    @cached_property
    def _out(self) -> dict[tuple[str, str], tuple[CompiledEdge, ...]]:
        grouped: dict[tuple[str, str], list[CompiledEdge]] = {}
        for edge in self.edges:
            grouped.setdefault((edge.scope, edge.source), []).append(edge)
        return {k: tuple(sorted(v, key=priority_order)) for k, v in grouped.items()}

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], CompiledEdge]:
        return {(e.scope, e.key): e for e in self.edges}

    @cached_property
    def _by_id(self) -> dict[int, CompiledEdge]:
        return {id(e.edge): e for e in self.edges}


# ------------------------------------------------------------------------------- entry point


def compile_institution(
    institution: ir.Institution,
    params: Mapping[str, ParamValue] | None = None,
    source_bytes: bytes | None = None,
) -> CompiledInstitution:
    """Compile a checked institution with optional param overrides.

    Raises :class:`~govlang.lang.diagnostics.GovlangError` when the overrides are invalid (the
    diagnostics of :func:`~govlang.lang.params.resolve_params`) or when the institution is not
    compilable because it was not checked: the checker's code for a duplicate scope (GL303) or
    state (GL102), an edge to an undeclared state (GL105), or a count that is not a constant
    non-negative integer (GL210).
    """
    values, problems = resolve_params(institution, params)
    if any(d.is_error for d in problems):
        raise GovlangError(problems)
    _require_compilable(institution)
    governance = governance_graph(institution)
    edges = compile_edges(governance, values)
    manifest = build_manifest(institution, values, edges)
    file_digest = None if source_bytes is None else sha256_digest(source_bytes)
    manifest["file_digest"] = file_digest
    digest = semantic_digest(manifest)
    manifest["digest"] = digest
    frozen = MappingProxyType(dict(values))
    return CompiledInstitution(
        institution, frozen, manifest, digest, file_digest, governance, edges
    )


def _unchecked(code: str, message: str, span: ir.Span) -> GovlangError:
    """The checker's diagnostic for a problem it would have reported (``code`` is its code)."""
    hint = "run `govlang check` and fix its errors first"
    return GovlangError([diagnostic(code, f"cannot compile: {message}", span, hint=hint)])


def _require_compilable(institution: ir.Institution) -> None:
    seen: set[str] = set()
    for scope in institution.scopes:
        if scope.kind in seen:
            title = SCOPE_TITLES[scope.kind]
            raise _unchecked("GL303", f"the `{title}` scope is declared twice", scope.span)
        seen.add(scope.kind)
        _require_states(scope)


def _require_states(scope: ir.ScopeDecl) -> None:
    names: set[str] = set()
    for state in scope.states:
        if state.name in names:
            raise _unchecked("GL102", f"state `{state.name}` is declared twice", state.span)
        names.add(state.name)
    for edge in (edge for rule in scope.rules for edge in rule.edges):
        missing = sorted({edge.source, edge.target} - names)
        if missing:
            raise _unchecked("GL105", f"no state `{missing[0]}` in this scope", edge.span)


# ------------------------------------------------------------------------------- edges


def compile_edges(
    governance: GovernanceGraph, values: Mapping[str, ParamValue]
) -> tuple[CompiledEdge, ...]:
    """Every transition of every scope, with its counts resolved."""
    compiled: list[CompiledEdge] = []
    for t in governance.transitions():
        kind: EdgeKind = "restoration" if t.restoring else "escalation"
        counts = {c: _count(getattr(t.edge, c), values) for c in COUNT_CLAUSES}
        compiled.append(CompiledEdge(t.key, t.scope, t.rule, t.edge, kind, t.order, **counts))
    return tuple(compiled)


def _count(expr: ir.Expr | None, values: Mapping[str, ParamValue]) -> int | None:
    if expr is None:
        return None
    value = try_constant(expr, values)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _unchecked("GL210", f"`{format_expr(expr)}` is not a constant number", expr.span)
    if not float(value).is_integer() or value < 0:
        text = f"`{format_expr(expr)}` = {value}"
        raise _unchecked("GL210", f"{text} is not a whole number of at least 0", expr.span)
    return int(value)


# ------------------------------------------------------------------------------- graph


def build_graph(
    institution: ir.Institution, edges: Sequence[CompiledEdge], digest: str
) -> nx.MultiDiGraph:
    """The governance graph: nodes ``scope.state``, edges keyed by their edge keys.

    Node attributes: scope, state, label, description, initial, terminal, sanctioning and
    ``sanctions`` (canonical texts of on-enter then per-round sanctions). Edge attributes:
    rule, kind, guard (text), the resolved counts, priority, order and ``sanctions``.
    """
    graph = nx.MultiDiGraph(name=institution.name, digest=digest)
    for scope in institution.scopes:
        for state in scope.states:
            sanctions = [format_sanction(s) for s in (*state.on_enter, *state.on_round)]
            attributes = state_attributes(scope.kind, state)
            attributes["state"] = attributes.pop("name")
            graph.add_node(node_key(scope.kind, state.name), **attributes, sanctions=sanctions)
    for edge in edges:
        ends = node_key(edge.scope, edge.source), node_key(edge.scope, edge.target)
        sanctions = [format_sanction(s) for s in edge.edge.sanctions]
        graph.add_edge(*ends, key=edge.key, **edge_attributes(edge), sanctions=sanctions)
    return graph
