"""``--env`` with channels: a registered market's schema, with a channel's message observables.

``--env cournot+talk`` (any registered market followed by :data:`TALK_SUFFIX`) is the market's
schema (default config) with the message observables of a channel between its firms
(:mod:`govlang.channels.observables`); every other ``--env`` is resolved by the market registry
(:func:`govlang.markets.registry.environment_schema`).
"""

from __future__ import annotations

from govlang.lang.frontend import InputError
from govlang.lang.schema import EnvironmentSchema
from govlang.lang.talk_schema import with_channel
from govlang.markets import registry

__all__ = ["TALK_SUFFIX", "environment_schema", "talking_schema"]

TALK_SUFFIX = "+talk"
"""Appended to a registered market: the market with a monitored channel between its firms."""


def talking_schema(market: str) -> EnvironmentSchema:
    """``market``'s schema (a registered market, default config) with a channel."""
    env = registry.market(market).make()
    return with_channel(env.schema(), list(env.possible_agents))


def environment_schema(spec: str) -> EnvironmentSchema:
    """The schema ``--env spec`` names: ``MARKET+talk``, a registered market or a schema file.

    Raises :class:`InputError` if ``spec`` is none of them.
    """
    if spec.endswith(TALK_SUFFIX) and spec.removesuffix(TALK_SUFFIX) in registry.market_names():
        return talking_schema(spec.removesuffix(TALK_SUFFIX))
    try:
        return registry.environment_schema(spec)
    except InputError as exc:
        raise InputError(
            f"{exc} ({TALK_SUFFIX} after a market adds a channel between its firms)"
        ) from None
