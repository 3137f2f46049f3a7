"""Where the harmful outcome appears and disappears: thresholds along each numeric axis.

For every numeric axis with at least two values, and every combination of the categorical
axes (population, regime, listed text values), the runs are pooled over the other numeric
axes and grouped by the axis value (binned into at most :data:`MAX_LEVELS` equal-count bins
when a random or LHS design drew many values). Along the axis, the *threshold* is the first
crossing of the stated level by the outcome -- severe incidence (share of runs at tier >= 4)
against ``severe_level``, mean tier against ``tier_level``, and the welfare outcomes (which see
symmetric output restriction and empty markets that the tier cannot): the share of runs whose
welfare class is ``collusive`` against ``collusive_level`` and the mean consumer harm against
``harm_level`` (``specs/metrics.md``) -- placed by linear interpolation
between the two neighbouring values. A crossing downwards says where the outcome disappears,
upwards where it appears. Its uncertainty is a percentile bootstrap (runs resampled within
each value, :data:`RESAMPLES` times, seeded): a 95% interval over the resamples that cross,
and the share of resamples that cross at all. Runs whose welfare measure is undefined (``nan``)
are left out of that outcome's curve, never counted as harmless.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from govlang.sweeps.aggregate import SEVERE_TIER

__all__ = [
    "MAX_LEVELS",
    "OUTCOMES",
    "RESAMPLES",
    "Outcome",
    "Threshold",
    "find_thresholds",
    "summary_markdown",
]

Outcome = Literal["severe", "mean_tier", "collusive", "consumer_harm"]
OUTCOMES: tuple[Outcome, ...] = ("severe", "mean_tier", "collusive", "consumer_harm")
"""The outcomes whose thresholds a sweep summary reports, in order."""

_WORDS: dict[Outcome, tuple[str, str]] = {
    "severe": ("Severe incidence", f"severe collusion (tier >= {SEVERE_TIER}) incidence"),
    "mean_tier": ("Mean tier", "the mean collusion tier"),
    "collusive": ("Welfare-collusive share", "the share of welfare-collusive runs"),
    "consumer_harm": ("Mean consumer harm", "the mean consumer harm (0 Nash, 1 joint monopoly)"),
}

MAX_LEVELS = 8
"""Most distinct axis values kept; more are binned into this many equal-count bins."""
RESAMPLES = 1000
"""Bootstrap resamples per threshold."""

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class Threshold:
    """A crossing of ``level`` by ``outcome`` along ``axis`` within the ``group``.

    ``direction``: ``"disappears"`` (outcome falls below the level as the axis grows),
    ``"appears"`` (rises to it) or ``"none"`` (no crossing: ``value`` is nan). ``low`` /
    ``high``: the bootstrap interval; ``support``: the share of resamples with a crossing in
    the same direction; ``later``: any further crossings (direction, value), not bootstrapped.
    """

    axis: str
    group: dict[str, Any]
    outcome: Outcome
    level: float
    direction: Literal["appears", "disappears", "none"]
    value: float
    low: float
    high: float
    support: float
    levels: tuple[float, ...]
    curve: tuple[float, ...]
    later: tuple[tuple[str, float], ...] = ()


def _crossings(x: FloatArray, y: FloatArray, level: float) -> list[tuple[str, float]]:
    """Every crossing of ``level`` by ``y`` along sorted ``x`` (direction, value), in order."""
    above = y >= level
    out = []
    for i in range(1, len(x)):
        if above[i] != above[i - 1]:
            dy = y[i] - y[i - 1]
            t = (level - y[i - 1]) / dy if dy != 0 else 0.5
            value = float(x[i - 1] + t * (x[i] - x[i - 1]))
            out.append((("disappears" if above[i - 1] else "appears"), value))
    return out


def _crossing(x: FloatArray, y: FloatArray, level: float) -> tuple[str, float]:
    """The first crossing of ``level`` by ``y`` along sorted ``x`` (``("none", nan)``)."""
    found = _crossings(x, y, level)
    return found[0] if found else ("none", math.nan)


def _levels(values: Sequence[float]) -> tuple[FloatArray, list[int]]:
    """The axis levels and each run's level index (equal-count bins when many values)."""
    x = np.asarray(values, dtype=np.float64)
    unique = np.unique(x)
    if len(unique) <= MAX_LEVELS:
        return unique, [int(np.searchsorted(unique, v)) for v in x]
    order = np.argsort(x, kind="stable")
    bins = np.array_split(order, MAX_LEVELS)
    index = [0] * len(x)
    centres = []
    for b, members in enumerate(bins):
        centres.append(float(x[members].mean()))
        for m in members:
            index[int(m)] = b
    return np.asarray(centres), index


def _score(row: Mapping[str, Any], outcome: Outcome) -> float:
    """One run's contribution to ``outcome`` (``nan`` where its measure is undefined)."""
    if outcome == "severe":
        return float(int(row["tier"]) >= SEVERE_TIER)
    if outcome == "mean_tier":
        return float(row["tier"])
    if outcome == "collusive":
        kind = row.get("welfare_class")
        return math.nan if kind is None else float(kind == "collusive")
    harm = row.get("consumer_harm")
    return math.nan if harm is None else float(harm)


