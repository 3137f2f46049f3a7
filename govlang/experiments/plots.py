"""The report's figures (matplotlib, Agg canvases), each returned as PNG bytes.

* :func:`actions_figure` -- each firm's quantity per commodity (Cournot) or price (Bertrand)
  over the rounds of one run, against its Nash (dashed) and joint-monopoly (dotted) levels;
* :func:`standings_figure` -- each firm's institutional standing over the rounds of one run;
* :func:`tier_figure` -- the distribution of collusion tiers per regime, one panel per
  population;
* :func:`series_figure` -- per regime, the mean over runs of each round's HHI excess, CV
  excess, price and consumer surplus against Nash, with a 95% band (``series.parquet``).

:func:`experiment_figures` draws an experiment's set: the tier distribution, and for each
configuration and regime the figures of its first run (seed = the experiment's base seed).
:class:`~govlang.experiments.preparation.ReportPreparation` draws those first runs' figures
while the other runs are still being played (:func:`run_figures`), so that the report only has
the experiment-wide figures left.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from govlang.experiments.results import Comparisons, run_dir
from govlang.experiments.run_loop import read_trace
from govlang.lang.compile import CompiledInstitution

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

    from govlang.experiments.runs import RunSpec

__all__ = [
    "Figure",
    "actions_figure",
    "experiment_figures",
    "run_figures",
    "series_figure",
    "standings_figure",
    "tier_figure",
]

SERIES = (
    ("hhi_excess", "HHI excess over Nash"),
    ("cv_excess", "CV excess over Nash"),
    ("price_vs_nash", "price / Nash"),
    ("consumer_surplus_vs_nash", "consumer surplus / Nash"),
)
"""The ``series.parquet`` columns drawn by :func:`series_figure`, with their titles."""

TIERS = (0, 1, 2, 3, 4)
TIER_COLOURS = ("#2c7bb6", "#abd9e9", "#fee090", "#fdae61", "#d7191c")
DPI = 100


def _figure(**options: Any) -> MplFigure:
    """A new figure on an Agg canvas of its own (no pyplot: nothing global to register).

    matplotlib is imported by the first figure, so that importing this module is cheap.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    figure = MplFigure(**options)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: MplFigure) -> bytes:
    """The figure as PNG bytes; metadata left out for stable bytes.

    Margins are set by hand: a "tight" bounding box would draw every figure twice.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def actions_figure(
    effective: Any,
    agents: Sequence[str],
    labels: Sequence[str],
    nash: Any,
    monopoly: Any,
    title: str,
) -> bytes:
    """Per-firm actions over rounds against the benchmarks.

    ``effective``: ``(T, n, m)`` quantities (or ``(T, n)`` prices, then ``labels`` is
    ``["price"]``); ``nash`` / ``monopoly``: ``(n, m)`` (or ``(n,)``).
    """
    played = np.asarray(effective, dtype=np.float64)
    if played.ndim == 2:
        played = played[:, :, None]
    nash_a = np.asarray(nash, dtype=np.float64).reshape(played.shape[1:])
    mono_a = np.asarray(monopoly, dtype=np.float64).reshape(played.shape[1:])
    rounds = np.arange(1, played.shape[0] + 1)
    figure = _figure(figsize=(4.2 * len(labels), 3.0))
    axes = figure.subplots(1, len(labels), squeeze=False)
    for j, (axis, label) in enumerate(zip(axes[0], labels, strict=True)):
        for i, agent in enumerate(agents):
            colour = f"C{i}"
            axis.plot(rounds, played[:, i, j], color=colour, label=agent, linewidth=1.6)
            axis.axhline(nash_a[i, j], color=colour, linestyle="--", linewidth=0.9, alpha=0.8)
            axis.axhline(mono_a[i, j], color=colour, linestyle=":", linewidth=1.1, alpha=0.8)
        axis.set_title(f"{label}", fontsize=10)
        axis.set_xlabel("round")
        axis.grid(alpha=0.25)
    axes[0][0].set_ylabel("quantity" if labels != ["price"] else "price")
    axes[0][-1].legend(fontsize=8, title="-- Nash  ·· monopoly", title_fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.82, wspace=0.22)
    return _png(figure)


def standings_figure(
    standings: Sequence[Sequence[str | None]],
    agents: Sequence[str],
    states: Sequence[str],
    title: str,
) -> bytes:
    """Each firm's standing (a state of ``states``, in declaration order) over the rounds."""
    index = {state: k for k, state in enumerate(states)}
    rounds = np.arange(1, len(standings) + 1)
    figure = _figure(figsize=(8.4, 0.5 * len(states) + 1.4))
    axis = figure.subplots()
    for i, agent in enumerate(agents):
        levels = [index.get(row[i] or "", np.nan) for row in standings]
        offset = (i - (len(agents) - 1) / 2) * 0.08
        axis.step(rounds, np.array(levels, dtype=float) + offset, where="mid", label=agent)
    axis.set_yticks(range(len(states)), list(states))
    axis.set_ylim(-0.5, len(states) - 0.5)
    axis.set_xlabel("round")
    axis.grid(alpha=0.25)
    axis.legend(fontsize=8, loc="upper right")
    axis.set_title(title, fontsize=10)
    figure.subplots_adjust(left=0.16, right=0.98, bottom=0.5 / (0.5 * len(states) + 1.4) + 0.1)
    return _png(figure)


