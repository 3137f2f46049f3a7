"""The money limit: the largest amount a fine, a grant or a payoff may move.

Money is booked exactly (:class:`fractions.Fraction`) and each mediated payoff is rounded to a
float once; amounts up to :data:`MONEY_LIMIT` keep whole units exact in that float (below
2**53). The checker refuses constant amounts beyond the limit (GL412) and the runtime stops a
round with a clear error when a computed amount or payoff goes beyond it
(``specs/semantics.md``, "Fines").
"""

from __future__ import annotations

import math
from typing import Final

MONEY_LIMIT: Final = 1e15
LIMIT_TEXT: Final = "1e15"
"""The limit as the messages write it."""
"""The largest magnitude of any amount of money (fine, grant, floor, cap, payoff)."""


def within_limit(value: float) -> bool:
    """Whether ``value`` is a finite amount of at most :data:`MONEY_LIMIT` in magnitude."""
    return math.isfinite(value) and abs(value) <= MONEY_LIMIT


class AccountingError(RuntimeError):
    """An accounting identity failed or a payoff cannot be mediated (a runtime bug or bad input)."""
