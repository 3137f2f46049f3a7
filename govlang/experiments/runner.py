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

**Concurrency.** The runs are played by the run engine (:mod:`govlang.experiments.engine`),
up to ``concurrency`` at a time. Offline populations are CPU-bound, so
they go to a process pool (``spawn`` workers), one task per (population, seed) playing that
seed's regimes in turn, and one per seed for all the runs with Q-learners, which lets them
reuse their cached self-play phase across regimes and populations; populations
with LLM firms wait on the network, so they run as asyncio tasks under a semaphore in this
process. Every run is a pure function of its :class:`~govlang.experiments.runs.RunSpec`
(LLM answers aside), so either way gives the same traces. Meanwhile a thread of this process
prepares the report from the runs already complete (figures, tidy tables:
:mod:`govlang.experiments.preparation`).

**Ctrl-C.** Complete runs stay complete. Pool workers ignore the interrupt and finish the
run in hand (its summary is written); asyncio runs are cancelled and left incomplete. A
worker whose parent is killed ends at once (:mod:`govlang.workers`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govlang.experiments import results
from govlang.experiments.config import ExperimentSpec, load_experiment
from govlang.experiments.engine import (
    AsyncExecutor,
    Executor,
    LocalExecutor,
    play_runs,
    seed_groups,
)
from govlang.experiments.logkey import key_statement, log_key
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import RunSpec, plan_runs
from govlang.lang.compile import CompiledInstitution
from govlang.lang.frontend import InputError

__all__ = ["ExperimentResult", "run_experiment"]


@dataclass(frozen=True)
class ExperimentResult:
    """What :func:`run_experiment` did and produced.

    ``executed`` / ``reused``: run ids played now and found complete; ``table``: one row per
    run (the content of ``runs.csv``); ``comparisons``: the regime comparison per population;
    ``wall_time_s``: seconds spent in :func:`run_experiment`; ``phases``: how they split, in
    order (``setup``: load, compile, plan, diagram and manifest; ``runs``: playing, worker
    start-up and what is prepared for the report meanwhile included; ``tables``: collecting
    the summaries, comparing, writing the tables; ``report``).
    """

    out_dir: Path
    spec: ExperimentSpec
    runs: tuple[RunSpec, ...]
    executed: tuple[str, ...]
    reused: tuple[str, ...]
    table: tuple[dict[str, Any], ...]
    comparisons: results.Comparisons
    wall_time_s: float
    phases: dict[str, float] = field(default_factory=dict)

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
    clock = _Phases(started)
    spec = experiment if isinstance(experiment, ExperimentSpec) else load_experiment(experiment)
    out = Path(out_dir)
    _mkdir(out / "runs")
    key, key_source = log_key(out)
    compiled = institution_of(spec)
    runs = plan_runs(spec, compiled.digest, _llm_cache(spec, out))
    diagram = _diagram(compiled, out)
    results.write_manifest(out, spec, compiled, runs, key_source, diagram)
    executor = _executor(spec, concurrency or spec.concurrency)
    clock.lap("setup")
    from govlang.experiments.preparation import ReportPreparation  # not in run workers

    preparation = ReportPreparation(compiled, runs, out)  # while the runs are played
    for run in runs:
        if results.is_complete(out, run):
            preparation.add(run.run_id)
    try:
        pending = play_runs(
            runs,
            out,
            key,
            spec.metrics,
            executor,
            quiet=quiet,
            rounds_per_run=spec.rounds,
            record_key_id=True,
            on_done=preparation.add,
        )
    except BaseException:
        preparation.stop()
        raise
    prepared = preparation.close()
    clock.lap("runs")
    table = results.collect(out, runs, spec)
    comparisons = results.compare(table, spec)
    results.write_tables(out, table, runs, prepared.tables)
    signed = key_statement(key, key_source, [results.run_dir(out, r) for r in runs])
    clock.lap("tables")
    from govlang.experiments.report import write_report

    write_report(out, spec, compiled, runs, table, comparisons, signed, prepared.figures)
    clock.lap("report")
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
        phases=clock.seconds,
    )


class _Phases:
    """Wall-clock seconds per phase, each lap ending where the previous one did."""

    def __init__(self, started: float) -> None:
        self._last = started
        self.seconds: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """End phase ``name`` now."""
        now = time.perf_counter()
        self.seconds[name] = now - self._last
        self._last = now


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


def _executor(spec: ExperimentSpec, workers: int) -> Executor:
    """A process pool for offline runs (one task per population and seed), else asyncio."""
    if spec.offline and workers > 1:
        return LocalExecutor(workers, split=seed_groups, pool_for_one=True, finish_in_hand=True)
    return AsyncExecutor(workers)
