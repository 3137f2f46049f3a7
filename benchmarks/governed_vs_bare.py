"""Rounds per second of the bare Cournot market and of the same market governed by the reference
institution, measured in one run with ``time.perf_counter``.

    python benchmarks/governed_vs_bare.py [--rounds N] [--repeat R]

Both runs play the same action sequence (firms alternating between dividing the market and
competing, so the institution warns, fines, suspends and restores) over episodes of 50 rounds;
reset time is included. The best of ``--repeat`` runs is reported for each side.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import govlang
from govlang.markets import CournotMarket

ROOT = Path(__file__).resolve().parent.parent
PLAYS = [
    ([60.0, 0.0], [0.0, 60.0]),
    ([50.0, 30.0], [20.0, 40.0]),
    ([45.0, 10.0], [20.0, 50.0]),
    ([46.7, 26.7], [26.7, 46.7]),
]


def actions(rounds: int) -> list[dict[str, Any]]:
    """A fixed action sequence: seven rounds of each play in turn."""
    return [
        {"firm_0": np.array(PLAYS[(t // 7) % 4][0]), "firm_1": np.array(PLAYS[(t // 7) % 4][1])}
        for t in range(rounds)
    ]


def rounds_per_second(env: Any, sequence: Sequence[dict[str, Any]]) -> float:
    """Play ``sequence`` on ``env`` (resetting when episodes end); rounds per second."""
    start = time.perf_counter()
    env.reset(seed=0)
    for round_actions in sequence:
        if not env.agents:
            env.reset(seed=0)
        env.step(round_actions)
    return len(sequence) / (time.perf_counter() - start)


def best(make: Callable[[], Any], sequence: Sequence[dict[str, Any]], repeat: int) -> float:
    """The best rate over ``repeat`` runs, each on a fresh environment."""
    return max(rounds_per_second(make(), sequence) for _ in range(repeat))


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    market = CournotMarket()
    compiled = govlang.load(ROOT / "examples" / "cournot_reference.gov", schema=market.schema())
    sequence = actions(args.rounds)
    bare = best(CournotMarket, sequence, args.repeat)
    governed = best(lambda: govlang.govern(CournotMarket(), compiled), sequence, args.repeat)
    print(f"rounds per second over {args.rounds} rounds (best of {args.repeat}):")
    print(f"  bare Cournot market:                  {bare:10.0f}")
    print(f"  governed by the reference institution: {governed:9.0f}")
    print(f"  ratio governed / bare:                {governed / bare:10.3f}")
    print(f"  slowdown bare / governed:             {bare / governed:10.1f}x")


if __name__ == "__main__":
    main()
