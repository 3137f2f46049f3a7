"""The talker: a colluder that proposes a division on its channel and divides by agreement.

:class:`TalkerFirm` (``talker``) plays like :class:`~govlang.agents.offline.ColluderFirm`
(the same plan, grim trigger and reaction to sanctions) with one difference: it *divides only
by agreement*. It reads its inbox with the institution's own extractor
(:mod:`govlang.channels.extractor`): a message from a rival that proposes a division or states
agreement counts as that rival's consent, for good. Until every rival has consented it plays
Nash; from the round after the last consent it plays its part of the joint optimum.

Messages (one per round, to every firm it can write to): until every rival has consented, a
proposal stating its plan ("Let us divide the market: I take A and you keep the rest. I will
produce 27.50 units."; Bertrand: the plan's price); while dividing, a confirmation ("Agreed:
I keep to our division."); nothing while punishing a deviation or deterred by a sanction.
Without a channel it never hears consent and plays Nash every round, like a colluder that
cannot coordinate. A :class:`~govlang.agents.offline.NashFirm` ignores talk and sends
nothing, so a talker facing one never divides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from govlang.agents.base import Decision, FirmContext, RoundView
from govlang.agents.knowledge import FloatArray
from govlang.agents.offline import ColluderFirm
from govlang.channels.extractor import extract
from govlang.channels.messages import Message, Outgoing

__all__ = ["TalkerFirm"]


class TalkerFirm(ColluderFirm):
    """A colluder that divides the market only by agreement (see the module docstring)."""

    name = "talker"

    def _clear(self) -> None:
        """Forget the previous run, consents included."""
        super()._clear()
        self.consents: set[str] = set()
        self.agreed_in = 0
        self.waiting = False

    def reset(self, context: FirmContext) -> None:
        """Start a run without anyone's consent."""
        super().reset(context)
        self._clear()

    @property
    def agreed(self) -> bool:
        """Whether every rival has consented."""
        return len(self.consents) >= self.facts.n_firms - 1

    def hear(self, inbox: tuple[Message, ...], round_index: int) -> None:
        """Count the consents in ``inbox`` (read by the deterministic extractor)."""
        for message in inbox:
            said = extract(message.text)
            if said.division or said.agreement:
                self.consents.add(message.sender)
        if self.agreed and not self.agreed_in:
            self.agreed_in = round_index

    async def decide(self, view: RoundView) -> Decision:
        """Hear the inbox, choose, then write this round's message."""
        self.hear(view.inbox, view.round)
        decision = await super().decide(view)
        return replace(decision, messages=self.messages())

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """As a colluder, but Nash until every rival has agreed to the division."""
        action, why, record = super().choose(view)
        self.waiting = self.mode == "divide" and not self.agreed
        if self.waiting:
            action, why = self.facts.own_nash, "no agreement on a division yet: Nash play"
            self.last_action = self.feasible(action)
            record = {**record, "mode": "no_agreement"}
        return action, why, {**record, "consents": sorted(self.consents)}

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """As a colluder; while waiting for consent no plan was played, so none was betrayed."""
        if not self.waiting:
            super().observe_outcome(info, reward)
            return
        if self.on_sanction == "nash" and self.sanctioned(info, reward):
            rounds = self.sanction_rounds
            self.deterred_until = math.inf if rounds is None else float(self.round + rounds)
            self.events.append((self.round, "sanctioned"))

    def messages(self) -> tuple[Outgoing, ...]:
        """The message of the round: a proposal, a confirmation, or nothing."""
        if self.context.talk is None or self.mode in ("punish", "deterred"):
            return ()
        if self.waiting:
            return (Outgoing(self.proposal()),)
        return (Outgoing("Agreed: I keep to our division."),)

    def proposal(self) -> str:
        """The division this firm proposes, stating its planned quantity or price."""
        facts, plan = self.facts, self.feasible(self.facts.own_monopoly)
        if facts.market == "cournot":
            labels = self.context.action_labels
            mine = [label for label, q in zip(labels, plan, strict=True) if q > 1e-9]
            taken = ", ".join(mine) if mine else "nothing"
            return (
                f"Let us divide the market: I take {taken} and you keep the rest. "
                f"I will produce {float(np.sum(plan)):.2f} units."
            )
        return f"Let us split the market at the joint optimum: my price will be {float(plan):.2f}."
