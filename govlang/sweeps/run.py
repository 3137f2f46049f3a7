"""Running a sweep: plan, play the missing runs, tabulate, plot, summarise.

:func:`run_sweep` is what ``govlang sweep SWEEP.toml -o RESULTS/`` does::

    RESULTS/runs/<run_id>/...        every run, as ``govlang run`` writes it (shared store)
    RESULTS/sweep.json               the sweep, its design points and every run id
    RESULTS/sweep_runs.csv/.parquet  the tidy table (one row per run)
    RESULTS/sweep_cells.csv          the per-cell aggregates
    RESULTS/plots/*.png              heatmaps and line plots
    RESULTS/summary.md               the thresholds, in words (thresholds.json for scripts)

A run is complete when its ``summary.json`` exists; rerunning the command plays only the
others, and runs completed by an experiment or another sweep in the same store are reused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.experiments.engine import Executor, LocalExecutor, play_runs
from govlang.experiments.logkey import log_key
from govlang.lang.manifest import canonical_json
from govlang.runtime.canonical import plain
from govlang.sweeps.aggregate import axis_names, cell_rows, tidy_rows, write_tables
from govlang.sweeps.config import SweepSpec, load_sweep
from govlang.sweeps.design import SweepRun, plan_sweep
from govlang.sweeps.plots import write_plots
from govlang.sweeps.summary import Outcome, Threshold, find_thresholds, summary_markdown

__all__ = ["SweepResult", "run_sweep"]


@dataclass(frozen=True)
class SweepResult:
    """What :func:`run_sweep` did: the plan, the runs played now and reused, the tables."""

    out_dir: Path
    spec: SweepSpec
    runs: tuple[SweepRun, ...]
    executed: tuple[str, ...]
    reused: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    cells: tuple[dict[str, Any], ...]
    thresholds: tuple[Threshold, ...]
    wall_time_s: float


def run_sweep(
    sweep: str | Path | SweepSpec,
    out_dir: str | Path,
    executor: Executor | None = None,
    *,
    plots: bool = True,
    quiet: bool = False,
) -> SweepResult:
    """Run (or resume) a sweep into ``out_dir`` with ``executor`` (default: a 2-process pool).

    Raises :class:`~govlang.sweeps.config.SweepError` before anything runs if any design
    point is invalid.
    """
    started = time.perf_counter()
    source = str(sweep) if not isinstance(sweep, SweepSpec) else "<sweep>"
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(sweep)
    out = Path(out_dir)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    key, _ = log_key(out)
    cache = spec.base.llm.cache
    llm_cache = None if cache is False else (out / "llm-cache" if cache is None else cache)
    planned = plan_sweep(spec, llm_cache, source)
    _write_plan(out, spec, planned)
    unique = {p.run.run_id: p.run for p in planned}
    chosen = executor or LocalExecutor(2, spec.limits)
    pending = play_runs(
        unique.values(), out, key, spec.base.metrics, chosen, quiet=quiet, record_key_id=True
    )
    rows = tidy_rows(out, planned, spec.base.metrics)
    axes = axis_names(planned)
    cells = cell_rows(rows, axes)
    write_tables(out, rows, cells)
    levels: dict[Outcome, float] = {
        "severe": spec.severe_level,
        "mean_tier": spec.tier_level,
        "collusive": spec.collusive_level,
        "consumer_harm": spec.harm_level,
    }
    thresholds = find_thresholds(rows, axes, levels, spec.seed)
    if plots:
        write_plots(out, cells, axes)
    text = summary_markdown(spec.name, spec.description, len(rows), len(planned), thresholds)
    (out / "summary.md").write_text(text, encoding="utf-8")
    (out / "thresholds.json").write_text(thresholds_json(thresholds) + "\n", encoding="utf-8")
    done = {r.run_id for r in pending}
    return SweepResult(
        out_dir=out,
        spec=spec,
        runs=tuple(planned),
        executed=tuple(i for i in unique if i in done),
        reused=tuple(i for i in unique if i not in done),
        rows=tuple(rows),
        cells=tuple(cells),
        thresholds=tuple(thresholds),
        wall_time_s=time.perf_counter() - started,
    )


def _write_plan(out: Path, spec: SweepSpec, planned: Sequence[SweepRun]) -> None:
    """Write ``sweep.json``: the sweep's settings, its points and the run ids of each."""
    cells: dict[int, dict[str, Any]] = {}
    for p in planned:
        cells.setdefault(p.cell, {"point": p.point, "runs": []})["runs"].append(p.run.run_id)
    document = {
        "format": "govlang.sweep",
        "version": 1,
        "sweep": spec.model_dump(mode="json", exclude={"base"}),
        "base": {"name": spec.base.name, "institution": str(spec.base.institution.path)},
        "cells": [cells[k] for k in sorted(cells)],
    }
    (out / "sweep.json").write_text(canonical_json(plain(document), indent=2) + "\n")


def thresholds_json(thresholds: Sequence[Threshold]) -> str:
    """The thresholds as JSON (``NaN`` where there is no crossing)."""
    return json.dumps([vars(t) for t in thresholds], indent=2)
