"""Intervals of reals: the abstraction :mod:`govlang.analyse` computes expressions in.

:class:`Interval` is a set of reals ``lo .. hi`` whose ends may be open or infinite. The
built-in functions (:mod:`govlang.lang.builtins`) each give the interval of their result from the
intervals of their arguments with the helpers here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf


@dataclass(frozen=True)
class Interval:
    """The reals from ``lo`` to ``hi``; an end is excluded when its ``*_open`` flag is set."""

    lo: float = -INF
    hi: float = INF
    lo_open: bool = False
    hi_open: bool = False

    @property
    def empty(self) -> bool:
        """Whether no real lies in the interval."""
        if self.lo > self.hi:
            return True
        return self.lo == self.hi and (self.lo_open or self.hi_open)

    def meet(self, other: Interval) -> Interval:
        """The intersection of two intervals."""
        lo, lo_open = max((self.lo, self.lo_open), (other.lo, other.lo_open))
        hi, hi_open = min((self.hi, not self.hi_open), (other.hi, not other.hi_open))
        return Interval(lo, hi, lo_open, not hi_open)

    def join(self, other: Interval) -> Interval:
        """The smallest closed interval holding both (the convex hull)."""
        return Interval(min(self.lo, other.lo), max(self.hi, other.hi))

    def __str__(self) -> str:
        """``[0, 1]``, ``(-inf, 3)``."""
        left = "(" if self.lo_open or self.lo == -INF else "["
        right = ")" if self.hi_open or self.hi == INF else "]"
        return f"{left}{_show(self.lo)}, {_show(self.hi)}{right}"


def _show(value: float) -> str:
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return str(int(value)) if float(value).is_integer() else repr(value)


EVERYTHING = Interval()
NON_NEGATIVE = Interval(0.0)
UNIT = Interval(0.0, 1.0)


def point(value: float) -> Interval:
    """The interval holding only ``value``."""
    return Interval(value, value)


def product(left: Interval, right: Interval) -> Interval:
    """The interval of ``a * b`` for ``a`` in ``left`` and ``b`` in ``right``."""
    corners = [a * b for a in (left.lo, left.hi) for b in (right.lo, right.hi)]
    if any(math.isnan(c) for c in corners):  # 0 * inf: the range is unbounded
        return EVERYTHING
    return Interval(min(corners), max(corners))


def min_max(name: str, left: Interval, right: Interval) -> Interval:
    """The interval of element-wise ``min`` or ``max`` (``name``) of two intervals."""
    if name == "min":
        return Interval(min(left.lo, right.lo), min(left.hi, right.hi))
    return Interval(max(left.lo, right.lo), max(left.hi, right.hi))
