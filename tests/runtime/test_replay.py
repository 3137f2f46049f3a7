"""Replay: recorded actions through an institution reproduce a run's events exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govlang.experiments.replay import replay
from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.replay import ReplayError, read_actions, write_actions
from govlang.runtime.verify import verify_log

from .support import REFERENCE, reference


def recorded_run(tmp_path: Path, rounds: int = 30) -> tuple[list[object], Path]:
    """A governed run of firms drifting between dividing and competing; its actions file."""
    rng = np.random.default_rng(4)
    env = govern(CournotMarket(), reference())
    env.reset(seed=0)
    for t in range(rounds):
        divide = t % 9 < 5
        first = [60.0, 0.0] if divide else list(rng.uniform(10, 50, size=2))
        second = [0.0, 60.0] if divide else list(rng.uniform(10, 50, size=2))
        env.step({"firm_0": np.array(first), "firm_1": np.array(second)})
    path = tmp_path / "actions.jsonl"
    write_actions(env.history, path)
    return list(env.history), path


def test_replay_reproduces_the_events_and_payoffs_exactly(tmp_path: Path) -> None:
    history, actions = recorded_run(tmp_path)
    result = replay(REFERENCE, actions, market="cournot")
    assert len(result.rounds) == len(history)
    for original, replayed in zip(history, result.rounds, strict=True):
        assert replayed.as_json() == original.as_json()  # type: ignore[attr-defined]
        assert [e.as_json() for e in replayed.events] == [
            e.as_json()
            for e in original.events  # type: ignore[attr-defined]
        ]
    assert any(e.kind == "sanction" for e in result.events)


def test_the_summary_prints_events_and_mediated_payoffs(tmp_path: Path) -> None:
    _, actions = recorded_run(tmp_path, rounds=3)
    text = replay(REFERENCE, actions).summary()
    assert text.splitlines()[0].startswith("replay of CournotAntiCollusion (sha256:")
    assert "round   2: firm_0 1800.00 -> 1170.00, firm_1 1800.00 -> 1170.00" in text
    assert "warning -> fined" in text and "630.00" in text
    assert text.splitlines()[-2:] == [
        "  firm_0: 5400.00 -> 3420.00",
        "  firm_1: 5400.00 -> 3420.00",
    ]
    assert str(replay(REFERENCE, actions)) == text


def test_counterfactual_params_and_a_verified_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", "k")
    _, actions = recorded_run(tmp_path, rounds=3)
    log = tmp_path / "replay.log"
    result = replay(REFERENCE, actions, params={"fine_floor": 2000.0}, log=log)
    assert result.rounds[1].mediated == {"firm_0": -200.0, "firm_1": -200.0}
    assert verify_log(log, reference({"fine_floor": 2000.0}).manifest).ok


def test_bad_actions_files_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"round": 2, "actions": {}}\n', encoding="utf-8")
    with pytest.raises(ReplayError, match="round 2, expected 1"):
        read_actions(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ReplayError, match="not JSON"):
        read_actions(path)
    path.write_text('{"round": 1, "actions": {"firm_0": [1, 1]}}\n', encoding="utf-8")
    with pytest.raises(ReplayError, match="no action recorded for \\['firm_1'\\]"):
        replay(REFERENCE, path)
    with pytest.raises(ReplayError, match="unknown market"):
        replay(REFERENCE, path, market="auction")
