"""Benchmarks and one-round economics checked against the Cournot closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from govlang.deterrence.market import MarketError, build_market, market_from_cli
from govlang.deterrence.patterns import economics, patterns


@pytest.mark.parametrize("n", [2, 3, 4])
def test_symmetric_single_commodity_closed_forms(n: int) -> None:
    a, b, c = 100.0, 1.5, 10.0
    market = build_market(
        "cournot", {"firms": n, "commodities": 1, "alpha": a, "beta": b, "costs": c}
    )
    s = b * (a - c)  # the competitive output
    np.testing.assert_allclose(market.nash, np.full((n, 1), s / (n + 1)))
    restriction = next(p for p in patterns(market) if p.key == "symmetric_restriction")
    assert restriction.actions is not None
    np.testing.assert_allclose(restriction.actions, np.full((n, 1), s / (2 * n)))
    for e in economics(market, restriction.actions):
        nash = b * (a - c) ** 2 / (n + 1) ** 2
        collusive = b * (a - c) ** 2 / (4 * n)
        deviation = b * (a - c) ** 2 * (n + 1) ** 2 / (16 * n**2)
        assert e.nash == pytest.approx(nash)
        assert e.collusive == pytest.approx(collusive)
        assert e.rent == pytest.approx(collusive - nash)
        assert e.deviation == pytest.approx(deviation)
        assert e.deviation_gain == pytest.approx(deviation - collusive)
        np.testing.assert_allclose(e.deviation_action, [s * (n + 1) / (4 * n)])
        expected = (deviation - collusive) / (deviation - nash)
        assert e.critical_discount == pytest.approx(expected)
    if n == 2:  # the textbook duopoly threshold
        assert economics(market, restriction.actions)[0].critical_discount == pytest.approx(9 / 17)
    assert market.numeric == ()
    assert market.methods["nash"].startswith("closed form")


def test_the_reference_market() -> None:
    market = build_market("cournot", {})
    costs = np.array([[40.0, 50.0], [50.0, 40.0]])
    nash = (
        2.0 * (100.0 - 3 * costs + costs.sum(axis=0)) / 3
    )  # beta (alpha - (n+1) c + sum c) / (n+1)
    np.testing.assert_allclose(market.nash, nash)
    np.testing.assert_allclose(market.joint, [[60.0, 0.0], [0.0, 60.0]])
    by_key = {p.key: p for p in patterns(market)}
    division = by_key["market_division"].actions
    assert division is not None
    np.testing.assert_allclose(division, market.joint)
    np.testing.assert_allclose(by_key["symmetric_restriction"].actions, [[30, 30], [30, 30]])
    firm_0 = economics(market, division)[0]
    assert firm_0.collusive == pytest.approx((70 - 40) * 60)
    price = 100 - nash.sum(axis=0) / 2
    assert firm_0.nash == pytest.approx(float(((price - costs[0]) * nash[0]).sum()))
    # best response to the rival's (0, 60): A alone, q = (2 (100 - 40) - 0) / 2 = 60 is kept;
    # on B, q = (2 (100 - 50) - 60) / 2 = 20.
    np.testing.assert_allclose(firm_0.deviation_action, [60.0, 20.0])
    assert firm_0.deviation_gain == pytest.approx((100 - 40 - 50) * 20)


def test_binding_capacity_uses_the_numeric_solvers_and_says_so() -> None:
    market = build_market("cournot", {"capacity": 30})
    assert set(market.numeric) == {"nash", "joint"}  # 73.3 and 60 units do not fit in 30
    assert market.nash.sum(axis=1) == pytest.approx([30.0, 30.0])
    assert market.methods["best_response"].startswith("closed form")
    assert build_market("cournot", {"capacity": 65}).numeric == ("nash",)
    bertrand = build_market("bertrand", {})
    assert set(bertrand.numeric) == {"nash", "joint", "best_response"}
    np.testing.assert_allclose(bertrand.nash, [1.4729, 1.4729], atol=1e-4)
    np.testing.assert_allclose(bertrand.joint, [1.9250, 1.9250], atol=1e-4)
    keys = {p.key: p for p in patterns(bertrand)}
    assert (
        keys["market_division"].actions is None and "not applicable" in keys["market_division"].note
    )


def test_a_division_needs_as_many_commodities_as_firms() -> None:
    market = build_market("cournot", {"firms": 3, "commodities": 2, "costs": 10})
    division = next(p for p in patterns(market) if p.key == "market_division")
    assert division.actions is None and "2 commodities for 3 firms" in division.note
    market = build_market("cournot", {"firms": 2, "commodities": 2, "costs": 10})
    division = next(p for p in patterns(market) if p.key == "market_division")
    assert division.actions is not None  # ties handed round: one commodity each
    np.testing.assert_allclose(division.actions, [[90.0, 0.0], [0.0, 90.0]])


@pytest.mark.parametrize(
    ("env", "params", "message"),
    [
        ("cournot", {"alpah": 1}, "no such cournot parameter (did you mean `alpha`?)"),
        ("cournot", {"alpha": -1}, "alpha must be finite and > 0"),
        ("cournot", {"firms": 3}, "costs are required for a 3 x 2 market"),
        ("bertrand", {"mu": "x"}, "invalid bertrand market: mu"),
        ("monopoly", {}, "not a built-in market"),
    ],
)
def test_bad_markets_are_refused(env: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(MarketError, match=None) as info:
        market_from_cli(env, params)
    assert message in str(info.value)
