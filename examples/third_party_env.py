"""Governing a ParallelEnv that govlang did not write.

Honesty note: no PettingZoo environment with numeric actions is usable here out of the box
(the MPE family moved to the separate ``mpe2`` package, and the butterfly and SISL families
need pygame, pymunk or Box2D), so this example ships its own stand-in third party: a tiny
repeated public-goods game written below against the plain PettingZoo ``ParallelEnv`` API,
with no govlang import. govlang knows nothing about it: it has no ``schema()`` and no
``observables()``. The institution, ``examples/public_goods.gov``, reads it through govlang's
generic observables: rewards, actions and the numeric keys of its infos (here
``info.contribution``).

Run it::

    python examples/third_party_env.py
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

import govlang

HERE = Path(__file__).resolve().parent


class PublicGoodsGame(ParallelEnv):  # type: ignore[misc,unused-ignore]
    """A repeated public-goods game (the stand-in third-party environment).

    Every round each of ``n`` players receives ``endowment`` and puts ``c_i`` in
    ``[0, endowment]`` into a common pot; the pot is multiplied by ``multiplier`` and shared
    equally. Payoff: ``endowment - c_i + multiplier * sum(c) / n``. Observations are
    everyone's last contributions; infos report each player's ``contribution`` and ``share``.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "public_goods_v0", "render_modes": []}

    def __init__(self, players: int = 3, rounds: int = 20, endowment: float = 20.0) -> None:
        """Set up ``players`` players for ``rounds`` rounds."""
        self.possible_agents = [f"player_{i}" for i in range(players)]
        self.agents: list[str] = []
        self.rounds = rounds
        self.endowment = endowment
        self.multiplier = 1.6
        self.round = 0
        self.last = np.zeros(players)
        self._action = gymnasium.spaces.Box(0.0, endowment, shape=(), dtype=np.float64)
        self._observation = gymnasium.spaces.Box(0.0, endowment, shape=(players,), dtype=np.float64)

    def action_space(self, agent: str) -> gymnasium.spaces.Box:
        """A contribution in ``[0, endowment]`` (the same object every call)."""
        return self._action

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """Everyone's last contributions (the same object every call)."""
        return self._observation

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start a new game."""
        self.agents = list(self.possible_agents)
        self.round = 0
        self.last = np.zeros(len(self.possible_agents))
        return {a: self.last.copy() for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
        """Collect the contributions, share the multiplied pot."""
        self.round += 1
        contributions = np.array([float(actions[a]) for a in self.possible_agents])
        self.last = np.clip(contributions, 0.0, self.endowment)
        share = self.multiplier * self.last.sum() / len(self.possible_agents)
        live = list(self.agents)
        done = self.round >= self.rounds
        if done:
            self.agents = []
        index = {a: i for i, a in enumerate(self.possible_agents)}
        rewards = {a: self.endowment - self.last[index[a]] + share for a in live}
        infos = {a: {"contribution": float(self.last[index[a]]), "share": share} for a in live}
        observations = {a: self.last.copy() for a in live}
        return observations, rewards, dict.fromkeys(live, False), dict.fromkeys(live, done), infos


def scripted(round_index: int) -> dict[str, float]:
    """Two steady contributors and a player who free-rides for six rounds, then reforms."""
    rider = 0.0 if round_index <= 6 else 10.0
    return {"player_0": 12.0, "player_1": 10.0, "player_2": rider}


def main(rounds: int = 12) -> Any:
    """Govern the game by ``examples/public_goods.gov`` and print what the institution did."""
    compiled = govlang.load(HERE / "public_goods.gov")
    env = govlang.govern(PublicGoodsGame(rounds=rounds), compiled)
    env.reset(seed=0)
    for t in range(1, rounds + 1):
        env.step(scripted(t))
        trace = env.history[-1]
        payoffs = ", ".join(
            f"{a} {trace.raw[a]:.1f}->{trace.mediated[a]:.1f}" for a in env.possible_agents
        )
        print(f"round {t:>2}: {trace.standings['player_2']:<10} {payoffs}")
        for event in trace.events:
            if event.kind in ("traversal", "restoration", "blocked"):
                print("          " + event.summary())
    env.close()
    return env


if __name__ == "__main__":
    main()
