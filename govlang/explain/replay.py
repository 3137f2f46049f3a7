"""Re-running an institution over a recorded run, keeping what the trace does not record.

A trace records each round's requested and effective actions and the institution's events;
it does not record the values of the expressions inside a monitor (the ``0.86`` in
``hhi excess 0.86 >= 0.50``), nor the counters an edge was *not* taken on. Both are
deterministic functions of the recorded actions: :func:`replay_run` plays the recorded
requested actions through a fresh market governed by the institution -- the same steps as
:class:`~govlang.runtime.govern.GovernedEnv` (step 3's constraints, the market, the oracle,
the controller's pure core) -- and keeps, per round, the state before and after, the round
record, the events and the value of every expression the explanation needs.

The replay must reproduce the recorded events exactly; if it does not (the institution file
or the market changed since the run), :class:`ReplayMismatch` says at which round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from govlang.explain.talk import observables_of
from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution
from govlang.lang.talk_schema import with_channel
from govlang.runtime.bridge import OracleBridge
from govlang.runtime.canonical import plain
from govlang.runtime.constraints import constrain_round
from govlang.runtime.controller import RoundRecord, RuntimeState, initial_state, step
from govlang.runtime.events import Event
from govlang.runtime.plan import Plan, build_plan
from govlang.runtime.values import Value

ENFORCING = frozenset({"institutional", "enforced_unannounced"})
"""Regimes whose institution binds actions and payoffs."""
RUNNING = ENFORCING | {"announced_unenforced"}
"""Regimes whose institution runs at all."""


class ReplayMismatch(ValueError):
    """The replay does not reproduce the recorded run."""


@dataclass(frozen=True)
class ReplayedRound:
    """One replayed round: states before and after, the record, the events, the values."""

    round: int
    before: RuntimeState
    after: RuntimeState
    record: RoundRecord
    events: tuple[Event, ...]
    values: Mapping[ir.Expr, Value]


@dataclass(frozen=True)
class Replay:
    """A replayed run: the plan and every round."""

    plan: Plan
    rounds: tuple[ReplayedRound, ...]

    def round(self, number: int) -> ReplayedRound:
        """Round ``number`` (1-based)."""
        return self.rounds[number - 1]


def replay_run(
    compiled: CompiledInstitution,
    market: Any,
    requested: Sequence[Mapping[str, Any]],
    seed: int | None,
    regime: str,
    watch: Sequence[ir.Expr] = (),
    talk: Sequence[Mapping[str, Any]] | None = None,
) -> Replay:
    """Play ``requested`` (one mapping of agent to action per round) and keep every round.

    ``watch``: expressions whose value is kept every round (sub-expressions of monitors and
    guards; they must be compiled by the oracle already, or free of temporal operators).
    ``talk``: per round, the trace's ``talk`` entry of a run with a channel (its message
    observables are recomputed from the recorded messages).
    """
    if regime not in RUNNING:
        raise ValueError(f"the institution does not run under regime {regime!r}")
    enforce = regime in ENFORCING
    agents = list(market.possible_agents)
    plan = build_plan(compiled, agents)
    schema = market.schema()
    if talk is not None:
        schema = with_channel(schema, agents)
    bridge = OracleBridge(plan, schema.dimensions)
    market.reset(seed=seed)
    state, previous = initial_state(plan), None
    rounds: list[ReplayedRound] = []
    for number, actions in enumerate(requested, 1):
        asked = {a: np.asarray(actions[a], dtype=np.float64) for a in agents if a in actions}
        effective: Mapping[str, Any] = asked
        prelude: list[Event] = []
        if enforce:
            effective, prelude = constrain_round(plan, state, previous, asked, market.action_space)
        _, rewards, _, _, _ = market.step(dict(effective))
        raw = tuple(rewards.get(agent) for agent in plan.agents)
        action = _action_array(compiled, market, agents, effective)
        observables = market.observables()
        if talk is not None:
            observables = {**observables, **observables_of(agents, talk[number - 1])}
        record = bridge.record(number, raw, observables, action)
        values = {expr: _copy(bridge.oracle.value(expr)) for expr in watch}
        after, _, events = step(plan, state, record, prelude)
        rounds.append(ReplayedRound(number, state, after, record, events, values))
        state, previous = after, record
    return Replay(plan, tuple(rounds))


def check_reproduced(replay: Replay, recorded: Sequence[Sequence[Mapping[str, Any]]]) -> None:
    """Raise :class:`ReplayMismatch` unless the replay's events are the recorded ones."""
    for replayed, events in zip(replay.rounds, recorded, strict=False):
        got = [plain(event.as_json()) for event in replayed.events]
        if got != [dict(e) for e in events]:
            raise ReplayMismatch(
                f"round {replayed.round}: replaying the recorded actions gives "
                f"{len(got)} event(s) where the trace records {len(events)}, or different ones "
                "(the institution file or the market changed since the run?)"
            )


def _copy(value: Value) -> Value:
    """A value detached from the oracle's slots (they are overwritten next round)."""
    return Value(np.array(value.data, copy=True), value.dims)


def _action_array(
    compiled: CompiledInstitution, market: Any, agents: Sequence[str], effective: Mapping[str, Any]
) -> np.ndarray | None:
    """Effective actions stacked ``(agents, *action shape)``, as the governed env builds them."""
    rows = []
    for agent in agents:
        shape = market.action_space(agent).shape or ()
        given = effective.get(agent)
        rows.append(np.zeros(shape) if given is None else np.asarray(given, dtype=np.float64))
    stacked = np.stack([row.reshape(rows[0].shape) for row in rows])
    if compiled.institution.action is None:
        return stacked.reshape(len(rows)) if stacked.size == len(rows) else None
    return stacked
