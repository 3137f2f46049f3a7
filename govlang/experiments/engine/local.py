"""Executors on this machine: a ``spawn`` process pool, and asyncio tasks in this process.

* :class:`LocalExecutor` -- a pool of ``workers`` processes (serial in this process when
  ``workers`` is 1, or when there is one run at most, unless ``pool_for_one``). ``split``
  cuts the runs into pool tasks: :func:`batches` (equal institutions together, the sweep's)
  or :func:`seed_groups` (one task per population and seed, the experiment's, with every
  Q-learning run of a seed in one task: they share their cached self-play phase). Workers end
  with the parent (:func:`govlang.workers.init_pool_worker`) and send the rounds played
  (summed, one message every :data:`ROUNDS_EVERY_S` at most) and each run back through a
  queue. With ``finish_in_hand``, workers ignore Ctrl-C and finish the run in hand, and the
  parent says so; without, the interrupt reaches the workers too.
* :class:`AsyncExecutor` -- up to ``concurrency`` runs as asyncio tasks in this process:
  for runs that wait on the network (LLM firms).

LLM runs respect per-provider ``limits`` in the pool (:mod:`.limits`): a run holds one of its
provider's slots while it plays, across every worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any

from govlang.experiments.engine.limits import FileSlots, provider_of
from govlang.experiments.engine.units import Done, Rounds, Store, play_async, play_one
from govlang.experiments.runs import RunSpec
from govlang.workers import init_pool_worker, interrupts_deferred, progress_queue

__all__ = ["AsyncExecutor", "LocalExecutor", "Split", "batches", "seed_groups"]

Split = Callable[[Sequence[RunSpec], int], list[list[RunSpec]]]
"""How runs are cut into pool tasks, given the number of workers."""


def batches(runs: Sequence[RunSpec], workers: int) -> list[list[RunSpec]]:
    """Runs in batches of at most 16, about four per worker, with equal institutions together.

    Batching saves a round trip per run; keeping runs of one institution (and population)
    together lets a worker reuse the institution it compiled for the previous run.
    """
    ordered = sorted(
        runs, key=lambda r: (repr(sorted(r.institution_params.items())), r.population, r.seed)
    )
    size = max(1, min(16, len(ordered) // (4 * workers)))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def seed_groups(runs: Sequence[RunSpec], workers: int) -> list[list[RunSpec]]:
    """One task per population and seed; the runs with a Q-learner, per seed, go first.

    A Q-learner's self-play phase depends on the market, its parameters and the seed, not on
    the population, and is cached per process: one task playing every Q-learning run of a
    seed computes it once for all the populations that have one (they are slow to set up,
    so they start first).
    """
    slow: dict[int, list[RunSpec]] = {}
    fast: dict[tuple[str, int], list[RunSpec]] = {}
    for run in runs:
        if any(f.kind == "qlearning" for f in run.firms):
            slow.setdefault(run.seed, []).append(run)
        else:
            fast.setdefault((run.population, run.seed), []).append(run)
    return [*slow.values(), *fast.values()]


def _limited(
    run: RunSpec,
    store: Store,
    limits: Mapping[str, int],
    on_round: Callable[[int], None] | None = None,
) -> str:
    """:func:`play_one` holding a slot of the run's provider (file locks in the store)."""
    provider = provider_of(run)
    if provider is None or provider not in limits:
        return play_one(run, store, on_round)
    with FileSlots(store.out / ".locks", provider, limits[provider]):
        return play_one(run, store, on_round)


ROUNDS_EVERY_S = 0.1
"""Seconds between two messages of rounds played from a pool worker (they are summed)."""


class _RoundsSender:
    """Tells the parent of rounds played, at most one message every :data:`ROUNDS_EVERY_S`."""

    def __init__(self) -> None:
        self.unsent = 0
        self.sent_at = time.monotonic()

    def __call__(self, count: int) -> None:
        """``count`` more rounds played."""
        self.unsent += count
        if time.monotonic() - self.sent_at >= ROUNDS_EVERY_S:
            self.flush()

    def flush(self) -> None:
        """Send the rounds not told yet."""
        if self.unsent:
            progress_queue().put(("round", self.unsent))
        self.unsent, self.sent_at = 0, time.monotonic()