def tier_figure(
    distributions: Mapping[str, Mapping[str, Sequence[int]]], regimes: Sequence[str]
) -> bytes:
    """Stacked shares of runs per tier, per regime; one panel per population.

    ``distributions[population][regime]`` holds the run counts at tiers 0..4.
    """
    populations = list(distributions)
    cols = min(3, len(populations))
    rows = -(-len(populations) // cols)
    figure = _figure(figsize=(3.6 * cols + 1.2, 2.6 * rows))
    axes = figure.subplots(rows, cols, squeeze=False, sharey=True)
    for axis, population in zip(axes.flat, populations, strict=False):
        bottoms = np.zeros(len(regimes))
        totals = np.array([max(1, sum(distributions[population][r])) for r in regimes])
        for tier, colour in zip(TIERS, TIER_COLOURS, strict=True):
            counts = np.array([distributions[population][r][tier] for r in regimes], dtype=float)
            axis.bar(regimes, counts / totals, bottom=bottoms, color=colour, label=f"tier {tier}")
            bottoms += counts / totals
        axis.set_title(population, fontsize=10)
        axis.set_ylim(0, 1)
        axis.tick_params(axis="x", labelsize=8)
    for axis in axes.flat[len(populations) :]:
        axis.set_visible(False)
    for row in axes:
        row[0].set_ylabel("share of runs")
    axes[0][-1].legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    width = 3.6 * cols + 1.2
    figure.subplots_adjust(
        left=0.7 / width, right=1 - 1.1 / width, bottom=0.3 / rows, top=1 - 0.3 / rows, hspace=0.45
    )
    return _png(figure)


def _band(values: Any) -> tuple[Any, Any]:
    """Per round (column), the mean over runs (rows) and the half-width of a 95% band."""
    with np.errstate(invalid="ignore"):
        finite = np.where(np.isfinite(values), values, np.nan)
        n = np.sum(~np.isnan(finite), axis=0)
        mean = np.nanmean(finite, axis=0) if finite.size else finite
        sd = np.nanstd(finite, axis=0, ddof=1) if finite.shape[0] > 1 else np.zeros(mean.shape)
        return mean, 1.96 * np.nan_to_num(sd) / np.sqrt(np.maximum(n, 1))


def series_figure(series: Mapping[str, Mapping[str, Any]], regimes: Sequence[str]) -> bytes:
    """The regimes' mean per-round measures with 95% bands.

    ``series[regime][column]`` is a ``[runs, rounds]`` array of a :data:`SERIES` column;
    non-finite values (an infinite CV excess of a symmetric market) are left out.
    """
    figure = _figure(figsize=(3.4 * len(SERIES), 2.8))
    axes = figure.subplots(1, len(SERIES), squeeze=False)
    for axis, (column, title) in zip(axes[0], SERIES, strict=True):
        for regime in regimes:
            values = np.asarray(series.get(regime, {}).get(column, np.empty((0, 0))), float)
            if values.size == 0 or not np.isfinite(values).any():
                continue
            mean, half = _band(values)
            rounds = np.arange(1, mean.shape[0] + 1)
            (line,) = axis.plot(rounds, mean, label=regime, linewidth=1.2)
            axis.fill_between(rounds, mean - half, mean + half, alpha=0.2, color=line.get_color())
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("round", fontsize=8)
        axis.tick_params(labelsize=7)
    axes[0][-1].legend(fontsize=7, loc="best")
    figure.subplots_adjust(left=0.05, right=0.98, bottom=0.18, top=0.88, wspace=0.3)
    return _png(figure)


def regime_series(out: Path) -> dict[str, dict[str, Any]]:
    """``series.parquet`` as ``[runs, rounds]`` arrays per regime and :data:`SERIES` column."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

    path = out / "series.parquet"
    if not path.is_file():
        return {}
    columns = ["regime", "run_id", "round", *(c for c, _ in SERIES)]
    rows = pq.read_table(path, columns=columns).to_pylist()
    runs: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for row in rows:
        runs.setdefault(row["regime"], {}).setdefault(row["run_id"], []).append(row)
    found: dict[str, dict[str, Any]] = {}
    for regime, by_run in runs.items():
        length = min(len(r) for r in by_run.values())
        ordered = [sorted(r, key=lambda x: x["round"])[:length] for r in by_run.values()]
        found[regime] = {
            c: np.array([[x[c] for x in run] for run in ordered], dtype=float) for c, _ in SERIES
        }
    return found


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """One figure: its file name under ``plots/``, caption, PNG bytes and run anchor."""

    name: str
    caption: str
    png: bytes
    run_id: str | None = None


def shown_runs(runs: Sequence[RunSpec]) -> list[RunSpec]:
    """The runs whose figures the report shows: the first of each configuration and regime."""
    return [run for run in runs if run.index == 0]


def experiment_figures(
    compiled: CompiledInstitution,
    runs: Sequence[RunSpec],
    rows: Sequence[Mapping[str, Any]],
    c: Comparisons,
    out: Path,
    drawn: Mapping[str, list[Figure]] | None = None,
) -> list[Figure]:
    """The tier distribution and, per configuration and regime, its first run's figures.

    ``drawn`` holds run figures already drawn (:func:`run_figures`), by run id; the others
    are drawn here.
    """
    counts = {
        cfg: {g: [s.distribution[t] for t in range(5)] for g, s in by.items()}
        for cfg, by in c.by_config.items()
    }
    found = [Figure("tiers.png", "Tier distribution per regime", tier_figure(counts, c.regimes))]
    series = regime_series(out)
    if series:
        caption = "Per round, mean over runs with 95% band: HHI and CV excess, price and CS vs Nash"
        found.append(Figure("series.png", caption, series_figure(series, c.regimes)))
    done = {r["run_id"] for r in rows}
    ready = drawn or {}
    for run in shown_runs(runs):
        if run.run_id in done:
            mine = ready.get(run.run_id)
            found += run_figures(compiled, run, out) if mine is None else mine
    return found


def run_figures(compiled: CompiledInstitution, run: RunSpec, out: Path) -> list[Figure]:
    """The action figure (and the standings figure when institutional) of one run."""
    records = read_trace(run_dir(out, run) / "trace.jsonl")
    summary = json.loads((run_dir(out, run) / "summary.json").read_text("utf-8"))
    agents, marks = summary["agents"], summary["benchmarks"]
    played = np.array([[r["effective"][a] for a in agents] for r in records], dtype=float)
    labels = (
        list(run.market_config.get("commodities", ["price"])) if played.ndim == 3 else ["price"]
    )
    key = "quantity" if played.ndim == 3 else "price"
    title = f"{run.population} / {run.regime} (seed {run.seed})"
    stem = f"{run.population}-{run.regime}"
    found = [
        Figure(
            f"{stem}-actions.png",
            f"{title}: {key} per firm vs Nash (--) and monopoly (··)",
            actions_figure(
                played, agents, labels, marks[f"nash.{key}"], marks[f"monopoly.{key}"], title
            ),
            run.run_id,
        )
    ]
    if run.regime == "institutional":
        states = [
            s.name
            for scope in compiled.institution.scopes
            if scope.kind == "agent"
            for s in scope.states
        ]
        standings = [[r["standings"][a] for a in agents] for r in records]
        found.append(
            Figure(
                f"{stem}-standings.png",
                f"{title}: institutional standing",
                standings_figure(standings, agents, states, title),
                run.run_id,
            )
        )
    return found
