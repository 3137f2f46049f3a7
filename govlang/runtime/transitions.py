"""Step 6 of a round: update an instance's counters, then traverse at most one legal edge.

Counters are updated first, every round, for every instance:

* ``clean``: +1 if the scope's evidence did not hold for the instance this round, else 0;
* credits: on a clean round the earn counter +1; when it reaches ``per`` the balance grows by
  ``earn`` (capped at ``max``) and the counter restarts; evidence restarts the counter;
* ``dwell``: +1 (rounds completed in the current state, this one included);
* guard streaks: for every edge of the scope, +1 if its guard held this round, else 0 (an
  edge without ``when`` counts as holding).

Then the edges out of the current state are examined in priority order (larger first, ties
in declaration order). An edge is *requested* when its guard holds (an edge without ``when``:
when all its count conditions hold) and *legal* when ``for k rounds`` (guard streak >= k),
``after k rounds`` (dwell >= k), ``after k clean rounds`` (clean >= k), ``spend k credits``
(balance >= k) hold and its cooldown is open (more than ``cooldown`` rounds since this
instance last traversed it). The first requested and legal edge is traversed; every requested
but illegal edge examined before it (all of them, if none is traversed) is a blocked request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govlang.runtime.events import Event, MonitorView, span_json
from govlang.runtime.plan import CreditPlan, EdgePlan, Instance, ScopePlan
from govlang.runtime.state import InstanceState, RoundRecord, guard_truth


def guards_of(inst: Instance, record: RoundRecord) -> tuple[bool, ...]:
    """Whether each edge's guard held for ``inst`` this round (no ``when``: ``True``)."""
    values = record.values[inst.index]
    refs, picks = inst.scope.guards
    truth = [guard_truth(values, ref) for ref in refs]  # each distinct guard decided once
    return tuple([truth[pick] if type(pick) is int else bool(pick) for pick in picks])


def earn_credits(policy: CreditPlan | None, state: InstanceState, clean: bool) -> tuple[float, int]:
    """The credit balance and earn counter after a round (clean or not)."""
    if policy is None:
        return state.credits, state.credit_counter
    if not clean:
        return state.credits, 0
    counter = state.credit_counter + 1
    if counter < policy.per:
        return state.credits, counter
    balance = state.credits + policy.earn
    if policy.max is not None:
        balance = min(balance, policy.max)
    return balance, 0


def update_counters(
    scope: ScopePlan, state: InstanceState, evidence: bool, guards: tuple[bool, ...]
) -> InstanceState:
    """The instance's counters after this round, before any traversal."""
    credits, counter = earn_credits(scope.credits, state, not evidence)
    counted = object.__new__(InstanceState)  # every field set: cheaper than evolve(**changes)
    fields = counted.__dict__
    fields.update(state.__dict__)
    fields["dwell"] = state.dwell + 1
    fields["clean"] = 0 if evidence else state.clean + 1
    fields["credits"] = credits
    fields["credit_counter"] = counter
    fields["streaks"] = tuple(
        [s + 1 if held else 0 for s, held in zip(state.streaks, guards, strict=True)]
    )
    return counted


def count_failures(edge: EdgePlan, state: InstanceState) -> list[str]:
    """The count conditions (``for``, ``after``, ``clean``, ``spend``) of ``edge`` that fail."""
    compiled, failures = edge.compiled, []
    streak = state.streaks[edge.index]
    if compiled.persistence is not None and streak < compiled.persistence:
        failures.append(f"guard held {streak} of {compiled.persistence} consecutive rounds")
    if compiled.dwell is not None and state.dwell < compiled.dwell:
        failures.append(f"{state.dwell} of {compiled.dwell} rounds in `{state.state}`")
    if compiled.clean is not None and state.clean < compiled.clean:
        failures.append(f"{state.clean} of {compiled.clean} clean rounds")
    if compiled.credits is not None and state.credits < compiled.credits:
        failures.append(f"{state.credits:g} of {compiled.credits} credits")
    return failures


