"""A governed env's history: bounded, immutable snapshots, read without copying."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.history import DEFAULT_HISTORY, History, RoundsView

from .support import reference

DIVIDE = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}


def played(rounds: int, history: int | None) -> object:
    env = govern(CournotMarket(max_rounds=10_000), reference(), history=history)
    env.reset(seed=0)
    for _ in range(rounds):
        env.step(DIVIDE)
    return env


def test_the_history_keeps_the_last_rounds_only() -> None:
    env = played(25, history=10)
    history = env.history  # type: ignore[attr-defined]
    assert [t.round for t in history] == list(range(16, 26))
    assert history[0].round == 16 and history[-1].round == 25 and len(history) == 10
    assert env.last_round is history[-1]  # type: ignore[attr-defined]
    with pytest.raises(IndexError):
        history[10]


def test_every_round_is_kept_without_a_limit_and_by_default_up_to_the_default() -> None:
    assert [t.round for t in played(30, history=None).history] == list(range(1, 31))  # type: ignore[attr-defined]
    assert len(played(5, history=DEFAULT_HISTORY).history) == 5  # type: ignore[attr-defined]


def test_a_view_is_a_snapshot() -> None:
    env = played(3, history=4)
    before = env.history  # type: ignore[attr-defined]
    for _ in range(20):
        env.step(DIVIDE)  # type: ignore[attr-defined]
    assert [t.round for t in before] == [1, 2, 3]
    assert [t.round for t in env.history] == [20, 21, 22, 23]  # type: ignore[attr-defined]
    env.reset(seed=0)  # type: ignore[attr-defined]
    assert env.history == () and [t.round for t in before] == [1, 2, 3]  # type: ignore[attr-defined]


def test_views_compare_slice_and_pickle_like_tuples() -> None:
    env = played(6, history=None)
    history = env.history  # type: ignore[attr-defined]
    rounds = tuple(history)
    assert history == rounds and history == list(rounds) and history != rounds[:-1]
    assert history[1:3] == rounds[1:3] and history[::-2] == rounds[::-2]
    assert pickle.loads(pickle.dumps(history)) == rounds


def test_memory_holds_at_most_twice_the_limit() -> None:
    kept = History(3)
    for n in range(100):
        kept.append(n)  # type: ignore[arg-type]
        assert len(kept._rounds) <= 6
        assert list(kept.view()) == list(range(max(0, n - 2), n + 1))
    assert isinstance(kept.view(), RoundsView)
    with pytest.raises(ValueError, match="at least one round"):
        History(0)
