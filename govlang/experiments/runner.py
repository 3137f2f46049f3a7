"""Running an experiment: plan the runs, play the missing ones, collect, tabulate, report.

:func:`run_experiment` is what ``govlang run EXPERIMENT.toml -o RESULTS/`` does::

    RESULTS/manifest.json           the experiment, the institution's manifest, every run id
    RESULTS/institution.svg         the institution's diagram
    RESULTS/.log-key                the governance logs' key, when none is configured (0600)
    RESULTS/runs/<run_id>/trace.jsonl, governance.jsonl, log-key-id (which key signed the log),
                                    summary.json (written last)
    RESULTS/runs.csv, runs.parquet  one row per run
    RESULTS/report.md, report.html  the report

**Resume.** A run is complete when its ``summary.json`` exists; running the same command
again keeps complete runs and plays only the others (an interrupted run starts over). Run ids
are content-addressed, so another experiment that contains the same run finds it done.

**Concurrency.** Up to ``concurrency`` runs at a time. Offline populations are CPU-bound, so
they go to a process pool (``spawn`` workers), one task per (population, seed) playing that
seed's regimes in turn, which lets Q-learners reuse their cached self-play phase; populations
with LLM firms wait on the network, so they run as asyncio tasks under a semaphore in this
process. Every run is a pure function of its :class:`~govlang.experiments.runs.RunSpec`
(LLM answers aside), so either way gives the same traces.

**Ctrl-C.** Complete runs stay complete. Pool workers ignore the interrupt and finish the
run in hand (its summary is written); asyncio runs are cancelled and left incomplete. A
worker whose parent is killed ends at once (:mod:`govlang.workers`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.experiments import results
from govlang.experiments.config import ExperimentSpec, load_experiment
from govlang.experiments.logkey import key_statement, log_key, record_key
from govlang.experiments.metrics import MetricParams
from govlang.experiments.run_loop import institution_of, play_run
from govlang.experiments.runs import RunSpec, plan_runs
from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import InputError
from govlang.progress import Progress
from govlang.workers import die_with_parent, interrupts_deferred

__all__ = ["ExperimentResult", "run_experiment"]


@dataclass(frozen=True)
class ExperimentResult:
    """What :func:`run_experiment` did and produced.

    ``executed`` / ``reused``: run ids played now and found complete; ``table``: one row per
    run (the content of ``runs.csv``); ``comparisons``: the regime comparison per population;
    ``wall_time_s``: seconds spent in :func:`run_experiment`.
    """

    out_dir: Path
    spec: ExperimentSpec
    runs: tuple[RunSpec, ...]
    executed: tuple[str, ...]
    reused: tuple[str, ...]
    table: tuple[dict[str, Any], ...]
    comparisons: results.Comparisons
    wall_time_s: float

    @property
    def report_html(self) -> Path:
        """The HTML report."""
        return self.out_dir / "report.html"

    @property
    def report_md(self) -> Path:
        """The Markdown report."""
        return self.out_dir / "report.md"


def run_experiment(
    experiment: str | Path | ExperimentSpec,
    out_dir: str | Path,
    *,
    quiet: bool = False,
    concurrency: int | None = None,
) -> ExperimentResult:
    """Run (or resume) an experiment file or spec into ``out_dir``; see the module docstring.

    ``quiet`` hides the progress bar (it is also hidden when stderr is not a terminal);
    ``concurrency`` overrides the experiment's. Raises :class:`ExperimentError` for an invalid
    experiment, :class:`~govlang.lang.frontend.InputError` for unreadable or unwritable files and
    :class:`~govlang.lang.diagnostics.GovlangError` for an institution with errors.
    """
    if concurrency is not None and concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    started = time.perf_counter()
    spec = experiment if isinstance(experiment, ExperimentSpec) else load_experiment(experiment)
    out = Path(out_dir)
    _mkdir(out / "runs")
    key, key_source = log_key(out)
    compiled = institution_of(spec)
    runs = plan_runs(spec, compiled.digest, _llm_cache(spec, out))
    diagram = _diagram(compiled, out)
    results.write_manifest(out, spec, compiled, runs, key_source, diagram)
    pending = [r for r in runs if not results.is_complete(out, r)]
    workers = concurrency or spec.concurrency
    with Progress(len(pending), spec.rounds, quiet) as progress:
        _execute(pending, out, key, spec.metrics, workers, spec.offline, progress)
    table = results.collect(out, runs, spec)
    comparisons = results.compare(table, spec)
    results.write_tables(out, table, runs)
    signed = key_statement(key, key_source, [results.run_dir(out, r) for r in runs])
    from govlang.experiments.report import write_report  # matplotlib: not in run workers

    write_report(out, spec, compiled, runs, table, comparisons, signed)
    done = {r.run_id for r in pending}
    return ExperimentResult(
        out_dir=out,
        spec=spec,
        runs=tuple(runs),
        executed=tuple(r.run_id for r in runs if r.run_id in done),
        reused=tuple(r.run_id for r in runs if r.run_id not in done),
        table=tuple(table),
        comparisons=comparisons,
        wall_time_s=time.perf_counter() - started,
    )


def _llm_cache(spec: ExperimentSpec, out: Path) -> Path | None:
    """The LLM response cache: ``[llm] cache``, else ``out/llm-cache``; ``None`` if disabled."""
    cache = spec.llm.cache
    if cache is False:
        return None
    return out / "llm-cache" if cache is None else cache


def _mkdir(path: Path) -> None:
    """Create a directory (and parents) or raise :class:`InputError`."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the directory: {exc.strerror}") from None


