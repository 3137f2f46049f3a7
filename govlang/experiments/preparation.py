"""What ``govlang run`` prepares for the report while the runs are still being played.

Once the runs are done, the parent process tabulates them and writes the report, one step
after another, while the pool workers sit idle. Much of that work depends on single runs,
not on all of them, so a :class:`ReportPreparation` does it in a thread of the parent as the
runs complete, while the workers play the others:

* it imports the libraries the report needs (scipy's statistics, matplotlib, Parquet);
* it draws the figures of the runs the report shows (:func:`~.plots.shown_runs`);
* it reads each run's tidy tables (:func:`~.tidy.run_table`), which the combined tables
  concatenate.

The report made from what it prepared is the one made without it: whatever it could not
prepare (a file it could not read) is done again afterwards, which reports the problem.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlang.experiments.plots import Figure, run_figures, shown_runs
from govlang.experiments.results import run_dir
from govlang.experiments.tidy import TABLES, run_table
from govlang.workers import interrupts_deferred

if TYPE_CHECKING:
    from govlang.experiments.runs import RunSpec
    from govlang.lang.compile import CompiledInstitution

__all__ = ["Prepared", "ReportPreparation"]


@dataclass
class Prepared:
    """What was prepared: the shown runs' figures by run id, runs' tidy tables by folder."""

    figures: dict[str, list[Figure]] = field(default_factory=dict)
    tables: dict[Path, dict[str, Any]] = field(default_factory=dict)


def _import_report_libraries() -> None:
    """Import what the report will need, so that it need not wait for the imports."""
    import matplotlib.backends.backend_agg  # noqa: F401  (the figures)
    import pyarrow.parquet  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    import scipy.stats  # type: ignore[import-untyped,unused-ignore]  # noqa: F401

    import govlang.experiments.report  # noqa: F401


class ReportPreparation:
    """Prepares the report in a thread of its own as the runs complete (module docstring).

    :meth:`add` is told each complete run (from any thread); :meth:`close` waits for what
    the runs added so far need and returns it; :meth:`stop` abandons the rest (Ctrl-C). The
    thread is never left running when the interpreter exits: torn down inside matplotlib's
    or scipy's compiled code, it would abort the process.
    """

    def __init__(self, compiled: CompiledInstitution, runs: Sequence[RunSpec], out: Path) -> None:
        """Start the thread for ``runs`` (an experiment's runs) stored in ``out``."""
        self._compiled, self._out = compiled, out
        self._runs = {run.run_id: run for run in runs}
        self._shown = {run.run_id for run in shown_runs(runs)}
        self._todo: queue.SimpleQueue[RunSpec | None] = queue.SimpleQueue()
        self._prepared = Prepared()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._work, name="govlang-report", daemon=True)
        with interrupts_deferred():  # a Ctrl-C goes to the main thread, never to this one
            self._thread.start()

    def add(self, run_id: str) -> None:
        """Run ``run_id`` is complete: prepare what the report needs of it."""
        run = self._runs.get(run_id)
        if run is not None:
            self._todo.put(run)

    def close(self) -> Prepared:
        """Wait for the runs added so far to be prepared; return what was."""
        self._todo.put(None)
        self._thread.join()
        return self._prepared

    def stop(self) -> None:
        """Prepare no more: wait only for the step in hand."""
        self._stopped.set()
        self._todo.put(None)
        self._thread.join()

    def _work(self) -> None:
        """Import the report's libraries, then prepare the added runs until told to end."""
        with contextlib.suppress(ImportError):  # imported again by the report, which says so
            _import_report_libraries()
        while (run := self._todo.get()) is not None and not self._stopped.is_set():
            self._prepare(run)

    def _prepare(self, run: RunSpec) -> None:
        """Read the run's tidy tables; draw its figures if the report shows them."""
        folder = run_dir(self._out, run)
        try:
            tables = {name: run_table(folder, name, run.market_kind) for name in TABLES}
        except Exception:  # read again by the tables, which then report the problem
            pass
        else:
            self._prepared.tables[folder] = tables
        if run.run_id not in self._shown or self._stopped.is_set():
            return
        try:
            self._prepared.figures[run.run_id] = run_figures(self._compiled, run, self._out)
        except Exception:  # drawn again by the report, which then reports the problem
            return
