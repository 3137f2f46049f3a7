"""Shared helpers of the runtime tests: a tiny third-party-style env and run helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

import govlang.api as api
from govlang.lang.compile import CompiledInstitution
from govlang.markets import CournotMarket
from govlang.runtime.govern import GovernedEnv, govern

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "cournot_reference.gov"


class EchoEnv(ParallelEnv):
    """A minimal ParallelEnv: each agent picks a number in [0, 100] and earns 10x it.

    Observations are everyone's last actions; infos carry ``x`` (the agent's effective
    action) and ``double`` (twice it). All agents are truncated after ``rounds`` rounds.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "echo_v0", "render_modes": []}

    def __init__(self, agents: Sequence[str] = ("a0", "a1"), rounds: int = 30) -> None:
        self.possible_agents = list(agents)
        self.agents: list[str] = []
        self.rounds = rounds
        self._action = gymnasium.spaces.Box(0.0, 100.0, shape=(), dtype=np.float64)
        n = len(agents)
        self._observation = gymnasium.spaces.Box(0.0, 100.0, shape=(n,), dtype=np.float64)
        self.round = 0
        self.last = np.zeros(n)

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        return self._action

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        return self._observation

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        self.agents = list(self.possible_agents)
        self.round = 0
        self.last = np.zeros(len(self.possible_agents))
        return {a: self.last.copy() for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions: Mapping[str, Any]) -> Any:
        self.round += 1
        self.last = np.array([float(actions[a]) for a in self.possible_agents])
        live = list(self.agents)
        done = self.round >= self.rounds
        if done:
            self.agents = []
        x = dict(zip(self.possible_agents, self.last, strict=True))
        return (
            {a: self.last.copy() for a in live},
            {a: 10.0 * float(x[a]) for a in live},
            dict.fromkeys(live, False),
            dict.fromkeys(live, done),
            {a: {"x": float(x[a]), "double": 2.0 * float(x[a]), "flag": True} for a in live},
        )


def compile_text(text: str, params: Mapping[str, Any] | None = None) -> CompiledInstitution:
    """Check and compile institution source text (no environment schema)."""
    return api.loads(text, params=params)


def reference(params: Mapping[str, Any] | None = None) -> CompiledInstitution:
    """The reference institution, checked against the reference Cournot market."""
    return api.load(REFERENCE, params=params, schema=CournotMarket().schema())


def run(
    env: GovernedEnv | ParallelEnv,
    policy: Callable[[int], Mapping[str, Any]],
    rounds: int,
    seed: int = 0,
) -> list[tuple[Any, ...]]:
    """Reset with ``seed`` and play ``rounds`` rounds; return every step's 5-tuple."""
    env.reset(seed=seed)
    return [env.step(dict(policy(t))) for t in range(1, rounds + 1)]


def echo(
    compiled: CompiledInstitution, script: Sequence[Sequence[float]], **kw: Any
) -> GovernedEnv:
    """Govern an :class:`EchoEnv` and play ``script`` (one action per agent per round)."""
    agents = tuple(f"a{i}" for i in range(len(script[0])))
    env = govern(EchoEnv(agents, rounds=len(script) + 5), compiled, **kw)
    env.reset(seed=0)
    for row in script:
        env.step({a: np.float64(x) for a, x in zip(agents, row, strict=True)})
    return env


def standings(env: GovernedEnv, instance: str = "a0") -> list[str]:
    """The state of ``instance`` after each round played so far."""
    return [trace.standings[instance] for trace in env.history]


def kinds(env: GovernedEnv, kind: str, instance: str | None = None) -> list[tuple[int, Any]]:
    """``(round, event)`` of every event of ``kind`` (of ``instance``) so far."""
    return [
        (trace.round, event)
        for trace in env.history
        for event in trace.events
        if event.kind == kind and (instance is None or event.instance == instance)
    ]
