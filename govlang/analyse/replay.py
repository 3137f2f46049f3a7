"""Replaying a trace through the runtime's controller, with the monitors' verdicts injected.

The controller's pure core (:func:`govlang.runtime.controller.step`) reads each round's
evidence and guard values from a :class:`~govlang.runtime.state.RoundRecord`; it never looks at
the market itself. A trace gives exactly those values (derived from its atoms), so it replays
faithfully: :func:`replay_trace` governs a population of one agent, feeds the trace's evidence
and guards to the traced scope's instance (the other scope's instance, if any, sees no evidence
and no guard), and returns the state and traversed edge after every round. Sanction amounts
that read monitors are given 0 (they do not affect transitions).

A trace cannot in general be turned into *market actions* for ``govlang.runtime.replay``:
its atoms are abstract conditions (``high_hhi``, ``concentration <= recovery_hhi``), and a
combination of them may need a market outcome no sequence of actions produces, or none the
abstraction can find without solving the monitors' arithmetic. The atom trace and this replay
are the faithful forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from govlang.analyse.trace import Trace
from govlang.lang.compile import CompiledInstitution
from govlang.runtime.controller import RoundRecord, initial_state, step
from govlang.runtime.plan import Plan, Ref, build_plan
from govlang.runtime.state import InstanceState

AGENT = "agent_0"
"""The one agent of a replay."""


@dataclass(frozen=True)
class Replayed:
    """One round of a replay: the traced instance's state, the edge it traversed, its counters."""

    round: int
    state: str
    edge: str | None
    instance: InstanceState


def replay_trace(compiled: CompiledInstitution, trace: Trace, repeat: int = 1) -> list[Replayed]:
    """Run ``trace`` through the controller; a lasso's loop is played ``repeat`` times."""
    plan = build_plan(compiled, (AGENT,))
    index = next(i.index for i in plan.instances if i.scope.kind == trace.scope)
    rounds = list(trace.rounds)
    if trace.loop is not None:
        rounds += [r for r in trace.rounds if r.round >= trace.loop] * (repeat - 1)
    state = initial_state(plan)
    out: list[Replayed] = []
    for number, traced in enumerate(rounds, 1):
        guards = dict(zip(trace.guard_texts, traced.guards, strict=True))
        record = _record(plan, number, index, traced.evidence, guards)
        state, effects, _ = step(plan, state, record)
        after = state.instances[index]
        out.append(Replayed(number, after.state, effects.traversed[index], after))
    return out


def _record(
    plan: Plan, number: int, index: int, evidence: bool, guards: dict[str | None, bool]
) -> RoundRecord:
    """The round record the oracle would have produced for these verdicts."""
    guard_keys = {e.guard.key for s in plan.scopes for e in s.edges if isinstance(e.guard, Ref)}
    evidences = tuple(evidence if i.index == index else False for i in plan.instances)
    values = tuple(
        tuple(_values(plan.refs, guard_keys, guards if i.index == index else {}) for _ in i.agents)
        for i in plan.instances
    )
    monitors: tuple[dict[str, object], ...] = tuple({} for _ in plan.instances)
    return RoundRecord(number, (100.0,), evidences, values, monitors)


def _values(
    refs: tuple[Ref, ...], guard_keys: set[str], guards: dict[str | None, bool]
) -> dict[str, object]:
    """Each ref's value: a guard's verdict (``False`` if not traced), 0 for a number."""
    return {ref.key: guards.get(ref.key, False) if ref.key in guard_keys else 0.0 for ref in refs}
