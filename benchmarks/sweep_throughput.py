"""Runs per second of an offline sweep: serial loop, local process pool and Ray, in one run.

    python benchmarks/sweep_throughput.py [--runs 1000] [--rounds 20] [--workers N]

The sweep crosses the reference institution's fine floor and suspension streak against two
offline populations (colluders, Nash firms) under the institutional regime, with enough
replicates for ``--runs`` runs of ``--rounds`` rounds. Each executor plays every run into a
fresh results store (nothing is reused); planning, tables and plots are not timed. The serial
baseline calls the same per-run function in this process, one run after another. Ray starts a
local runtime of ``--workers`` CPUs; its start-up is timed separately.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from govlang.experiments.engine import LocalExecutor, RayExecutor, Store, play_one
from govlang.experiments.metrics import MetricParams
from govlang.sweeps.config import load_sweep
from govlang.sweeps.design import plan_sweep

ROOT = Path(__file__).resolve().parent.parent
FLOORS = [0, 200, 1000, 5000]
STREAKS = [2, 5, 10]
KEY = b"0" * 64


def sweep_file(folder: Path, runs: int, rounds: int) -> Path:
    """A sweep of ``runs`` runs (4 floors x 3 streaks x 2 populations x replicates)."""
    cells = len(FLOORS) * len(STREAKS) * 2
    replicates = max(1, round(runs / cells))
    path = folder / "bench.toml"
    path.write_text(
        f'base = "{(ROOT / "examples" / "reference_offline.toml").as_posix()}"\n'
        f'populations = ["colluders", "nash"]\nregimes = ["institutional"]\n'
        f"replicates = {replicates}\nrounds = {rounds}\n[axes]\n"
        f'"param.fine_floor" = {FLOORS}\n"param.suspension_streak" = {STREAKS}\n',
        encoding="utf-8",
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="govlang-bench-"))
    spec = load_sweep(sweep_file(scratch, args.runs, args.rounds))
    runs = [p.run for p in plan_sweep(spec, None)]
    metrics = MetricParams()
    cores = os.cpu_count()
    print(f"{len(runs)} runs x {args.rounds} rounds; {cores} cores; {args.workers} workers")

    started = time.perf_counter()
    for run in runs:
        play_one(run, Store(scratch / "serial", KEY, metrics))
    serial = len(runs) / (time.perf_counter() - started)
    print(f"serial loop   {serial:8.2f} runs/s")

    started = time.perf_counter()
    LocalExecutor(args.workers).execute(runs, Store(scratch / "pool", KEY, metrics), lambda _: None)
    pool = len(runs) / (time.perf_counter() - started)
    print(f"process pool  {pool:8.2f} runs/s  ({pool / serial:.2f}x serial)")

    import ray

    started = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    boot = time.perf_counter() - started
    try:
        started = time.perf_counter()
        RayExecutor(workers=args.workers).execute(
            runs, Store(scratch / "ray", KEY, metrics), lambda _: None
        )
        on_ray = len(runs) / (time.perf_counter() - started)
    finally:
        ray.shutdown()
    print(
        f"ray (local)   {on_ray:8.2f} runs/s  ({on_ray / serial:.2f}x serial, "
        f"{on_ray / pool:.2f}x pool; runtime start {boot:.1f} s not included)"
    )


if __name__ == "__main__":
    main()
