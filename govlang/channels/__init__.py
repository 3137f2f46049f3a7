"""Communication between firms: channels, topology, budget, and what the institution sees.

A run may give its firms a **channel** (an experiment's ``[talk]`` table, a
:class:`~govlang.channels.spec.ChannelSpec`): each round a firm may write messages with its
decision; the channel admits them by its topology (who can talk to whom,
:mod:`govlang.channels.topology`) and its budget (messages and characters per firm and round,
:mod:`govlang.channels.messages`), and delivers the admitted ones with the recipients' next
view. A ``monitored`` channel shows the institution deterministic, typed observables derived
from the admitted messages (:mod:`govlang.channels.observables`, computed by the documented
extractor :mod:`govlang.channels.extractor`); a ``private`` one shows it nothing. The round
semantics are ``specs/semantics.md``, "Channels".
"""

from __future__ import annotations

from govlang.channels.channel import Channel, RoundTalk
from govlang.channels.messages import Message, Outgoing, Refusal
from govlang.channels.spec import TOPOLOGIES, ChannelSpec

__all__ = [
    "TOPOLOGIES",
    "Channel",
    "ChannelSpec",
    "Message",
    "Outgoing",
    "Refusal",
    "RoundTalk",
]
