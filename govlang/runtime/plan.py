"""The runtime plan: a compiled institution laid out for the controller, built once.

A :class:`Plan` resolves everything that does not change from round to round: the scopes and
their instances (one per agent, or one for the market), the edges out of each state in
priority order, every sanction site with a stable id, and every number a sanction needs.
A number is either a constant (literals and params, evaluated here) or a :class:`Ref`: an
expression over monitors or observables that the oracle evaluates every round.

Instance order, used everywhere (controller, sanctions, log): the ``per agent`` scope's
instances in ``possible_agents`` order, then the ``market`` instance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from govlang.lang import ir
from govlang.lang.compile import CompiledEdge, CompiledInstitution
from govlang.lang.params import NotConstant, ParamValue, constant_value
from govlang.lang.unparse import format_expr, format_sanction

SiteWhen = Literal["on_enter", "on_round", "then"]
CONSTRAINT_KINDS = frozenset({"action_bound", "suspend", "exclude"})
MARKET_INSTANCE = "market"


class PlanError(ValueError):
    """The institution cannot run as compiled (it was not checked, or checks were ignored)."""


@dataclass(frozen=True)
class Ref:
    """An expression the oracle evaluates every round; ``key`` is its canonical text."""

    key: str
    expr: ir.Expr


Amount = float | Ref
"""A number a sanction needs: a constant, or a per-round :class:`Ref`."""


@dataclass(frozen=True)
class SanctionSite:
    """One sanction where it is attached, with a stable id and its numbers resolved.

    ``id`` is ``scope.state:on_enter:N``, ``scope.state:on_round:N`` or ``EDGE_KEY:then:N``.
    ``rates`` holds a fine's rate (or amount), one entry per ladder step; ``value`` a grant's
    amount or an action bound's value.
    """

    id: str
    when: SiteWhen
    sanction: ir.Sanction
    rates: tuple[Amount, ...] = ()
    plus: Amount | None = None
    floor: Amount | None = None
    cap: Amount | None = None
    value: Amount | None = None

    @property
    def is_constraint(self) -> bool:
        """Whether this is an action constraint (cap, floor, suspension, exclusion)."""
        return self.sanction.kind in CONSTRAINT_KINDS

    @cached_property
    def text(self) -> str:
        """The canonical text (:func:`govlang.lang.unparse.format_sanction`), made once."""
        return format_sanction(self.sanction)


@dataclass(frozen=True)
class StatePlan:
    """A state's declaration and its sanction sites."""

    decl: ir.StateDecl
    on_enter: tuple[SanctionSite, ...]
    on_round: tuple[SanctionSite, ...]

    @cached_property
    def constraints(self) -> tuple[SanctionSite, ...]:
        """The action constraints that bind every round begun in this state."""
        return tuple(site for site in self.on_round if site.is_constraint)


@dataclass(frozen=True)
class EdgePlan:
    """A compiled edge, its index in the scope, its guard and its ``then`` sanctions.

    ``guard`` is ``None`` (no ``when``), a constant ``bool`` or a :class:`Ref`.
    """

    index: int
    compiled: CompiledEdge
    guard: bool | Ref | None
    sanctions: tuple[SanctionSite, ...]
    monitors: tuple[str, ...] = ()
    """The monitors the guard reads, transitively (their values justify the edge's events)."""

    @property
    def key(self) -> str:
        """The edge key ``RULE_ID:from->to``."""
        return self.compiled.key


@dataclass(frozen=True)
class CreditPlan:
    """``credits earn EARN per PER clean rounds max MAX`` with constant numbers."""

    earn: float
    per: int
    max: float | None


@dataclass(frozen=True)
class ScopePlan:
    """One scope: its states, its edges (declaration order) and the out-edges of each state."""

    kind: str
    decl: ir.ScopeDecl
    initial: str
    states: dict[str, StatePlan]
    edges: tuple[EdgePlan, ...]
    out: dict[str, tuple[EdgePlan, ...]]
    credits: CreditPlan | None
    evidence_monitors: tuple[str, ...]
    """The evidence monitor and the monitors it reads (transitively)."""
    institution: ir.Institution

    @cached_property
    def evidence_span(self) -> ir.Span | None:
        """The source span of the evidence monitor's declaration (``None``: none)."""
        name = self.decl.evidence
        declared = None if name is None else self.institution.monitor(name)
        return None if declared is None else declared.span

    @cached_property
    def guards(self) -> tuple[tuple[Ref, ...], tuple[int | bool, ...]]:
        """The distinct guard refs, and per edge the index of its ref or its constant truth.

        An edge without ``when`` counts as holding (``True``); edges often share a guard.
        """
        refs: dict[str, int] = {}
        found: list[Ref] = []
        picks: list[int | bool] = []
        for edge in self.edges:
            guard = edge.guard
            if isinstance(guard, Ref):
                if guard.key not in refs:
                    refs[guard.key] = len(found)
                    found.append(guard)
                picks.append(refs[guard.key])
            else:
                picks.append(guard is not False)
        return tuple(found), tuple(picks)


