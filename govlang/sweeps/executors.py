"""Executors of ``govlang sweep``: the run engine's local process pool and Ray executor.

Both are :mod:`govlang.experiments.engine` executors, shared with ``govlang run``; every run's
files are written exactly as ``govlang run`` writes them (``summary.json`` last), so both
leave the same results store and the same tables.

* :class:`LocalExecutor` -- a ``spawn`` process pool of ``workers`` processes; each task plays
  a small batch of runs straight into the results store.
* :class:`RayExecutor` -- one Ray task per run; the driver writes the files it returns.

LLM runs respect a global limit per provider (:mod:`govlang.sweeps.limits`).
"""

from __future__ import annotations

from govlang.experiments.engine import (
    Executor,
    LocalExecutor,
    RayExecutor,
    Store,
    play_one,
    play_portable,
)

__all__ = [
    "EXECUTORS",
    "Executor",
    "LocalExecutor",
    "RayExecutor",
    "Store",
    "play_one",
    "play_portable",
]

EXECUTORS = ("local", "ray")
"""The executor names of ``govlang sweep --executor``."""
