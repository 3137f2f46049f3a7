"""Talk in explanations: the recorded messages replayed as the oracle read them, and shown.

A run with a channel records each round's delivered and refused messages in its trace
(``talk``). The replay recomputes the round's message observables from them with the
channel's own function (:func:`govlang.channels.observables.message_observables`), so an
institution that reads the channel is replayed exactly; each explained round lists what the
instance's firm said (the market instance: every firm), with what the extractor read in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govlang.channels.messages import Message, Refusal
from govlang.channels.observables import message_observables

__all__ = ["observables_of", "said", "talk_lines"]


def observables_of(agents: Sequence[str], entry: Mapping[str, Any]) -> dict[str, Any]:
    """The message observables of a recorded round's ``talk`` entry."""
    delivered = [
        Message(int(m["round"]), str(m["from"]), tuple(m["to"]), str(m["text"]), m["truncated"])
        for m in entry.get("delivered", ())
    ]
    refused = [
        Refusal(str(r["from"]), str(r["reason"]), str(r["given"])) for r in entry.get("refused", ())
    ]
    return message_observables(agents, delivered, refused, entry.get("visibility") == "monitored")


def said(entry: Mapping[str, Any] | None, instance: str, agents: Sequence[str]) -> list[Any]:
    """The delivered messages of ``instance``'s firm (every firm's for ``market``), as JSON."""
    if not entry:
        return []
    senders = set(agents) if instance not in agents else {instance}
    return [dict(m) for m in entry.get("delivered", ()) if m["from"] in senders]


def _read(extract: Mapping[str, Any]) -> str:
    """What the extractor read in a message, briefly."""
    parts = [k for k in ("division", "agreement") if extract.get(k)]
    parts += [f"{k} {extract[k]:g}" for k in ("quantity", "price") if extract.get(k) is not None]
    return ", ".join(parts) or "nothing"


def talk_lines(messages: Sequence[Mapping[str, Any]], visibility: str | None) -> list[str]:
    """Text lines for the messages of an explained round."""
    seen = "" if visibility is None else f" ({visibility} channel)"
    return [
        f'  said{seen}: {m["from"]} → {", ".join(m["to"])}: "{m["text"]}"'
        f" [read: {_read(m.get('extract', {}))}]"
        for m in messages
    ]
