"""Regime-level welfare: profit gain, consumer surplus and who is worse off than ungoverned.

Per regime (pooled over configurations) :class:`WelfareSummary` holds the mean profit gain
and the mean consumer-surplus ratio to Nash with t intervals, the mean welfare tier, the
share of welfare-``collusive`` runs among the runs whose welfare class is defined (Wilson
interval; undefined runs are counted apart, as in sweep cells) and the counts of
``restricted`` and undefined runs, and -- for Cournot -- the mean tier under the other idle
reading.

:func:`worse_off` compares every configuration's mean consumer surplus under a regime with
its mean under ``ungoverned``: consumers are *worse off* when the regime's mean
``consumer_surplus_vs_nash`` is lower by more than :data:`CS_MARGIN` (a share of the Nash
consumer surplus). A regime that lowers the CV/HHI tier of such a configuration has not
stopped its harm; :func:`warnings` says so in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govlang.experiments.stats import MeanCI, Proportion, mean_ci, wilson_interval

__all__ = [
    "CS_MARGIN",
    "WelfareSummary",
    "Worse",
    "collusive_share",
    "summarize_welfare",
    "warnings",
    "worse_off",
]

CS_MARGIN = 0.01
"""How much lower (share of Nash consumer surplus) a regime's mean CS must be to be worse."""


@dataclass(frozen=True)
class WelfareSummary:
    """One regime's welfare outcomes (module docstring); ``None`` where nothing is defined."""

    runs: int
    profit_gain: MeanCI | None
    consumer_surplus: MeanCI | None
    mean_welfare_tier: float | None
    collusive: Proportion | None
    restricted: int
    undefined: int
    mean_tier_other_idle: float | None


@dataclass(frozen=True)
class Worse:
    """A configuration whose consumers are worse off under ``regime`` than ungoverned."""

    config: str
    regime: str
    surplus: float
    baseline: float
    tier: float
    baseline_tier: float

    @property
    def tier_lower(self) -> bool:
        """Whether the CV/HHI tier says collusion went down all the same."""
        return self.tier < self.baseline_tier


def _finite(rows: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    """The finite values of ``key`` among ``rows``."""
    out = []
    for row in rows:
        value = row.get(key)
        if value is not None and math.isfinite(float(value)):
            out.append(float(value))
    return out


def _mean(values: Sequence[float]) -> float | None:
    """The mean, or ``None`` for no values."""
    return sum(values) / len(values) if values else None


def collusive_share(classes: Sequence[object]) -> Proportion | None:
    """The Wilson share of ``collusive`` among the defined welfare classes (``None``: none is).

    The one denominator of the regime table and of sweep cells: undefined runs are counted
    apart, never as non-collusive.
    """
    defined = [c for c in classes if c is not None]
    return wilson_interval(defined.count("collusive"), len(defined)) if defined else None


def summarize_welfare(rows: Sequence[Mapping[str, Any]], exclude_idle: bool) -> WelfareSummary:
    """The welfare summary of one regime's runs (at least one).

    ``exclude_idle``: the idle reading of the runs' ``tier``; the other one is summarised too.
    """
    gains, surplus = _finite(rows, "profit_gain"), _finite(rows, "consumer_surplus_vs_nash")
    classes = [row.get("welfare_class") for row in rows]
    other = "tier_idle_counted" if exclude_idle else "tier_idle_excluded"
    welfare_tiers = [float(r["welfare_tier"]) for r in rows if r.get("welfare_tier") is not None]
    return WelfareSummary(
        runs=len(rows),
        profit_gain=mean_ci(gains) if gains else None,
        consumer_surplus=mean_ci(surplus) if surplus else None,
        mean_welfare_tier=_mean(welfare_tiers),
        collusive=collusive_share(classes),
        restricted=classes.count("restricted"),
        undefined=classes.count(None),
        mean_tier_other_idle=_mean([float(r[other]) for r in rows if other in r]),
    )


def worse_off(
    rows: Sequence[Mapping[str, Any]], configs: Sequence[str], regime: str
) -> list[Worse]:
    """Configurations whose mean consumer surplus under ``regime`` is below ungoverned's."""
    out = []
    for config in configs:
        base = [r for r in rows if r["config"] == config and r["regime"] == "ungoverned"]
        mine = [r for r in rows if r["config"] == config and r["regime"] == regime]
        b = _mean(_finite(base, "consumer_surplus_vs_nash"))
        m = _mean(_finite(mine, "consumer_surplus_vs_nash"))
        if b is None or m is None or not m < b - CS_MARGIN:
            continue
        tier = sum(float(r["tier"]) for r in mine) / len(mine)
        base_tier = sum(float(r["tier"]) for r in base) / len(base)
        out.append(Worse(config, regime, m, b, tier, base_tier))
    return out


def warnings(worse: Sequence[Worse]) -> list[str]:
    """Each case in words; a lower CV/HHI tier is named as what it is."""
    out = []
    for w in worse:
        text = (
            f"Under the {w.regime} regime, consumers of configuration {w.config} are worse off "
            f"than ungoverned: consumer surplus {100 * w.surplus:.0f}% of Nash against "
            f"{100 * w.baseline:.0f}% ungoverned."
        )
        if w.tier_lower:
            text += (
                f" The CV/HHI tier falls from {w.baseline_tier:.2f} to {w.tier:.2f}, but that "
                "does not mean collusion was stopped to consumers' benefit: read the welfare "
                "columns (profit gain, CS / Nash, welfare class)."
            )
        out.append(text)
    return out
