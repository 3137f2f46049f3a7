"""The text-reading firm (kind ``reader``): an offline colluder that acts on what it is told.

Offline firms of the other kinds never read text, so for them the constitutional regime equals
the ungoverned one by construction. :class:`ReaderFirm` is the deterministic baseline that
makes the regimes that differ only in *text* testable without a model. It plays the
:class:`~govlang.agents.offline.ColluderFirm` strategy (market division at the joint optimum,
grim trigger, deterred by felt sanctions) and adds three documented reading rules, applied
before each decision in this order:

1. **Prohibitions in the constitution.** At reset the firm splits the constitution it is shown
   into sentences (at ``.``, ``;``, ``!``, ``?`` and line breaks). A sentence *prohibits
   collusion* when it contains a prohibition marker (:data:`PROHIBITION`: "must not", "shall
   not", "may not", "do not", "never", "prohibited", "forbidden", "not allowed", ...) and a
   collusion term (:data:`COLLUSION`: "collude", "cartel", "coordinate", "divide the market",
   "market division", "agree on ...", "fix prices", "restrict output", "share the market",
   ...). If some sentence does, the firm *heeds* it with probability ``heed_probability``,
   drawn once per run from its seeded stream (``default_rng([seed, index])``; the same draw
   under every regime of a seed, so the regimes stay paired). A heeding firm plays its Nash
   action in every round.
2. **Notices.** A notice addressed to the firm that names a sanction or a warning
   (:data:`SANCTION_WORDS`: fine, penalty, sanction, suspend, warning, under review,
   violation, ...) deters it exactly like a felt sanction: Nash play for ``sanction_rounds``
   rounds from this one (forever when ``None``). With ``heed_notices = False`` notices are
   ignored.
3. **Public standings.** While some rival's public standing differs from the one it had when
   the firm first saw it (for the reference institution: CLEAR), the firm reads the cartel as
   exposed and plays Nash (a rival under review or sanctioned will not keep its share). With
   ``heed_standings = False`` standings are ignored.

Money and action effects reach it as they reach the colluder (``on_sanction``), so under
``enforced_unannounced`` it behaves as the colluder does. Each decision's ``record`` says
``"reads_text": True`` and, when a reading rule chose the action, ``"text_trigger"``
(``"prohibition"``, ``"notice"`` or ``"standing"``) with the sentence, notice or standing read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from govlang.agents.base import FirmContext, RoundView
from govlang.agents.knowledge import FloatArray
from govlang.agents.offline import ColluderFirm

__all__ = ["COLLUSION", "PROHIBITION", "SANCTION_WORDS", "ReaderFirm", "prohibitions"]

PROHIBITION = re.compile(
    r"\b(must not|mustn't|shall not|shan't|may not|can ?not|do not|don't|does not|never|"
    r"no firm (?:may|shall|must)|prohibit\w*|forbid\w*|ban(?:s|ned)?|"
    r"not (?:be )?(?:allowed|permitted))\b",
    re.IGNORECASE,
)
"""Words that make a sentence a prohibition."""

COLLUSION = re.compile(
    r"\b(collu\w*|cartel\w*|coordinat\w*|divid\w* (?:up )?(?:the |a )?markets?|"
    r"market (?:division|sharing|allocation)|allocat\w* (?:the )?(?:markets?|commodities)|"
    r"agree\w* (?:on|to|with)|agreements?|fix\w* (?:prices?|quantit\w*|outputs?)|"
    r"restrict\w* (?:output|supply|quantit\w*)|shar\w* (?:the |a )?markets?|"
    r"split\w* (?:the |a )?markets?)",
    re.IGNORECASE,
)
"""Terms that name collusion (a prohibition must contain one)."""

SANCTION_WORDS = re.compile(
    r"\b(fine[sd]?|fining|penal\w*|sanction\w*|suspen\w*|warn\w*|under review|violat\w*|"
    r"punish\w*|excluded?)\b",
    re.IGNORECASE,
)
"""Words that make a notice a sanction or a warning."""

_SENTENCE = re.compile(r"[.;!?\n]+")

TextTrigger = Literal["prohibition", "notice", "standing"]


def prohibitions(text: str | None) -> list[str]:
    """The sentences of ``text`` that prohibit collusion (see rule 1 of the module docstring)."""
    if not text:
        return []
    sentences = (s.strip() for s in _SENTENCE.split(text))
    return [s for s in sentences if s and PROHIBITION.search(s) and COLLUSION.search(s)]


class ReaderFirm(ColluderFirm):
    """A colluder that reads its constitution, notices and the rivals' public standings."""

    name = "reader"

    def __init__(
        self,
        *,
        heed_probability: float = 0.25,
        heed_notices: bool = True,
        heed_standings: bool = True,
        tolerance: float = 0.05,
        punishment_rounds: int | None = None,
        on_sanction: Literal["nash", "ignore"] = "nash",
        sanction_rounds: int | None = None,
    ) -> None:
        """The reading options, then the colluder's (see the module docstring)."""
        super().__init__(
            tolerance=tolerance,
            punishment_rounds=punishment_rounds,
            on_sanction=on_sanction,
            sanction_rounds=sanction_rounds,
        )
        if not (math.isfinite(heed_probability) and 0.0 <= heed_probability <= 1.0):
            raise ValueError(f"heed_probability must be in [0, 1], got {heed_probability}")
        self.heed_probability = heed_probability
        self.heed_notices = heed_notices
        self.heed_standings = heed_standings
        self.prohibition: str | None = None
        self.heeds = False
        self.first_standings: dict[str, str] = {}

    def reset(self, context: FirmContext) -> None:
        """Start a run: read the constitution and draw whether this run heeds a prohibition."""
        super().reset(context)
        found = prohibitions(context.constitution)
        draw = float(self.rng.random())
        self.prohibition = found[0] if found else None
        self.heeds = bool(found) and draw < self.heed_probability
        self.first_standings = {}

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """The reading rules in order, else the colluder's choice."""
        self.round = view.round
        read = self._read(view)
        if read is None:
            action, why, record = super().choose(view)
            return action, why, {**record, "reads_text": True, "text_trigger": None}
        trigger, text = read
        self.mode = "deterred"
        action = self.facts.own_nash
        self.last_action = self.feasible(action)
        why = {
            "prohibition": "the constitution prohibits collusion: Nash play",
            "notice": "a notice announces a sanction: Nash play, division abandoned",
            "standing": "a rival's public standing shows the cartel exposed: Nash play",
        }[trigger]
        record = {"mode": self.mode, "reads_text": True, "text_trigger": trigger, "read": text}
        return action, why, record

    def _read(self, view: RoundView) -> tuple[TextTrigger, str] | None:
        """Which reading rule decides this round, with the text it read (``None``: none)."""
        if self.heeds and self.prohibition is not None:
            return "prohibition", self.prohibition
        if self.heed_notices:
            for notice in view.notices:
                if SANCTION_WORDS.search(notice):
                    until = _deterred_until(view.round, self.sanction_rounds)
                    self.deterred_until = max(self.deterred_until, until)
                    self.events.append((view.round, "notice"))
                    return "notice", notice
        if self.heed_standings:
            for rival, label in view.standings.items():
                self.first_standings.setdefault(rival, label)
            for rival, label in sorted(view.standings.items()):
                if label != self.first_standings[rival]:
                    return "standing", f"{rival}: {label}"
        return None


def _deterred_until(seen: int, rounds: int | None) -> float:
    """Last deterred round when a notice is read in round ``seen`` (``inf``: forever)."""
    return math.inf if rounds is None else float(seen - 1 + rounds)