def _diagram(compiled: CompiledInstitution, out: Path) -> str | None:
    """Draw ``institution.svg``; the reason it could not be drawn, else ``None``."""
    from govlang.lang.render import RenderError, render  # networkx: not in run workers

    try:
        render(compiled, out / "institution.svg")
    except RenderError as exc:
        print(f"govlang: warning: no institution diagram: {exc}", file=sys.stderr)
        return str(exc)
    return None


# ---------------------------------------------------------------------------- execution


def _execute(
    pending: Sequence[RunSpec],
    out: Path,
    key: bytes,
    metrics: MetricParams,
    workers: int,
    offline: bool,
    progress: Progress,
) -> None:
    """Play every pending run (process pool for offline runs, asyncio otherwise)."""
    if not pending:
        return
    if offline and workers > 1:
        _pool(pending, out, key, metrics, workers, progress)
    else:
        asyncio.run(_gather(pending, out, key, metrics, workers, progress))


async def _gather(
    pending: Sequence[RunSpec],
    out: Path,
    key: bytes,
    metrics: MetricParams,
    workers: int,
    progress: Progress,
) -> None:
    """Play the runs as asyncio tasks, at most ``workers`` at a time."""
    gate = asyncio.Semaphore(workers)

    async def one(run: RunSpec) -> None:
        async with gate:
            await _play(run, out, key, metrics, progress.rounds)
            progress.run_done()

    await asyncio.gather(*(one(run) for run in pending))


async def _play(
    run: RunSpec, out: Path, key: bytes, metrics: MetricParams, on_round: Callable[[int], None]
) -> None:
    """Play one run and write its summary (last)."""
    started = time.perf_counter()
    run_dir = results.run_dir(out, run)
    facts = await play_run(run, run_dir, key, on_round)
    record_key(run_dir, key)
    results.write_summary(run_dir, run, facts, metrics, time.perf_counter() - started)


def _groups(pending: Sequence[RunSpec]) -> list[list[RunSpec]]:
    """Runs grouped by (population, seed); groups with a Q-learner (slow to set up) first."""
    groups: dict[tuple[str, int], list[RunSpec]] = {}
    for run in pending:
        groups.setdefault((run.population, run.seed), []).append(run)
    slow = [g for g in groups.values() if any(f.kind == "qlearning" for f in g[0].firms)]
    return slow + [g for g in groups.values() if g not in slow]


_QUEUE: Any = None
"""The progress queue of a pool worker (set by :func:`_worker_init`)."""


def _worker_init(queue: Any, parent: int) -> None:
    """Pool worker set-up: end with the parent, ignore Ctrl-C, keep the progress queue."""
    global _QUEUE
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _QUEUE = queue


def _worker(group: list[RunSpec], out: str, key: bytes, metrics: MetricParams) -> int:
    """Play a group of runs in a pool worker; report rounds and runs through the queue."""
    for run in group:
        asyncio.run(_play(run, Path(out), key, metrics, lambda n: _QUEUE.put(("round", n))))
        _QUEUE.put(("run", 1))
    return len(group)


def _pool(
    pending: Sequence[RunSpec],
    out: Path,
    key: bytes,
    metrics: MetricParams,
    workers: int,
    progress: Progress,
) -> None:
    """Play the runs in a process pool; Ctrl-C lets the runs in hand finish, drops the rest."""
    groups = _groups(pending)
    context = multiprocessing.get_context("spawn")
    with interrupts_deferred():  # may start the resource tracker process
        queue = context.Queue()
    drain = threading.Thread(target=_drain, args=(queue, progress), daemon=True)
    drain.start()
    pool = ProcessPoolExecutor(
        min(workers, len(groups)),
        mp_context=context,
        initializer=_worker_init,
        initargs=(queue, os.getpid()),
    )
    try:
        with interrupts_deferred():  # submitting starts the workers
            futures = [pool.submit(_worker, g, str(out), key, metrics) for g in groups]
        for future in futures:
            future.result()
    except KeyboardInterrupt:
        print("\ninterrupted: finishing the runs in hand; rerun to resume", file=sys.stderr)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        queue.put(None)
        drain.join()


def _drain(queue: Any, progress: Progress) -> None:
    """Forward pool workers' progress messages to the progress bar until ``None``."""
    while (message := queue.get()) is not None:
        what, count = message
        if what == "round":
            progress.rounds(count)
        else:
            progress.run_done()
