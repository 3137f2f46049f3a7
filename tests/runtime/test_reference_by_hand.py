"""The hand-written baseline of ``benchmarks/governed_vs_bare.py`` is the reference institution.

``benchmarks/reference_by_hand.py`` codes the reference institution directly in Python; the
benchmark compares govlang's cost with it, which is only fair if both do the same thing. Here
both play the same actions on the same market and must agree round by round: every firm's
standing and every mediated payoff (exactly), over several episodes.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from govlang.markets import CournotMarket
from govlang.runtime.govern import govern

from .support import ROOT, reference

PLAYS = [
    ([60.0, 0.0], [0.0, 60.0]),
    ([50.0, 30.0], [20.0, 40.0]),
    ([45.0, 10.0], [20.0, 50.0]),
    ([46.7, 26.7], [26.7, 46.7]),
    ([5.0, 0.0], [0.0, 60.0]),
]


def by_hand() -> ModuleType:
    name = "reference_by_hand"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def scripted(rounds: int) -> list[dict[str, Any]]:
    return [
        {"firm_0": np.array(PLAYS[(t // 7) % 4][0]), "firm_1": np.array(PLAYS[(t // 7) % 4][1])}
        for t in range(rounds)
    ]


def random_play(rounds: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(rounds):
        if rng.random() < 0.5:
            first, second = PLAYS[int(rng.integers(len(PLAYS)))]
            out.append({"firm_0": np.array(first), "firm_1": np.array(second)})
        else:
            out.append({a: rng.uniform(0, 70, size=2).round(1) for a in ("firm_0", "firm_1")})
    return out


def compare(sequence: Sequence[dict[str, Any]]) -> set[str]:
    """Play ``sequence`` on both; assert agreement every round; return the states visited."""
    governed = govern(CournotMarket(), reference())
    hand = by_hand().ReferenceByHand(CournotMarket())
    visited: set[str] = set()
    for number, actions in enumerate(sequence):
        if number % 50 == 0:
            governed.reset(seed=0)
            hand.reset(seed=0)
        _, mediated, _, _, _ = governed.step(actions)
        _, expected, _, _, _ = hand.step(actions)
        assert governed.agent_states() == hand.states, f"round {number + 1}"
        assert mediated == expected, f"round {number + 1}"
        visited.update(hand.states.values())
    return visited


def test_the_scripted_benchmark_sequence_agrees_round_by_round() -> None:
    visited = compare(scripted(400))
    assert visited == {"active", "warning", "fined", "credited", "suspended"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_play_agrees_round_by_round(seed: int) -> None:
    compare(random_play(300, seed))
