"""The controller: the pure core of the runtime (``specs/semantics.md``, steps 6 and 7).

:func:`step` is a pure function ``(plan, state, record) -> (state, effects, events)``: given
the institution laid out as a :class:`~govlang.runtime.plan.Plan`, the institutional state
before the round (frozen dataclasses: keep, copy and compare them freely; nothing is mutated)
and the round's record (raw payoffs and the oracle's values, already evaluated), it returns
the state after the round, the effects (settled money, notices, traversals) and the round's
events in order. Step 3 (action constraints) is :func:`govlang.runtime.constraints.constrain_round`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govlang.runtime.events import Event
from govlang.runtime.ledger import Settlement
from govlang.runtime.plan import EdgePlan, Plan
from govlang.runtime.sanctions import Mediation
from govlang.runtime.state import (
    Effects,
    InstanceState,
    RoundRecord,
    RuntimeState,
    initial_state,
)
from govlang.runtime.transitions import advance

__all__ = ["RoundRecord", "RuntimeState", "initial_state", "step", "with_payoffs"]


def step(
    plan: Plan,
    state: RuntimeState,
    record: RoundRecord,
    constraint_events: Sequence[Event] = (),
) -> tuple[RuntimeState, Effects, tuple[Event, ...]]:
    """Run steps 6 and 7 of round ``record.round``.

    Step 6 for every instance in order (counters, then at most one traversal), then step 7
    for every instance in order (sanctions and notices), then the money is settled (grants
    last). ``constraint_events`` (step 3's) lead the returned events; every event gets the
    raw and mediated payoffs of its instance's agents.
    """
    if record.round != state.round + 1:
        raise ValueError(f"round {record.round} cannot follow round {state.round}")
    mediation = Mediation(plan, record, state.ledger)
    moved: list[tuple[InstanceState, InstanceState, EdgePlan | None]] = []
    for inst in plan.instances:
        before = state.instances[inst.index]
        after, edge, events = advance(inst, before, record)
        mediation.events.extend(events)
        moved.append((before, after, edge))
    finals = tuple(mediation.sanction(inst, *moved[inst.index]) for inst in plan.instances)
    settlement, events = mediation.settle()
    traversed = tuple(None if edge is None else edge.key for _, _, edge in moved)
    effects = Effects(settlement, mediation.notice_texts(), traversed)
    logged = with_payoffs(plan, [*constraint_events, *events], settlement)
    return RuntimeState(record.round, finals, settlement.ledger), effects, logged


def with_payoffs(plan: Plan, events: Sequence[Event], settlement: Settlement) -> tuple[Event, ...]:
    """``events`` with the raw and mediated payoffs of each event's agents filled in."""
    index = plan.agent_index
    raw, mediated = settlement.raw, settlement.mediated
    out = []
    made: dict[tuple[str | None, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for event in events:
        if event.instance is None:
            out.append(event)
            continue
        key = (event.scope, event.instance)
        found = made.get(key)
        if found is None:  # the instance's first event this round
            names = plan.agents if event.scope == "market" else (event.instance,)
            found = made[key] = (
                {a: raw[index[a]] for a in names},
                {a: mediated[index[a]] for a in names},
            )
        out.append(event.with_payoffs(*found))  # an instance's events share the two mappings
    return tuple(out)
