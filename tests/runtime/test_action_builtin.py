"""The `action` built-in is the action the market acts on, never the raw request.

A firm that asks for quantities outside the action space (`[-1000, 1000]`) gets them clipped
by the market (`[0, 100]`); an institution that fines on `action` must see the clipped action,
so the out-of-range request no longer dodges the fine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.cli import main

WATCH = """institution ActionWatch
observe quantity: number[agent, commodity]
action: number[commodity] in [0, 100]
monitor asked: number[agent] = sum(action over commodities)
monitor large: bool[agent] = asked > 90
per agent {
  evidence large
  initial state active
  state fined {
    on enter: fine 500 to treasury
  }
  rule R { active -> fined when large }
  restore X { fined -> active after 1 rounds }
}
"""


@pytest.mark.parametrize(
    ("request_", "fined"),
    [([-1000, 1000], True), ([0, 100], True), ([1000, -1000], True), ([20, 30], False)],
)
def test_an_out_of_range_request_does_not_dodge_an_action_fine(
    request_: list[float], fined: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gov = tmp_path / "watch.gov"
    gov.write_text(WATCH, encoding="utf-8")
    actions = tmp_path / "actions.jsonl"
    row = {"round": 1, "actions": {"firm_0": request_, "firm_1": [10, 10]}}
    actions.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert main(["replay", str(gov), str(actions)]) == 0
    out = capsys.readouterr().out
    assert ("firm_0=fined" in out) is fined, out
    assert "firm_1=active" in out


def test_the_stacked_actions_match_clipping_each_agent_on_its_own() -> None:
    """Clipping every agent at once gives what clipping each in its own space gives."""
    import numpy as np

    import govlang
    from govlang.markets import CournotMarket
    from govlang.runtime import govern as governed

    market = CournotMarket()
    env = govlang.govern(market, govlang.loads(WATCH, schema=market.schema()))
    env.reset(seed=0)
    spaces = [env.action_space(a) for a in env.possible_agents]
    rng = np.random.default_rng(0)
    for _ in range(50):
        actions = {a: rng.uniform(-500, 500, size=2) for a in env.possible_agents}
        one_by_one = np.stack(
            [
                governed._clipped(actions[a], s)
                for a, s in zip(env.possible_agents, spaces, strict=True)
            ]
        )
        assert np.array_equal(env._action_array(actions), one_by_one)
    absent = {"firm_0": np.array([500.0, -3.0])}  # firm_1 acts 0
    assert env._action_array(absent).tolist() == [[100.0, 0.0], [0.0, 0.0]]
