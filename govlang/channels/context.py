"""What a firm is told about its channel at reset."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TalkContext"]


@dataclass(frozen=True)
class TalkContext:
    """A firm's channel: whom it can write to, its budget per round, and who reads along.

    ``peers``: the firms it can write to (firm order); ``messages`` / ``chars``: its budget
    per round; ``monitored``: whether the institution reads the channel.
    """

    peers: tuple[str, ...]
    messages: int
    chars: int
    monitored: bool
