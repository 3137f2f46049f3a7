"""Independent recounting of a governed run, from its recorded rounds and the compiled edges.

Nothing here calls the runtime's controller: the states, dwell and clean counters, cooldowns,
ladder steps, fine amounts, action constraints and money of every round are recomputed from
the institution's declarations (``specs/semantics.md``) and compared with what the run
recorded. Each ``check_*`` function returns the :class:`Violation` list of one property.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import gymnasium

from govlang.lang import ir
from govlang.lang.compile import CompiledEdge, CompiledInstitution
from govlang.lang.params import NotConstant, constant_value
from govlang.runtime.events import Event, RoundTrace
from govlang.runtime.ledger import Ledger

ZERO = Fraction(0)

CONSTRAINTS = ("action_bound", "suspend", "exclude")


@dataclass(frozen=True)
class Violation:
    """One broken invariant: the property, the round (``None``: the whole run), what broke."""

    property: str
    round: int | None
    message: str

    def __str__(self) -> str:
        """``property (round N): message``."""
        where = "" if self.round is None else f" (round {self.round})"
        return f"{self.property}{where}: {self.message}"


@dataclass(frozen=True)
class Run:
    """What a governed run recorded: rounds, ledger after each, infos payoffs, the log."""

    agents: tuple[str, ...]
    spaces: Mapping[str, gymnasium.spaces.Space[Any]]
    history: tuple[RoundTrace, ...]
    ledgers: tuple[Ledger, ...]
    payoffs: tuple[Mapping[str, Mapping[str, float]], ...]
    log: bytes = b""
    outputs: tuple[Any, ...] = field(default=(), compare=False)


@dataclass
class _Instance:
    """The recounted state of one instance."""

    name: str
    scope: ir.ScopeDecl
    agents: tuple[str, ...]
    state: str
    dwell: int = 0
    clean: int = 0
    last: dict[str, int] = field(default_factory=dict)
    fired: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Round:
    """One instance in one round, as recounted: state before, traversal, its events."""

    trace: RoundTrace
    inst: _Instance
    before: str
    edge: CompiledEdge | None
    events: tuple[Event, ...]


def _instances(compiled: CompiledInstitution, agents: Sequence[str]) -> list[_Instance]:
    scopes = sorted(compiled.institution.scopes, key=lambda s: s.kind != "agent")
    out = []
    for scope in scopes:
        initial = next(s.name for s in scope.states if s.initial)
        names: list[tuple[str, tuple[str, ...]]] = [("market", tuple(agents))]
        if scope.kind == "agent":
            names = [(a, (a,)) for a in agents]
        out += [_Instance(n, scope, members, initial) for n, members in names]
    return out


def walk(compiled: CompiledInstitution, run: Run, found: list[Violation]) -> Iterator[_Round]:
    """Every (round, instance), with the counters updated as of the end of the round's step 6.

    The state follows the recorded traversals; every structural fault of a traversal (an
    undeclared edge, a wrong source, two in a round, standings that disagree) goes to ``found``.
    """
    edges = {(e.scope, e.key): e for e in compiled.edges}
    instances = _instances(compiled, run.agents)
    for trace in run.history:
        for inst in instances:
            mine = tuple(e for e in trace.events if e.instance == inst.name)
            evidence = any(e.kind == "evidence" for e in mine)
            inst.clean = 0 if evidence else inst.clean + 1
            inst.dwell += 1
            moves = [e for e in mine if e.kind in ("traversal", "restoration")]
            if len(moves) > 1:
                found.append(Violation("edges", trace.round, f"{inst.name}: {len(moves)} moves"))
            edge = None
            if moves:
                edge = edges.get((inst.scope.kind, str(moves[0].edge)))
                if edge is None:
                    text = f"{inst.name}: undeclared edge {moves[0].edge}"
                    found.append(Violation("edges", trace.round, text))
            before = inst.state
            yield _Round(trace, inst, before, edge, mine)
            if edge is not None:
                inst.state, inst.dwell = edge.target, 0
                inst.last[edge.key] = trace.round
            if trace.standings.get(inst.name) != inst.state:
                said = trace.standings.get(inst.name)
                text = f"{inst.name}: standing {said}, the edges say {inst.state}"
                found.append(Violation("edges", trace.round, text))


def check_edges(compiled: CompiledInstitution, run: Run) -> list[Violation]:
    """Only declared edges are traversed, at most one per instance and round.

    Each from the current state, with its persistence, dwell, clean-round and cooldown
    conditions met (dwell, clean rounds and cooldowns recounted from the events).
    """
    found: list[Violation] = []
    for r in walk(compiled, run, found):
        if r.edge is not None:
            where = f"{r.inst.name} via {r.edge.key}: "
            found += [Violation("edges", r.trace.round, where + f) for f in _edge_faults(r)]
    return found


def _edge_faults(r: _Round) -> list[str]:
    """What is wrong with the traversal of ``r.edge`` in round ``r``."""
    t, inst, edge = r.trace.round, r.inst, r.edge
    assert edge is not None
    move = next(e for e in r.events if e.kind in ("traversal", "restoration"))
    detail, faults = move.detail, []
    if edge.source != r.before or detail.get("to") != edge.target:
        faults.append(f"taken from {r.before} to {detail.get('to')}")
    if (move.kind == "traversal") != (edge.kind == "escalation"):
        faults.append(f"logged as {move.kind} but the edge is a {edge.kind} edge")
    if edge.dwell is not None and inst.dwell < edge.dwell:
        faults.append(f"after {inst.dwell} rounds in the state, {edge.dwell} required")
    if edge.clean is not None and inst.clean < edge.clean:
        faults.append(f"after {inst.clean} clean rounds, {edge.clean} required")
    streak = int(detail.get("streak", 0))
    if edge.persistence is not None and not edge.persistence <= streak <= t:
        faults.append(f"guard streak {streak}, {edge.persistence} required")
    last = inst.last.get(edge.key)
    if edge.cooldown is not None and last is not None and t - last <= edge.cooldown:
        faults.append(f"cooldown {edge.cooldown}: last taken in round {last}")
    if (detail.get("dwell"), detail.get("clean")) != (inst.dwell, inst.clean):
        faults.append(f"logged dwell/clean {detail.get('dwell')}/{detail.get('clean')}")
    return faults


def constant(expr: ir.Expr | None, compiled: CompiledInstitution) -> Fraction | None:
    """An expression's exact constant value (``None`` if it reads run-time values)."""
    if expr is None:
        return None
    try:
        value = constant_value(expr, compiled.params)
    except NotConstant:
        return None
    if isinstance(value, bool | tuple):
        return None
    return Fraction(float(value))


