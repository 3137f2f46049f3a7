"""Deterrence: whether an institution's sanction schedule can deter collusion at all.

For a built-in market and an institution, :func:`~govlang.deterrence.analysis.assess` plays
each collusive pattern (:mod:`.patterns`) through the compiled institution over the market
(:mod:`.play`), and answers per pattern: the rent over Nash and the one-shot deviation gain,
when detection and the first sanction happen, the sanction path, the discounted penalty
against the discounted rent (:mod:`.verdict`), the verdict, and the minimum fine that would
deter (:mod:`.search`). ``govlang deterrence`` (:mod:`.cli`) prints it (:mod:`.report`);
``specs/deterrence.md`` is the normative description.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govlang.deterrence.analysis import Assessment, PatternAssessment, assess
    from govlang.deterrence.market import Market, MarketError, build_market, market_from_cli

_HOMES = {
    "Assessment": "analysis",
    "PatternAssessment": "analysis",
    "assess": "analysis",
    "Market": "market",
    "MarketError": "market",
    "build_market": "market",
    "market_from_cli": "market",
}
"""Where each public name lives: imported on first use, so that registering the
``deterrence`` command (``govlang.deterrence.cli``) does not import the markets and scipy."""

__all__ = [
    "Assessment",
    "Market",
    "MarketError",
    "PatternAssessment",
    "assess",
    "build_market",
    "market_from_cli",
]


def __getattr__(name: str) -> Any:
    """The public names, imported from their module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
