"""The explanation of each institutional act: rule, source, evidence, counters, money, log.

An *act* is a traversal, restoration, blocked request, sanction or notice (the events of
:mod:`govlang.runtime.events` other than ``evidence``). :func:`explain_rounds` groups a
replayed run's acts by round and instance into :class:`RoundStory` records: the state before
and after, the evidence monitor's condition tree, and per act its rule and edge key, the
source line of the construct that fired, the counters it was decided on against what the edge
needs, the params in force, a fine's arithmetic and the governance-log entry recording it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govlang.explain.conditions import Condition, Explainer, format_value, params_in
from govlang.explain.inputs import ExplainError, LogEntry, RunSource
from govlang.explain.replay import Replay
from govlang.lang import ir
from govlang.lang.compile import CompiledEdge
from govlang.lang.unparse import format_expr
from govlang.runtime.canonical import plain
from govlang.runtime.events import Event
from govlang.runtime.plan import EdgePlan, Instance, Ref, SanctionSite, ScopePlan
from govlang.runtime.sanctions import ladder_step

ACT_KINDS = ("traversal", "restoration", "blocked", "sanction", "notice")
TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class Located:
    """A source span with the text of its first line."""

    file: str
    line: int
    column: int
    text: str

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {"file": self.file, "line": self.line, "column": self.column, "text": self.text}

    def __str__(self) -> str:
        """``file:line:col``."""
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Counter:
    """A counter an edge was decided on: its value, what the edge needs, and whether it held."""

    name: str
    value: float
    needed: int | None = None
    clause: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the count condition holds (always, for a counter the edge does not need)."""
        return self.needed is None or self.value >= self.needed

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "name": self.name,
            "value": self.value,
            "needed": self.needed,
            "clause": self.clause,
            "ok": self.ok,
        }

    def __str__(self) -> str:
        """``streak 5 ≥ 5 (for suspension_streak rounds)`` or ``dwell 2``."""
        value = f"{self.value:g}"
        if self.needed is None:
            return f"{self.name} {value}"
        sign = "≥" if self.ok else "<"
        return f"{self.name} {value} {sign} {self.needed} ({self.clause})"


@dataclass(frozen=True)
class Arithmetic:
    """How a fine's amount was computed: rate times profit (plus ``plus``), then floor, then cap."""

    ladder: str | None
    step: int
    rates: tuple[float, ...]
    rate: float
    profit: float | None
    plus: float | None
    floor: tuple[str, float] | None
    cap: tuple[str, float] | None
    amount: float

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "ladder": self.ladder,
            "step": self.step,
            "rates": list(self.rates),
            "rate": self.rate,
            "profit": self.profit,
            "plus": self.plus,
            "floor": _bound(self.floor),
            "cap": _bound(self.cap),
            "amount": self.amount,
            "text": self.text(),
        }

    def text(self) -> str:
        """The computation as text, e.g. ``0.35 x 1800.00 = 630.00; floor ... not binding``."""
        parts = []
        if self.ladder is not None:
            shown = ", ".join(format_value(r) for r in self.rates)
            parts.append(f"step {self.step + 1} of {self.ladder} [{shown}]")
        value = self.rate if self.profit is None else self.rate * max(self.profit, 0.0)
        if self.profit is None:
            parts.append(f"amount {format_value(self.rate)}")
        else:
            parts.append(
                f"{format_value(self.rate)} {TIMES} {format_value(float(self.profit))} = "
                f"{format_value(value)}"
            )
        if self.plus is not None:
            value += self.plus
            parts.append(f"+ {format_value(self.plus)} = {format_value(value)}")
        for label, bound in (("floor", self.floor), ("cap", self.cap)):
            if bound is None:
                continue
            text, limit = bound
            if value < limit if label == "floor" else value > limit:
                parts.append(f"{label} {text} {format_value(limit)} binds")
                value = limit
            else:
                parts.append(f"{label} {text} {format_value(limit)} not binding")
        return "; ".join(parts) + f" → {format_value(self.amount)}"


def _bound(bound: tuple[str, float] | None) -> dict[str, Any] | None:
    return None if bound is None else {"text": bound[0], "value": bound[1]}


@dataclass(frozen=True)
class Act:
    """One institutional act, explained."""

    kind: str
    round: int
    instance: str
    rule: str | None
    edge: str | None
    summary: str
    source: Located | None
    rule_source: Located | None
    guard: Condition | None = None
    counters: tuple[Counter, ...] = ()
    reasons: tuple[str, ...] = ()
    arithmetic: Arithmetic | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    log: LogEntry | None = None

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "kind": self.kind,
            "round": self.round,
            "instance": self.instance,
            "rule": self.rule,
            "edge": self.edge,
            "summary": self.summary,
            "source": None if self.source is None else self.source.as_json(),
            "rule_source": None if self.rule_source is None else self.rule_source.as_json(),
            "guard": None if self.guard is None else self.guard.as_json(),
            "counters": [c.as_json() for c in self.counters],
            "reasons": list(self.reasons),
            "arithmetic": None if self.arithmetic is None else self.arithmetic.as_json(),
            "detail": plain(dict(self.detail)),
            "params": plain(dict(self.params)),
            "log": None if self.log is None else self.log.as_json(),
        }


