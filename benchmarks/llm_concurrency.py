"""LLM concurrency: wall time of rounds against a local fake OpenAI-compatible server.

    python benchmarks/llm_concurrency.py [--latency 0.25] [--rounds 3]

The server (:class:`govlang.agents.fakeserver.FakeLLMServer`) holds every answer back
``--latency`` seconds. The firms of a round decide concurrently, so the ideal wall time of a
round is one latency whatever the number of firms ``n``; and ``k`` runs played concurrently
(as ``govlang run`` and the sweep executors play LLM runs) ideally take one latency per round
in all. Each line prints the measured wall time per round and its ratio to that ideal. The
market is an ``n``-firm Cournot market, ungoverned, without a response cache; a warm-up run
(imports, first connection) is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from govlang.agents.fakeserver import FakeLLMServer
from govlang.experiments.config import ExperimentSpec
from govlang.experiments.run_loop import institution_of, play_run
from govlang.experiments.runs import RunSpec, plan_runs

ROOT = Path(__file__).resolve().parent.parent


def runs(server: FakeLLMServer, firms: int, count: int, rounds: int) -> list[RunSpec]:
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


async def play(batch: list[RunSpec], folder: Path) -> float:
    """Play ``batch`` concurrently; return the wall time in seconds."""
    started = time.perf_counter()
    await asyncio.gather(*(play_run(r, folder / r.run_id, b"0" * 64) for r in batch))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="govlang-llm-bench-"))
    print(f"latency {args.latency} s, {args.rounds} rounds per run, {os.cpu_count()} cores")
    with FakeLLMServer(latency=args.latency) as server:
        asyncio.run(play(runs(server, 2, 1, 1), folder / "warm-up"))
        print("one run, n firms: wall per round (ideal = one latency)")
        for n in (1, 2, 4, 8, 16):
            server.reset_counters()
            wall = asyncio.run(play(runs(server, n, 1, args.rounds), folder / f"n{n}"))
            per_round = wall / args.rounds
            print(
                f"  n = {n:2d}  {per_round:6.3f} s  ({per_round / args.latency:5.2f}x ideal; "
                f"peak in flight {server.max_in_flight})"
            )
        print("k concurrent runs of 2 firms: wall per round (ideal = one latency)")
        for k in (1, 4, 16, 64):
            server.reset_counters()
            wall = asyncio.run(play(runs(server, 2, k, args.rounds), folder / f"k{k}"))
            per_round = wall / args.rounds
            print(
                f"  k = {k:2d}  {per_round:6.3f} s  ({per_round / args.latency:5.2f}x ideal; "
                f"{2 * k} requests per round, peak in flight {server.max_in_flight})"
            )


if __name__ == "__main__":
    main()
