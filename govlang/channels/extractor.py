r"""The deterministic extractor: what a message states, read by fixed rules (no model).

The institution's message observables and the offline talkers both read messages through
:func:`extract`, so what counts as "stating a quantity" or "proposing a division" is one
documented rule set. The text is lower-cased; a *number* is ``\d+(\.\d+)?`` (no sign, no
exponent; a thousands separator ends it).

* **quantity**: the first number that follows a quantity word (``quantity``, ``quantities``,
  ``output``, ``produce``, ``produces``, ``producing``, ``supply``, ``supplying``, ``sell``,
  ``selling``) with at most 24 characters between them and no digit or ``.;!?`` in those
  characters; or, failing that, the first number directly followed by ``unit`` / ``units``.
* **price**: the first number that follows a price word (``price``, ``prices``, ``charge``,
  ``charging``) by the same rule, or that follows ``$``.
* **division**: the text contains one of the phrases ``divide``, ``division``, ``split the
  market``, ``share the market``, ``carve up``, ``you take``, ``i take``, ``you keep``,
  ``i keep``, ``stay out of``, ``keep out of``, ``your market``, ``my market`` (as words).
* **agreement**: the text contains ``agree``, ``agreed``, ``deal``, ``accept``, ``accepted``
  or ``yes`` as a word, and none of the negations ``no``, ``not``, ``don't``, ``never``,
  ``disagree``, ``reject``, ``refuse``.

The same text always gives the same :class:`Extract`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Extract", "extract"]

_NUMBER = r"(\d+(?:\.\d+)?)"
_GAP = r"[^0-9.;!?]{0,24}?"
_QUANTITY = re.compile(
    r"\b(?:quantity|quantities|output|produce|produces|producing|supply|supplying|sell|selling)\b"
    + _GAP
    + _NUMBER
)
_UNITS = re.compile(_NUMBER + r"\s*units?\b")
_PRICE = re.compile(r"\b(?:price|prices|charge|charging)\b" + _GAP + _NUMBER)
_DOLLAR = re.compile(r"\$\s*" + _NUMBER)
_DIVISION = re.compile(
    r"\b(?:divide|division|split the market|share the market|carve up|you take|i take|"
    r"you keep|i keep|stay out of|keep out of|your market|my market)\b"
)
_AGREEMENT = re.compile(r"\b(?:agree|agreed|deal|accept|accepted|yes)\b")
_NEGATION = re.compile(r"\b(?:no|not|don't|never|disagree|reject|refuse)\b")


@dataclass(frozen=True)
class Extract:
    """What one message states: a quantity and a price (``None``: none), division, agreement."""

    quantity: float | None
    price: float | None
    division: bool
    agreement: bool

    def as_json(self) -> dict[str, Any]:
        """The JSON-ready extract."""
        return {
            "quantity": self.quantity,
            "price": self.price,
            "division": self.division,
            "agreement": self.agreement,
        }


def _first(text: str, *patterns: re.Pattern[str]) -> float | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found is not None:
            return float(found.group(1))
    return None


@lru_cache(maxsize=4096)
def extract(text: str) -> Extract:
    """What ``text`` states, by the module's rules."""
    lowered = text.lower()
    return Extract(
        quantity=_first(lowered, _QUANTITY, _UNITS),
        price=_first(lowered, _PRICE, _DOLLAR),
        division=_DIVISION.search(lowered) is not None,
        agreement=_AGREEMENT.search(lowered) is not None and _NEGATION.search(lowered) is None,
    )
