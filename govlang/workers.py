"""Process-pool workers that end when the process that started them dies.

A pool worker blocks on its task queue or plays a run; if its parent is killed (``kill -9``,
the OOM killer) nothing tells it to stop, and it would keep running, and holding memory,
forever. :func:`die_with_parent`, called first in every worker, makes sure it does not:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` has the kernel kill the worker the moment
  its parent exits;
* elsewhere (or if ``prctl`` fails), a daemon thread checks every :data:`POLL_S` seconds
  whether the worker has been re-parented (its parent id changed) and then exits at once;
* in both cases a worker whose parent already died before the set-up exits at once.

No thread is started on Linux, so that the worker stays single-threaded (the front end
pauses the garbage collector only then, :func:`govlang.lang.frontend.collector_paused`).

:func:`interrupts_deferred` keeps a Ctrl-C at the terminal from reaching workers that are
still starting: the parent alone decides what an interrupt means.

:func:`init_pool_worker` is the pool's initializer. It lives here, in a module that imports
nothing heavy, so that a spawned worker runs it (and is armed against its parent's death)
before it imports what playing runs needs, which takes a second or more.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal the kernel sends when the parent exits (``linux/prctl.h``)."""
POLL_S = 0.5
"""Seconds between two checks of the parent id by the watcher thread."""
ORPHANED_EXIT = 1

_PROGRESS: Any = None
"""The queue a pool worker tells its progress on (set by :func:`init_pool_worker`)."""


def init_pool_worker(parent: int, ignore_interrupts: bool, progress: Any = None) -> None:
    """Set up a pool worker: end with ``parent``, maybe ignore Ctrl-C, keep ``progress``.

    ``ignore_interrupts``: the worker finishes the run in hand on Ctrl-C (the parent decides);
    ``progress``: a queue the worker's tasks report to (:func:`progress_queue`).
    """
    global _PROGRESS
    die_with_parent(parent)
    if ignore_interrupts:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PROGRESS = progress


def progress_queue() -> Any:
    """The queue this pool worker reports its progress on (``None`` outside a worker)."""
    return _PROGRESS


def die_with_parent(parent: int) -> None:
    """Make this worker end when its parent, process ``parent``, dies (see the module doc).

    The pool passes its own pid (``initargs=(os.getpid(),)``): a worker that starts after
    its parent died, already re-parented, then exits at once.
    """
    armed = sys.platform.startswith("linux") and _pdeathsig()
    if os.getppid() != parent:  # the parent died while this worker was starting up
        os._exit(ORPHANED_EXIT)
    if armed:
        return
    threading.Thread(
        target=_watch, args=(parent,), name="govlang-parent-watch", daemon=True
    ).start()


def _pdeathsig() -> bool:
    """Ask the kernel for SIGKILL when the parent exits; whether that worked."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False  # the watcher thread ends the worker instead


def _watch(parent: int) -> None:
    """Exit the process as soon as its parent is no longer ``parent``."""
    while os.getppid() == parent:
        time.sleep(POLL_S)
    os._exit(ORPHANED_EXIT)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) in this thread while pool workers are being started.

    Workers inherit the blocked signal, so a Ctrl-C at the terminal, which reaches the whole
    process group, never interrupts a worker that is still importing (a traceback on the
    terminal): workers leave the decision to the parent. In the parent, a Ctrl-C that came
    meanwhile is delivered when the block ends, as a ``KeyboardInterrupt``. That holds only if
    no other thread of the parent takes the signal meanwhile (Python would still raise it in
    the main thread, in the middle of starting a worker): threads the parent starts are
    started inside this block, so that they keep the signal blocked for good.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
