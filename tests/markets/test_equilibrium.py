"""Tests of the Nash and joint-profit solvers against closed forms and independent searches.

The independent checks here deliberately use different machinery from the solvers: brute-force
grids and generic scipy optimisers on the raw profit functions (price floor included).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import optimize

from govlang.markets.equilibrium import (
    bertrand_best_response,
    bertrand_joint_optimum,
    bertrand_nash,
    cournot_best_response,
    cournot_joint_optimum,
    cournot_nash,
)

REF_COSTS = np.array([[40.0, 50.0], [50.0, 40.0]])

# ------------------------------------------------------------------ independent Cournot model


def firm_profits(
    q: np.ndarray, alpha: np.ndarray, beta: np.ndarray, costs: np.ndarray
) -> np.ndarray:
    """Round profit of every firm, with the price floored at zero."""
    price = np.maximum(0.0, alpha - q.sum(axis=0) / beta)
    return np.asarray(((price - costs) * q).sum(axis=1))


def best_deviation(
    q: np.ndarray, i: int, alpha: np.ndarray, beta: np.ndarray, costs: np.ndarray, cap: np.ndarray
) -> float:
    """Highest profit firm i can reach by itself: SLSQP from several starts."""
    m = q.shape[1]

    def negative(x: np.ndarray) -> float:
        trial = q.copy()
        trial[i] = x
        return -float(firm_profits(trial, alpha, beta, costs)[i])

    starts = [q[i], np.zeros(m), np.full(m, cap[i] / m), np.eye(m)[0] * cap[i]]
    best = -negative(q[i])
    for x0 in starts:
        result = optimize.minimize(
            negative,
            x0,
            method="SLSQP",
            bounds=[(0, cap[i])] * m,
            constraints=[{"type": "ineq", "fun": lambda x, k=cap[i]: k - x.sum()}],
            options={"ftol": 1e-12, "maxiter": 500},
        )
        best = max(best, -negative(project(result.x, cap[i])))
    return best


def project(x: np.ndarray, capacity: np.ndarray | float) -> np.ndarray:
    """Make an optimiser's answer feasible (it may end slightly outside the constraints)."""
    x = np.clip(x, 0.0, None)
    total = x.sum(axis=-1, keepdims=True)
    factor = np.minimum(1.0, np.asarray(capacity).reshape(total.shape) / np.maximum(total, 1e-300))
    return np.asarray(x * factor)


def joint_by_scipy(
    alpha: np.ndarray, beta: np.ndarray, costs: np.ndarray, cap: np.ndarray
) -> float:
    """Joint profit found by finite-difference SLSQP from two starts (independent check)."""
    n, m = costs.shape

    def negative(x: np.ndarray) -> float:
        return -float(firm_profits(x.reshape(n, m), alpha, beta, costs).sum())

    rows = np.kron(np.eye(n), np.ones(m))
    best = 0.0
    for start in (np.repeat(cap / (2 * m), m), np.zeros(n * m)):
        result = optimize.minimize(
            negative,
            start,
            method="SLSQP",
            bounds=[(0, k) for k in np.repeat(cap, m)],
            constraints=[{"type": "ineq", "fun": lambda x: cap - rows @ x}],
            options={"ftol": 1e-12, "maxiter": 1000},
        )
        best = max(best, -negative(project(result.x.reshape(n, m), cap).ravel()))
    return best


# ---------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("m", [1, 2])
def test_symmetric_cournot_closed_form(n: int, m: int) -> None:
    alpha, beta, c = 120.0, 1.5, 30.0
    q = cournot_nash(alpha, beta, np.full((n, m), c), 1e6)
    assert q == pytest.approx(np.full((n, m), (alpha - c) * beta / (n + 1)), rel=1e-12)
    joint = cournot_joint_optimum(alpha, beta, np.full((n, m), c), 1e6)
    # Joint optimum: monopoly total beta (alpha - c) / 2, split equally between identical firms.
    assert joint == pytest.approx(np.full((n, m), beta * (alpha - c) / (2 * n)), rel=1e-12)


