"""A run's channel, seen from the runner: its schema, its governed env, the firms' contexts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govlang.channels import Channel
from govlang.channels.context import TalkContext
from govlang.channels.govern import govern_talking
from govlang.channels.observables import with_channel
from govlang.compile import CompiledInstitution
from govlang.runtime.govern import GovernedEnv, Regime
from govlang.runtime.log import GovernanceLog
from govlang.schema import EnvironmentSchema

if TYPE_CHECKING:
    from govlang.experiments.runner import RunSpec

__all__ = ["channel_of", "context_of", "governed", "schema_of"]


def schema_of(market: Any) -> EnvironmentSchema:
    """``market``'s schema with the message observables of a channel between its firms."""
    return with_channel(market.schema(), list(market.possible_agents))


def channel_of(run: RunSpec, market: Any) -> Channel | None:
    """The run's channel over ``market``'s firms (``None``: the run has no talk)."""
    return None if run.talk is None else Channel(run.talk, list(market.possible_agents))


def governed(
    market: Any,
    compiled: CompiledInstitution,
    channel: Channel,
    regime: Regime,
    log: GovernanceLog,
    constitution: str | None,
) -> GovernedEnv:
    """The governed market of a run with a channel (the oracle reads the channel too)."""
    env = govern_talking(market, compiled, channel, regime, log, constitution)
    channel.reset()
    return env


def context_of(channel: Channel | None, agent: str) -> TalkContext | None:
    """What ``agent`` is told of its channel at reset (``None`` without one)."""
    if channel is None:
        return None
    spec = channel.spec
    return TalkContext(
        peers=channel.reachable[agent],
        messages=spec.messages,
        chars=spec.chars,
        monitored=channel.monitored,
    )
