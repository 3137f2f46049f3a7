"""Adapters: what a governed environment lets the oracle observe each round.

Three ways to observe an environment:

* :class:`MarketAdapter` for govlang's own markets (and any env with ``schema()`` and
  ``observables()`` methods): the market's schema and every observable it reports.
* :class:`GenericAdapter` for any third-party ParallelEnv, without a schema. Observables:
  ``reward`` (``number[agent]``: raw rewards), ``action`` (``number[agent, ...]``: effective
  actions) and every numeric key ``k`` of the step's infos as ``info.k`` (``number[agent]``).
  An institution reads ``info.k`` after declaring ``observe info.k: number[agent]``; its
  schema is derived from the env's action space and those declarations.
* :class:`SchemaAdapter` for a third-party env with a user-written schema
  (:func:`govlang.lang.schema.load_schema`) and a user function, or mapping of name to function,
  computing the schema's observables from each :class:`StepRecord`.

Absent agents (not in the step's rewards) count as reward 0 and action 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium
import numpy as np

from govlang.lang import ir
from govlang.lang.schema import ActionSpec, EnvironmentSchema, ObservableSpec

INFO_PREFIX = "info."


@dataclass(frozen=True)
class StepRecord:
    """One environment step as adapters see it (agents in ``possible_agents`` order)."""

    agents: tuple[str, ...]
    actions: Mapping[str, Any]
    rewards: Mapping[str, Any]
    infos: Mapping[str, Mapping[str, Any]]
    observations: Mapping[str, Any]


ObserveFunction = Callable[[StepRecord], Mapping[str, Any]]
ObserveMapping = Mapping[str, Callable[[StepRecord], Any]]


class Adapter(Protocol):
    """What the runtime needs from an environment beyond the ParallelEnv API."""

    def schema(self) -> EnvironmentSchema:
        """The observables, dims and action space the environment offers."""
        ...

    def observe(self, env: Any, step: StepRecord) -> Mapping[str, Any]:
        """Every observable of the step just taken (arrays shaped by their dims)."""
        ...


class MarketAdapter:
    """Observes an environment that reports its own observables (govlang's markets)."""

    def __init__(self, env: Any, schema: EnvironmentSchema | None = None) -> None:
        """Use ``schema`` if given, else the env's own ``schema()``."""
        self._schema = schema if schema is not None else env.schema()

    def schema(self) -> EnvironmentSchema:
        """The market's schema."""
        return self._schema

    def observe(self, env: Any, step: StepRecord) -> Mapping[str, Any]:
        """The market's observables of the last round."""
        observed: Mapping[str, Any] = env.observables()
        return observed


class GenericAdapter:
    """Observes any ParallelEnv through rewards, actions and numeric info keys."""

    def __init__(self, env: Any, institution: ir.Institution) -> None:
        """Derive the schema from the env's action space and the institution's declarations."""
        self._schema = generic_schema(env, institution)
        action = self._schema.action
        dims = action.dims if action is not None else ()
        self._shape = tuple(len(self._schema.dimensions[d]) for d in dims)

    def schema(self) -> EnvironmentSchema:
        """The derived schema."""
        return self._schema

    def observe(self, env: Any, step: StepRecord) -> Mapping[str, Any]:
        """``reward``, ``action`` and ``info.<key>`` for every numeric info key."""
        reward = np.array([_number(step.rewards.get(a, 0.0)) for a in step.agents])
        action = np.stack([self._action(step.actions.get(a)) for a in step.agents])
        out: dict[str, Any] = {"reward": reward, "action": action}
        for key in _numeric_keys(step):
            values = [_number(step.infos.get(a, {}).get(key, 0.0)) for a in step.agents]
            out[INFO_PREFIX + key] = np.array(values)
        return out

    def _action(self, action: Any) -> Any:
        if action is None:
            return np.zeros(self._shape)
        return np.asarray(action, dtype=np.float64).reshape(self._shape)


class SchemaAdapter:
    """Observes a third-party env with a user schema and user observation function(s)."""

    def __init__(
        self, schema: EnvironmentSchema, observe: ObserveFunction | ObserveMapping
    ) -> None:
        """``observe``: a function returning every observable, or name -> function."""
        self._schema = schema
        self._observe = observe

    def schema(self) -> EnvironmentSchema:
        """The user's schema."""
        return self._schema

    def observe(self, env: Any, step: StepRecord) -> Mapping[str, Any]:
        """The user's observables of the step."""
        if isinstance(self._observe, Mapping):
            return {name: fn(step) for name, fn in self._observe.items()}
        return self._observe(step)


def adapter_for(
    env: Any,
    institution: ir.Institution,
    schema: EnvironmentSchema | None = None,
    observe: ObserveFunction | ObserveMapping | None = None,
) -> Adapter:
    """The adapter for ``env``: user observe function, market, or generic (in that order)."""
    if observe is not None:
        if schema is None:
            raise ValueError("an `observe` function needs the `schema` it computes")
        return SchemaAdapter(schema, observe)
    if callable(getattr(env, "observables", None)):
        if schema is None and not callable(getattr(env, "schema", None)):
            raise ValueError("the environment reports observables() but has no schema()")
        return MarketAdapter(env, schema)
    if schema is not None:
        raise ValueError(
            "a schema for a third-party environment needs an `observe` function or mapping "
            "that computes its observables"
        )
    return GenericAdapter(env, institution)


def generic_schema(env: Any, institution: ir.Institution) -> EnvironmentSchema:
    """The schema of a third-party env observed by :class:`GenericAdapter`.

    The action dim (for a vector action) is named after the institution's ``action:``
    declaration, else ``component``, with labels ``"0"``, ``"1"``, ...
    """
    space = env.action_space(env.possible_agents[0])
    low, high, size = _action_bounds(space)
    declared = institution.action.type.dims if institution.action is not None else ()
    dims: tuple[str, ...] = ()
    dimensions: dict[str, tuple[str, ...]] = {}
    if size > 1:
        dims = (declared[0] if declared else "component",)
        dimensions[dims[0]] = tuple(str(i) for i in range(size))
    observables = [
        ObservableSpec(name="reward", dims=("agent",), description="Raw reward of each agent."),
        ObservableSpec(name="action", dims=("agent", *dims), description="Effective actions."),
    ]
    observables += [
        ObservableSpec(name=o.name, type=o.type.base, dims=o.type.dims, description=o.doc or "")
        for o in institution.observes
        if o.name.startswith(INFO_PREFIX)
    ]
    name = str(getattr(env, "metadata", {}).get("name", type(env).__name__))
    return EnvironmentSchema(
        name=name,
        dimensions=dimensions,
        observables=tuple(observables),
        action=ActionSpec(dims=dims, low=low, high=high),
    )


def _action_bounds(space: gymnasium.spaces.Space[Any]) -> tuple[float, float, int]:
    """Lowest and highest action value and the number of components of an action space."""
    if isinstance(space, gymnasium.spaces.Box):
        return float(np.min(space.low)), float(np.max(space.high)), int(np.prod(space.shape))
    if isinstance(space, gymnasium.spaces.Discrete):
        return float(space.start), float(space.start + space.n - 1), 1
    raise ValueError(f"the generic adapter needs a Box or Discrete action space, got {space}")


def _numeric_keys(step: StepRecord) -> list[str]:
    """The info keys with a number (not a bool) for at least one agent, in first-seen order."""
    keys: dict[str, None] = {}
    for agent in step.agents:
        for key, value in step.infos.get(agent, {}).items():
            if _is_number(value):
                keys.setdefault(key, None)
    return list(keys)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _number(value: Any) -> float:
    return float(value) if _is_number(value) else 0.0
