"""Rounds per second of the bare Cournot market, of the same market governed by the reference
institution, and of the same rules coded by hand in pure Python
(``benchmarks/reference_by_hand.py``, kept equivalent by
``tests/runtime/test_reference_by_hand.py``), measured in one run with ``time.perf_counter``.

    python benchmarks/governed_vs_bare.py [--rounds N] [--repeat R]

Scripted: both runs play the same action sequence (firms alternating between dividing the
market and competing, so the institution warns, fines, suspends and restores) over episodes of
50 rounds; reset time is included. With learning agents: two offline Q-learning firms decide
every round (``decide``) and learn from the mediated reward (``observe_outcome``), on the bare
and on the governed market, so the figure is the whole simulation loop a researcher runs. The
best of ``--repeat`` runs is reported for each side.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import govlang
from govlang.markets import CournotMarket
from govlang.runtime.log import GovernanceLog

ROOT = Path(__file__).resolve().parent.parent
KEY = b"benchmark-key"
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference_by_hand import ReferenceByHand  # noqa: E402

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
    rate = len(sequence) / (time.perf_counter() - start)
    if callable(getattr(env, "close", None)):
        env.close()  # completes a governance log
    return rate


def best(
    makers: dict[str, Callable[[], Any]], sequence: Sequence[dict[str, Any]], repeat: int
) -> dict[str, float]:
    """Each maker's best rate over ``repeat`` runs on fresh environments, interleaved.

    The sides take turns (one run of each per repetition), so that a load change on a
    shared machine affects all of them alike.
    """
    rates: dict[str, float] = dict.fromkeys(makers, 0.0)
    for _ in range(repeat):
        for name, make in makers.items():
            rates[name] = max(rates[name], rounds_per_second(make(), sequence))
    return rates


def learning_rounds_per_second(env: Any, rounds: int, regime: str) -> float:
    """Two Q-learning firms play ``rounds`` rounds on ``env``: rounds per second (no set-up)."""
    from govlang.agents import make_firm
    from govlang.agents.base import RoundView, context_for

    firms = {agent: make_firm("qlearning") for agent in env.possible_agents}
    env.reset(seed=0)
    for agent, firm in firms.items():
        firm.reset(context_for(env, agent, regime=regime, seed=0))

    async def play() -> None:
        for number in range(1, rounds + 1):
            if not env.agents:
                env.reset(seed=0)
            views = [RoundView(round=number, history=(), notices=(), standing=None)] * len(firms)
            decisions = await asyncio.gather(
                *(firm.decide(view) for firm, view in zip(firms.values(), views, strict=True))
            )
            chosen = {agent: d.action for agent, d in zip(firms, decisions, strict=True)}
            _, rewards, _, _, infos = env.step(chosen)
            for agent, firm in firms.items():
                firm.observe_outcome(infos[agent], float(rewards[agent]))

    start = time.perf_counter()
    asyncio.run(play())
    return rounds / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    market = CournotMarket()
    compiled = govlang.load(ROOT / "examples" / "cournot_reference.gov", schema=market.schema())
    sequence = actions(args.rounds)
    scratch = Path(tempfile.mkdtemp(prefix="govlang-bench-"))
    logs = (scratch / f"governance-{n}.jsonl" for n in itertools.count())

    def logged() -> Any:
        """Governed, with a governance log as ``govlang run`` writes it (default policy)."""
        log = GovernanceLog.create(next(logs), compiled.digest, compiled.institution.name, KEY)
        return govlang.govern(CournotMarket(), compiled, log=log)

    try:
        rates = best(
            {
                "bare": CournotMarket,
                "governed": lambda: govlang.govern(CournotMarket(), compiled),
                "by hand": lambda: ReferenceByHand(CournotMarket()),
                "logged": logged,
            },
            sequence,
            args.repeat,
        )
    finally:
        shutil.rmtree(scratch)
    bare, governed, by_hand = rates["bare"], rates["governed"], rates["by hand"]
    print(f"rounds per second over {args.rounds} rounds (best of {args.repeat}):")
    print(f"  bare Cournot market:                  {bare:10.0f}")
    print(f"  governed by the reference institution: {governed:9.0f}")
    print(f"  the same rules coded by hand:         {by_hand:10.0f}")
    print(f"  ratio governed / bare:                {governed / bare:10.3f}")
    print(f"  cost govlang / bare:                  {bare / governed:10.2f}x")
    print(f"  cost hand-written / bare:             {bare / by_hand:10.2f}x")
    print(f"  cost govlang / hand-written:          {by_hand / governed:10.2f}x")
    print(f"  governed, with the governance log:    {rates['logged']:10.0f}")
    print(f"  cost govlang with the log / bare:     {bare / rates['logged']:10.2f}x")
    learning_rounds = max(args.rounds // 5, 100)
    bare_q = max(
        learning_rounds_per_second(CournotMarket(), learning_rounds, "ungoverned")
        for _ in range(args.repeat)
    )
    governed_q = max(
        learning_rounds_per_second(
            govlang.govern(CournotMarket(), compiled), learning_rounds, "institutional"
        )
        for _ in range(args.repeat)
    )
    print(f"with two Q-learning firms, {learning_rounds} rounds (best of {args.repeat}):")
    print(f"  bare Cournot market:                  {bare_q:10.0f}")
    print(f"  governed by the reference institution: {governed_q:9.0f}")
    print(f"  ratio governed / bare:                {governed_q / bare_q:10.3f}")


if __name__ == "__main__":
    main()
