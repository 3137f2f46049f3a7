"""Scopes, states and edges: the governance graph as written.

Per scope: unique state names, exactly one initial state, edges between declared states with
at least one trigger, guards and evidence that are single bools, constant counts, clean rounds
only with ``evidence``, ``spend`` only with ``credits``, terminal states without outgoing
edges, and a restoration path out of every sanction state that is not terminal.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from govlang.lang import ir
from govlang.lang.check import locate
from govlang.lang.check.context import Context
from govlang.lang.check.names import warn_reserved
from govlang.lang.diagnostics import did_you_mean
from govlang.lang.dims import AGENT
from govlang.lang.graph import scope_graph

_COUNTS = (
    ("persistence", "for", "rounds"),
    ("dwell", "after", "rounds"),
    ("clean", "after", "rounds"),
    ("credits", "spend", "credits"),
    ("cooldown", "cooldown", "rounds"),
)
"""Each count clause of an edge: its field, opening word and closing word."""

_SCOPE_WORDS = {"agent": "per agent", "market": "market"}


def check_scopes(context: Context) -> None:
    """Check every scope block, and that each kind appears once (GL303)."""
    institution, reporter = context.institution, context.reporter
    if not institution.scopes:
        reporter.emit(
            "GL311",
            f"institution `{institution.name}` has no scope: it governs nothing",
            ir.name_or_node(institution.name_span, institution),
            "add a `per agent { ... }` or `market { ... }` block with states and rules",
        )
    kinds: dict[str, ir.ScopeDecl] = {}
    rule_ids: dict[str, ir.RuleDecl] = {}
    all_states = {s.name: scope.kind for scope in institution.scopes for s in scope.states}
    for scope in sorted(institution.scopes, key=lambda s: s.span.start):
        if scope.kind in kinds:
            reporter.emit(
                "GL303",
                f"a `{_SCOPE_WORDS[scope.kind]}` block is already declared",
                locate.header_span(reporter.source, scope.span),
                f"merge it into the block on {reporter.line_of(kinds[scope.kind].span)}",
            )
        kinds.setdefault(scope.kind, scope)
        ScopeChecker(context, scope, rule_ids, all_states).run()


class ScopeChecker:
    """The checks of one scope block."""

    def __init__(
        self,
        context: Context,
        scope: ir.ScopeDecl,
        rule_ids: dict[str, ir.RuleDecl],
        all_states: Mapping[str, str],
    ) -> None:
        self.context = context
        self.reporter = context.reporter
        self.scope = scope
        self.rule_ids = rule_ids
        self.all_states = all_states
        self.states: dict[str, ir.StateDecl] = {}
        self.leaving: set[str] = set()
        """Terminal states with outgoing edges (reported once, as GL304)."""

    def run(self) -> None:
        """Run every check of the scope."""
        self._states()
        self._evidence()
        self._credits()
        for rule in self.scope.rules:
            self._rule(rule)
        self._restoration()

    # --------------------------------------------------------------------- states
    def _state_span(self, state: ir.StateDecl) -> ir.Span:
        return ir.name_or_node(state.name_span, state)

    def _states(self) -> None:
        initial: list[ir.StateDecl] = []
        for state in self.scope.states:
            warn_reserved(self.reporter, state.name, functools.partial(self._state_span, state))
            if state.name in self.states:
                first = self.states[state.name]
                self.reporter.emit(
                    "GL102",
                    f"state `{state.name}` is already declared in this scope",
                    self._state_span(state),
                    f"the first declaration is on {self.reporter.line_of(first.span)}",
                )
                continue
            self.states[state.name] = state
            if state.initial:
                initial.append(state)
        self._initial(initial)

    def _initial(self, initial: list[ir.StateDecl]) -> None:
        if not initial:
            self.reporter.emit(
                "GL301",
                f"the `{_SCOPE_WORDS[self.scope.kind]}` scope has no initial state",
                locate.header_span(self.reporter.source, self.scope.span),
                "mark the state every instance starts in with `initial`",
            )
        for extra in initial[1:]:
            self.reporter.emit(
                "GL302",
                f"state `{extra.name}` is marked initial, but `{initial[0].name}` already is",
                self._state_span(extra),
                "a scope has exactly one initial state; remove one `initial`",
            )

    # --------------------------------------------------------------------- evidence, credits
    def _evidence(self) -> None:
        name = self.scope.evidence
        if name is None:
            return
        span = ir.name_or_node(self.scope.evidence_span, self.scope)
        decl = self.context.table.get(name)
        if decl is None or decl.kind != "monitor":
            monitors = [n for n, d in self.context.table.items() if d.kind == "monitor"]
            what = f"a {decl.kind}" if decl is not None else "not declared"
            fallback = "declare a bool monitor and name it here"
            if monitors:
                fallback = f"name a bool monitor, e.g. `evidence {monitors[0]}`"
            self.reporter.emit(
                "GL107",
                f"evidence `{name}` is not a monitor (it is {what})",
                span,
                did_you_mean(name, monitors) or fallback,
            )
            return
        self.condition(ir.NameRef(name=name, span=span), "the evidence")

    def _credits(self) -> None:
        policy = self.scope.credits
        if policy is None:
            return
        constants = self.context.constants
        constants.integer(policy.earn, "the credits earned", "GL210", 0)
        constants.integer(policy.per, "the clean rounds per credit", "GL210", 1)
        if policy.max is not None:
            constants.integer(policy.max, "the most credits held", "GL210", 0)
        if self.scope.evidence is None:
            self.reporter.emit(
                "GL308",
                "credits are earned by clean rounds, but this scope declares no `evidence`",
                policy.span,
                "declare the monitor that makes a round unclean: `evidence MONITOR`",
            )

    # --------------------------------------------------------------------- conditions
    def condition(self, expr: ir.Expr, what: str) -> None:
        """Require ``expr`` to be one bool per scope instance (GL207, GL208)."""
        typer, reporter = self.context.typer, self.reporter
        typed = typer.infer(expr)
        if typed is None:
            return
        if typed.base != "bool":
            text = reporter.text(expr.span) or "x"
            reporter.emit(
                "GL207",
                f"{what} must be a bool, but {reporter.show(expr)} is {typed}",
                expr.span,
                f"compare it with a threshold, e.g. `{text} > 0`",
            )
            return
        scoped = typer.at_scope(typed, expr, self.scope.kind, what)
        if scoped is None or not scoped.dims:
            return
        text = reporter.text(expr.span) or "..."
        remaining = ", ".join(f"`{d}`" for d in scoped.dims)
        reporter.emit(
            "GL207",
            f"{what} must be a single bool, but {reporter.show(expr)} still has the "
            f"dimension {remaining}",
            expr.span,
            f"reduce it, e.g. `any({text} over {scoped.dims[0]})`",
        )

    # --------------------------------------------------------------------- rules and edges
    def _rule(self, rule: ir.RuleDecl) -> None:
        span = functools.partial(ir.name_or_node, rule.name_span, rule)
        warn_reserved(self.reporter, rule.id, span)
        if rule.id in self.rule_ids:
            first = self.rule_ids[rule.id]
            self.reporter.emit(
                "GL102",
                f"rule id `{rule.id}` is already used",
                span(),
                "rule ids are unique in a file; the first is on "
                + self.reporter.line_of(first.span),
            )
        self.rule_ids.setdefault(rule.id, rule)
        if not rule.edges:
            self.reporter.emit(
                "GL310",
                f"{rule.kind} `{rule.id}` has no edges: it can never fire",
                span(),
                "add an edge such as `a -> b when CONDITION`, or remove the rule",
            )
        seen: dict[tuple[str, str], list[ir.Edge]] = {}
        for edge in rule.edges:
            EdgeChecker(self, rule, edge).run(seen)

    # --------------------------------------------------------------------- restoration
    def _restoration(self) -> None:
        """GL305 for sanction states with no restore path to good standing; GL306 notes."""
        restored = scope_graph(self.scope).restorable()
        for name, state in self.states.items():
            self._standing(state, name in restored)

    def _standing(self, state: ir.StateDecl, restored: bool) -> None:
        if state.terminal and state.name in self.leaving:
            return
        if state.terminal:
            who = (
                "agents who enter it never leave"
                if self.scope.kind == AGENT
                else "once the market enters it, it never leaves"
            )
            message = f"state `{state.name}` is terminal: {who}"
            self.reporter.emit("GL306", message, self._state_span(state))
        elif not restored:
            self.reporter.emit(
                "GL305",
                f"sanction state `{state.name}` has no way back: no `restore` path leads from "
                "it to a state without sanctions",
                self._state_span(state),
                "add a `restore` rule or mark it `terminal`",
            )


class EdgeChecker:
    """The checks of one edge."""

    def __init__(self, scope: ScopeChecker, rule: ir.RuleDecl, edge: ir.Edge) -> None:
        self.scope = scope
        self.reporter = scope.reporter
        self.rule = rule
        self.edge = edge

    def run(self, seen: dict[tuple[str, str], list[ir.Edge]]) -> None:
        """Run every check of the edge; ``seen`` holds the rule's edges so far, by endpoints."""
        edge = self.edge
        source_ok = self._endpoint(edge.source, edge.source_span)
        self._endpoint(edge.target, edge.target_span)
        earlier = seen.setdefault((edge.source, edge.target), [])
        twin = next((e for e in earlier if e == edge), None)  # semantic equality: spans aside
        if twin is not None:
            self.reporter.emit(
                "GL313",
                f"edge `{edge.source} -> {edge.target}` repeats the edge on "
                f"{self.reporter.line_of(twin.span)} of `{self.rule.id}` exactly",
                self._arrow_span(),
                "remove one: an identical edge adds nothing",
            )
        earlier.append(edge)
        if source_ok and self.scope.states[edge.source].terminal:
            self.scope.leaving.add(edge.source)
            self.reporter.emit(
                "GL304",
                f"terminal state `{edge.source}` cannot have outgoing edges",
                ir.name_or_node(edge.source_span, edge),
                f"remove `terminal` from `{edge.source}`, or remove this edge",
            )
        self._triggers()
        if edge.guard is not None:
            self.scope.condition(edge.guard, "the guard")
        self._counts()

    def _arrow_span(self) -> ir.Span:
        source = ir.name_or_node(self.edge.source_span, self.edge)
        target = ir.name_or_node(self.edge.target_span, self.edge)
        if self.reporter.source is None or target.end < source.start:
            return self.edge.span
        return self.reporter.source.span(source.start, target.end)

    def _endpoint(self, name: str, span: ir.Span) -> bool:
        if name in self.scope.states:
            return True
        states = self.scope.states
        hint = did_you_mean(name, states) or f"the states are: {', '.join(states) or 'none'}"
        elsewhere = self.scope.all_states.get(name)
        if elsewhere is not None and elsewhere != self.scope.scope.kind:
            hint = f"`{name}` is a state of the `{_SCOPE_WORDS[elsewhere]}` scope; an edge "
            hint += "joins two states of its own scope"
        self.reporter.emit(
            "GL105",
            f"undefined state `{name}`",
            ir.name_or_node(span, self.edge),
            hint,
        )
        return False

    def _triggers(self) -> None:
        edge = self.edge
        if all(e is None for e in (edge.guard, edge.dwell, edge.clean, edge.credits)):
            self.reporter.emit(
                "GL307",
                f"edge `{edge.source} -> {edge.target}` has no trigger: it can never fire",
                self._arrow_span(),
                "add `when CONDITION`, `after N rounds`, `after N clean rounds` or "
                "`spend N credits`",
            )
        if edge.persistence is not None and edge.guard is None:
            self.reporter.emit(
                "GL312",
                "`for N rounds` needs a `when` guard to persist",
                self._clause(edge.persistence, "for", "rounds"),
                "add `when CONDITION`, or use `after N rounds` for a plain delay",
            )

    def _clause(self, expr: ir.Expr, opener: str, closer: str) -> ir.Span:
        return locate.clause_span(
            self.reporter.source, self.edge.span, expr.span, opener, (closer,)
        )

    def _counts(self) -> None:
        context = self.scope.context
        for field, opener, closer in _COUNTS:
            expr: ir.Expr | None = getattr(self.edge, field)
            if expr is None:
                continue
            words = "clean rounds" if field == "clean" else closer
            if context.typer.infer(expr) is not None:
                context.constants.integer(expr, f"the count of `{opener} N {words}`", "GL210", 0)
            self._needs(field, expr, opener, closer)

    def _needs(self, field: str, expr: ir.Expr, opener: str, closer: str) -> None:
        """GL308 / GL309: clean rounds need ``evidence``, spending needs ``credits``."""
        scope = self.scope.scope
        if field == "clean" and scope.evidence is None:
            self.reporter.emit(
                "GL308",
                "`after N clean rounds` counts rounds without evidence, but this scope "
                "declares no `evidence`",
                self._clause(expr, opener, closer),
                "declare the monitor that makes a round unclean: `evidence MONITOR`",
            )
        if field == "credits" and scope.credits is None:
            self.reporter.emit(
                "GL309",
                "`spend N credits` needs credits, but this scope declares no `credits`",
                self._clause(expr, opener, closer),
                "declare how credits are earned: `credits earn 1 per 3 clean rounds`",
            )
