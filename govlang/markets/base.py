"""Machinery shared by the market environments: config helpers and the round-based base env.

:class:`MarketEnv` implements the PettingZoo ``ParallelEnv`` protocol for a repeated,
simultaneous-move market with a fixed horizon: every agent acts every round, nobody is ever
terminated, and all agents are truncated together after ``max_rounds`` rounds. Subclasses
supply the market itself through four hooks: :meth:`MarketEnv.effective_actions` (validate and
project the action dict), :meth:`MarketEnv.outcome` (all schema observables of one round),
:meth:`MarketEnv.observation_vector` and :meth:`MarketEnv.agent_info`.
"""

from __future__ import annotations

import string
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import gymnasium
import numpy as np
from numpy.typing import NDArray
from pettingzoo import ParallelEnv  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel

from govlang.lang.schema import EnvironmentSchema, ObservableSpec

FloatArray = NDArray[np.float64]
Outcome = dict[str, FloatArray]
Config = TypeVar("Config", bound=BaseModel)
"""A market's config model."""

Observable = tuple[str, tuple[str, ...], str]
"""An observable a market declares: its name, its dimensions and its description."""

__all__ = [
    "MarketEnv",
    "Observable",
    "Outcome",
    "agent_names",
    "benchmark_values",
    "broadcast",
    "commodity_labels",
    "observable_specs",
]


def observable_specs(
    per_round: Sequence[Observable],
    benchmarks: Sequence[Observable],
    titles: Mapping[str, str],
) -> tuple[ObservableSpec, ...]:
    """A market schema's observables: the per-round ones, then each benchmark's.

    ``titles`` maps each benchmark's prefix (``nash``, ``monopoly``) to the words that open the
    description of its observables (``nash.price``: "Cournot-Nash equilibrium: prices.").
    """
    specs = [ObservableSpec(name=n, dims=d, description=t) for n, d, t in per_round]
    for prefix, title in titles.items():
        specs.extend(
            ObservableSpec(name=f"{prefix}.{n}", dims=d, description=f"{title}: {t}.")
            for n, d, t in benchmarks
        )
    return tuple(specs)


def benchmark_values(plays: Mapping[str, Outcome], benchmarks: Sequence[Observable]) -> Outcome:
    """The benchmark observables: ``PREFIX.NAME`` from the round measures of each play.

    ``plays`` maps each benchmark's prefix to the measures of a round played at it.
    """
    return {
        f"{prefix}.{name}": measured[name]
        for prefix, measured in plays.items()
        for name, _, _ in benchmarks
    }


def agent_names(value: Any) -> Any:
    """Turn a firm count into names ``firm_0 .. firm_{n-1}``; pass anything else through."""
    if isinstance(value, int) and not isinstance(value, bool):
        return tuple(f"firm_{i}" for i in range(value))
    return value


def commodity_labels(value: Any) -> Any:
    """Turn a commodity count into labels ``A, B, ...`` (``c0, c1, ...`` beyond 26)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= len(string.ascii_uppercase):
            return tuple(string.ascii_uppercase[:value])
        return tuple(f"c{j}" for j in range(value))
    return value


def broadcast(value: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast a scalar to nested tuples of ``shape``; convert arrays to nested tuples.

    Values that are neither numbers nor array-likes of a matching size are passed through so
    that pydantic reports the type error.
    """
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return value
    if array.ndim == 0:
        array = np.full(shape, float(array))
    if array.shape != shape:
        return value

    def nest(a: NDArray[np.float64]) -> Any:
        return float(a) if a.ndim == 0 else tuple(nest(row) for row in a)

    return nest(array)


def check_names(names: Sequence[str], what: str) -> None:
    """Require at least one name, all non-empty and distinct."""
    if not names:
        raise ValueError(f"at least one {what} is required")
    if any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError(f"{what} names must be non-empty and distinct, got {list(names)}")


def check_positive_finite(values: Sequence[float], what: str, *, allow_zero: bool = False) -> None:
    """Require finite values that are positive (or non-negative with ``allow_zero``)."""
    for value in values:
        if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"{what} must be finite and {bound}, got {value}")


