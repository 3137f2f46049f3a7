"""Wall time of the main job: ``govlang run`` on the offline reference experiment, per phase.

    python benchmarks/main_job.py [--runs 15] [--target 10]

The experiment is ``examples/reference_offline.toml`` with ``--runs`` runs per population and
regime (7 populations x 3 regimes: 315 runs of 50 rounds at 15). Two measurements, each into a
fresh results folder (nothing reused):

* the whole command, ``python -m govlang run EXPERIMENT -o RESULTS -q``, as a subprocess:
  interpreter and imports, worker start-up, the runs, the tables and the report with its
  figures; its wall time against the target, and its CPU time (its workers included);
* the same experiment through :func:`~govlang.experiments.runner.run_experiment` in this
  process, for the split per phase (``ExperimentResult.phases``), against the interpreter's
  own start-up (``python -c pass``) measured here too.

The machine may be shared: the CPU seconds and the phase split say where the time goes even
when the wall time is inflated by load.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def experiment_file(folder: Path, runs: int) -> Path:
    """The reference experiment with ``runs`` runs per condition, its paths made absolute."""
    text = (EXAMPLES / "reference_offline.toml").read_text(encoding="utf-8")
    text = text.replace("runs = 10\n", f"runs = {runs}\n", 1)
    for name in ("cournot_reference.gov", "constitutions/anti_collusion.txt"):
        text = text.replace(f'"{name}"', f'"{(EXAMPLES / name).as_posix()}"', 1)
    path = folder / "reference.toml"
    path.write_text(text, encoding="utf-8")
    return path


def children_cpu() -> float:
    """CPU seconds (user and system) of the finished children of this process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_command(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of a command (its own children included)."""
    cpu = children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="runs per population and regime")
    parser.add_argument("--target", type=float, default=10.0, help="target wall time (s)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="govlang-main-job-"))
    experiment = experiment_file(scratch, args.runs)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start")

    startup, _ = timed_command([sys.executable, "-c", "pass"], env)
    argv = [sys.executable, "-m", "govlang", "run", str(experiment), "-o", str(scratch / "a")]
    wall, cpu = timed_command([*argv, "-q"], env)

    from govlang.experiments.runner import run_experiment

    self_cpu = time.process_time()
    workers_cpu = children_cpu()
    result = run_experiment(experiment, scratch / "b", quiet=True)
    in_process_cpu = time.process_time() - self_cpu + children_cpu() - workers_cpu

    print(f"{len(result.runs)} runs of {result.spec.rounds} rounds")
    print(
        f"whole command   {wall:6.2f} s wall, {cpu:6.2f} s CPU; target {args.target:.1f} s: "
        f"{wall / args.target:.2f}x the target"
    )
    print(f"python start-up {startup:6.2f} s wall")
    split = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result.phases.items())
    print(
        f"in process      {result.wall_time_s:6.2f} s wall, {in_process_cpu:6.2f} s CPU; "
        f"phases (s): {split}"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
