"""The text-reading firm: prohibitions, the per-run heed draw, notices and public standings."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import numpy as np
import pytest

from govlang.agents import FIRM_KINDS, Firm, FirmContext, RoundView, context_for, make_firm
from govlang.agents.knowledge import market_facts
from govlang.agents.reader import ReaderFirm, prohibitions
from govlang.markets import CournotMarket

PAPER = "Each firm decides alone. Firms must not collude; do not divide the market."


def context(regime: str = "constitutional", text: str | None = PAPER, seed: int = 3) -> FirmContext:
    env = CournotMarket()
    return replace(
        context_for(env, env.possible_agents[0], regime=regime, seed=seed), constitution=text
    )


def decide(firm: Firm, view: RoundView) -> tuple[np.ndarray, dict[str, object]]:
    decision = asyncio.run(firm.decide(view))
    return decision.action, dict(decision.record)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Firms must not collude.", ["Firms must not collude"]),
        (
            "It is prohibited to divide the market.\nBe nice!",
            ["It is prohibited to divide the market"],
        ),
        (
            "No firm may coordinate quantities with a rival",
            ["No firm may coordinate quantities with a rival"],
        ),
        (
            "Cartels are forbidden; agreements on prices are not allowed.",
            ["Cartels are forbidden", "agreements on prices are not allowed"],
        ),
        ("Firms should collude.", []),  # collusion named, nothing prohibited
        ("You must not exceed your capacity.", []),  # a prohibition of something else
        ("", []),
        (None, []),
    ],
)
def test_prohibitions_are_sentences_with_a_marker_and_a_collusion_term(
    text: str | None, found: list[str]
) -> None:
    assert prohibitions(text) == found


def test_registered_and_reads_text() -> None:
    assert FIRM_KINDS["reader"] is ReaderFirm
    firm = make_firm("reader")
    firm.reset(context(regime="ungoverned", text=None))
    _, record = decide(firm, RoundView(round=1))
    assert record["reads_text"] is True and record["text_trigger"] is None
    assert record["mode"] == "divide"


def test_heed_probability_bounds() -> None:
    with pytest.raises(ValueError, match="heed_probability"):
        ReaderFirm(heed_probability=1.5)
    with pytest.raises(ValueError, match="heed_probability"):
        ReaderFirm(heed_probability=float("nan"))


def test_a_heeded_prohibition_means_nash_every_round() -> None:
    firm = ReaderFirm(heed_probability=1.0)
    ctx = context()
    firm.reset(ctx)
    nash = market_facts(ctx).own_nash
    for t in (1, 2, 7):
        action, record = decide(firm, RoundView(round=t))
        assert np.allclose(action, nash)
        assert record["text_trigger"] == "prohibition"
        assert record["read"] == "Firms must not collude"


def test_never_heeds_with_probability_zero_or_without_a_prohibition() -> None:
    for firm, text in (
        (ReaderFirm(heed_probability=0.0), PAPER),
        (ReaderFirm(heed_probability=1.0), "Be fair."),
    ):
        ctx = context(text=text)
        firm.reset(ctx)
        action, record = decide(firm, RoundView(round=1))
        assert np.allclose(action, market_facts(ctx).own_monopoly)
        assert record["text_trigger"] is None


def test_the_heed_draw_is_seeded_per_run_and_about_the_probability() -> None:
    def heeds(seed: int) -> bool:
        firm = ReaderFirm(heed_probability=0.25)
        firm.reset(context(seed=seed))
        return firm.heeds

    draws = [heeds(seed) for seed in range(400)]
    assert draws == [heeds(seed) for seed in range(400)]  # deterministic given the seed
    assert 0.18 < np.mean(draws) < 0.32  # binomial(400, 0.25): 5 standard deviations
    # the same draw under every regime of a seed (regimes stay paired)
    firm = ReaderFirm(heed_probability=0.25)
    firm.reset(context(regime="ungoverned", text=None, seed=11))
    first = float(firm.rng.random())
    firm.reset(context(seed=11))
    assert float(firm.rng.random()) == first


def test_a_sanction_notice_deters_for_the_configured_rounds_and_chatter_does_not() -> None:
    firm = ReaderFirm(heed_probability=0.0, sanction_rounds=2)
    ctx = context(regime="institutional")
    firm.reset(ctx)
    facts = market_facts(ctx)
    _, record = decide(firm, RoundView(round=1, notices=("Welcome to the market.",)))
    assert record["mode"] == "divide"
    action, record = decide(firm, RoundView(round=2, notices=("You are fined 630.00.",)))
    assert record["text_trigger"] == "notice" and np.allclose(action, facts.own_nash)
    action, record = decide(firm, RoundView(round=3))
    assert record["mode"] == "deterred" and np.allclose(action, facts.own_nash)
    action, record = decide(firm, RoundView(round=4))
    assert record["mode"] == "divide" and np.allclose(action, facts.own_monopoly)


def test_notices_can_be_ignored() -> None:
    firm = ReaderFirm(heed_probability=0.0, heed_notices=False)
    firm.reset(context(regime="institutional"))
    _, record = decide(firm, RoundView(round=2, notices=("WARNING: under review",)))
    assert record["mode"] == "divide"


def test_a_rivals_changed_public_standing_exposes_the_cartel() -> None:
    firm = ReaderFirm(heed_probability=0.0)
    firm.reset(context(regime="institutional"))
    _, record = decide(firm, RoundView(round=1, standings={"firm_1": "CLEAR"}))
    assert record["mode"] == "divide"
    _, record = decide(firm, RoundView(round=2, standings={"firm_1": "UNDER REVIEW"}))
    assert record["text_trigger"] == "standing" and record["read"] == "firm_1: UNDER REVIEW"
    _, record = decide(firm, RoundView(round=3, standings={"firm_1": "CLEAR"}))
    assert record["text_trigger"] is None
    quiet = ReaderFirm(heed_probability=0.0, heed_standings=False)
    quiet.reset(context(regime="institutional"))
    decide(quiet, RoundView(round=1, standings={"firm_1": "CLEAR"}))
    _, record = decide(quiet, RoundView(round=2, standings={"firm_1": "PENALISED"}))
    assert record["mode"] == "divide"
