"""The run engine: play planned runs into a results store, reuse finished ones, show progress.

``govlang run`` (:mod:`govlang.experiments.runner`) and ``govlang sweep``
(:mod:`govlang.sweeps.run`) are two front ends over :func:`play_runs`: each plans its
:class:`~govlang.experiments.runs.RunSpec` s, picks an executor and calls it.

A run is complete when its ``summary.json`` exists (written last); complete runs are reused,
so rerunning a command plays only the others, and run ids being content-addressed, a run
finished by another experiment or sweep in the same store is found done. The executors:

* :class:`~.local.LocalExecutor` -- a ``spawn`` process pool on this machine;
* :class:`~.local.AsyncExecutor` -- asyncio tasks in this process (LLM runs of ``govlang run``);
* :class:`~.ray_cluster.RayExecutor` -- one Ray task per run on a cluster.

Both record each run's ``log-key-id`` (``record_key_id``). What still differs between the two
front ends is an explicit choice they make: ``govlang run`` shows a bar of rounds too, and
gives its pool one task per (population, seed) with ``finish_in_hand`` Ctrl-C handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from govlang.experiments import results
from govlang.experiments.engine.local import AsyncExecutor, LocalExecutor, batches, seed_groups
from govlang.experiments.engine.ray_cluster import RayExecutor
from govlang.experiments.engine.units import Executor, Store, play_one, play_portable
from govlang.experiments.metrics import MetricParams
from govlang.experiments.runs import RunSpec

__all__ = [
    "AsyncExecutor",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "Store",
    "batches",
    "pending_runs",
    "play_one",
    "play_portable",
    "play_runs",
    "seed_groups",
]


def pending_runs(out: Path, runs: Iterable[RunSpec]) -> list[RunSpec]:
    """The runs (each id once, in order) that have no complete result in ``out`` yet."""
    unique = {r.run_id: r for r in runs}
    return [r for r in unique.values() if not results.is_complete(out, r)]


def play_runs(
    runs: Iterable[RunSpec],
    out: Path,
    key: bytes,
    metrics: MetricParams,
    executor: Executor,
    *,
    quiet: bool,
    rounds_per_run: int | None = None,
    record_key_id: bool = False,
    on_done: Callable[[str], None] | None = None,
) -> list[RunSpec]:
    """Play the runs not complete in ``out`` with ``executor``; return those it played.

    Shows a progress bar of runs (and of rounds, with ``rounds_per_run``) unless ``quiet``
    or standard error is not a terminal (the executor is then not asked for rounds: pool
    workers send no message per round); ``record_key_id`` writes each run's ``log-key-id``;
    ``on_done`` is told the id of each run as it completes (from the executor's thread).
    """
    from govlang.progress import Progress  # rich: the front end's, not the pool workers'

    pending = pending_runs(out, runs)
    with Progress(len(pending), rounds_per_run, quiet) as progress:
        store = Store(out, key, metrics, record_key_id)
        done: Callable[[str], None] = progress.run_done
        if on_done is not None:
            done = _both(progress.run_done, on_done)
        executor.execute(
            pending,
            store,
            done,
            progress.rounds if rounds_per_run is not None and progress.shown else None,
        )
    return pending


def _both(first: Callable[[str], None], then: Callable[[str], None]) -> Callable[[str], None]:
    """A callback that calls ``first``, then ``then``."""

    def both(run_id: str) -> None:
        first(run_id)
        then(run_id)

    return both
