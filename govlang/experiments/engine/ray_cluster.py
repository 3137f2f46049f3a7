"""The Ray executor: one Ray task per run, on a cluster or a local Ray runtime.

The task plays into a scratch directory on whichever node runs it and returns the run's
files, which the driver writes into the store (:func:`~.units.store_files`), so the store
need not be on a shared file system. ``address`` is a cluster address (``ray://host:10001``,
``auto``) or ``local``, which starts a local runtime of ``workers`` CPUs; a runtime already
started in this process is used as it is (and left running). Rounds are not reported.

LLM runs respect a global limit per provider: a run holds one of its provider's slots in a
named Ray actor (:func:`~.limits.ray_gate`) while it plays.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from govlang.experiments.engine.limits import provider_of
from govlang.experiments.engine.units import Done, Rounds, Store, play_portable, store_files
from govlang.experiments.runs import RunSpec

__all__ = ["RayExecutor"]


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
        self, runs: Sequence[RunSpec], store: Store, done: Done, rounds: Rounds = None
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
            self._run_all(ray, runs, store, done)
        finally:
            if started_here:
                ray.shutdown()

    def _run_all(
        self,
        ray: Any,
        runs: Sequence[RunSpec],
        store: Store,
        done: Callable[[str], None],
    ) -> None:
        """Keep up to ``2 * workers`` tasks in flight; write each run's files on arrival."""
        from govlang.experiments.engine.limits import ray_gate

        task = ray.remote(num_cpus=1, max_retries=1)(_ray_task)
        gate = ray_gate(ray, self.limits) if self.limits else None
        queue = list(runs)
        flying: dict[Any, RunSpec] = {}
        while queue or flying:
            while queue and len(flying) < 2 * self.workers:
                run = queue.pop(0)
                flying[task.remote(run, store, gate)] = run
            ready, _ = ray.wait(list(flying), num_returns=1)
            for ref in ready:
                run = flying.pop(ref)
                store_files(store.out, run, ray.get(ref))
                done(run.run_id)


def _ray_task(run: RunSpec, store: Store, gate: Any) -> dict[str, bytes]:
    """The Ray task: hold the provider's slot (if limited) and play the run portably."""
    provider = provider_of(run)
    if gate is None or provider is None:
        return play_portable(run, store)
    import ray

    while not ray.get(gate.acquire.remote(provider)):
        time.sleep(0.05)
    try:
        return play_portable(run, store)
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
