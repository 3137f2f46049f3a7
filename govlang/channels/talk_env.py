"""The schema of a built-in market with a channel between its firms (``--env cournot+talk``)."""

from __future__ import annotations

from govlang.channels.observables import with_channel
from govlang.markets import BertrandMarket, CournotMarket
from govlang.schema import EnvironmentSchema

__all__ = ["talking_schema"]


def talking_schema(market: str) -> EnvironmentSchema:
    """``market``'s schema (``cournot`` or ``bertrand``, default config) with a channel."""
    env = CournotMarket() if market == "cournot" else BertrandMarket()
    return with_channel(env.schema(), list(env.possible_agents))
