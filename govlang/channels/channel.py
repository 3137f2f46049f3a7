"""A run's channel: admits each round's messages, keeps the inboxes, computes the observables.

Round ``t`` (``specs/semantics.md``, "Channels"): every firm decides (its action and its
outgoing messages) seeing the messages delivered to it at the end of round ``t - 1``;
:meth:`Channel.admit` applies the topology and the budget to what the firms wrote; the
institution's oracle reads :attr:`Channel.observables` of round ``t`` with the market's;
the admitted messages are then in the recipients' inboxes for round ``t + 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from govlang.channels.extractor import extract
from govlang.channels.messages import Message, Refusal, admit
from govlang.channels.observables import message_observables
from govlang.channels.spec import ChannelSpec
from govlang.channels.topology import neighbours

__all__ = ["Channel", "RoundTalk"]


@dataclass(frozen=True)
class RoundTalk:
    """One round of talk: the admitted messages, the refusals, the institution's observables."""

    round: int
    delivered: tuple[Message, ...]
    refused: tuple[Refusal, ...]
    observables: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self, visibility: str) -> dict[str, Any]:
        """The trace's ``talk`` entry of the round (every message with its extract)."""
        return {
            "visibility": visibility,
            "delivered": [
                {**m.as_json(), "extract": extract(m.text).as_json()} for m in self.delivered
            ],
            "refused": [r.as_json() for r in self.refused],
        }


class Channel:
    """The channel of one run over ``agents`` (firm order)."""

    def __init__(self, spec: ChannelSpec, agents: Sequence[str]) -> None:
        """Resolve the topology over ``agents``; ``ValueError`` if it names a missing firm."""
        self.spec = spec
        self.agents = tuple(agents)
        self.reachable = {
            agent: tuple(self.agents[j] for j in peers)
            for agent, peers in zip(self.agents, neighbours(spec, len(self.agents)), strict=True)
        }
        self.monitored = spec.visibility == "monitored"
        self._inbox: dict[str, tuple[Message, ...]] = {a: () for a in self.agents}
        self.last: RoundTalk = self._silence(0)

    def _silence(self, round_index: int) -> RoundTalk:
        """A round in which nothing was said."""
        observables = message_observables(self.agents, (), (), self.monitored)
        return RoundTalk(round_index, (), (), observables)

    def reset(self) -> None:
        """A new episode: empty inboxes."""
        self._inbox = {a: () for a in self.agents}
        self.last = self._silence(0)

    def inbox(self, agent: str) -> tuple[Message, ...]:
        """The messages delivered to ``agent`` for its next decision (sent last round)."""
        return self._inbox[agent]

    def admit(self, round_index: int, outgoing: Mapping[str, Sequence[Any]]) -> RoundTalk:
        """Admit round ``round_index``'s messages; they reach the inboxes for the next round."""
        delivered: list[Message] = []
        refused: list[Refusal] = []
        for agent in self.agents:
            items = outgoing.get(agent, ())
            if not isinstance(items, list | tuple):
                items = [items]
            ok, no = admit(
                round_index,
                agent,
                items,
                self.agents,
                self.reachable[agent],
                self.spec.messages,
                self.spec.chars,
            )
            delivered += ok
            refused += no
        observables = message_observables(self.agents, delivered, refused, self.monitored)
        self.last = RoundTalk(round_index, tuple(delivered), tuple(refused), observables)
        self._inbox = {a: tuple(m for m in delivered if a in m.recipients) for a in self.agents}
        return self.last
