"""Why an act did *not* happen in a round: which condition was missing.

``--why-not NAME`` names a state (``fined``: any edge into it), a rule id (any of its edges)
or an edge key (``P2_independent_decision:warning->fined``). For each such edge the answer is
exact, from the replayed round: the instance was elsewhere at the start of the round (and the
shortest way from there), the edge's guard did not hold (its condition tree shows which signal
was below its threshold), a count condition failed (streak, dwell, clean rounds, credits), its
cooldown was closed, or a higher-priority edge was taken first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from govlang.explain.acts import Counter, Located, Storyteller, counters_of
from govlang.explain.conditions import Condition
from govlang.explain.inputs import ExplainError
from govlang.runtime.events import span_json
from govlang.runtime.plan import EdgePlan, Instance, ScopePlan
from govlang.runtime.state import InstanceState
from govlang.runtime.transitions import (
    cooldown_failure,
    count_failures,
    guards_of,
    update_counters,
)


@dataclass(frozen=True)
class Candidate:
    """One edge that would have made the act happen, and why it was not traversed.

    ``verdict``: ``taken`` (it was traversed), ``elsewhere`` (the instance was not in its
    source state), ``guard`` (its guard did not hold), ``counts`` (a count condition or the
    cooldown failed) or ``preempted`` (legal, but another edge came first).
    """

    edge: str
    verdict: str
    reasons: tuple[str, ...]
    guard: Condition | None
    counters: tuple[Counter, ...]
    source: Located | None

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "edge": self.edge,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "guard": None if self.guard is None else self.guard.as_json(),
            "counters": [c.as_json() for c in self.counters],
            "source": None if self.source is None else self.source.as_json(),
        }


@dataclass(frozen=True)
class WhyNot:
    """The answer to "why did NAME not happen to INSTANCE in ROUND"."""

    round: int
    instance: str
    target: str
    before: str
    after: str
    traversed: str | None
    candidates: tuple[Candidate, ...]

    @property
    def happened(self) -> bool:
        """Whether one of the candidate edges was in fact traversed."""
        return any(c.verdict == "taken" for c in self.candidates)

    def as_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "round": self.round,
            "instance": self.instance,
            "target": self.target,
            "happened": self.happened,
            "before": self.before,
            "after": self.after,
            "traversed": self.traversed,
            "candidates": [c.as_json() for c in self.candidates],
        }


def targets(scope: ScopePlan, name: str) -> list[EdgePlan]:
    """The edges ``name`` stands for (a state, a rule id or an edge key)."""
    found = [e for e in scope.edges if name in (e.key, e.compiled.rule.id, e.compiled.target)]
    if found:
        return found
    states = ", ".join(scope.states)
    rules = ", ".join(dict.fromkeys(e.compiled.rule.id for e in scope.edges))
    raise ExplainError(
        f"--why-not {name}: not a state, rule or edge of the {scope.kind} scope "
        f"(states: {states}; rules: {rules})"
    )


def why_not(teller: Storyteller, inst: Instance, number: int, name: str) -> WhyNot:
    """Why ``name`` did not happen to ``inst`` in round ``number``."""
    edges = targets(inst.scope, name)
    replayed = teller.replay.round(number)
    before = replayed.before.instances[inst.index]
    record = replayed.record
    guards = guards_of(inst, record)
    counted = update_counters(inst.scope, before, record.evidence[inst.index], guards)
    traversed = next(
        (
            e.edge
            for e in replayed.events
            if e.instance == inst.name and e.kind in ("traversal", "restoration")
        ),
        None,
    )
    candidates = tuple(
        _candidate(teller, inst, number, edge, before, counted, guards[edge.index], traversed)
        for edge in edges
    )
    return WhyNot(
        number,
        inst.name,
        name,
        before.state,
        replayed.after.instances[inst.index].state,
        traversed,
        candidates,
    )


def _candidate(
    teller: Storyteller,
    inst: Instance,
    number: int,
    edge: EdgePlan,
    before: InstanceState,
    counted: InstanceState,
    guard_held: bool,
    traversed: str | None,
) -> Candidate:
    compiled = edge.compiled
    located = teller.locate(span_json(edge.compiled.edge.span))
    guard = teller.guard(inst, edge, number)
    counters = _counters(edge, counted)
    if traversed == edge.key:
        return Candidate(edge.key, "taken", ("it was traversed",), guard, counters, located)
    if before.state != compiled.source:
        way = _shortest(inst.scope, before.state, compiled.source)
        reasons = [
            f"at the start of round {number} {inst.name} was in `{before.state}`; "
            f"this edge leaves `{compiled.source}`"
        ]
        if way:
            reasons.append("the way there: " + ", then ".join(way))
        elif before.state != compiled.source:
            reasons.append(f"`{compiled.source}` cannot be reached from `{before.state}`")
        return Candidate(edge.key, "elsewhere", tuple(reasons), guard, counters, located)
    if not guard_held:
        text = "its guard" if guard is None else f"its guard `{guard.text}`"
        missing = (f"{text} did not hold",)
        return Candidate(edge.key, "guard", missing, guard, counters, located)
    failures = count_failures(edge, counted)
    cooldown = cooldown_failure(edge, counted, number)
    if failures or cooldown:
        failed = (*failures, *((cooldown,) if cooldown else ()))
        return Candidate(edge.key, "counts", failed, guard, counters, located)
    reason = f"legal, but `{traversed}` was taken first (higher priority or declared earlier)"
    return Candidate(edge.key, "preempted", (reason,), guard, counters, located)


def _counters(edge: EdgePlan, counted: InstanceState) -> tuple[Counter, ...]:
    """The instance's counters after this round's update, against what ``edge`` needs."""
    values = {
        "streak": counted.streaks[edge.index],
        "dwell": counted.dwell,
        "clean": counted.clean,
        "credits": counted.credits,
    }
    return tuple(counters_of(edge, values))


def _shortest(scope: ScopePlan, start: str, goal: str) -> list[str]:
    """The edge keys of a shortest way from ``start`` to ``goal`` (empty if none or equal)."""
    queue: deque[tuple[str, list[str]]] = deque([(start, [])])
    seen = {start}
    while queue:
        state, path = queue.popleft()
        if state == goal:
            return path
        for edge in scope.out.get(state, ()):
            target = edge.compiled.target
            if target not in seen:
                seen.add(target)
                queue.append((target, [*path, edge.key]))
    return []
