"""Executors: play a sweep's pending runs on a local process pool or on a Ray cluster.

Every run is a pure function of its :class:`~govlang.experiments.runs.RunSpec` (LLM answers
aside), and its files are written exactly as ``govlang run`` writes them (``summary.json``
last), so both executors leave the same results store and the same tables.

* :class:`LocalExecutor` -- a ``spawn`` process pool of ``workers`` processes; each task plays
  a small batch of runs straight into the results store (:func:`play_one`).
* :class:`RayExecutor` -- one Ray task per run (:func:`play_portable`): the task plays into a
  scratch directory on whichever node runs it and returns the run's files, which the driver
  writes into the store, so the store need not be on a shared file system. ``address`` is a
  cluster address (``ray://host:10001``, ``auto``) or ``local``, which starts a local runtime
  of ``workers`` CPUs.

LLM runs respect a global limit per provider (:mod:`govlang.sweeps.limits`): a run holds one
of its provider's slots while it plays, across every worker of the pool or the cluster.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Protocol

from govlang.experiments import results
from govlang.experiments.metrics import MetricParams
from govlang.experiments.run_loop import play_run
from govlang.experiments.runs import RunSpec
from govlang.sweeps.limits import FileSlots, provider_of
from govlang.workers import die_with_parent, interrupts_deferred

__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "RayExecutor", "play_one", "play_portable"]

RUN_FILES = ("trace.jsonl", "governance.jsonl", "summary.json")
"""A run directory's files, in the order they must be written (the summary last)."""


def play_one(run: RunSpec, out: str, key: bytes, metrics: MetricParams) -> str:
    """Play one run into ``out/runs/<run_id>/`` and write its summary; return the run id.

    The picklable unit of work of every executor: arguments are plain data.
    """
    started = time.perf_counter()
    directory = results.run_dir(Path(out), run)
    facts = asyncio.run(play_run(run, directory, key))
    results.write_summary(directory, run, facts, metrics, time.perf_counter() - started)
    return run.run_id


def play_portable(run: RunSpec, key: bytes, metrics: MetricParams) -> dict[str, bytes]:
    """Play one run in a scratch directory and return its files (name to bytes)."""
    with tempfile.TemporaryDirectory(prefix="govlang-run-") as scratch:
        play_one(run, scratch, key, metrics)
        directory = results.run_dir(Path(scratch), run)
        return {name: (directory / name).read_bytes() for name in RUN_FILES}


def store_files(out: Path, run: RunSpec, files: Mapping[str, bytes]) -> None:
    """Write a run's files into the store, ``summary.json`` last (the completion marker)."""
    directory = results.run_dir(out, run)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "summary.json").unlink(missing_ok=True)
    for name in RUN_FILES:
        partial = directory / f".{name}.part"
        partial.write_bytes(files[name])
        partial.replace(directory / name)


class Executor(Protocol):
    """Plays runs into a results store; calls ``done(run_id)`` as each one completes."""

    def execute(
        self,
        runs: Sequence[RunSpec],
        out: Path,
        key: bytes,
        metrics: MetricParams,
        done: Callable[[str], None],
    ) -> None:
        """Play every run of ``runs`` into ``out``."""


def _limited(
    run: RunSpec, out: str, key: bytes, metrics: MetricParams, limits: dict[str, int]
) -> str:
    """:func:`play_one` holding a slot of the run's provider (file locks under ``out``)."""
    provider = provider_of(run)
    if provider is None or provider not in limits:
        return play_one(run, out, key, metrics)
    with FileSlots(Path(out) / ".locks", provider, limits[provider]):
        return play_one(run, out, key, metrics)


def _batch(
    runs: Sequence[RunSpec], out: str, key: bytes, metrics: MetricParams, limits: dict[str, int]
) -> list[str]:
    """Play a batch of runs in one pool task; return their ids."""
    return [_limited(run, out, key, metrics, limits) for run in runs]


