"""Deterrence: whether an institution's sanction schedule can deter collusion at all.

For a built-in market and an institution, :func:`~govlang.deterrence.analysis.assess` plays
each collusive pattern (:mod:`.patterns`) through the compiled institution over the market
(:mod:`.play`), and answers per pattern: the rent over Nash and the one-shot deviation gain,
when detection and the first sanction happen, the sanction path, the discounted penalty
against the discounted rent (:mod:`.verdict`), the verdict, and the minimum fine that would
deter (:mod:`.search`). ``govlang deterrence`` (:mod:`.cli`) prints it (:mod:`.report`);
``specs/deterrence.md`` is the normative description.
"""

from govlang.deterrence.analysis import Assessment, PatternAssessment, assess
from govlang.deterrence.market import Market, MarketError, build_market, market_from_cli

__all__ = [
    "Assessment",
    "Market",
    "MarketError",
    "PatternAssessment",
    "assess",
    "build_market",
    "market_from_cli",
]