@dataclass(frozen=True)
class Instance:
    """One scope instance: its name (an agent, or ``market``) and the agents it governs."""

    index: int
    scope: ScopePlan
    name: str
    agents: tuple[int, ...]

    @property
    def agent(self) -> int | None:
        """The agent index of a per-agent instance (``None`` for the market instance)."""
        return self.agents[0] if self.scope.kind == "agent" else None


@dataclass(frozen=True)
class Plan:
    """Everything the controller needs that does not change during a run."""

    compiled: CompiledInstitution
    agents: tuple[str, ...]
    scopes: tuple[ScopePlan, ...]
    instances: tuple[Instance, ...]
    refs: tuple[Ref, ...]

    @property
    def digest(self) -> str:
        """The institution's semantic digest (its identity in logs)."""
        return self.compiled.digest

    @cached_property
    def agent_index(self) -> dict[str, int]:
        """Each agent's index in :attr:`agents` (do not modify: shared)."""
        return {agent: i for i, agent in enumerate(self.agents)}

    @cached_property
    def own_instances(self) -> dict[int, Instance]:
        """Each agent's own (per-agent scope) instance, by agent index (do not modify)."""
        return {inst.agent: inst for inst in self.instances if inst.agent is not None}

    @cached_property
    def market_instance(self) -> Instance | None:
        """The market scope's instance, if the institution has one."""
        return next((inst for inst in self.instances if inst.agent is None), None)

    @property
    def monitor_names(self) -> tuple[str, ...]:
        """The monitors, in declaration order."""
        return tuple(m.name for m in self.compiled.institution.monitors)


def build_plan(compiled: CompiledInstitution, agents: Sequence[str]) -> Plan:
    """Lay ``compiled`` out for a population of ``agents`` (``possible_agents`` order)."""
    if not agents:
        raise PlanError("an institution needs at least one agent to govern")
    builder = _Builder(compiled.params)
    ordered = sorted(compiled.institution.scopes, key=lambda s: s.kind != "agent")
    scopes = tuple(builder.scope(compiled, decl) for decl in ordered)
    members: list[tuple[ScopePlan, str, tuple[int, ...]]] = []
    for scope in scopes:
        if scope.kind == "agent":
            members += [(scope, agent, (i,)) for i, agent in enumerate(agents)]
        else:
            members.append((scope, MARKET_INSTANCE, tuple(range(len(agents)))))
    instances = [Instance(n, *member) for n, member in enumerate(members)]
    return Plan(compiled, tuple(agents), scopes, tuple(instances), builder.refs())