def test_reference_market_hand_derived() -> None:
    # Commodity A: firm 0 (cost 40) best response q0 = (2 * 60 - q1) / 2, firm 1 (cost 50)
    # q1 = (2 * 50 - q0) / 2  =>  q0 = 140/3, q1 = 80/3, Q = 220/3, p = 100 - Q/2 = 190/3.
    # Profit of firm 0: (190/3 - 40) 140/3 + (190/3 - 50) 80/3 = 9800/9 + 3200/9 = 13000/9.
    q = cournot_nash(100.0, 2.0, REF_COSTS, 100.0)
    assert q == pytest.approx(np.array([[140 / 3, 80 / 3], [80 / 3, 140 / 3]]), rel=1e-12)
    assert firm_profits(q, np.full(2, 100.0), np.full(2, 2.0), REF_COSTS) == pytest.approx(
        [13000 / 9, 13000 / 9]
    )
    # Joint optimum: each commodity made by its 40-cost firm, Q = 2 (100 - 40) / 2 = 60, p = 70.
    joint = cournot_joint_optimum(100.0, 2.0, REF_COSTS, 100.0)
    assert joint == pytest.approx(np.array([[60.0, 0.0], [0.0, 60.0]]))
    assert firm_profits(joint, np.full(2, 100.0), np.full(2, 2.0), REF_COSTS) == pytest.approx(
        [1800.0, 1800.0]
    )


def test_reference_market_grid_search_finds_no_profitable_deviation() -> None:
    alpha, beta = np.full(2, 100.0), np.full(2, 2.0)
    q = cournot_nash(alpha, beta, REF_COSTS, 100.0)
    base = firm_profits(q, alpha, beta, REF_COSTS)
    grid = np.linspace(0.0, 100.0, 201)
    for i in range(2):
        for qa, qb in itertools.product(grid, grid):
            if qa + qb > 100.0:
                continue
            trial = q.copy()
            trial[i] = (qa, qb)
            assert firm_profits(trial, alpha, beta, REF_COSTS)[i] <= base[i] + 1e-9


def test_binding_capacity_reference_costs() -> None:
    # K = 50 binds: by symmetry q0A = q1B = x, q0B = q1A = 50 - x. Firm 0's conditions on A and B
    # share the multiplier: 60 - (x + 50)/2 = lam = 50 - (100 - x)/2  =>  x = 35, lam = 17.5.
    q = cournot_nash(100.0, 2.0, REF_COSTS, 50.0)
    assert q == pytest.approx(np.array([[35.0, 15.0], [15.0, 35.0]]), rel=1e-12)
    joint = cournot_joint_optimum(100.0, 2.0, REF_COSTS, 50.0)
    assert joint == pytest.approx(np.array([[50.0, 0.0], [0.0, 50.0]]), abs=1e-7)


def test_high_cost_firm_stays_out() -> None:
    # Interior formula would give firm 1 a negative quantity; firm 0 is then a monopolist:
    # q0 = (100 - 10) / 2 = 45, p = 55 < 80 so firm 1 indeed does not want to enter.
    q = cournot_nash(100.0, 1.0, [[10.0], [80.0]], 1000.0)
    assert q == pytest.approx(np.array([[45.0], [0.0]]))
    # A cost at or above alpha means zero output on that commodity.
    q = cournot_nash(50.0, 1.0, [[60.0, 10.0], [50.0, 10.0]], 1000.0)
    assert q[:, 0].tolist() == [0.0, 0.0]
    assert cournot_joint_optimum(50.0, 1.0, [[60.0], [50.0]], 1000.0).tolist() == [[0.0], [0.0]]


@pytest.mark.parametrize("capacity", [20.0, 50.0])
def test_joint_ties_split_equally(capacity: float) -> None:
    # Identical firms and binding capacity: many optimal splits; the benchmark is the equal one.
    joint = cournot_joint_optimum(100.0, 2.0, np.full((2, 2), 40.0), capacity)
    assert joint == pytest.approx(np.full((2, 2), capacity / 2), abs=1e-7)


def test_best_response_matches_scipy() -> None:
    alpha, beta, cost = np.array([100.0, 80.0, 60.0]), np.array([2.0, 1.0, 3.0]), [40.0, 30.0, 35.0]
    others = np.array([30.0, 10.0, 20.0])
    for capacity in (500.0, 60.0, 15.0):
        q = cournot_best_response(others, alpha, beta, cost, capacity)
        rival = np.vstack([np.zeros(3), others])
        mine = np.vstack([q, others])
        costs = np.vstack([cost, np.zeros(3)])
        value = firm_profits(mine, alpha, beta, costs)[0]
        found = best_deviation(rival, 0, alpha, beta, costs, np.array([capacity, 1e9]))
        assert q.sum() <= capacity + 1e-9
        assert value >= found - 1e-6


