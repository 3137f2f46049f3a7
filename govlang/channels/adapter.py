"""The oracle's view of a run with a channel: the market's observables and the channel's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govlang.channels.channel import Channel
from govlang.lang.schema import EnvironmentSchema
from govlang.lang.talk_schema import with_channel
from govlang.runtime.adapter import Adapter, StepRecord

__all__ = ["ChannelAdapter"]


class ChannelAdapter:
    """Wraps an environment's adapter; adds the message observables of the round's talk."""

    def __init__(self, inner: Adapter, channel: Channel) -> None:
        """``inner``: the environment's adapter; ``channel``: the run's channel."""
        self._inner = inner
        self._channel = channel
        self._schema = with_channel(inner.schema(), channel.agents)

    def schema(self) -> EnvironmentSchema:
        """The environment's schema with the message observables and the ``peer`` dim."""
        return self._schema

    def observe(self, env: Any, step: StepRecord) -> Mapping[str, Any]:
        """The environment's observables and the channel's of the round just admitted."""
        return {**self._inner.observe(env, step), **self._channel.last.observables}