def _sites(r: _Round) -> dict[str, ir.Sanction]:
    """The money and notice sanction sites allowed to fire for the instance this round."""
    kind, scope = r.inst.scope.kind, r.inst.scope
    states = {s.name: s for s in scope.states}
    sites = {
        f"{kind}.{r.before}:on_round:{n}": s
        for n, s in enumerate(states[r.before].on_round)
        if s.kind not in CONSTRAINTS
    }
    if r.edge is not None:
        sites |= {f"{r.edge.key}:then:{n}": s for n, s in enumerate(r.edge.edge.sanctions)}
        target = states[r.edge.target].on_enter
        sites |= {f"{kind}.{r.edge.target}:on_enter:{n}": s for n, s in enumerate(target)}
    return sites


def _fine(compiled: CompiledInstitution, fine: ir.Fine, step: int, profit: float) -> Any:
    """The fine's exact amount (``None`` if a number of it is not constant)."""
    if fine.ladder:
        value = constant_value(fine.amount, compiled.params)
        steps = value if isinstance(value, tuple) else (value,)
        rate: Fraction | None = Fraction(float(steps[min(step, len(steps) - 1)]))
    else:
        rate = constant(fine.amount, compiled)
    extras = [constant(e, compiled) for e in (fine.plus, fine.floor, fine.cap)]
    given = (fine.plus, fine.floor, fine.cap)
    if rate is None or any(v is None and e is not None for v, e in zip(extras, given, strict=True)):
        return None
    plus, floor, cap = extras
    amount = (rate * max(Fraction(profit), Fraction(0)) if fine.of_profit else rate) + (plus or 0)
    amount = amount if floor is None else max(amount, floor)
    amount = amount if cap is None else min(amount, cap)
    return max(amount, Fraction(0))


def check_sanctions(compiled: CompiledInstitution, run: Run) -> list[Violation]:
    """Fines and grants fire exactly where declared, at the declared step and amount.

    Each declared one fires once for each present agent of the instance; ladder steps and
    amounts are recomputed exactly from the declaration (when its numbers are constants).
    """
    found: list[Violation] = []
    for r in walk(compiled, run, found):
        t, inst = r.trace.round, r.inst
        sites = _sites(r)
        present = [a for a in inst.agents if a in r.trace.raw]
        money = [e for e in r.events if e.kind == "sanction" and "amount" in e.detail]
        got = Counter((str(e.detail["site"]), str(e.detail["agent"])) for e in money)
        want = Counter(
            (sid, a) for sid, s in sites.items() if s.kind in ("fine", "grant") for a in present
        )
        if got != want:
            text = (
                f"{inst.name}: fired {sorted(got.elements())}, declared {sorted(want.elements())}"
            )
            found.append(Violation("sanctions", t, text))
        for e in money:
            sanction = sites.get(str(e.detail["site"]))
            if not isinstance(sanction, ir.Fine):
                continue
            step, profit = inst.fired[str(e.detail["site"])], r.trace.raw.get(e.detail["agent"])
            if e.detail.get("step") != min(step, _ladder_len(compiled, sanction) - 1):
                found.append(
                    Violation(
                        "sanctions",
                        t,
                        f"{e.detail['site']}: step {e.detail.get('step')}, firing {step}",
                    )
                )
            amount = None if profit is None else _fine(compiled, sanction, step, float(profit))
            if profit is None or e.detail.get("profit") != profit:
                found.append(
                    Violation(
                        "sanctions",
                        t,
                        f"{e.detail['site']}: profit {e.detail.get('profit')} vs raw {profit}",
                    )
                )
            elif amount is not None and e.detail["amount"] != float(amount):
                text = f"{e.detail['site']}: fined {e.detail['amount']}, formula {float(amount)}"
                found.append(Violation("sanctions", t, text))
        if present:
            inst.fired.update({sid for sid, s in sites.items() if s.kind in ("fine", "grant")})
    return found


def _ladder_len(compiled: CompiledInstitution, fine: ir.Fine) -> int:
    if not fine.ladder:
        return 1
    value = constant_value(fine.amount, compiled.params)
    return len(value) if isinstance(value, tuple) else 1
