"""Global per-provider limits on LLM runs in flight, across processes and Ray workers.

A run's *provider* is the litellm provider prefix of its first LLM firm's model
(``openai/gpt-4o-mini`` gives ``openai``; a bare model name gives ``openai``, litellm's
default); offline runs have none and are never limited. A limited run holds one of its
provider's ``limit`` slots for as long as it plays, so at most ``limit`` runs (each making at
most one request per firm at a time) talk to that provider at once.

* :class:`FileSlots` -- slots as ``flock``-ed files under the results store (process pool;
  any process on the machine that shares the store shares the limit).
* :func:`ray_gate` -- a named Ray actor counting slots per provider (cluster-wide).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from govlang.experiments.runs import RunSpec

__all__ = ["GATE_NAME", "FileSlots", "provider_of", "ray_gate"]

GATE_NAME = "govlang-provider-gate"
"""The name of the Ray actor that holds the provider slots."""


def provider_of(run: RunSpec) -> str | None:
    """The provider of the run's first LLM firm, or ``None`` for an offline run."""
    for firm in run.firms:
        if firm.kind == "llm":
            model = str(firm.options.get("model", ""))
            return model.split("/", 1)[0] if "/" in model else "openai"
    return None


class FileSlots:
    """A counting semaphore of ``limit`` lock files ``<directory>/<provider>.<k>.lock``."""

    def __init__(self, directory: Path, provider: str, limit: int, poll: float = 0.05) -> None:
        """Slots of ``provider`` under ``directory``; ``poll``: seconds between attempts."""
        self.paths = [directory / f"{provider}.{k}.lock" for k in range(limit)]
        self.poll = poll
        self._held: IO[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def acquire(self, timeout: float | None = None) -> int:
        """Block until a slot is free (``TimeoutError`` after ``timeout`` s); return its number."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            for k, path in enumerate(self.paths):
                handle = path.open("ab")
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                self._held = handle
                return k
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"no free slot of {len(self.paths)} after {timeout} s")
            time.sleep(self.poll)

    def release(self) -> None:
        """Free the slot held (closing the file releases the lock)."""
        if self._held is not None:
            fcntl.flock(self._held.fileno(), fcntl.LOCK_UN)
            self._held.close()
            self._held = None

    def __enter__(self) -> FileSlots:
        """Acquire a slot."""
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Release the slot."""
        self.release()


class _Gate:
    """The Ray actor's class: slot counts per provider (non-blocking acquire)."""

    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = dict(limits)
        self.used: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    def acquire(self, provider: str) -> bool:
        """Take a slot if one is free."""
        used = self.used.get(provider, 0)
        if used >= self.limits.get(provider, 1 << 30):
            return False
        self.used[provider] = used + 1
        self.peak[provider] = max(self.peak.get(provider, 0), used + 1)
        return True

    def release(self, provider: str) -> None:
        """Give a slot back."""
        self.used[provider] = max(0, self.used.get(provider, 0) - 1)

    def peaks(self) -> dict[str, int]:
        """The most slots ever held at once, per provider."""
        return dict(self.peak)


def ray_gate(ray: Any, limits: dict[str, int]) -> Any:
    """The cluster's provider gate (created with ``limits`` unless it exists)."""
    actor = ray.remote(num_cpus=0)(_Gate)
    namespace = f"{GATE_NAME}-{os.getpid()}"
    return actor.options(name=namespace, get_if_exists=True).remote(limits)