# ------------------------------------------------------------------------- random markets


@st.composite
def cournot_markets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    alpha = np.array(draw(st.lists(st.floats(20, 150), min_size=m, max_size=m)))
    beta = np.array(draw(st.lists(st.floats(0.5, 4), min_size=m, max_size=m)))
    fractions = draw(st.lists(st.floats(0, 1.2), min_size=n * m, max_size=n * m))
    costs = np.array(fractions).reshape(n, m) * alpha
    capacity = np.array(draw(st.lists(st.floats(1, 250), min_size=n, max_size=n)))
    return alpha, beta, costs, capacity


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cournot_markets())
def test_random_cournot_nash_has_no_profitable_deviation(
    market: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    alpha, beta, costs, capacity = market
    q = cournot_nash(alpha, beta, costs, capacity)
    assert np.all(q >= 0) and np.all(q.sum(axis=1) <= capacity * (1 + 1e-9))
    profits = firm_profits(q, alpha, beta, costs)
    scale = float(np.max(alpha * alpha * beta))
    for i in range(costs.shape[0]):
        assert best_deviation(q, i, alpha, beta, costs, capacity) <= profits[i] + 1e-7 * scale


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cournot_markets())
def test_random_cournot_joint_optimum_dominates(
    market: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    alpha, beta, costs, capacity = market
    joint = cournot_joint_optimum(alpha, beta, costs, capacity)
    assert np.all(joint >= 0) and np.all(joint.sum(axis=1) <= capacity * (1 + 1e-9) + 1e-9)
    value = firm_profits(joint, alpha, beta, costs).sum()
    nash_value = firm_profits(cournot_nash(alpha, beta, costs, capacity), alpha, beta, costs).sum()
    scale = float(np.max(alpha * alpha * beta))
    assert value >= nash_value - 1e-9 * scale
    assert value >= joint_by_scipy(alpha, beta, costs, capacity) - 1e-6 * scale


@settings(max_examples=30, deadline=None)
@given(
    copies=st.integers(2, 4),
    m=st.integers(1, 3),
    data=st.data(),
    with_other=st.booleans(),
)
def test_identical_firms_get_identical_benchmarks(
    copies: int, m: int, data: st.DataObject, with_other: bool
) -> None:
    alpha = np.array(data.draw(st.lists(st.floats(20, 150), min_size=m, max_size=m)))
    beta = np.array(data.draw(st.lists(st.floats(0.5, 4), min_size=m, max_size=m)))
    row = np.array(data.draw(st.lists(st.floats(0, 1.2), min_size=m, max_size=m))) * alpha
    costs = np.tile(row, (copies, 1))
    if with_other:
        other = np.array(data.draw(st.lists(st.floats(0, 1.2), min_size=m, max_size=m))) * alpha
        costs = np.vstack([costs, other])
    capacity = np.full(costs.shape[0], data.draw(st.floats(1, 150)))
    for solution in (
        cournot_nash(alpha, beta, costs, capacity),
        cournot_joint_optimum(alpha, beta, costs, capacity),
    ):
        assert np.abs(solution[:copies] - solution[0]).max() <= 1e-7 * max(1.0, solution.max())


# --------------------------------------------------------------------------------- Bertrand


def logit_profit(p: np.ndarray, a: np.ndarray, a0: float, mu: float, c: np.ndarray) -> np.ndarray:
    """Independent logit profit (unit scales)."""
    e = np.exp((a - p) / mu)
    return np.asarray((p - c) * e / (e.sum() + np.exp(a0 / mu)))


def test_calvano_baseline_values() -> None:
    # Calvano et al. (2020): Nash price ~1.4729, monopoly price ~1.9249 (1.92498...).
    nash = bertrand_nash(2.0, 0.0, 0.25, [1.0, 1.0])
    monopoly = bertrand_joint_optimum(2.0, 0.0, 0.25, [1.0, 1.0])
    assert nash == pytest.approx([1.4729, 1.4729], abs=1e-4)
    assert monopoly == pytest.approx([1.9249, 1.9249], abs=1e-3)
    assert nash[0] == nash[1]
    a, c = np.array([2.0, 2.0]), np.array([1.0, 1.0])
    assert logit_profit(nash, a, 0.0, 0.25, c) == pytest.approx([0.2229, 0.2229], abs=1e-4)
    assert logit_profit(monopoly, a, 0.0, 0.25, c) == pytest.approx([0.3375, 0.3375], abs=1e-4)


def test_calvano_grid_checks() -> None:
    a, c = np.array([2.0, 2.0]), np.array([1.0, 1.0])
    nash = bertrand_nash(a, 0.0, 0.25, c)
    grid = np.linspace(1.0, 3.0, 4001)
    for i in range(2):
        trial = np.tile(nash, (grid.size, 1))
        trial[:, i] = grid
        deviations = [logit_profit(p, a, 0.0, 0.25, c)[i] for p in trial]
        assert max(deviations) <= logit_profit(nash, a, 0.0, 0.25, c)[i] + 1e-12
    monopoly = bertrand_joint_optimum(a, 0.0, 0.25, c)
    coarse = np.linspace(1.5, 2.5, 201)
    best = max(
        logit_profit(np.array(p), a, 0.0, 0.25, c).sum() for p in itertools.product(coarse, coarse)
    )
    assert logit_profit(monopoly, a, 0.0, 0.25, c).sum() >= best - 1e-12


def test_price_scale_scales_prices() -> None:
    base = bertrand_nash(2.0, 0.0, 0.25, [1.0, 1.0])
    assert bertrand_nash(2.0, 0.0, 0.25, [1.0, 1.0], price_scale=3.2) == pytest.approx(3.2 * base)
    top = bertrand_joint_optimum(2.0, 0.0, 0.25, [1.0, 1.0])
    assert bertrand_joint_optimum(2.0, 0.0, 0.25, [1.0, 1.0], 10.0) == pytest.approx(10.0 * top)


def test_price_bound_binds() -> None:
    a, c = np.array([2.0, 2.0]), np.array([1.0, 1.0])
    assert bertrand_nash(a, 0.0, 0.25, c, price_max=1.3).tolist() == [1.3, 1.3]
    capped = bertrand_joint_optimum(a, 0.0, 0.25, c, price_max=1.8)
    assert capped == pytest.approx([1.8, 1.8], abs=1e-9)
    # Asymmetric firms, bound binding for one only: compare with a bounded scipy search.
    a3, c3 = np.array([2.0, 1.5, 1.8]), np.array([1.0, 0.6, 1.2])
    bounded = bertrand_joint_optimum(a3, 0.0, 0.25, c3, price_max=1.9)
    assert bounded.max() <= 1.9 + 1e-12
    result = optimize.minimize(
        lambda p: -logit_profit(p, a3, 0.0, 0.25, c3).sum(),
        np.full(3, 1.5),
        method="Nelder-Mead",
        bounds=[(0, 1.9)] * 3,
        options={"xatol": 1e-10, "fatol": 1e-14},
    )
    assert logit_profit(bounded, a3, 0.0, 0.25, c3).sum() >= -result.fun - 1e-9


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 4),
    data=st.data(),
    a0=st.floats(-1, 1),
    mu=st.floats(0.05, 1.0),
)
def test_random_bertrand_equilibria(n: int, data: st.DataObject, a0: float, mu: float) -> None:
    a = np.array(data.draw(st.lists(st.floats(0.5, 3), min_size=n, max_size=n)))
    c = np.array(data.draw(st.lists(st.floats(0, 2), min_size=n, max_size=n)))
    nash = bertrand_nash(a, a0, mu, c)
    profits = logit_profit(nash, a, a0, mu, c)
    for i in range(n):

        def negative(x: float, i: int = i) -> float:
            trial = nash.copy()
            trial[i] = x
            return -float(logit_profit(trial, a, a0, mu, c)[i])

        found = optimize.minimize_scalar(
            negative, bounds=(c[i], c[i] + 20 * mu + 5), method="bounded", options={"xatol": 1e-10}
        )
        assert -found.fun <= profits[i] + 1e-9
        assert bertrand_best_response(nash, i, a, a0, mu, c) == pytest.approx(nash[i], abs=1e-9)
    monopoly = bertrand_joint_optimum(a, a0, mu, c)
    assume(np.all(np.isfinite(monopoly)))
    assert logit_profit(monopoly, a, a0, mu, c).sum() >= profits.sum() - 1e-12
    markup = monopoly - c
    assert markup == pytest.approx(np.full(n, markup[0]), abs=1e-9)
