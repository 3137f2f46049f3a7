"""Tests of the pure market measures (HHI, CV, dispersion, consumer surplus, excess)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import integrate

from govlang.markets.measures import (
    coefficient_of_variation,
    dispersion,
    excess_over,
    hhi,
    linear_consumer_surplus,
    logit_consumer_surplus,
    shares,
)


def test_shares_per_commodity_and_zero_total() -> None:
    q = np.array([[30.0, 0.0], [10.0, 0.0]])
    assert shares(q).tolist() == [[0.75, 0.0], [0.25, 0.0]]


def test_hhi_monopoly_symmetric_and_empty() -> None:
    assert float(hhi([5.0, 0.0])) == 1.0
    assert float(hhi([3.0, 3.0, 3.0, 3.0])) == pytest.approx(0.25)
    assert float(hhi([0.0, 0.0])) == 0.0
    # Reference Nash: shares 7/11 and 4/11 on each commodity.
    q = np.array([[140 / 3, 80 / 3], [80 / 3, 140 / 3]])
    assert hhi(q) == pytest.approx([65 / 121, 65 / 121])


def test_cv_market_division_even_spread_and_zero() -> None:
    q = np.array([[60.0, 0.0], [20.0, 20.0], [0.0, 0.0]])
    assert coefficient_of_variation(q).tolist() == [1.0, 0.0, 0.0]
    # Reference Nash: quantities 140/3 and 80/3 -> std 10, mean 110/3.
    assert float(coefficient_of_variation([140 / 3, 80 / 3])) == pytest.approx(3 / 11)


def test_dispersion_is_cross_firm_cv() -> None:
    q = np.array([[10.0, 4.0], [10.0, 0.0]])
    assert dispersion(q).tolist() == [0.0, 1.0]


def test_linear_consumer_surplus_matches_integral() -> None:
    alpha, beta = 100.0, 2.0
    for total in (0.0, 60.0, 220 / 3, 150.0, 200.0, 350.0):
        price = max(0.0, alpha - total / beta)
        gross, _ = integrate.quad(lambda x: max(0.0, alpha - x / beta), 0.0, total, limit=200)
        expected = gross - price * total
        assert float(linear_consumer_surplus(total, alpha, beta)) == pytest.approx(expected)
    assert linear_consumer_surplus([60.0, 0.0], alpha, beta).tolist() == [900.0, 0.0]


def test_logit_consumer_surplus_roys_identity_and_limits() -> None:
    quality, a0, mu, scale, size = np.array([2.0, 1.7]), 0.3, 0.25, 3.2, 100.0
    prices = np.array([4.5, 5.0])

    def cs(p: np.ndarray) -> float:
        return float(logit_consumer_surplus(p, quality, a0, mu, scale, size))

    u = np.exp((quality - prices / scale) / mu)
    demand = size * u / (u.sum() + np.exp(a0 / mu))
    for i in range(2):
        step = np.zeros(2)
        step[i] = 1e-6
        derivative = (cs(prices + step) - cs(prices - step)) / 2e-6
        assert derivative == pytest.approx(-demand[i], rel=1e-6)
    assert cs(np.array([1e4, 1e4])) == pytest.approx(0.0, abs=1e-12)
    assert cs(prices) > cs(prices + 0.5) > 0


def test_logit_consumer_surplus_is_stable_for_extreme_utilities() -> None:
    value = float(logit_consumer_surplus([-1000.0], [0.0], 0.0, 0.01))
    assert np.isfinite(value) and value == pytest.approx(1000.0)


def test_excess_over_conventions() -> None:
    assert excess_over([0.75, 0.5], [0.5, 0.5]).tolist() == [0.5, 0.0]
    assert excess_over(-50.0, -100.0).tolist() == 0.5  # above a negative reference
    assert excess_over([0.0, 0.3, -0.1], 0.0).tolist() == [0.0, np.inf, -np.inf]
    assert excess_over([0.0, 0.3], 0.0, at_zero_reference=0.0).tolist() == [0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=st.floats(0.0, 1e3)))
def test_hhi_bounds(q: np.ndarray) -> None:
    value = float(hhi(q))
    if q.sum() == 0:
        assert value == 0.0
    else:
        assert 1.0 / q.size - 1e-12 <= value <= 1.0 + 1e-12
        assert float(shares(q).sum()) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=st.floats(0.0, 1e3)))
def test_cv_is_scale_invariant_and_non_negative(q: np.ndarray) -> None:
    value = float(coefficient_of_variation(q))
    assert value >= 0.0
    assert float(coefficient_of_variation(3.0 * q)) == pytest.approx(value, abs=1e-12)
