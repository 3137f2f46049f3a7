"""Money is conserved: mediated = raw - fines + received, every agent, every round, exactly."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govlang.api as api
from govlang.lang.money import AccountingError
from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.ledger import Ledger, RoundBook

from .support import ROOT

INSTITUTIONS = ["cournot_reference", "cartel_exclusion", "leniency", "output_floor"]
PROFILES = [[60.0, 0.0], [0.0, 60.0], [50.0, 30.0], [30.0, 50.0], [5.0, 0.0], [0.0, 0.0]]


def compiled(name: str) -> Any:
    return api.load(ROOT / "examples" / f"{name}.gov", schema=CournotMarket().schema())


COMPILED = {name: compiled(name) for name in INSTITUTIONS}


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(INSTITUTIONS),
    plays=st.lists(
        st.tuples(st.sampled_from(range(len(PROFILES))), st.sampled_from(range(len(PROFILES)))),
        min_size=1,
        max_size=40,
    ),
)
def test_money_identity_every_round(name: str, plays: list[tuple[int, int]]) -> None:
    env = govern(CournotMarket(firms=2, max_rounds=50), COMPILED[name])
    env.reset(seed=0)
    before = Ledger()
    for first, second in plays:
        actions = {"firm_0": np.array(PROFILES[first]), "firm_1": np.array(PROFILES[second])}
        _, rewards, _, _, infos = env.step(actions)
        state = env.institutional_state
        assert state is not None
        after = state.ledger
        raw_total, mediated_total, fined = Fraction(0), Fraction(0), Fraction(0)
        for agent, reward in rewards.items():
            payoff = infos[agent]["govlang"]["payoff"]
            assert reward == payoff["mediated"]
            exact = (
                Fraction(payoff["raw"]) - Fraction(payoff["fined"]) + Fraction(payoff["received"])
            )
            assert reward == float(exact)  # the identity, rounded once
            raw_total += Fraction(payoff["raw"])
            mediated_total += exact
            fined += Fraction(payoff["fined"])
        # what the agents lost in total is exactly what the treasury (net of the grants it
        # paid) and the consumers gained (up to the float rounding of the infos' figures)
        kept = (after.treasury - before.treasury) + (after.consumers - before.consumers)
        assert abs(raw_total - mediated_total - kept) < Fraction(1, 10**6)
        assert abs(fined - (after.fined - before.fined)) < Fraction(1, 10**6)
        before = after


def test_the_exact_check_catches_a_single_ulp(monkeypatch: pytest.MonkeyPatch) -> None:
    book = RoundBook(Ledger(), [100.0, 50.0])
    book.fine(0, Fraction(10), "others")
    original = RoundBook._mediated

    def off_by_an_ulp(self: RoundBook) -> list[Fraction | None]:
        values = original(self)
        first = values[0]
        assert first is not None
        return [first + Fraction(1, 2**60), *values[1:]]

    monkeypatch.setattr(RoundBook, "_mediated", off_by_an_ulp)
    with pytest.raises(AccountingError, match="mediated != raw - fines \\+ received"):
        book.settle()


def test_money_vanishing_is_caught() -> None:
    book = RoundBook(Ledger(), [100.0, 50.0])
    book.fine(0, Fraction(10), "treasury")
    book.to_treasury -= 1  # a bug that loses a unit on its way to the treasury
    with pytest.raises(AccountingError, match="created or destroyed"):
        book.settle()


def test_fines_and_a_leniency_grant_balance_exactly() -> None:
    env = govern(CournotMarket(), COMPILED["leniency"])
    env.reset(seed=0)
    divide, compete = ([60.0, 0.0], [0.0, 60.0]), ([50.0, 30.0], [20.0, 40.0])
    script = [divide] * 4 + [compete] * 4 + [divide] + [([60.0, 0.0], [20.0, 40.0])]
    for first, second in script:
        env.step({"firm_0": np.array(first), "firm_1": np.array(second)})
    state = env.institutional_state
    assert state is not None
    # cartel from round 3: each round in it (4-8, the round it is left included) costs
    # 50% of profit: 2 x 900, then 4 x (850 + 650); round 10: firm_1 stops first while
    # firm_0 carries on: leniency, 300 out of the treasury
    assert (state.ledger.fined, state.ledger.granted) == (7800, 300)
    assert state.ledger.treasury == 7500
    assert env.history[3].mediated == {"firm_0": 900.0, "firm_1": 900.0}
    last = env.history[9]
    assert last.standings["firm_1"] == "leniency"
    assert last.mediated["firm_1"] == last.raw["firm_1"] + 300