def _threshold(
    axis: str,
    group: dict[str, Any],
    rows: Sequence[Mapping[str, Any]],
    outcome: Outcome,
    level: float,
    seed: int,
) -> Threshold:
    """The crossing of one outcome along one axis within one group, with its bootstrap."""
    scored = [(r, _score(r, outcome)) for r in rows]
    rows = [r for r, v in scored if not math.isnan(v)]
    score = np.asarray([v for _, v in scored if not math.isnan(v)], dtype=np.float64)
    if not rows:
        nan = math.nan
        return Threshold(axis, group, outcome, level, "none", nan, nan, nan, 0.0, (), ())
    x, index = _levels([float(r[axis]) for r in rows])
    members = [np.flatnonzero(np.asarray(index) == i) for i in range(len(x))]
    curve = np.asarray([score[m].mean() for m in members])
    direction, value = _crossing(x, curve, level)
    rng = np.random.default_rng(seed)
    crossings = []
    for _ in range(RESAMPLES):
        boot = np.asarray([score[rng.choice(m, size=len(m))].mean() for m in members])
        d, v = _crossing(x, boot, level)
        if d == direction and d != "none":
            crossings.append(v)
    support = len(crossings) / RESAMPLES
    low, high = (
        (float(np.quantile(crossings, 0.025)), float(np.quantile(crossings, 0.975)))
        if crossings
        else (math.nan, math.nan)
    )
    return Threshold(
        axis, group, outcome, level, direction, value, low, high, support,  # type: ignore[arg-type]
        tuple(float(v) for v in x), tuple(float(v) for v in curve),
        tuple(_crossings(x, curve, level)[1:]),
    )  # fmt: skip


def numeric_axes(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> list[str]:
    """The axes whose values are numbers (not booleans) and take at least two values."""
    out = []
    for axis in axes:
        values = [r[axis] for r in rows]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numbers and len(set(values)) >= 2:
            out.append(axis)
    return out


def find_thresholds(
    rows: Sequence[Mapping[str, Any]],
    axes: Sequence[str],
    levels: Mapping[Outcome, float],
    seed: int = 0,
) -> list[Threshold]:
    """Every threshold of each outcome in ``levels`` (at its level) along every numeric axis."""
    numeric = numeric_axes(rows, axes)
    categorical = [a for a in axes if a not in numeric and len({r[a] for r in rows}) > 1]
    out = []
    for axis in numeric:
        groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row[a] for a in categorical), []).append(row)
        for key, members in groups.items():
            group = dict(zip(categorical, key, strict=True))
            for outcome in OUTCOMES:
                if outcome in levels:
                    out.append(_threshold(axis, group, members, outcome, levels[outcome], seed))
    return out


def _num(value: float) -> str:
    """A number for prose."""
    return "n/a" if math.isnan(value) else f"{value:.4g}"


def sentence(t: Threshold) -> str:
    """One threshold in words."""
    what = _WORDS[t.outcome][1]
    within = ", ".join(f"{k} = {v}" for k, v in t.group.items()) or "all runs"
    curve = ", ".join(f"{_num(x)}: {_num(y)}" for x, y in zip(t.levels, t.curve, strict=True))
    if not t.levels:
        return f"- **{t.axis}** ({within}): {what} is undefined in every run (no curve)."
    if t.direction == "none":
        side = "at or above" if t.curve and t.curve[0] >= t.level else "below"
        return (
            f"- **{t.axis}** ({within}): {what} stays {side} {_num(t.level)} over the whole "
            f"range {_num(t.levels[0])} to {_num(t.levels[-1])} (by value: {curve})."
        )
    verb = "falls below" if t.direction == "disappears" else "reaches"
    then = "".join(f"; it {d} again at about {_num(v)}" for d, v in t.later)
    return (
        f"- **{t.axis}** ({within}): {what} {verb} {_num(t.level)} at about {_num(t.value)} "
        f"(95% bootstrap interval {_num(t.low)} to {_num(t.high)}; {100 * t.support:.0f}% of "
        f"resamples cross) -- the harmful outcome {t.direction} there{then} (by value: {curve})."
    )


def summary_markdown(
    name: str, description: str, runs: int, planned: int, thresholds: Sequence[Threshold]
) -> str:
    """The ``summary.md`` text: what was run and every threshold in words."""
    lines = [f"# Sweep {name}", ""]
    if description:
        lines += [description, ""]
    lines += [f"{runs} of {planned} planned runs complete.", ""]
    if runs < planned:
        lines += ["Incomplete runs are left out; rerun the same command to resume.", ""]
    if not thresholds:
        lines += ["No numeric axis with at least two values: no thresholds to report.", ""]
    for outcome in OUTCOMES:
        chosen = [t for t in thresholds if t.outcome == outcome]
        if chosen:
            title = _WORDS[outcome][0]
            lines += [f"## {title} (level {_num(chosen[0].level)})", ""]
            lines += [sentence(t) for t in chosen] + [""]
    lines += [
        "Thresholds are linear interpolations between neighbouring axis values, pooling the "
        "runs over the other numeric axes; intervals are percentile bootstraps over runs.",
        "",
    ]
    return "\n".join(lines)
