"""Action constraints (``specs/semantics.md``, step 3): what constraints leave of an action.

Applied element-wise to one agent's requested action when at least one constraint binds it:
clip to the action space, raise to the largest ``floor``, lower to the smallest ``cap`` (a cap
wins over a floor), force ``0`` under ``suspend`` / ``exclude``, and clip to the action space
once more so the environment always receives a valid action (a ``0`` outside the space becomes
its lower bound). With no constraint the requested action object is passed on untouched: not
even clipped.

The constraints binding an agent in round ``t`` are the ``on each round`` constraints of the
state its instance occupies at the start of round ``t`` and those of the market instance's
state. Their values are evaluated with round ``t - 1``'s oracle values; in round 1 a value
that reads monitors or observables is ``0``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np

from govlang.lang import ir
from govlang.lang.kernels import clip
from govlang.runtime.events import Event, span_json
from govlang.runtime.plan import Amount, Instance, Plan, SanctionSite
from govlang.runtime.state import RoundRecord, RuntimeState, resolver

Resolve = Callable[[Amount], Any]


class ConstraintError(ValueError):
    """An action constraint cannot be applied to an action space."""


@dataclass(frozen=True)
class Bounds:
    """The constraints binding one agent this round, already evaluated."""

    floors: tuple[Any, ...] = ()
    caps: tuple[Any, ...] = ()
    zero: bool = False

    @property
    def binding(self) -> bool:
        """Whether any constraint applies at all."""
        return bool(self.floors or self.caps or self.zero)


def bounds_of(sites: Sequence[SanctionSite], resolve: Resolve) -> Bounds:
    """Collect the floors, caps and zeroing of the constraint ``sites`` binding one agent."""
    floors: list[Any] = []
    caps: list[Any] = []
    zero = False
    for site in sites:
        sanction = site.sanction
        if isinstance(sanction, ir.ActionBound) and site.value is not None:
            target = caps if sanction.bound == "cap" else floors
            target.append(resolve(site.value))
        elif isinstance(sanction, ir.Suspend | ir.Exclude):
            zero = True
    return Bounds(tuple(floors), tuple(caps), zero)


def constrain(action: Any, space: gymnasium.spaces.Space[Any], bounds: Bounds) -> Any:
    """The effective action left of ``action`` under ``bounds`` (see the module docstring)."""
    if not bounds.binding:
        return action
    low, high, dtype = _limits(space)
    # kernels.clip: two ufuncs, cheaper than np.clip's Python layer (low <= high here)
    value = clip(np.asarray(action, dtype=np.float64), low, high)
    for floor in bounds.floors:
        value = np.maximum(value, np.asarray(floor, dtype=np.float64))
    for cap in bounds.caps:
        value = np.minimum(value, np.asarray(cap, dtype=np.float64))
    if bounds.zero:
        value = np.zeros_like(value)
    value = clip(value, low, high)
    return _as_space_value(value, dtype, space)


def _limits(space: gymnasium.spaces.Space[Any]) -> tuple[Any, Any, Any]:
    """Lower and upper bounds and dtype of a numeric action space."""
    if isinstance(space, gymnasium.spaces.Box):
        return space.low, space.high, space.dtype
    if isinstance(space, gymnasium.spaces.Discrete):
        return int(space.start), int(space.start + space.n - 1), np.int64
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        return np.zeros_like(space.nvec), space.nvec - 1, space.dtype
    raise ConstraintError(
        f"action constraints need a Box, Discrete or MultiDiscrete action space, got {space}"
    )


def _as_space_value(value: Any, dtype: Any, space: gymnasium.spaces.Space[Any]) -> Any:
    """``value`` converted to the space's type (integers are rounded down)."""
    if isinstance(space, gymnasium.spaces.Discrete):
        return np.int64(np.floor(float(value)))
    if np.issubdtype(np.dtype(dtype), np.integer):
        return np.floor(value).astype(dtype)
    return np.asarray(value, dtype=dtype)


@dataclass(frozen=True)
class Binding:
    """One constraint binding one agent: the instance imposing it, its site, its bounds."""

    instance: Instance
    site: SanctionSite
    bounds: Bounds


def bindings(
    plan: Plan, state: RuntimeState, previous: RoundRecord | None
) -> tuple[tuple[Binding, ...], ...]:
    """Per agent (``plan.agents`` order): the constraints binding it at the start of a round.

    ``previous`` is the last round's record (``None`` before round 1). The last answer is
    kept: a governed round asks twice with the same (immutable) state and record, once for
    the infos announcing the coming round and once at its step 3.
    """
    last = _LAST[0]
    if last is not None and last[0] is plan and last[1] is state and last[2] is previous:
        return last[3]
    found: list[list[Binding]] = [[] for _ in plan.agents]
    for inst in plan.instances:
        current = inst.scope.states[state.instances[inst.index].state]
        if not current.constraints:
            continue
        for k, agent in enumerate(inst.agents):
            resolve = resolver(None if previous is None else previous.values[inst.index][k])
            for site in current.constraints:
                found[agent].append(Binding(inst, site, bounds_of([site], resolve)))
    answer = tuple(tuple(b) for b in found)
    _LAST[0] = (plan, state, previous, answer)
    return answer


_LAST: list[tuple[Plan, RuntimeState, RoundRecord | None, tuple[tuple[Binding, ...], ...]] | None]
_LAST = [None]
"""The last call of :func:`bindings` and its answer (its arguments are immutable)."""


def merge(found: Sequence[Binding]) -> Bounds:
    """The combined bounds of several bindings of one agent."""
    return Bounds(
        tuple(f for b in found for f in b.bounds.floors),
        tuple(c for b in found for c in b.bounds.caps),
        any(b.bounds.zero for b in found),
    )


def constrain_round(
    plan: Plan,
    state: RuntimeState,
    previous: RoundRecord | None,
    requested: Mapping[str, Any],
    space_of: Callable[[str], gymnasium.spaces.Space[Any]],
) -> tuple[dict[str, Any], list[Event]]:
    """Step 3: the effective action of every agent in ``requested``, and one event per binding."""
    effective = dict(requested)
    events: list[Event] = []
    for agent, found in zip(plan.agents, bindings(plan, state, previous), strict=True):
        if agent not in requested or not found:
            continue
        effective[agent] = constrain(requested[agent], space_of(agent), merge(found))
        events += [_event(state, b, agent, requested[agent], effective[agent]) for b in found]
    return effective, events


def _event(state: RuntimeState, found: Binding, agent: str, asked: Any, got: Any) -> Event:
    """The sanction event of one binding constraint."""
    inst = found.instance
    entered = state.instances[inst.index].entered_by
    edge = None if entered is None else inst.scope.edges[entered].compiled
    return Event(
        "sanction",
        state.round + 1,
        inst.scope.kind,
        inst.name,
        None if edge is None else edge.rule.id,
        None if edge is None else edge.key,
        span=span_json(found.site.sanction.span),
        rule_span=None if edge is None else span_json(edge.rule.span),
        detail={
            "site": found.site.id,
            "sanction": found.site.text,
            "agent": agent,
            "requested": np.asarray(asked, dtype=np.float64).tolist(),
            "effective": np.asarray(got, dtype=np.float64).tolist(),
        },
    )
