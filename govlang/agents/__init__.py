"""Firms that play the markets: the :class:`Firm` protocol and the registry of firm kinds.

Every kind is listed in the one table :data:`FIRM_KINDS` below (no registration by import
side effects); :func:`make_firm` builds a firm by kind name with keyword options, which are
the firm class's keyword arguments (e.g. ``make_firm("qlearning", memory=0)``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from govlang.agents.base import Decision, Firm, FirmContext, RoundView, context_for
from govlang.agents.llm import LLMFirm
from govlang.agents.offline import BestResponseFirm, ColluderFirm, NashFirm, RandomFirm
from govlang.agents.qlearning import QLearningFirm
from govlang.agents.reader import ReaderFirm
from govlang.agents.talker import TalkerFirm

__all__ = [
    "FIRM_KINDS",
    "Decision",
    "Firm",
    "FirmContext",
    "RoundView",
    "UnknownFirmKindError",
    "context_for",
    "make_firm",
]

FIRM_KINDS: dict[str, Callable[..., Firm]] = {
    # --- offline firms (govlang.agents.offline, .qlearning, .reader) ---
    "nash": NashFirm,
    "best_response": BestResponseFirm,
    "qlearning": QLearningFirm,
    "colluder": ColluderFirm,
    "random": RandomFirm,
    "reader": ReaderFirm,
    "talker": TalkerFirm,
    # --- LLM firms: one line, "llm": <factory>, goes here ---
    "llm": LLMFirm,
}
"""Every firm kind by name: a factory taking keyword options and returning a :class:`Firm`."""


class UnknownFirmKindError(ValueError):
    """``make_firm`` was asked for a kind that is not in :data:`FIRM_KINDS`."""


def make_firm(kind: str, **options: Any) -> Firm:
    """Build a firm of ``kind`` with ``options``; unknown kinds get a "did you mean" hint."""
    factory = FIRM_KINDS.get(kind)
    if factory is None:
        close = difflib.get_close_matches(kind, FIRM_KINDS, n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        known = ", ".join(sorted(FIRM_KINDS)) or "none"
        raise UnknownFirmKindError(f"unknown firm kind {kind!r}{hint} (known: {known})")
    return factory(**options)
