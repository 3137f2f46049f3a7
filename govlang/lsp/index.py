"""Where every name of an institution is declared and where it is used.

An :class:`Index` lists the declarations (:class:`Symbol`) and the uses (:class:`Occurrence`)
of a checked document, each with the exact span of the name. Names are keyed by what they
denote, so that one key gathers a declaration and all its uses:

- ``name:X`` — a param, monitor or observable (one namespace; the first declaration owns it);
- ``state:K:X`` and ``rule:K:X`` — a state or rule of the ``K`` scope (``agent``, ``market``);
- ``assert:X`` — an assertion;
- ``builtin:X`` — ``round``, ``reward``, ``action``, and in assertions ``clean`` and
  ``entered``; ``function:F`` — a built-in function.

States are named by edges and by assertions (a name in an assertion's condition is a state of
its scope when the scope has such a state); params, monitors and observables by expressions
and by ``evidence``. Built-ins have uses but no declaration.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from govlang.lang import ir
from govlang.lang.assertions import CLEAN, ENTERED, conditions, scope_of
from govlang.lang.check.exprs import all_exprs
from govlang.lang.check.types import BUILTIN_NAMES
from govlang.lang.dims import dimension_order
from govlang.lang.ir import walk

SymbolKind = Literal[
    "param", "monitor", "observable", "benchmark", "state", "rule", "restore", "assert"
]
Declared = ir.ParamDecl | ir.MonitorDecl | ir.ObserveDecl | ir.StateDecl | ir.RuleDecl
DeclNode = Declared | ir.AssertDecl


@dataclass(frozen=True)
class Symbol:
    """A declaration: what it declares, the span of its name, and the whole declaration."""

    key: str
    kind: SymbolKind
    name: str
    span: ir.Span
    node: DeclNode
    scope: Literal["agent", "market"] | None = None


@dataclass(frozen=True)
class Occurrence:
    """One place a name stands (a declaration's name, or a use), keyed by what it denotes."""

    key: str
    span: ir.Span
    declaration: bool = False


@dataclass
class Index:
    """Declarations and uses of one document, searchable by offset and by key."""

    symbols: list[Symbol] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    dims: tuple[str, ...] = ()
    """The institution's dimensions, ``agent`` first."""
    _starts: list[int] = field(default_factory=list, repr=False)

    def finish(self) -> None:
        """Sort the occurrences by position (done once, after they are all added)."""
        self.occurrences.sort(key=lambda o: (o.span.start, o.span.end))
        self._starts = [o.span.start for o in self.occurrences]

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence whose name covers ``offset`` (its end included: a cursor after it)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset <= self.occurrences[i].span.end:
            return self.occurrences[i]
        return None

    def definitions(self, key: str) -> list[Symbol]:
        """The declarations of ``key`` (the first one owns the name; later ones are duplicates)."""
        return [s for s in self.symbols if s.key == key]

    def uses(self, key: str, include_declaration: bool = True) -> list[Occurrence]:
        """Every occurrence of ``key``, in source order."""
        return [
            o
            for o in self.occurrences
            if o.key == key and (include_declaration or not o.declaration)
        ]


def name_key(name: str) -> str:
    """The key of a name read by an expression (a built-in, or a declared name)."""
    return f"builtin:{name}" if name in BUILTIN_NAMES else f"name:{name}"


def build_index(institution: ir.Institution) -> Index:
    """The index of a document that parsed."""
    index = Index(dims=dimension_order(institution))
    builder = _Builder(index)
    builder.declarations(institution)
    for expr in all_exprs(institution):
        builder.expression(expr, set())
    for scope in institution.scopes:
        builder.scope(scope)
    for decl in institution.asserts:
        builder.assertion(institution, decl)
    index.finish()
    return index


class _Builder:
    def __init__(self, index: Index) -> None:
        self.index = index

    @property
    def declared(self) -> set[str]:
        return {symbol.key for symbol in self.index.symbols}

    def declare(self, symbol: Symbol) -> None:
        """Record a declaration (its name's span, or the whole declaration's if not found)."""
        if symbol.span == ir.NO_SPAN:
            self.index.symbols.append(dataclasses.replace(symbol, span=symbol.node.span))
            return
        self.index.symbols.append(symbol)
        self.index.occurrences.append(Occurrence(symbol.key, symbol.span, declaration=True))

    def use(self, key: str, span: ir.Span) -> None:
        if span != ir.NO_SPAN:
            self.index.occurrences.append(Occurrence(key, span))

    def declarations(self, institution: ir.Institution) -> None:
        for observe in institution.observes:
            kind: SymbolKind = "benchmark" if "." in observe.name else "observable"
            span = observe.name_span
            self.declare(Symbol(name_key(observe.name), kind, observe.name, span, observe))
        for param in institution.params:
            span = param.name_span
            self.declare(Symbol(name_key(param.name), "param", param.name, span, param))
        for monitor in institution.monitors:
            span = monitor.name_span
            self.declare(Symbol(name_key(monitor.name), "monitor", monitor.name, span, monitor))
        for scope in institution.scopes:
            for state in scope.states:
                span = state.name_span
                key = f"state:{scope.kind}:{state.name}"
                self.declare(Symbol(key, "state", state.name, span, state, scope.kind))
            for rule in scope.rules:
                span = rule.name_span
                key = f"rule:{scope.kind}:{rule.id}"
                self.declare(Symbol(key, rule.kind, rule.id, span, rule, scope.kind))
        for decl in institution.asserts:
            span = decl.name_span
            self.declare(Symbol(f"assert:{decl.id}", "assert", decl.id, span, decl))

    def expression(self, expr: ir.Expr, states: set[str], scope: str = "") -> None:
        """Record the names and function calls of ``expr``.

        ``states`` are the names that are states (of the ``scope`` of an assertion); in an
        assertion, ``clean`` (when nothing else) and ``entered`` are built-ins too.
        """
        assertion = bool(scope)
        for node in walk(expr):
            if isinstance(node, ir.NameRef):
                key = name_key(node.name)
                if node.name in states:
                    key = f"state:{scope}:{node.name}"
                elif assertion and node.name == CLEAN and key not in self.declared:
                    key = f"builtin:{CLEAN}"
                self.use(key, node.span)
            elif isinstance(node, ir.Call):
                entered = assertion and node.function == ENTERED
                key = f"builtin:{ENTERED}" if entered else f"function:{node.function}"
                self.use(key, node.function_span)

    def scope(self, scope: ir.ScopeDecl) -> None:
        """``evidence`` names a monitor; every edge names two states."""
        if scope.evidence is not None:
            self.use(name_key(scope.evidence), scope.evidence_span)
        states = {state.name for state in scope.states}
        for rule in scope.rules:
            for edge in rule.edges:
                for name, span in (
                    (edge.source, edge.source_span),
                    (edge.target, edge.target_span),
                ):
                    if name in states:
                        self.use(f"state:{scope.kind}:{name}", span)

    def assertion(self, institution: ir.Institution, decl: ir.AssertDecl) -> None:
        scope = scope_of(institution, decl)
        states = {s.name for s in scope.states} if scope is not None else set()
        kind = scope.kind if scope is not None else ""
        for expr in _assert_exprs(decl):
            self.expression(expr, states, kind)


def _assert_exprs(decl: ir.AssertDecl) -> Iterator[ir.Expr]:
    yield from (expr for _, expr in conditions(decl))
    if decl.within is not None:
        yield decl.within
