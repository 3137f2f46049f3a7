"""The institutional state and the round record: the data the controller's pure core works on.

Everything here is a frozen dataclass of tuples, so a state can be kept, copied, compared and
replayed freely; the controller never mutates one, it returns a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govlang.runtime.ledger import Ledger, Settlement
from govlang.runtime.plan import Amount, Plan, Ref

Values = Mapping[str, Any]
"""Ref key -> value at one agent of an instance (see :class:`RoundRecord`)."""


@dataclass(frozen=True)
class InstanceState:
    """The institutional state of one scope instance between rounds.

    ``dwell``: rounds completed in the current state; ``clean``: consecutive rounds without
    the scope's evidence; ``credits`` / ``credit_counter``: the credit balance and the clean
    rounds counted towards the next credit; ``streaks``: per edge of the scope (declaration
    order), consecutive rounds its guard held; ``last_traversed``: per edge, the round this
    instance last traversed it; ``firings``: per sanction site id, how often it fired for this
    instance (the fine ladder's ``k``); ``entered_by``: index of the edge that entered the
    current state (``None`` for the initial state at the start).
    """

    state: str
    dwell: int = 0
    clean: int = 0
    credits: float = 0.0
    credit_counter: int = 0
    streaks: tuple[int, ...] = ()
    last_traversed: tuple[int | None, ...] = ()
    firings: tuple[tuple[str, int], ...] = ()
    entered_by: int | None = None

    def fired(self, site_id: str) -> int:
        """How often the sanction site ``site_id`` fired for this instance."""
        return next((n for sid, n in self.firings if sid == site_id), 0)

    def with_firing(self, site_id: str) -> InstanceState:
        """A copy with one more firing of ``site_id``."""
        counts = dict(self.firings)
        counts[site_id] = counts.get(site_id, 0) + 1
        return self.evolve(firings=tuple(sorted(counts.items())))

    def evolve(self, **changes: Any) -> InstanceState:
        """A copy with ``changes`` (field name -> value), as ``dataclasses.replace``.

        Copies the fields directly instead of re-running the constructor: the controller
        derives several states per instance per round. Only field names are accepted.
        """
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise TypeError(f"InstanceState has no field(s) {sorted(unknown)}")
        copy = object.__new__(InstanceState)
        copy.__dict__.update(self.__dict__, **changes)
        return copy


@dataclass(frozen=True)
class RuntimeState:
    """The whole institutional state: last completed round, every instance, the ledger."""

    round: int
    instances: tuple[InstanceState, ...]
    ledger: Ledger = field(default_factory=Ledger)


def initial_state(plan: Plan) -> RuntimeState:
    """The state before round 1: every instance in its scope's initial state, counters at 0."""
    return RuntimeState(
        0,
        tuple(
            InstanceState(
                inst.scope.initial,
                streaks=(0,) * len(inst.scope.edges),
                last_traversed=(None,) * len(inst.scope.edges),
            )
            for inst in plan.instances
        ),
    )


@dataclass(frozen=True)
class RoundRecord:
    """What happened in a round, as the controller needs it (all values already evaluated).

    ``raw``: each agent's raw payoff (``None``: absent this round). ``evidence``: per
    instance, whether the scope's evidence held. ``values``: per instance, one mapping per
    agent of the instance (``instance.agents`` order) from ref key to that agent's value.
    ``monitors``: per instance, monitor name -> JSON value at the instance (for the log).
    """

    round: int
    raw: tuple[float | None, ...]
    evidence: tuple[bool, ...]
    values: tuple[tuple[Values, ...], ...]
    monitors: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Effects:
    """The round's effects: settled money, notices per agent (for the next round), traversals."""

    settlement: Settlement
    notices: tuple[tuple[str, ...], ...]
    traversed: tuple[str | None, ...]


def resolver(values: Values | None) -> Callable[[Amount], Any]:
    """A function resolving an :data:`Amount` from one agent's values (``0`` when unknown)."""

    def resolve(amount: Amount) -> Any:
        if not isinstance(amount, Ref):
            return amount
        if values is None:
            return 0.0  # before round 1 the oracle has no values yet
        return values[amount.key]

    return resolve


def guard_truth(values: Sequence[Values], ref: Ref) -> bool:
    """Whether a guard holds for an instance: for any of its agents, for any element."""
    for agent_values in values:
        value = agent_values[ref.key]
        if value is True or (value is not False and bool(np.any(value))):
            return True
    return False