def _task(group: list[RunSpec], store: Store, limits: dict[str, int], rounds: bool) -> int:
    """Play a pool task's runs; report rounds (if asked) and each run through the queue."""
    on_round = _RoundsSender() if rounds else None
    for run in group:
        played = _limited(run, store, limits, on_round)
        if on_round is not None:
            on_round.flush()
        progress_queue().put(("run", played))
    return len(group)


def _drain(queue: Any, done: Callable[[str], None], rounds: Callable[[int], None]) -> None:
    """Forward pool workers' progress messages until ``None``."""
    while (message := queue.get()) is not None:
        what, value = message
        if what == "round":
            rounds(value)
        else:
            done(value)


class LocalExecutor:
    """A ``spawn`` process pool of ``workers`` processes; see the module docstring."""

    def __init__(
        self,
        workers: int,
        limits: Mapping[str, int] | None = None,
        *,
        split: Split = batches,
        pool_for_one: bool = False,
        finish_in_hand: bool = False,
    ) -> None:
        """``limits``: most LLM runs in flight per provider (unlisted: unlimited)."""
        self.workers = max(1, workers)
        self.limits = dict(limits or {})
        self.split = split
        self.pool_for_one = pool_for_one
        self.finish_in_hand = finish_in_hand

    def execute(
        self, runs: Sequence[RunSpec], store: Store, done: Done, rounds: Rounds = None
    ) -> None:
        """Play the runs; a failed run raises after the others in hand have finished."""
        if not runs:
            return
        if self.workers == 1 or (len(runs) == 1 and not self.pool_for_one):
            for run in runs:
                done(_limited(run, store, self.limits, rounds))
            return
        tasks = self.split(runs, self.workers)
        context = multiprocessing.get_context("spawn")
        with interrupts_deferred():  # may start the resource tracker process
            queue = context.Queue()
            drain = threading.Thread(
                target=_drain, args=(queue, done, rounds or (lambda _: None)), daemon=True
            )
            drain.start()  # with Ctrl-C blocked, as every thread but the main one
        pool = ProcessPoolExecutor(
            min(self.workers, len(tasks)),
            mp_context=context,
            initializer=init_pool_worker,
            initargs=(os.getpid(), self.finish_in_hand, queue),
        )
        futures: list[Future[int]] = []
        try:
            with interrupts_deferred():  # submitting starts the workers
                futures = [
                    pool.submit(_task, t, store, self.limits, rounds is not None) for t in tasks
                ]
            for future in as_completed(futures):
                future.result()
        except KeyboardInterrupt:
            if self.finish_in_hand:
                print("\ninterrupted: finishing the runs in hand; rerun to resume", file=sys.stderr)
            raise
        finally:
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            queue.put(None)
            drain.join()


class AsyncExecutor:
    """Up to ``concurrency`` runs at a time as asyncio tasks in this process."""

    def __init__(self, concurrency: int) -> None:
        """``concurrency``: most runs in flight at once."""
        self.concurrency = max(1, concurrency)

    def execute(
        self, runs: Sequence[RunSpec], store: Store, done: Done, rounds: Rounds = None
    ) -> None:
        """Play the runs; Ctrl-C cancels them (the runs in hand stay incomplete)."""
        if runs:
            asyncio.run(self._gather(runs, store, done, rounds))

    async def _gather(
        self,
        runs: Sequence[RunSpec],
        store: Store,
        done: Callable[[str], None],
        rounds: Callable[[int], None] | None,
    ) -> None:
        """Play the runs, at most ``concurrency`` at a time."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(run: RunSpec) -> None:
            async with gate:
                await play_async(run, store, rounds)
                done(run.run_id)

        await asyncio.gather(*(one(run) for run in runs))