class _Builder:
    """Resolves amounts (constant or :class:`Ref`) and collects the refs, without duplicates."""

    def __init__(self, params: Mapping[str, ParamValue]) -> None:
        self.params = dict(params)
        self._refs: dict[str, Ref] = {}

    def refs(self) -> tuple[Ref, ...]:
        """Every runtime expression, in first-use order."""
        return tuple(self._refs.values())

    def ref(self, expr: ir.Expr) -> Ref:
        """The :class:`Ref` of ``expr`` (shared by equal expressions)."""
        key = format_expr(expr)
        return self._refs.setdefault(key, Ref(key, expr))

    def amount(self, expr: ir.Expr) -> Amount:
        """A constant number, or a :class:`Ref` when ``expr`` reads monitors or observables."""
        try:
            value = constant_value(expr, self.params)
        except NotConstant:
            return self.ref(expr)
        if isinstance(value, bool | tuple):
            raise PlanError(f"`{format_expr(expr)}` is not a single number")
        return float(value)

    def guard(self, expr: ir.Expr | None) -> bool | Ref | None:
        """A guard: absent, a constant truth value, or a :class:`Ref`."""
        if expr is None:
            return None
        try:
            value = constant_value(expr, self.params)
        except NotConstant:
            return self.ref(expr)
        if not isinstance(value, bool):
            raise PlanError(f"guard `{format_expr(expr)}` is not a truth value")
        return value

    def rates(self, fine: ir.Fine) -> tuple[Amount, ...]:
        """A fine's rates: the ladder's steps, or the single rate/amount."""
        if not fine.ladder:
            return (self.amount(fine.amount),)
        try:
            value = constant_value(fine.amount, self.params)
        except NotConstant as exc:
            raise PlanError(f"fine ladder `{format_expr(fine.amount)}` is not constant") from exc
        steps = value if isinstance(value, tuple) else (value,)
        if not steps or any(isinstance(step, bool) for step in steps):
            raise PlanError(f"fine ladder `{format_expr(fine.amount)}` is not a list of numbers")
        return tuple(float(step) for step in steps)

    def site(self, site_id: str, when: SiteWhen, sanction: ir.Sanction) -> SanctionSite:
        """A sanction site with its numbers resolved."""
        if sanction.kind in CONSTRAINT_KINDS and when != "on_round":
            raise PlanError(f"{site_id}: action constraints bind only `on each round`")
        if isinstance(sanction, ir.Fine):
            optional = [None if e is None else self.amount(e) for e in _fine_extras(sanction)]
            plus, floor, cap = optional
            return SanctionSite(site_id, when, sanction, self.rates(sanction), plus, floor, cap)
        if isinstance(sanction, ir.Grant):
            return SanctionSite(site_id, when, sanction, value=self.amount(sanction.amount))
        if isinstance(sanction, ir.ActionBound):
            return SanctionSite(site_id, when, sanction, value=self.amount(sanction.value))
        return SanctionSite(site_id, when, sanction)

    def sites(
        self, prefix: str, when: SiteWhen, sanctions: Sequence[ir.Sanction]
    ) -> tuple[SanctionSite, ...]:
        """The sites of a list of sanctions, numbered in order."""
        return tuple(self.site(f"{prefix}:{when}:{n}", when, s) for n, s in enumerate(sanctions))

    def state(self, kind: str, decl: ir.StateDecl) -> StatePlan:
        """A state and its sanction sites."""
        prefix = f"{kind}.{decl.name}"
        return StatePlan(
            decl,
            self.sites(prefix, "on_enter", decl.on_enter),
            self.sites(prefix, "on_round", decl.on_round),
        )

    def credits(self, policy: ir.CreditPolicy | None) -> CreditPlan | None:
        """The credit policy with constant numbers."""
        if policy is None:
            return None
        earn, per = self.amount(policy.earn), self.amount(policy.per)
        top = None if policy.max is None else self.amount(policy.max)
        if isinstance(earn, Ref) or isinstance(per, Ref) or isinstance(top, Ref):
            raise PlanError("the numbers of a credit policy must be constants")
        if per < 1 or not float(per).is_integer():
            raise PlanError(f"credits are earned per {per} clean rounds: need a whole number >= 1")
        return CreditPlan(earn, int(per), top)

    def scope(self, compiled: CompiledInstitution, decl: ir.ScopeDecl) -> ScopePlan:
        """A scope with its states, edges and out-edges in priority order."""
        states = {s.name: self.state(decl.kind, s) for s in decl.states}
        initial = [s.name for s in decl.states if s.initial]
        if len(initial) != 1:
            raise PlanError(f"the {decl.kind} scope needs exactly one initial state")
        mine = sorted((e for e in compiled.edges if e.scope == decl.kind), key=lambda e: e.order)
        institution = compiled.institution
        edges = tuple(
            EdgePlan(
                i,
                e,
                self.guard(e.edge.guard),
                self.sites(e.key, "then", e.edge.sanctions),
                monitor_closure(institution, referenced_names(e.edge.guard)),
            )
            for i, e in enumerate(mine)
        )
        by_key = {e.key: e for e in edges}
        out = {
            name: tuple(by_key[e.key] for e in compiled.edges_from(decl.kind, name))
            for name in states
        }
        evidence = () if decl.evidence is None else (decl.evidence,)
        return ScopePlan(
            decl.kind,
            decl,
            initial[0],
            states,
            edges,
            out,
            self.credits(decl.credits),
            monitor_closure(institution, evidence),
            institution,
        )


def _fine_extras(fine: ir.Fine) -> tuple[ir.Expr | None, ir.Expr | None, ir.Expr | None]:
    """A fine's optional ``plus``, ``floor`` and ``cap`` expressions."""
    return fine.plus, fine.floor, fine.cap


def referenced_names(expr: ir.Expr | None) -> tuple[str, ...]:
    """The names ``expr`` refers to, in order of first appearance, without repeats."""
    found: dict[str, None] = {}
    stack: list[ir.Expr] = [] if expr is None else [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.NameRef):
            found.setdefault(node.name, None)
        stack.extend(reversed(ir.children(node)))
    return tuple(found)


def monitor_closure(institution: ir.Institution, names: Sequence[str]) -> tuple[str, ...]:
    """The monitors among ``names`` and every monitor they read, transitively, in found order."""
    found: dict[str, None] = {}
    pending = list(names)
    while pending:
        name = pending.pop(0)
        monitor = institution.monitor(name)
        if monitor is None or name in found:
            continue
        found[name] = None
        pending.extend(referenced_names(monitor.expr))
    return tuple(found)
