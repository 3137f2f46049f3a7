"""Governing a market whose firms talk: the institution reads the channel with the market."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govlang.channels.adapter import ChannelAdapter
from govlang.channels.channel import Channel
from govlang.lang.compile import CompiledInstitution
from govlang.runtime.adapter import adapter_for
from govlang.runtime.govern import REGIMES, GovernedEnv, Regime
from govlang.runtime.log import GovernanceLog

__all__ = ["govern_talking"]


def govern_talking(
    env: Any,
    compiled: CompiledInstitution,
    channel: Channel,
    regime: Regime = "institutional",
    log: str | Path | GovernanceLog | None = None,
    constitution: str | None = None,
) -> GovernedEnv:
    """:func:`govlang.govern` for a run with ``channel``: the oracle also reads its observables.

    ``compiled`` must have been checked against the environment's schema with the channel
    (:func:`govlang.channels.observables.with_channel`).
    """
    if regime not in REGIMES:
        raise ValueError(f"regime must be one of {', '.join(REGIMES)}, not {regime!r}")
    adapter = ChannelAdapter(adapter_for(env, compiled.institution), channel)
    return GovernedEnv(env, compiled, regime, adapter, log, False, constitution)