def cooldown_failure(edge: EdgePlan, state: InstanceState, round_index: int) -> str | None:
    """Why the cooldown of ``edge`` is closed in ``round_index`` (``None`` if it is open)."""
    last, cooldown = state.last_traversed[edge.index], edge.compiled.cooldown
    if last is None or cooldown is None or round_index - last > cooldown:
        return None
    return f"cooldown: last traversed in round {last}, {cooldown} rounds must pass"


def is_requested(edge: EdgePlan, state: InstanceState) -> bool:
    """Whether ``edge`` is requested: its guard held (no ``when``: its counts all hold)."""
    if edge.guard is not None:
        return state.streaks[edge.index] > 0
    return not count_failures(edge, state)


def choose(
    scope: ScopePlan, state: InstanceState, round_index: int
) -> tuple[EdgePlan | None, list[tuple[EdgePlan, list[str]]]]:
    """The edge to traverse (if any) and the blocked requests examined before it."""
    blocked: list[tuple[EdgePlan, list[str]]] = []
    for edge in scope.out[state.state]:
        if not is_requested(edge, state):
            continue
        cooldown = cooldown_failure(edge, state, round_index)
        reasons = count_failures(edge, state) + ([cooldown] if cooldown else [])
        if not reasons:
            return edge, blocked
        blocked.append((edge, reasons))
    return None, blocked


def traverse(state: InstanceState, edge: EdgePlan, round_index: int) -> InstanceState:
    """The instance after traversing ``edge``: credits spent, dwell reset, edge remembered."""
    last = list(state.last_traversed)
    last[edge.index] = round_index
    return state.evolve(
        state=edge.compiled.target,
        dwell=0,
        credits=state.credits - (edge.compiled.credits or 0),
        last_traversed=tuple(last),
        entered_by=edge.index,
    )


def advance(
    inst: Instance, before: InstanceState, record: RoundRecord
) -> tuple[InstanceState, EdgePlan | None, list[Event]]:
    """Step 6 for one instance: the state after it, the traversed edge, and the events."""
    evidence = record.evidence[inst.index]
    monitors = record.monitors[inst.index]
    events = [_evidence(inst, record.round, monitors)] if evidence else []
    counted = update_counters(inst.scope, before, evidence, guards_of(inst, record))
    edge, blocked = choose(inst.scope, counted, record.round)
    events += [
        _edge_event("blocked", inst, e, counted, record.round, monitors, reasons=reasons)
        for e, reasons in blocked
    ]
    if edge is None:
        return counted, None, events
    after = traverse(counted, edge, record.round)
    kind = "traversal" if edge.compiled.kind == "escalation" else "restoration"
    events.append(_edge_event(kind, inst, edge, counted, record.round, monitors))
    return after, edge, events


def _evidence(inst: Instance, round_index: int, monitors: Mapping[str, Any]) -> Event:
    """The evidence event of an instance."""
    name = inst.scope.decl.evidence
    assert name is not None  # evidence holds only for scopes that declare it
    return Event(
        "evidence",
        round_index,
        inst.scope.kind,
        inst.name,
        monitors=MonitorView(monitors, inst.scope.evidence_monitors),
        span=span_json(inst.scope.evidence_span),
        detail={"monitor": name},
    )


def _edge_event(
    kind: Any,
    inst: Instance,
    edge: EdgePlan,
    counted: InstanceState,
    round_index: int,
    monitors: Mapping[str, Any],
    reasons: list[str] | None = None,
) -> Event:
    """A traversal, restoration or blocked event, with the counters it was decided on."""
    compiled = edge.compiled
    detail: dict[str, Any] = {
        "from": compiled.source,
        "to": compiled.target,
        "dwell": counted.dwell,
        "clean": counted.clean,
        "credits": counted.credits,
        "streak": counted.streaks[edge.index],
        "priority": compiled.priority,
    }
    if reasons is not None:
        detail["reasons"] = reasons
    if compiled.credits and reasons is None:
        detail["spent"] = compiled.credits
    return Event(
        kind,
        round_index,
        inst.scope.kind,
        inst.name,
        compiled.rule.id,
        compiled.key,
        monitors=MonitorView(monitors, edge.monitors),
        span=span_json(compiled.edge.span),
        rule_span=span_json(compiled.rule.span),
        detail=detail,
    )
