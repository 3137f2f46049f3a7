"""The governance graph: per scope, its states and its declared transitions, in one model.

:func:`governance_graph` builds it once from an :class:`~govlang.lang.ir.Institution`, checked or
not: the checker (:mod:`govlang.lang.check.graph`) reads it from the IR as written, the compiler
(:mod:`govlang.lang.compile`) keys and resolves its transitions, and the analyser, the renderer and
the runtime plan read the compiled institution's :attr:`~govlang.lang.compile.CompiledInstitution.
governance`. A node is ``scope.state`` (:func:`node_key`); a transition is keyed
``RULE_ID:from->to`` (``#2``, ``#3``... when one rule declares the same ``from->to`` twice).

Reachability is written here once: :meth:`ScopeGraph.reachable` (forward, from a state) and
:meth:`ScopeGraph.restorable` (backward over ``restore`` transitions, from the states without
sanctions). Both follow only transitions between declared states, and take an optional filter
of the transitions that may be used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from govlang.lang import ir

SANCTIONING = frozenset({"fine", "action_bound", "suspend", "exclude"})
"""Sanction kinds that make a state a *sanction state* (money or action constraints)."""


def is_sanction_state(state: ir.StateDecl) -> bool:
    """Whether ``state`` carries a fine, an action cap/floor, a suspension or an exclusion."""
    return any(s.kind in SANCTIONING for s in (*state.on_enter, *state.on_round))


def node_key(scope: str, state: str) -> str:
    """The graph node of ``state`` in ``scope``: ``"agent.active"``, ``"market.open"``."""
    return f"{scope}.{state}"


@dataclass(frozen=True)
class Transition:
    """One declared edge of a scope: its key, rule and position (rules, then edges, in order)."""

    key: str
    scope: str
    rule: ir.RuleDecl
    edge: ir.Edge
    order: int

    @property
    def source(self) -> str:
        """The state the edge leaves."""
        return self.edge.source

    @property
    def target(self) -> str:
        """The state the edge enters."""
        return self.edge.target

    @property
    def restoring(self) -> bool:
        """Whether the edge belongs to a ``restore`` rule."""
        return self.rule.kind == "restore"


Usable = Callable[[Transition], bool]
"""Which transitions a path may take."""


def _any(transition: Transition) -> bool:
    return True


@dataclass(frozen=True, eq=False)
class ScopeGraph:
    """The states (the first declaration of each name) and transitions of one scope."""

    decl: ir.ScopeDecl
    states: Mapping[str, ir.StateDecl]
    transitions: tuple[Transition, ...]

    @property
    def kind(self) -> str:
        """``agent`` or ``market``."""
        return self.decl.kind

    @property
    def initial(self) -> str | None:
        """The first state marked ``initial``, or ``None``."""
        return next((s.name for s in self.states.values() if s.initial), None)

    def declared(self) -> Iterator[Transition]:
        """The transitions whose two ends are declared states of the scope."""
        return (t for t in self.transitions if t.source in self.states and t.target in self.states)

    def leaving(self) -> set[str]:
        """The states some transition leaves."""
        return {t.source for t in self.transitions}

    def reachable(self, start: str, usable: Usable = _any) -> set[str]:
        """The states some path of (usable) transitions reaches from ``start``, ``start`` too."""
        forward: dict[str, list[str]] = {}
        for t in self.declared():
            if usable(t):
                forward.setdefault(t.source, []).append(t.target)
        return _closure([start], forward)

    def restorable(self, usable: Usable = _any) -> set[str]:
        """The states that (usable) ``restore`` transitions lead back to good standing.

        Good standing is a state without sanctions; those states are included.
        """
        back: dict[str, list[str]] = {}
        for t in self.declared():
            if t.restoring and usable(t):
                back.setdefault(t.target, []).append(t.source)
        good = [name for name, state in self.states.items() if not is_sanction_state(state)]
        return _closure(good, back)


def _closure(start: Iterable[str], step: Mapping[str, list[str]]) -> set[str]:
    """Every state ``step`` leads to from ``start`` (breadth first), ``start`` included."""
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in step.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


@dataclass(frozen=True, eq=False)
class GovernanceGraph:
    """Every scope's graph (the first block of each kind), in declaration order."""

    name: str
    scopes: Mapping[str, ScopeGraph]

    def scope(self, kind: str) -> ScopeGraph | None:
        """The graph of the ``agent`` or ``market`` scope, or ``None``."""
        return self.scopes.get(kind)

    def nodes(self) -> list[str]:
        """Every node, ``scope.state``, in declaration order."""
        return [node_key(k, name) for k, scope in self.scopes.items() for name in scope.states]

    def __contains__(self, node: object) -> bool:
        """Whether ``node`` (``scope.state``) is a state of the graph."""
        if not isinstance(node, str):
            return False
        kind, _, state = node.partition(".")
        scope = self.scopes.get(kind)
        return scope is not None and state in scope.states

    def transitions(self) -> Iterator[Transition]:
        """Every transition of every scope, scope by scope, in declaration order."""
        for scope in self.scopes.values():
            yield from scope.transitions


def governance_graph(institution: ir.Institution) -> GovernanceGraph:
    """The graph of ``institution`` as written, checked or not.

    A repeated scope or state counts once (its first declaration); transitions to undeclared
    states are kept but never followed. The checker reports both.
    """
    scopes: dict[str, ScopeGraph] = {}
    for decl in institution.scopes:
        if decl.kind not in scopes:
            scopes[decl.kind] = scope_graph(decl)
    return GovernanceGraph(institution.name, scopes)


def scope_graph(decl: ir.ScopeDecl) -> ScopeGraph:
    """The graph of one scope block as written."""
    states: dict[str, ir.StateDecl] = {}
    for state in decl.states:
        states.setdefault(state.name, state)
    transitions: list[Transition] = []
    for rule in decl.rules:
        repeats: dict[str, int] = {}
        for edge in rule.edges:
            base = f"{rule.id}:{edge.source}->{edge.target}"
            repeats[base] = repeats.get(base, 0) + 1
            key = base if repeats[base] == 1 else f"{base}#{repeats[base]}"
            transitions.append(Transition(key, decl.kind, rule, edge, len(transitions)))
    return ScopeGraph(decl, states, tuple(transitions))
