"""What agents are told: standings and notices in infos, and optionally in observations."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from govlang.markets import CournotMarket
from govlang.runtime.govern import govern

from .support import EchoEnv, compile_text, reference

DIVIDE = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}


def test_reset_infos_carry_every_standing() -> None:
    env = govern(CournotMarket(), reference())
    _, infos = env.reset(seed=0)
    info = infos["firm_0"]["govlang"]
    assert info["regime"] == "institutional" and info["round"] == 0
    assert (info["state"], info["label"]) == ("active", "CLEAR")
    assert info["description"] == "In good standing."
    assert info["notices"] == [] and info["market"] is None
    assert info["standings"] == {"firm_0": "CLEAR", "firm_1": "CLEAR"}
    assert info["digest"] == env.compiled.digest
    assert infos["firm_0"]["costs"] == [40.0, 50.0]  # the env's own info is kept


def test_notices_issued_in_a_round_are_read_at_the_start_of_the_next() -> None:
    env = govern(CournotMarket(), reference())
    env.reset(seed=0)
    first = env.step(DIVIDE)[4]["firm_0"]["govlang"]
    assert first["notices"] == [
        "Warning under P2: coordination evidence this round.",
        "Your standing is now UNDER REVIEW: Coordination evidence observed. Further "
        "evidence leads to fines.",
    ]
    second = env.step(DIVIDE)[4]["firm_1"]["govlang"]
    assert second["notices"] == [
        "Fined 630.00 under rule P2_independent_decision.",
        "Your standing is now PENALISED: Fined for coordination evidence; fines escalate "
        "on repeat offences.",
    ]
    assert second["standings"] == {"firm_0": "PENALISED", "firm_1": "PENALISED"}
    assert second["payoff"] == {"raw": 1800.0, "mediated": 1170.0, "fined": 630.0, "received": 0.0}
    assert second["action"]["requested"] is DIVIDE["firm_1"]


def test_the_market_instance_is_reported_to_every_agent() -> None:
    text = """
institution M
action: number in [0, 100]
monitor hot: bool = max(action over agents) > 50
market {
  evidence hot
  initial state calm "CALM"
  state alert "ALERT" "The market is overheating." { on enter: notice "Cool down." }
  rule A { calm -> alert when hot }
  restore B { alert -> calm after 1 clean rounds }
}
"""
    env = govern(EchoEnv(), compile_text(text))
    env.reset(seed=0)
    infos = env.step({"a0": np.float64(90), "a1": np.float64(0)})[4]
    for agent in ("a0", "a1"):
        info = infos[agent]["govlang"]
        assert info["market"] == {
            "state": "alert",
            "label": "ALERT",
            "description": "The market is overheating.",
        }
        assert info["state"] is None and info["standings"] == {}
        assert info["notices"] == [
            "Cool down.",
            "The market's standing is now ALERT: The market is overheating.",
        ]


class DictEchoEnv(EchoEnv):
    """EchoEnv with dict observations, as LLM-facing envs often have."""

    metadata: ClassVar[dict[str, Any]] = {"name": "dict_echo_v0", "render_modes": []}

    def __init__(self, rounds: int = 30) -> None:
        super().__init__(rounds=rounds)
        self._dict = gymnasium.spaces.Dict({"last": self._observation})

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:  # type: ignore[override]
        return self._dict

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        observations, infos = super().reset(seed, options)
        return {a: {"last": o} for a, o in observations.items()}, infos

    def step(self, actions: Any) -> Any:
        observations, *rest = super().step(actions)
        return ({a: {"last": o} for a, o in observations.items()}, *rest)


WATCH = """
institution Watch "Watched players."
action: number in [0, 100]
monitor high: bool[agent] = action > 50
per agent {
  evidence high
  initial state free "FREE"
  state watched "WATCHED" "You are watched." { on enter: notice "Keep it under 50." }
  rule W { free -> watched when high }
  restore U { watched -> free after 1 clean rounds }
}
"""


def test_notices_in_observations_are_off_by_default_and_optional() -> None:
    plain = govern(DictEchoEnv(), compile_text(WATCH))
    observations, _ = plain.reset(seed=0)
    assert set(observations["a0"]) == {"last"}
    env = govern(DictEchoEnv(), compile_text(WATCH), notices_in_observations=True)
    observations, _ = env.reset(seed=0)
    assert observations["a0"]["govlang_notices"] == ""
    observations = env.step({"a0": np.float64(70), "a1": np.float64(0)})[0]
    assert observations["a0"]["govlang_notices"] == (
        "Keep it under 50.\nYour standing is now WATCHED: You are watched."
    )
    assert observations["a1"]["govlang_notices"] == ""
    assert env.observation_space("a0").contains(observations["a0"])
    assert env.observation_space("a0") is env.observation_space("a0")
    parallel_api_test(govern(DictEchoEnv(), compile_text(WATCH), notices_in_observations=True))


def test_notices_cannot_be_added_to_vector_observations() -> None:
    with pytest.raises(ValueError, match="only to Dict or Text observations"):
        govern(EchoEnv(), compile_text(WATCH), notices_in_observations=True)


def test_infos_announce_the_constraints_of_the_coming_round() -> None:
    env = govern(CournotMarket(), reference())
    _, infos = env.reset(seed=0)
    free = {"suspended": False, "excluded": False, "caps": [], "floors": []}
    assert infos["firm_0"]["govlang"]["constraints"] == free
    for _ in range(5):
        infos = env.step(DIVIDE)[4]
    assert infos["firm_0"]["govlang"]["constraints"] == {**free, "suspended": True}
    text = """
institution Capped
action: number in [0, 100]
monitor high: bool[agent] = action > 50
monitor top: number = max(action over agents)
per agent {
  evidence high
  initial state free "FREE"
  state capped "CAPPED" { on each round: cap action at top / 2  on each round: floor action at 1 }
  terminal state out "OUT" { on each round: exclude }
  rule C { free -> capped when high  capped -> out after 2 rounds priority 1 }
  restore D { capped -> free after 3 clean rounds }
}
"""
    env = govern(EchoEnv(), compile_text(text))
    env.reset(seed=0)
    told = env.step({"a0": np.float64(80), "a1": np.float64(10)})[4]["a0"]["govlang"]
    assert told["constraints"] == {**free, "caps": [40.0], "floors": [1.0]}
    for _ in range(2):
        told = env.step({"a0": np.float64(80), "a1": np.float64(10)})[4]["a0"]["govlang"]
    assert told["state"] == "out" and told["constraints"]["excluded"] is True
