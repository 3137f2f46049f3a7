"""Peak memory of one long governed episode: RSS after 1,000 vs 100,000 rounds.

    python benchmarks/governed_memory.py [--short 1000] [--long 100000]

Each length runs in a fresh Python process (``ru_maxrss`` is a process's peak): one episode of
the reference institution on a Cournot market that never truncates, the firms alternating
between dividing the market and competing (the institution warns, fines, suspends and
restores), ``history`` left at its default. The same process first measures its RSS after
importing and building everything, so the figures printed are the growth due to the rounds.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_kib() -> int:
    """This process's peak resident set size, in KiB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def play(rounds: int) -> dict[str, int]:
    """Play one episode of ``rounds`` rounds; the peak RSS before and after, in KiB."""
    import numpy as np

    import govlang
    from govlang.markets import CournotMarket

    plays = [
        ([60.0, 0.0], [0.0, 60.0]),
        ([50.0, 30.0], [20.0, 40.0]),
        ([45.0, 10.0], [20.0, 50.0]),
        ([46.7, 26.7], [26.7, 46.7]),
    ]
    actions = [{"firm_0": np.array(first), "firm_1": np.array(second)} for first, second in plays]
    market = CournotMarket(max_rounds=rounds)
    compiled = govlang.load(ROOT / "examples" / "cournot_reference.gov", schema=market.schema())
    env = govlang.govern(market, compiled)
    env.reset(seed=0)
    env.step(actions[0])
    before = peak_kib()
    for t in range(1, rounds):
        env.step(actions[(t // 7) % 4])
    assert not env.agents  # one episode, played to its end
    return {"before": before, "after": peak_kib(), "history": len(env.history)}


def measure(rounds: int) -> dict[str, int]:
    """:func:`play` in a fresh interpreter (same ``sys.path``)."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import governed_memory as m;"
        " print(json.dumps(m.play(int(sys.argv[2]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "benchmarks"), str(rounds)],
        check=True,
        cwd=ROOT / "benchmarks",  # not the caller's directory: `-c` puts it first on sys.path
        capture_output=True,
        text=True,
    )
    found: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main(argv: Sequence[str] | None = None) -> None:
    """Measure both lengths and print the growth of each and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=1000)
    parser.add_argument("--long", type=int, default=100_000)
    args = parser.parse_args(argv)
    short, long = measure(args.short), measure(args.long)
    grown = [max(m["after"] - m["before"], 0) / 1024 for m in (short, long)]
    print("peak RSS of one governed episode (MiB; growth after the first round):")
    for rounds, found, growth in zip((args.short, args.long), (short, long), grown, strict=True):
        total = found["after"] / 1024
        print(
            f"  {rounds:>7} rounds: {total:8.1f} total, {growth:8.1f} grown,"
            f" history holds {found['history']} rounds"
        )
    print(f"  ratio peak RSS long / short:  {long['after'] / short['after']:8.2f}")


if __name__ == "__main__":
    main()
