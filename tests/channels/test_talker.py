"""The offline talker: proposes a division, divides only once every rival agreed."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np

from govlang.agents import RoundView, context_for, make_firm
from govlang.agents.talker import TalkerFirm
from govlang.channels import Message
from govlang.channels.context import TalkContext
from govlang.channels.extractor import extract
from govlang.markets import BertrandMarket, CournotConfig, CournotMarket

TALK = TalkContext(peers=("firm_1",), messages=1, chars=280, monitored=False)


def talker(market: object, agent: str = "firm_0", talk: TalkContext | None = TALK) -> TalkerFirm:
    firm = make_firm("talker")
    assert isinstance(firm, TalkerFirm)
    firm.reset(replace(context_for(market, agent, regime="ungoverned", seed=0), talk=talk))
    return firm


def said(sender: str, text: str, round_index: int = 1) -> Message:
    return Message(round_index, sender, ("firm_0",), text)


def test_without_a_channel_it_plays_nash_and_says_nothing() -> None:
    market = CournotMarket()
    firm = talker(market, talk=None)
    for t in (1, 2, 3):
        decision = asyncio.run(firm.decide(RoundView(round=t)))
        assert np.allclose(decision.action, firm.facts.own_nash)
        assert decision.messages == ()
        assert decision.record["mode"] == "no_agreement"


def test_it_proposes_then_divides_once_the_rival_agreed() -> None:
    market = CournotMarket()
    firm = talker(market)
    first = asyncio.run(firm.decide(RoundView(round=1)))
    assert np.allclose(first.action, firm.facts.own_nash)
    (proposal,) = first.messages
    read = extract(proposal.text)
    assert read.division and read.quantity == float(np.sum(firm.facts.own_monopoly))
    inbox = (said("firm_1", "Agreed: I keep to our division."),)
    second = asyncio.run(firm.decide(RoundView(round=2, inbox=inbox)))
    assert np.allclose(second.action, firm.feasible(firm.facts.own_monopoly))
    assert [m.text for m in second.messages] == ["Agreed: I keep to our division."]
    assert second.record["consents"] == ["firm_1"]


def test_a_refusal_is_no_consent() -> None:
    firm = talker(CournotMarket())
    asyncio.run(firm.decide(RoundView(round=1)))
    inbox = (said("firm_1", "No deal, I will not agree."),)
    decision = asyncio.run(firm.decide(RoundView(round=2, inbox=inbox)))
    assert np.allclose(decision.action, firm.facts.own_nash)
    assert decision.record["consents"] == []


def test_every_rival_must_agree() -> None:
    config = CournotConfig(firms=3, costs=[[40, 50], [50, 40], [45, 45]])
    firm = talker(CournotMarket(config))
    asyncio.run(firm.decide(RoundView(round=1)))
    one = asyncio.run(firm.decide(RoundView(round=2, inbox=(said("firm_1", "agreed"),))))
    assert one.record["mode"] == "no_agreement"
    both = asyncio.run(firm.decide(RoundView(round=3, inbox=(said("firm_2", "deal"),))))
    assert both.record["mode"] == "divide"


def test_a_sanction_silences_and_deters_it() -> None:
    market = CournotMarket()
    firm = talker(market)
    asyncio.run(firm.decide(RoundView(round=1)))
    firm.observe_outcome({"round_profit": 1000.0, "quantities": [10.0, 10.0]}, 500.0)
    decision = asyncio.run(firm.decide(RoundView(round=2, inbox=(said("firm_1", "agreed"),))))
    assert decision.record["mode"] == "deterred"
    assert decision.messages == ()


def test_bertrand_proposal_states_its_price() -> None:
    firm = talker(BertrandMarket())
    (proposal,) = asyncio.run(firm.decide(RoundView(round=1))).messages
    read = extract(proposal.text)
    assert read.division
    assert read.price == round(float(firm.feasible(firm.facts.own_monopoly)), 2)