@dataclass(frozen=True)
class RoundStory:
    """One instance in one round: its state before and after, its evidence, its acts."""

    round: int
    instance: str
    before: str
    after: str
    evidence: Condition | None
    acts: tuple[Act, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    """The params the evidence monitor reads (its thresholds), in declaration order."""

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "round": self.round,
            "instance": self.instance,
            "before": self.before,
            "after": self.after,
            "evidence": None if self.evidence is None else self.evidence.as_json(),
            "params": plain(dict(self.params)),
            "signals": [
                {"name": s.text, "held": s.held, "negated": negated}
                for s, negated in (self.evidence.signals() if self.evidence else ())
            ],
            "acts": [a.as_json() for a in self.acts],
        }


class Storyteller:
    """Explains the acts of one replayed run."""

    def __init__(self, source: RunSource, replay: Replay) -> None:
        """Explain ``replay`` of ``source``; matches its events to the governance log."""
        self.source = source
        self.replay = replay
        self.plan = replay.plan
        self.institution = source.compiled.institution
        self.params = source.compiled.params
        self.explainer = Explainer(self.institution, self.params)
        self._lines = source.source_text.splitlines()
        self._log = _match_log(replay, source.log)
        self._sites = {site.id: site for scope in self.plan.scopes for site in _sites_of(scope)}

    @property
    def logged(self) -> int:
        """How many of the replayed events were matched to governance-log entries."""
        return len(self._log)

    def instance(self, name: str) -> Instance:
        """The instance called ``name`` (an agent or ``market``)."""
        for inst in self.plan.instances:
            if inst.name == name:
                return inst
        names = ", ".join(i.name for i in self.plan.instances)
        raise ExplainError(f"no agent {name!r} in run {self.source.run_id}; the agents: {names}")

    def story(self, inst: Instance, number: int, always: bool = False) -> RoundStory | None:
        """Round ``number`` of ``inst`` (``None`` if nothing happened to it, unless ``always``)."""
        replayed = self.replay.round(number)
        acts = [
            (position, event)
            for position, event in enumerate(replayed.events)
            if event.instance == inst.name and event.kind in ACT_KINDS
        ]
        if not acts and not always:
            return None
        evidence, names = None, []
        if inst.scope.decl.evidence is not None:
            history = [r.values for r in self.replay.rounds[:number]]
            evidence = self.explainer.monitor(inst.scope.decl.evidence, history, inst.agent)
            names = params_in(self.institution, [ir.NameRef(name=inst.scope.decl.evidence)])
        return RoundStory(
            number,
            inst.name,
            replayed.before.instances[inst.index].state,
            replayed.after.instances[inst.index].state,
            evidence,
            tuple(self.act(inst, number, position, event) for position, event in acts),
            {name: self.params[name] for name in names if name in self.params},
        )

    def act(self, inst: Instance, number: int, position: int, event: Event) -> Act:
        """One act of ``inst`` in round ``number`` (``position``: its index in the round)."""
        edge = self._edge(inst.scope, event.edge)
        guard: Condition | None = None
        counters: tuple[Counter, ...] = ()
        exprs: list[ir.Expr] = []
        if edge is not None and event.kind in ("traversal", "restoration", "blocked"):
            guard = self.guard(inst, edge, number)
            counters = tuple(counters_of(edge, event.detail))
            exprs += _edge_exprs(edge.compiled.edge)
        arithmetic = None
        site = self._sites.get(str(event.detail.get("site", "")))
        if site is not None:
            exprs += _sanction_exprs(site.sanction)
            if isinstance(site.sanction, ir.Fine) and "amount" in event.detail:
                arithmetic = self._arithmetic(inst, number, site, event.detail)
        names = params_in(self.institution, exprs)
        return Act(
            kind=event.kind,
            round=number,
            instance=inst.name,
            rule=event.rule,
            edge=event.edge,
            summary=event.summary(),
            source=self.locate(event.span),
            rule_source=self.locate(event.rule_span),
            guard=guard,
            counters=counters,
            reasons=tuple(event.detail.get("reasons", ())),
            arithmetic=arithmetic,
            detail=event.detail,
            params={name: self.params[name] for name in names if name in self.params},
            log=self._log.get((number, position)),
        )

    def guard(self, inst: Instance, edge: EdgePlan, number: int) -> Condition | None:
        """The guard's condition tree in round ``number`` (``None`` for an edge without one)."""
        if not isinstance(edge.guard, Ref):
            return None
        history = [r.values for r in self.replay.rounds[:number]]
        return self.explainer.condition(edge.guard.expr, history, inst.agent)

    def _edge(self, scope: ScopePlan, key: str | None) -> EdgePlan | None:
        return next((e for e in scope.edges if e.key == key), None)

    def locate(self, span: Mapping[str, int] | None) -> Located | None:
        """A span of the institution's source with its first line's text."""
        if span is None:
            return None
        line = span["line"]
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return Located(self.source.source_name, line, span["column"], text)

    def _arithmetic(
        self, inst: Instance, number: int, site: SanctionSite, detail: Mapping[str, Any]
    ) -> Arithmetic:
        payer = detail.get("agent")
        agent = next((k for k, a in enumerate(inst.agents) if self.plan.agents[a] == payer), 0)
        values = self.replay.round(number).record.values[inst.index][agent]

        def resolve(amount: float | Ref) -> float:
            return float(values[amount.key]) if isinstance(amount, Ref) else float(amount)

        return arithmetic(site, detail, resolve)


