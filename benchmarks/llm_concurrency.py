"""LLM concurrency: wall time of rounds against a local fake OpenAI-compatible server.

    python benchmarks/llm_concurrency.py [--latency 0.25] [--rounds 4] [--repeat 1] [--in-process]

The server (:class:`govlang.agents.fakeserver.FakeLLMServer`) holds every answer back
``--latency`` seconds. It runs in a child process (:class:`FakeLLMServerProcess`), so that its
handler threads do not compete with govlang for the interpreter lock and the figures measure
govlang's client side only; ``--in-process`` serves from a thread of this process instead.

The firms of a round decide concurrently, so the ideal wall time of a round is one latency
whatever the number of firms ``n``; and ``k`` runs played concurrently (as ``govlang run`` and
the sweep executors play LLM runs) ideally take one latency per round in all. Each line prints
two figures and their ratio to that ideal: ``round``, the wall time of a round once the run
is under way (from the end of round 1 to the end of the last round, over the rounds between;
with ``k`` runs, the end of a round is when the last run finishes it) with the CPU time this
process spent meanwhile (less sensitive to other load on the machine), and ``run``, the run's
whole wall time over its rounds (building the firms, the market, the governance log and its
fsync at close included). The market is an ``n``-firm Cournot market, ungoverned, without a
response cache; a warm-up run (imports, first connection) is not timed. With ``--repeat`` each
line is played that many times and the repeat with the shortest round is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from govlang.agents.fakeserver import FakeLLMServer, FakeLLMServerProcess
from govlang.experiments.config import ExperimentSpec
from govlang.experiments.run_loop import institution_of, play_run
from govlang.experiments.runs import RunSpec, plan_runs

ROOT = Path(__file__).resolve().parent.parent


class Server(Protocol):
    """What the benchmark reads of a fake server (in this process or a child)."""

    model: str

    @property
    def api_base(self) -> str: ...

    @property
    def max_in_flight(self) -> int: ...

    def reset_counters(self) -> None: ...


def runs(server: Server, firms: int, count: int, rounds: int) -> list[RunSpec]:
    """``count`` runs (seeds 0..count-1) of ``firms`` LLM firms talking to ``server``."""
    firm = {
        "kind": "llm",
        "model": server.model,
        "api_base": server.api_base,
        "api_key": "fake",
        "max_retries": 0,
    }
    spec = ExperimentSpec.model_validate(
        {
            "rounds": rounds,
            "runs": count,
            "regimes": ["ungoverned"],
            "market": {"kind": "cournot", "firms": firms, "costs": 45.0},
            "institution": {"path": ROOT / "examples" / "cournot_reference.gov"},
            "populations": {"llm": {"firms": [firm] * firms}},
        }
    )
    return plan_runs(spec, institution_of(spec).digest, None)


Clock = tuple[float, float]
"""A wall-clock and a CPU-time reading (``perf_counter``, ``process_time``)."""


def _now() -> Clock:
    return time.perf_counter(), time.process_time()


def _round_clock(count: int, ends: list[Clock]) -> Callable[[], Callable[[int], None]]:
    """Round callbacks for ``count`` runs; ``ends[r]`` is read when all runs finished round r+1."""
    done: list[int] = []

    def for_run() -> Callable[[int], None]:
        played = 0

        def on_round(_: int) -> None:
            nonlocal played
            played += 1
            done.append(played)
            if done.count(played) == count:
                ends.append(_now())

        return on_round

    return for_run


@dataclass(frozen=True)
class Timing:
    """Seconds per round once under way (wall and this process's CPU), and the whole wall."""

    round_wall: float
    round_cpu: float
    wall: float


async def play(batch: list[RunSpec], folder: Path) -> Timing:
    """Play ``batch`` concurrently and time it (needs at least two rounds)."""
    ends: list[Clock] = []
    clock = _round_clock(len(batch), ends)
    started = time.perf_counter()
    await asyncio.gather(*(play_run(r, folder / r.run_id, b"0" * 64, clock()) for r in batch))
    wall = time.perf_counter() - started
    between = len(ends) - 1
    return Timing((ends[-1][0] - ends[0][0]) / between, (ends[-1][1] - ends[0][1]) / between, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--in-process", action="store_true", help="serve from a thread here")
    parser.add_argument(
        "--repeat", type=int, default=1, help="play each line this many times, print the best"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="govlang-llm-bench-"))
    where = "a thread of this process" if args.in_process else "a child process"
    print(
        f"latency {args.latency} s, {args.rounds} rounds per run, {os.cpu_count()} cores, "
        f"server in {where}, best of {args.repeat}"
    )
    serving = FakeLLMServer if args.in_process else FakeLLMServerProcess
    ideal = args.latency

    def line(label: str, timing: Timing, note: str) -> None:
        steady, per_run = timing.round_wall, timing.wall / args.rounds
        print(
            f"  {label}  round {steady:6.3f} s ({steady / ideal:5.2f}x, "
            f"cpu {1000 * timing.round_cpu:4.0f} ms)  run {per_run:6.3f} s "
            f"({per_run / ideal:5.2f}x)  {note}"
        )

    def best(firms: int, count: int, name: str) -> Timing:
        """The repeat of a line with the shortest round (the least disturbed by other load)."""
        server.reset_counters()
        timings = [
            asyncio.run(play(runs(server, firms, count, args.rounds), folder / f"{name}-{i}"))
            for i in range(args.repeat)
        ]
        return min(timings, key=lambda t: t.round_wall)

    with serving(latency=args.latency) as server:
        asyncio.run(play(runs(server, 2, 1, 2), folder / "warm-up"))
        print("one run, n firms: wall per round (ideal = one latency)")
        for n in (1, 2, 4, 8, 16):
            timing = best(n, 1, f"n{n}")
            line(f"n = {n:2d}", timing, f"peak in flight {server.max_in_flight}")
        print("k concurrent runs of 2 firms: wall per round (ideal = one latency)")
        for k in (1, 4, 16, 64):
            timing = best(2, k, f"k{k}")
            note = f"{2 * k} requests per round, peak in flight {server.max_in_flight}"
            line(f"k = {k:2d}", timing, note)


if __name__ == "__main__":
    main()
