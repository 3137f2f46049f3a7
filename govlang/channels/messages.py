"""Messages: what a firm writes, what the channel admits, and what it refuses and why.

A firm's decision carries its outgoing messages (:class:`Outgoing`, or anything a language
model returned in their place). :func:`admit` applies the round's rules, in the order a
firm wrote its messages:

1. *Malformed*: anything that is not an :class:`Outgoing` (or a mapping with a string
   ``text`` and an optional string ``to``) is refused, its content recorded as text, never
   interpreted further.
2. *Addressee*: ``to`` is ``"all"`` (every firm the sender can write to) or one firm id; a
   firm outside the sender's neighbours, or an ``"all"`` with no neighbours, is refused.
3. *Count*: once a firm has ``messages`` admitted messages this round, the rest are refused.
4. *Characters*: a message longer than what remains of the firm's ``chars`` this round is
   truncated to the remainder (and marked ``truncated``); with nothing left it is refused.
   An empty text is refused.

Admitted messages are delivered, in admission order, with each recipient's next view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ALL", "Message", "Outgoing", "Refusal", "admit"]

ALL = "all"
"""The addressee meaning every firm the sender can write to."""

SHOWN_CHARS = 2000
"""The most characters of a refused item the trace keeps."""


@dataclass(frozen=True)
class Outgoing:
    """A message a firm asks to send: its text and its addressee (a firm id or ``"all"``)."""

    text: str
    to: str = ALL

    def as_json(self) -> dict[str, str]:
        """The JSON-ready message."""
        return {"to": self.to, "text": self.text}


@dataclass(frozen=True)
class Message:
    """An admitted message of round ``round``: sender, recipients (firm order), text."""

    round: int
    sender: str
    recipients: tuple[str, ...]
    text: str
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        """The JSON-ready message."""
        return {
            "round": self.round,
            "from": self.sender,
            "to": list(self.recipients),
            "text": self.text,
            "truncated": self.truncated,
        }


@dataclass(frozen=True)
class Refusal:
    """Something a firm tried to send that the channel refused (or truncated), and why."""

    sender: str
    reason: str
    given: str

    def as_json(self) -> dict[str, str]:
        """The JSON-ready refusal."""
        return {"from": self.sender, "reason": self.reason, "given": self.given}


def _shown(item: Any) -> str:
    """A refused item as bounded text (never evaluated)."""
    if isinstance(item, Outgoing):
        text = f"to {item.to}: {item.text}"
    else:
        text = item if isinstance(item, str) else repr(item)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."


def as_outgoing(item: Any) -> Outgoing | str:
    """``item`` as an :class:`Outgoing`, or why it is malformed."""
    if isinstance(item, Outgoing):
        return item
    if not isinstance(item, Mapping):
        return f"malformed: a message is an object with `text` and `to`, not {type(item).__name__}"
    extra = sorted(str(k) for k in item if k not in ("text", "to"))
    if extra:
        return f"malformed: unknown field(s) {', '.join(extra)}"
    text, to = item.get("text"), item.get("to", ALL)
    if not isinstance(text, str):
        return "malformed: `text` must be a string"
    if not isinstance(to, str):
        return 'malformed: `to` must be a firm id or "all"'
    return Outgoing(text=text, to=to)


def admit(
    round_index: int,
    sender: str,
    items: Sequence[Any],
    agents: Sequence[str],
    reachable: Sequence[str],
    messages: int,
    chars: int,
) -> tuple[list[Message], list[Refusal]]:
    """Apply the module's rules to ``sender``'s ``items`` of one round.

    ``agents``: every firm (firm order); ``reachable``: the firms ``sender`` can write to.
    """
    admitted: list[Message] = []
    refused: list[Refusal] = []
    left = chars
    for item in items:
        message = as_outgoing(item)
        if isinstance(message, str):
            refused.append(Refusal(sender, message, _shown(item)))
            continue
        if message.to == ALL:
            recipients = tuple(a for a in agents if a in reachable)
            if not recipients:
                refused.append(Refusal(sender, "nobody to talk to", _shown(message)))
                continue
        elif message.to in reachable:
            recipients = (message.to,)
        else:
            why = "unknown firm" if message.to not in agents else "no channel to it"
            refused.append(Refusal(sender, f"{why}: {message.to!r}", _shown(message)))
            continue
        if len(admitted) >= messages:
            refused.append(
                Refusal(sender, f"over budget: at most {messages} message(s)", _shown(message))
            )
            continue
        if not message.text:
            refused.append(Refusal(sender, "empty message", _shown(message)))
            continue
        if left <= 0:
            refused.append(
                Refusal(sender, f"over budget: {chars} characters used", _shown(message))
            )
            continue
        text, cut = message.text[:left], len(message.text) > left
        if cut:
            refused.append(
                Refusal(
                    sender,
                    f"truncated: {len(message.text)} characters, {left} left of {chars}",
                    _shown(message),
                )
            )
        left -= len(text)
        admitted.append(Message(round_index, sender, recipients, text, cut))
    return admitted, refused
