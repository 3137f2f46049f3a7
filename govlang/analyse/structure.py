"""Structural findings: what the governance graph and its guards say before any run.

- GL601: a state no path of declared edges reaches from the initial state;
- GL604: a state that is neither terminal nor left by any edge (a trap nobody marked);
- GL606 / GL607: a guard or an evidence that can never hold / always holds. Decided over the
  atoms of :mod:`govlang.analyse.atoms` with interval reasoning, first for every value the
  params' declared ranges allow, then for the params' current values (the message says which);
- GL605: a sanction state whose every restoration path needs a guard that never holds;
- GL608 (only when the behaviour is not analysed, see :func:`overlapping_guards`): two edges of
  equal priority out of one state whose guards can hold together.

The checker already reports a sanction state with no restoration path at all (GL305) and
unused params and monitors (GL109, GL110); the analyser repeats none of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from govlang.analyse.atoms import Abstraction
from govlang.analyse.findings import Findings
from govlang.analyse.formulas import Formula, Round, atoms_of, conjunction, evaluate
from govlang.lang import ir
from govlang.lang.compile import CompiledEdge, CompiledInstitution
from govlang.lang.graph import is_sanction_state
from govlang.lang.ir import names
from govlang.lang.unparse import format_expr

MAX_FORMULA_ATOMS = 16
"""Most atoms (and trackers) one guard may have for the never/always check."""


def values_of(formula: Formula, abstraction: Abstraction) -> set[bool]:
    """The values ``formula`` can take in one round, over consistent atom assignments.

    Trackers count as free (any streak, any count); at most :data:`MAX_FORMULA_ATOMS` atoms and
    trackers are enumerated, beyond which both values are assumed possible.
    """
    atoms = sorted(atoms_of(formula, abstraction.trackers))
    trackers = abstraction.trackers
    if len(atoms) + len(trackers) > MAX_FORMULA_ATOMS:
        return {False, True}
    choices = [range(t.size + 1) if t.kind == "window" else range(2) for t in trackers]
    found: set[bool] = set()
    for bits in itertools.product((False, True), repeat=len(atoms)):
        assignment = [False] * len(abstraction.atoms)
        for index, bit in zip(atoms, bits, strict=True):
            assignment[index] = bit
        if not abstraction.consistent(assignment, only=atoms):
            continue
        for counts in itertools.product(*choices):
            found.add(evaluate(formula, Round(assignment, counts)))
            if len(found) == 2:
                return found
    return found


class Structure:
    """The structural checks of one scope (see the module docstring)."""

    def __init__(
        self,
        compiled: CompiledInstitution,
        scope: ir.ScopeDecl,
        findings: Findings,
        ranges: Abstraction,
        current: Abstraction,
    ) -> None:
        """Check ``scope`` with abstractions over param ranges and over current values."""
        self.compiled = compiled
        self.scope = scope
        self.findings = findings
        self.ranges = ranges
        self.current = current
        self.edges = [e for e in compiled.edges if e.scope == scope.kind]
        self.states = {state.name: state for state in scope.states}
        graph = compiled.governance.scope(scope.kind)
        assert graph is not None, scope.kind
        self.graph = graph
        self.dead: set[str] = set()
        """Keys of the edges whose guard never holds (with the current param values)."""
        self.trapped: set[str] = set()
        """States reported as traps (GL604, GL605): behavioural findings there are redundant."""

    def run(self) -> None:
        """Run every structural check of the scope."""
        self._unreachable()
        self._no_way_out()
        self._evidence()
        for edge in self.edges:
            if edge.edge.guard is not None:
                self._guard(edge, edge.edge.guard)
        self._usable_restoration()

    def reachable(self) -> set[str]:
        """The states some path of declared edges reaches from the initial state."""
        initial = self.compiled.initial_state(self.scope.kind).name
        return self.graph.reachable(initial)

    def _unreachable(self) -> None:
        reached = self.reachable()
        initial = self.compiled.initial_state(self.scope.kind).name
        for name, state in self.states.items():
            if name not in reached:
                self.findings.emit(
                    "GL601",
                    f"state `{name}` is unreachable: no path of edges leads to it from `{initial}`",
                    self.findings.state(state),
                    "add an edge into it, or remove it",
                )

    def _no_way_out(self) -> None:
        leaving = {edge.source for edge in self.edges}
        for name, state in self.states.items():
            if not state.terminal and not is_sanction_state(state) and name not in leaving:
                self.trapped.add(name)
                self.findings.emit(
                    "GL604",
                    f"state `{name}` has no way out: no edge leaves it, and it is not terminal",
                    self.findings.state(state),
                    "add an edge out of it, or mark it `terminal` if staying forever is intended",
                )

    # --------------------------------------------------------------------- conditions
    def _evidence(self) -> None:
        name = self.scope.evidence
        if name is None:
            return
        ref = ir.NameRef(name=name)
        verdict = self._verdict(ref)
        if verdict is not None:
            value, qualifier = verdict
            consequence = "no round is ever clean" if value else "every round is clean"
            code = "GL607" if value else "GL606"
            holds = "always holds" if value else "can never hold"
            message = f"the evidence `{name}` {holds}{qualifier}: {consequence}"
            hint = "check the evidence monitor: the clean-round clauses and P1 depend on it"
            self.findings.emit(code, message, self.findings.evidence(self.scope), hint)

    def _guard(self, edge: CompiledEdge, guard: ir.Expr) -> None:
        verdict = self._verdict(guard)
        if verdict is None:
            return
        value, qualifier = verdict
        if not value:
            self.dead.add(edge.key)
        code = "GL607" if value else "GL606"
        holds = "always holds" if value else "can never hold"
        message = f"the guard `{format_expr(guard)}` of `{edge.key}` {holds}{qualifier}"
        self.findings.emit(code, message, guard.span, _HINTS[code])

    def _verdict(self, expr: ir.Expr) -> tuple[bool, str] | None:
        """(the only value ``expr`` takes, how general that is), or ``None`` (it varies)."""
        params = self._params_read(expr)
        values = self.compiled.params
        ranged = ", ".join(f"`{p}`" for p in params)
        current = ", ".join(f"{p} = {values[p]}" for p in params)
        whatever = ""
        if len(params) == 1:
            whatever = f", whatever the value of {ranged} in its range"
        elif params:
            whatever = f", whatever the values of {ranged} in their ranges"
        for abstraction, qualifier in (
            (self.ranges, whatever),
            (self.current, f" with the current values ({current})"),
        ):
            found = values_of(abstraction.condition(expr), abstraction)
            if len(found) == 1:
                return found.pop(), qualifier
        return None

    def _params_read(self, expr: ir.Expr) -> list[str]:
        """The params ``expr`` reads, directly or through monitors, in order of appearance."""
        institution = self.compiled.institution
        found: dict[str, None] = {}
        seen: set[str] = set()
        stack = [expr]
        while stack:
            for ref in names(stack.pop()):
                if ref.name in seen:
                    continue
                seen.add(ref.name)
                monitor = institution.monitor(ref.name)
                if institution.param(ref.name) is not None:
                    found[ref.name] = None
                elif monitor is not None:
                    stack.append(monitor.expr)
        return list(found)

    # --------------------------------------------------------------------- restoration
    def _usable_restoration(self) -> None:
        restored = self.graph.restorable(lambda t: t.key not in self.dead)
        for name, state in self.states.items():
            if name not in restored and not state.terminal:
                self.trapped.add(name)
                self.findings.emit(
                    "GL605",
                    f"sanction state `{name}` has no usable way back: every restoration path "
                    "from it needs a guard that can never hold",
                    self.findings.state(state),
                    "fix the guards reported above, or add a `restore` edge that can fire",
                )


_HINTS = {
    "GL606": "the edge can never fire; check the comparison against the ranges of its values",
    "GL607": "the condition tests nothing; check the comparison, or drop the `when`",
}


def overlapping_guards(structure: Structure) -> Iterator[tuple[CompiledEdge, CompiledEdge]]:
    """Pairs of equal-priority edges out of one state whose guards can hold together."""
    abstraction = structure.current
    for state in structure.states:
        out = structure.compiled.edges_from(structure.scope.kind, state)
        for first, second in itertools.combinations(out, 2):
            if first.priority != second.priority:
                continue
            guards = [e.edge.guard for e in (first, second) if e.edge.guard is not None]
            formulas = [abstraction.condition(g) for g in guards]
            if True in values_of(conjunction(formulas), abstraction):
                yield first, second