class MarketEnv(ParallelEnv, ABC):  # type: ignore[misc,unused-ignore]
    """Base class of the repeated simultaneous-move markets (PettingZoo ``ParallelEnv``).

    ``render_mode`` may be ``None`` (no rendering), ``"ansi"`` (:meth:`render` returns a text
    summary of the last round) or ``"human"`` (prints it). Dynamics are deterministic: the
    ``seed`` of :meth:`reset` only seeds ``np_random``, which the markets never draw from.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "name": "market"}

    def __init__(
        self,
        agents: Sequence[str],
        max_rounds: int,
        action_space: Mapping[str, gymnasium.spaces.Box],
        observation_space: Mapping[str, gymnasium.spaces.Box],
        render_mode: str | None = None,
    ) -> None:
        """Set up agents, spaces and the horizon; subclasses then compute their benchmarks."""
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
        self.possible_agents: list[str] = list(agents)
        self.agents: list[str] = []
        self.max_rounds = max_rounds
        self._action_spaces = dict(action_space)
        self._observation_spaces = dict(observation_space)
        self.np_random, _ = gymnasium.utils.seeding.np_random(None)
        self.round = 0
        self.cumulative_profit: FloatArray = np.zeros(len(self.possible_agents))
        self._last: Outcome | None = None
        self._started = False

    @staticmethod
    def configured(
        model: type[Config], config: Config | None, overrides: Mapping[str, Any]
    ) -> Config:
        """``config`` (default: ``model()``) updated by constructor ``overrides``, validated."""
        if overrides:
            base = config.model_dump() if config is not None else {}
            return model.model_validate({**base, **overrides})
        return config or model()

    # ----------------------------------------------------------------- subclass hooks

    @abstractmethod
    def effective_actions(self, actions: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
        """Return ``(requested, effective)`` action arrays, agent axis first."""
        raise NotImplementedError

    @abstractmethod
    def outcome(self, actions: Any) -> Outcome:
        """All schema observables (benchmarks included) of a round played with ``actions``."""
        raise NotImplementedError

    @abstractmethod
    def observation_vector(self, index: int) -> FloatArray:
        """Observation of agent ``index`` after the last round (zeros before any round)."""
        raise NotImplementedError

    @abstractmethod
    def agent_info(self, index: int, requested: FloatArray) -> dict[str, Any]:
        """JSON-serialisable info dict of agent ``index`` for the last round."""
        raise NotImplementedError

    @abstractmethod
    def schema(self) -> EnvironmentSchema:
        """Return the :class:`~govlang.lang.schema.EnvironmentSchema` of this market."""
        raise NotImplementedError

    def initial_info(self, index: int) -> dict[str, Any]:
        """Info of agent ``index`` returned by :meth:`reset` (round 0, before any action)."""
        return {"round": 0}

    # ------------------------------------------------------------ ParallelEnv protocol

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        """Return the (cached, always identical) action space of ``agent``."""
        return self._action_spaces[agent]

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """Return the (cached, always identical) observation space of ``agent``."""
        return self._observation_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, FloatArray], dict[str, dict[str, Any]]]:
        """Start a new episode at round 0; returns initial observations and infos."""
        if seed is not None:
            self.np_random, _ = gymnasium.utils.seeding.np_random(seed)
        self.agents = list(self.possible_agents)
        self.round = 0
        self.cumulative_profit = np.zeros(len(self.possible_agents))
        self._last = None
        self._started = True
        observations = {a: self.observation_vector(i) for i, a in enumerate(self.possible_agents)}
        infos = {a: self.initial_info(i) for i, a in enumerate(self.possible_agents)}
        return observations, infos

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, FloatArray],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Play one round with every live agent's action; truncate all after ``max_rounds``."""
        if not self._started:
            raise RuntimeError("step() called before reset()")
        if not self.agents:
            raise RuntimeError("the episode is over; call reset() to start a new one")
        missing = [agent for agent in self.agents if agent not in actions]
        if missing:
            raise ValueError(f"missing actions for {missing}")
        unknown = sorted(set(actions) - set(self.agents))
        if unknown:
            raise ValueError(f"actions for unknown or finished agents {unknown}")
        requested, effective = self.effective_actions(actions)
        self._last = self.outcome(effective)
        self.round += 1
        self.cumulative_profit = self.cumulative_profit + self._last["round_profit"]
        live = list(self.agents)
        done = self.round >= self.max_rounds
        index = {agent: i for i, agent in enumerate(self.possible_agents)}
        observations = {a: self.observation_vector(index[a]) for a in live}
        rewards = {a: float(self._last["round_profit"][index[a]]) for a in live}
        infos = {a: self.agent_info(index[a], requested[index[a]]) for a in live}
        if done:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return observations, rewards, dict.fromkeys(live, False), dict.fromkeys(live, done), infos

    def observables(self) -> Outcome:
        """Every schema observable (benchmarks included) for the last completed round.

        Arrays are shaped by each observable's dims with the agent axis in ``possible_agents``
        order. Raises ``RuntimeError`` before the first :meth:`step` of an episode.
        """
        if self._last is None:
            raise RuntimeError(
                "observables() is only available after the first step() of an episode"
            )
        return {name: value.copy() for name, value in self._last.items()}

    def render(self) -> str | None:
        """Text summary of the last round: returned in ``"ansi"`` mode, printed in ``"human"``.

        In ``"human"`` mode :meth:`step` renders automatically after every round.
        """
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; nothing to render")
            return None
        text = self._summary()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def _summary(self) -> str:
        """Text summary of the last round's quantities, prices and profits."""
        if self._last is None:
            return f"{self.metadata['name']}: round {self.round}, no round played yet"
        lines = [f"{self.metadata['name']}: round {self.round}/{self.max_rounds}"]
        for name in ("quantity", "price", "round_profit"):
            values = np.array2string(self._last[name], precision=3, suppress_small=True)
            lines.append(f"  {name}: {values}")
        return "\n".join(lines)

    def close(self) -> None:
        """Release resources (none are held)."""
