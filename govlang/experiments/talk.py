"""A run's channel, seen from the runner and the report: schema, env, contexts, notes."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from govlang.channels import Channel
from govlang.channels.context import TalkContext
from govlang.channels.govern import govern_talking
from govlang.lang.compile import CompiledInstitution
from govlang.lang.schema import EnvironmentSchema
from govlang.lang.talk_schema import with_channel
from govlang.runtime.govern import GovernedEnv, Regime
from govlang.runtime.log import GovernanceLog

if TYPE_CHECKING:
    from govlang.experiments.config import ExperimentSpec
    from govlang.experiments.runs import RunSpec

__all__ = ["channel_of", "context_of", "governed", "said_html", "schema_of", "talk_notes"]


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


def talk_notes(spec: ExperimentSpec) -> list[str]:
    """The report's note on the experiment's channel (none without one)."""
    talk = spec.talk
    if talk is None:
        return []
    topology = talk.topology if isinstance(talk.topology, str) else "explicit edges"
    if talk.topology == "hub":
        topology += f" (hub: firm {talk.hub})"
    seen = (
        "monitored: the institution reads the message observables"
        if talk.visibility == "monitored"
        else "private: the institution reads every message observable as silence"
    )
    return [
        f"The firms can talk: topology {topology}, {seen}; at most {talk.messages} message(s) "
        f"and {talk.chars} characters per firm and round. Every message, delivered or refused, "
        "is in its run's trace (talk) and on its run page."
    ]


def said_html(record: Mapping[str, Any], agent: str) -> str:
    """What ``agent`` said (and had refused) in a round, for its run page cell."""
    talk = record.get("talk")
    if not talk:
        return ""
    e = html.escape
    parts = [
        f'<div class="said">said to {e(", ".join(m["to"]))}: &ldquo;{e(m["text"])}&rdquo;'
        + (" (truncated)" if m["truncated"] else "")
        + "</div>"
        for m in talk["delivered"]
        if m["from"] == agent
    ]
    parts += [
        f'<div class="muted">refused: {e(r["reason"])}: {e(r["given"][:200])}</div>'
        for r in talk["refused"]
        if r["from"] == agent and not r["reason"].startswith("truncated")
    ]
    return "".join(parts)
