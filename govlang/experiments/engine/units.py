"""The unit of work of every executor: play one run into a results store.

Every run is a pure function of its :class:`~govlang.experiments.runs.RunSpec` (LLM answers
aside). A run's files are written in a fixed order, ``summary.json`` last: it is the
completion marker that resume looks for.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from govlang.experiments import results
from govlang.experiments.logkey import KEY_ID_FILE, record_key
from govlang.experiments.metrics import MetricParams
from govlang.experiments.run_loop import play_run
from govlang.experiments.runs import RunSpec

__all__ = [
    "RUN_FILES",
    "Done",
    "Executor",
    "Rounds",
    "Store",
    "play_async",
    "play_one",
    "play_portable",
    "run_files",
    "store_files",
]

RUN_FILES = ("trace.jsonl", "governance.jsonl", "summary.json")
"""A run directory's files, in the order they must be written (the summary last)."""


def run_files(record_key_id: bool) -> tuple[str, ...]:
    """The run's files in writing order; with ``record_key_id``, ``log-key-id`` before the last."""
    if not record_key_id:
        return RUN_FILES
    return (*RUN_FILES[:-1], KEY_ID_FILE, RUN_FILES[-1])


Done = Callable[[str], None]
"""Told the id of each run as it completes."""
Rounds = Callable[[int], None] | None
"""Told of rounds played (``None``: nobody asks)."""


@dataclass(frozen=True)
class Store:
    """Where and how runs are written (plain data, sent to workers and Ray tasks).

    The results folder ``out``, the governance log key, the metric parameters of the
    summaries, and whether each run records its ``log-key-id``.
    """

    out: Path
    key: bytes
    metrics: MetricParams
    record_key_id: bool = False


async def play_async(
    run: RunSpec, store: Store, on_round: Callable[[int], None] | None = None
) -> None:
    """Play one run into ``out/runs/<run_id>/``; record the key id if asked; summary last."""
    started = time.perf_counter()
    directory = results.run_dir(store.out, run)
    facts = await play_run(run, directory, store.key, on_round)
    if store.record_key_id:
        record_key(directory, store.key)
    results.write_summary(directory, run, facts, store.metrics, time.perf_counter() - started)


def play_one(run: RunSpec, store: Store, on_round: Callable[[int], None] | None = None) -> str:
    """Play one run (see :func:`play_async`) in an event loop of its own; return its id."""
    asyncio.run(play_async(run, store, on_round))
    return run.run_id


def play_portable(run: RunSpec, store: Store) -> dict[str, bytes]:
    """Play one run in a scratch directory (not ``store.out``) and return its files."""
    with tempfile.TemporaryDirectory(prefix="govlang-run-") as scratch:
        play_one(run, replace(store, out=Path(scratch)))
        directory = results.run_dir(Path(scratch), run)
        return {name: (directory / name).read_bytes() for name in run_files(store.record_key_id)}


def store_files(out: Path, run: RunSpec, files: Mapping[str, bytes]) -> None:
    """Write a run's files into the store, ``summary.json`` last (the completion marker)."""
    directory = results.run_dir(out, run)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "summary.json").unlink(missing_ok=True)
    for name in run_files(KEY_ID_FILE in files):
        partial = directory / f".{name}.part"
        partial.write_bytes(files[name])
        partial.replace(directory / name)


class Executor(Protocol):
    """Plays runs into a :class:`Store`; calls ``done(run_id)`` as each one completes.

    ``rounds(n)``, when given, hears of rounds played (executors that cannot report rounds
    ignore it).
    """

    def execute(
        self, runs: Sequence[RunSpec], store: Store, done: Done, rounds: Rounds = None
    ) -> None:
        """Play every run of ``runs`` into ``store``."""
