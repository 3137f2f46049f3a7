"""Welfare-grounded outcome measures: who gains and who pays, against Nash and joint monopoly.

The CV/HHI tier reads the *structure* of play (specialisation, concentration); it is blind to
firms that restrict output symmetrically (equal costs, both at half the joint-monopoly
output: HHI and CV equal Nash). These measures read the *outcome* instead
(``specs/metrics.md`` is normative):

* profit gain ``Delta = (pi - pi_N) / (pi_M - pi_N)`` of the mean joint raw profit (0 at
  Nash, 1 at joint monopoly);
* consumer harm ``H = (CS_N - CS) / (CS_N - CS_M)`` of the mean consumer surplus (0 at Nash,
  1 at joint monopoly, above 1 when the market is emptier still, e.g. under suspensions);
* the welfare tier 0-4 on ``Delta`` (:func:`welfare_tier`, thresholds
  :class:`~govlang.experiments.metrics.ProfitGainThresholds`);
* the welfare class (:func:`welfare_class`): ``collusive`` when the welfare tier is at least
  ``collusive_tier``; otherwise ``restricted`` when consumer harm exceeds ``harm`` (consumers
  pay although firms do not gain: output taken off the market, e.g. by suspensions);
  otherwise ``competitive``.

Non-finite inputs: ``+inf`` is above every threshold, ``-inf`` below every threshold, and
``nan`` (an undefined measure, e.g. a market whose Nash and joint-monopoly profits coincide)
raises :class:`UndefinedMeasure` -- never a silent tier 0.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "WELFARE_CLASSES",
    "UndefinedMeasure",
    "WelfareClass",
    "WelfareThresholds",
    "consumer_harm",
    "tier_on",
    "welfare_class",
]

WelfareClass = Literal["competitive", "restricted", "collusive"]
WELFARE_CLASSES: tuple[WelfareClass, ...] = ("competitive", "restricted", "collusive")
"""The welfare classes, from harmless to colluding."""


class UndefinedMeasure(ValueError):
    """A measure is ``nan``: its tier or class is undefined (not tier 0)."""


class WelfareThresholds(BaseModel):
    """Thresholds of the welfare class (``[metrics] welfare = {...}``).

    ``collusive_tier``: the smallest welfare tier (profit-gain tier) that counts as colluding
    (default 3: ``Delta > 0.5``, more than halfway from Nash to joint monopoly). ``harm``:
    consumer harm ``H`` strictly above which a non-colluding run is ``restricted`` (default
    0.5: consumers lost more than half of what a joint monopoly would take from them).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    collusive_tier: int = Field(3, ge=1, le=4)
    harm: float = Field(0.5, ge=0.0, le=10.0)


def check_defined(name: str, value: float) -> float:
    """``value``, or :class:`UndefinedMeasure` if it is ``nan``."""
    if math.isnan(value):
        raise UndefinedMeasure(f"{name} is undefined (nan): no tier or class can be given")
    return value


def tier_on(name: str, value: float, bounds: tuple[float, float, float, float]) -> int:
    """The tier 0-4 of ``value`` on ascending ``bounds`` (zero, moderate, strong, severe).

    Tier ``k`` when ``value`` is strictly above the ``k``-th bound and not above the next;
    ``+inf`` gives 4, ``-inf`` gives 0, ``nan`` raises :class:`UndefinedMeasure`.
    """
    check_defined(name, value)
    return sum(1 for bound in bounds if value > bound)


def consumer_harm(surplus: float, nash: float, monopoly: float) -> float:
    """``(nash - surplus) / (nash - monopoly)``; ``nan`` if the benchmarks coincide."""
    span = nash - monopoly
    return float((nash - surplus) / span) if span != 0 else float("nan")


def welfare_class(tier: int, harm: float, t: WelfareThresholds | None = None) -> WelfareClass:
    """The welfare class of a run's welfare tier and consumer harm (module docstring).

    An undefined (``nan``) harm can only matter below ``collusive_tier``, where it raises.
    """
    t = t or WelfareThresholds()
    if tier >= t.collusive_tier:
        return "collusive"
    return "restricted" if check_defined("consumer harm", harm) > t.harm else "competitive"