def _batches(runs: Sequence[RunSpec], workers: int) -> list[list[RunSpec]]:
    """Runs in batches of at most 16, about four per worker, with equal institutions together.

    Batching saves a round trip per run; keeping runs of one institution (and population)
    together lets a worker reuse the institution it compiled for the previous run.
    """
    ordered = sorted(
        runs, key=lambda r: (repr(sorted(r.institution_params.items())), r.population, r.seed)
    )
    size = max(1, min(16, len(ordered) // (4 * workers)))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


class LocalExecutor:
    """A ``spawn`` process pool of ``workers`` processes (serial in-process when 1)."""

    def __init__(self, workers: int, limits: Mapping[str, int] | None = None) -> None:
        """``limits``: most LLM runs in flight per provider (unlisted: unlimited)."""
        self.workers = max(1, workers)
        self.limits = dict(limits or {})

    def execute(
        self,
        runs: Sequence[RunSpec],
        out: Path,
        key: bytes,
        metrics: MetricParams,
        done: Callable[[str], None],
    ) -> None:
        """Play the runs; a failed run raises after the others in hand have finished."""
        if self.workers == 1 or len(runs) <= 1:
            for run in runs:
                done(_limited(run, str(out), key, metrics, self.limits))
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            min(self.workers, len(runs)),
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures: list[Future[list[str]]] = []
            try:
                with interrupts_deferred():  # submitting starts the workers
                    futures = [
                        pool.submit(_batch, batch, str(out), key, metrics, self.limits)
                        for batch in _batches(runs, self.workers)
                    ]
                for future in as_completed(futures):
                    for run_id in future.result():
                        done(run_id)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class RayExecutor:
    """One Ray task per run on the cluster at ``address`` (``local``: start a local runtime)."""

    def __init__(
        self, address: str = "local", workers: int = 2, limits: Mapping[str, int] | None = None
    ) -> None:
        """``workers``: CPUs of a local runtime, and most tasks in flight at once."""
        self.address = address
        self.workers = max(1, workers)
        self.limits = dict(limits or {})

    def execute(
        self,
        runs: Sequence[RunSpec],
        out: Path,
        key: bytes,
        metrics: MetricParams,
        done: Callable[[str], None],
    ) -> None:
        """Submit the runs (at most ``workers`` ahead), store each result as it arrives."""
        ray = _ray()
        started_here = not ray.is_initialized()
        if started_here:
            if self.address == "local":
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=self.address, log_to_driver=False)
        try:
            self._run_all(ray, runs, out, key, metrics, done)
        finally:
            if started_here:
                ray.shutdown()

    def _run_all(
        self,
        ray: Any,
        runs: Sequence[RunSpec],
        out: Path,
        key: bytes,
        metrics: MetricParams,
        done: Callable[[str], None],
    ) -> None:
        """Keep up to ``2 * workers`` tasks in flight; write each run's files on arrival."""
        from govlang.sweeps.limits import ray_gate

        task = ray.remote(num_cpus=1, max_retries=1)(_ray_task)
        gate = ray_gate(ray, self.limits) if self.limits else None
        queue = list(runs)
        flying: dict[Any, RunSpec] = {}
        while queue or flying:
            while queue and len(flying) < 2 * self.workers:
                run = queue.pop(0)
                flying[task.remote(run, key, metrics, gate)] = run
            ready, _ = ray.wait(list(flying), num_returns=1)
            for ref in ready:
                run = flying.pop(ref)
                store_files(out, run, ray.get(ref))
                done(run.run_id)


def _ray_task(run: RunSpec, key: bytes, metrics: MetricParams, gate: Any) -> dict[str, bytes]:
    """The Ray task: hold the provider's slot (if limited) and play the run portably."""
    provider = provider_of(run)
    if gate is None or provider is None:
        return play_portable(run, key, metrics)
    import ray

    while not ray.get(gate.acquire.remote(provider)):
        time.sleep(0.05)
    try:
        return play_portable(run, key, metrics)
    finally:
        ray.get(gate.release.remote(provider))


def _ray() -> Any:
    """The ``ray`` module, or a clear error saying how to install it."""
    try:
        import ray
    except ImportError:
        print("govlang: the ray executor needs Ray: pip install 'govlang[ray]'", file=sys.stderr)
        raise
    return ray


EXECUTORS = ("local", "ray")
"""The executor names of ``govlang sweep --executor``."""