def arithmetic(
    site: SanctionSite, detail: Mapping[str, Any], resolve: Callable[[float | Ref], float]
) -> Arithmetic:
    """A fine's arithmetic from its sanction event's ``detail`` and its site's numbers."""
    fine = site.sanction
    assert isinstance(fine, ir.Fine)
    rates = tuple(resolve(r) for r in site.rates)
    step = int(detail.get("step", ladder_step(site, 0)))
    floor = None if site.floor is None or fine.floor is None else resolve(site.floor)
    cap = None if site.cap is None or fine.cap is None else resolve(site.cap)
    return Arithmetic(
        ladder=format_expr(fine.amount) if fine.ladder else None,
        step=step,
        rates=rates,
        rate=float(detail.get("rate", rates[step])),
        profit=float(detail["profit"]) if fine.of_profit else None,
        plus=None if site.plus is None else resolve(site.plus),
        floor=None if floor is None or fine.floor is None else (format_expr(fine.floor), floor),
        cap=None if cap is None or fine.cap is None else (format_expr(fine.cap), cap),
        amount=float(detail["amount"]),
    )


def _sites_of(scope: ScopePlan) -> list[SanctionSite]:
    sites = [s for state in scope.states.values() for s in (*state.on_enter, *state.on_round)]
    return sites + [s for edge in scope.edges for s in edge.sanctions]


def counters_of(edge: EdgePlan | CompiledEdge, detail: Mapping[str, Any]) -> list[Counter]:
    """The counters in ``detail`` (an edge event's), each against what the edge needs."""
    compiled = edge.compiled if isinstance(edge, EdgePlan) else edge
    clauses = compiled.edge
    out = []
    for name, needed, expr, template in (
        ("streak", compiled.persistence, clauses.persistence, "for {} rounds"),
        ("dwell", compiled.dwell, clauses.dwell, "after {} rounds"),
        ("clean", compiled.clean, clauses.clean, "after {} clean rounds"),
        ("credits", compiled.credits, clauses.credits, "spend {} credits"),
    ):
        if name not in detail:
            continue
        clause = None if expr is None else template.format(format_expr(expr))
        out.append(Counter(name, float(detail[name]), needed, clause))
    return out


def _edge_exprs(edge: ir.Edge) -> list[ir.Expr]:
    found = [edge.guard, edge.persistence, edge.dwell, edge.clean, edge.credits, edge.cooldown]
    return [e for e in found if e is not None]


def _sanction_exprs(sanction: ir.Sanction) -> list[ir.Expr]:
    if isinstance(sanction, ir.Fine):
        found = [sanction.amount, sanction.plus, sanction.floor, sanction.cap]
        return [e for e in found if e is not None]
    if isinstance(sanction, ir.Grant):
        return [sanction.amount]
    if isinstance(sanction, ir.ActionBound):
        return [sanction.value]
    return []


def _match_log(replay: Replay, log: Sequence[LogEntry]) -> dict[tuple[int, int], LogEntry]:
    """Each replayed event's log entry, by (round, position in the round); checked."""
    if not log:
        return {}
    found: dict[tuple[int, int], LogEntry] = {}
    entries = iter(log)
    for replayed in replay.rounds:
        for position, event in enumerate(replayed.events):
            entry = next(entries, None)
            if entry is None:
                return found  # an incomplete log: later events have no entry
            if dict(entry.body) != plain(event.as_json()):
                raise ExplainError(
                    f"{entry.path}: entry {entry.seq} does not record the trace's event "
                    f"({event.summary().strip()}): the log is not this run's"
                )
            found[(replayed.round, position)] = entry
    return found
