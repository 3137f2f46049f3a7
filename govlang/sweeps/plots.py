"""Sweep plots: heatmaps over two axes and line plots over one axis with intervals.

For every pair of axes with at least two values each, three heatmaps (mean tier, severe
incidence, consumer-surplus ratio to Nash) of the cell means pooled over the other axes;
for every numeric axis, one line plot of the mean tier and severe incidence with their 95%
intervals, one line per combination of the categorical axes. PNG files under ``plots/``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from govlang.sweeps.aggregate import SEVERE_TIER
from govlang.sweeps.summary import numeric_axes

__all__ = ["HEATMAP_METRICS", "write_plots"]

HEATMAP_METRICS = {
    "mean_tier": "mean collusion tier",
    "severe": f"severe incidence (tier >= {SEVERE_TIER})",
    "consumer_surplus_vs_nash": "consumer surplus / Nash",
}
"""The cell metrics drawn as heatmaps, with their labels."""


def _slug(text: str) -> str:
    """A file-name-safe version of an axis name."""
    return "".join(c if c.isalnum() else "_" for c in text)


def _ordered(values: Sequence[Any]) -> list[Any]:
    """Distinct values, sorted when comparable."""
    distinct = list(dict.fromkeys(values))
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def heatmap(cells: Sequence[Mapping[str, Any]], x: str, y: str, metric: str, path: Path) -> None:
    """A heatmap of ``metric`` over axes ``x`` and ``y`` (cell means averaged over the rest)."""
    xs, ys = _ordered([c[x] for c in cells]), _ordered([c[y] for c in cells])
    grid = np.full((len(ys), len(xs)), np.nan)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            values = [float(c[metric]) for c in cells if c[x] == xv and c[y] == yv]
            finite = [v for v in values if np.isfinite(v)]
            if finite:
                grid[i, j] = float(np.mean(finite))
    figure, axes = plt.subplots(figsize=(1.2 + 0.9 * len(xs), 1.0 + 0.6 * len(ys)))
    image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    axes.set_xticks(range(len(xs)), [str(v) for v in xs], rotation=45, ha="right")
    axes.set_yticks(range(len(ys)), [str(v) for v in ys])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    for i, j in itertools.product(range(len(ys)), range(len(xs))):
        if np.isfinite(grid[i, j]):
            axes.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", color="w", size=7)
    figure.colorbar(image, ax=axes, label=HEATMAP_METRICS[metric])
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def line_plot(rows_by_group: Mapping[str, Sequence[Mapping[str, Any]]], x: str, path: Path) -> None:
    """Mean tier and severe incidence against ``x``, with 95% intervals, one line per group."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, cells in rows_by_group.items():
        xs = _ordered([c[x] for c in cells])
        for axes, metric in ((left, "mean_tier"), (right, "severe")):
            mean, low, high = [], [], []
            for value in xs:
                at = [c for c in cells if c[x] == value]
                mean.append(np.nanmean([float(c[metric]) for c in at]))
                low.append(np.nanmean([float(c[f"{metric}_low"]) for c in at]))
                high.append(np.nanmean([float(c[f"{metric}_high"]) for c in at]))
            axes.plot(xs, mean, marker="o", label=label)
            axes.fill_between(xs, low, high, alpha=0.2)
    left.set_ylabel("mean tier (95% t interval)")
    right.set_ylabel(f"severe incidence (tier >= {SEVERE_TIER}, 95% Wilson)")
    for axes in (left, right):
        axes.set_xlabel(x)
    left.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_plots(out: Path, cells: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> list[Path]:
    """Draw every heatmap and line plot into ``out/plots``; return the files."""
    if not cells:
        return []
    folder = out / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    varied = [a for a in axes if len({c[a] for c in cells}) > 1]
    files = []
    for x, y in itertools.combinations(varied, 2):
        for metric in HEATMAP_METRICS:
            path = folder / f"heatmap_{metric}_{_slug(x)}_by_{_slug(y)}.png"
            heatmap(cells, x, y, metric, path)
            files.append(path)
    numeric = numeric_axes(cells, varied)
    categorical = [a for a in varied if a not in numeric]
    for x in numeric:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for cell in cells:
            label = ", ".join(f"{a}={cell[a]}" for a in categorical) or "all"
            groups.setdefault(label, []).append(cell)
        path = folder / f"line_{_slug(x)}.png"
        line_plot(groups, x, path)
        files.append(path)
    return files
