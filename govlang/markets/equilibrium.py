"""Nash equilibria and joint-profit optima of the Cournot and logit-Bertrand markets.

Cournot (``n`` firms, ``m`` commodities, inverse demand ``p_j = alpha_j - Q_j / beta_j`` floored
at ``0``, costs ``c[i, j]``, per-firm capacity ``sum_j q[i, j] <= K_i``):

* **Nash** (:func:`cournot_nash`). The linear Cournot game is an exact potential game with the
  strictly concave potential ``sum_j alpha_j Q_j - (Q_j**2 + sum_i q_ij**2) / (2 beta_j)
  - sum_ij c_ij q_ij``, so the equilibrium is unique: the potential's maximiser over the
  capacity sets. When all firms produce every commodity and no capacity binds, the closed form
  ``q_ij = beta_j (alpha_j - (n + 1) c_ij + sum_k c_kj) / (n + 1)`` is returned; otherwise
  Gauss-Seidel best-response iteration (block coordinate ascent on the potential, hence
  convergent) with each firm's capacity-constrained best response solved exactly by
  water-filling on the capacity multiplier (:func:`cournot_best_response`), finished by an
  exact solve of the KKT system on the active set it identifies (:mod:`._qp`). The price floor
  never binds at the solution (producing firms price above cost), so it is also the
  equilibrium of the floored game.
* **Joint-profit optimum** (:func:`cournot_joint_optimum`): maximise total profit under the
  capacities, a concave QP. If the uncapacitated optimum (each commodity supplied at
  ``Q_j = beta_j (alpha_j - min_i c_ij) / 2`` by its cheapest firms, split equally) fits the
  capacities it is returned exactly; otherwise SLSQP solves the QP and exact block-coordinate
  ascent (water-filling per firm) polishes it. Total quantities are unique but their split
  between equally efficient firms is not; a second pass picks the most equal split (minimum
  norm among optimal allocations, found exactly by reducing that least-distance problem to
  non-negative least squares), so the benchmark is canonical.

Bertrand with logit demand (see :mod:`govlang.markets.demand`; ``s`` = choice probabilities):

* **Nash** (:func:`bertrand_nash`): fixed point of the simultaneous best-response map. Firm
  ``i``'s first-order condition is ``p_i = price_scale * (c_i + mu / (1 - s_i))``; its
  left-minus-right side is increasing in ``p_i``, so each best response is found exactly with
  ``brentq`` (then clipped to ``[0, price_max]``: profit is quasi-concave in own price).
* **Joint optimum** (:func:`bertrand_joint_optimum`): a multi-product logit monopolist charges the
  same markup ``m`` on every good with ``m (1 - S(m)) = price_scale * mu`` (``S`` = total inside
  share); the left side is increasing in ``m`` so ``brentq`` finds it. If that violates the
  price bound, L-BFGS-B maximises joint profit within ``[0, price_max]``.

``scipy.optimize`` is imported by the solvers that call it: a market whose benchmarks have
closed forms (the reference Cournot market) never loads it, nor do the run workers playing it.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from govlang.markets._qp import most_equal_split, polish_potential_kkt, slsqp, sweep, water_fill
from govlang.markets.demand import logit_choice_probabilities, logit_outside_probability

FloatArray = NDArray[np.float64]

__all__ = [
    "EquilibriumError",
    "bertrand_best_response",
    "bertrand_joint_optimum",
    "bertrand_nash",
    "cournot_best_response",
    "cournot_joint_closed_form",
    "cournot_joint_optimum",
    "cournot_nash",
    "cournot_nash_closed_form",
]


class EquilibriumError(RuntimeError):
    """A numerical solver failed to reach the required accuracy."""


def _vec(value: ArrayLike, length: int) -> FloatArray:
    """Broadcast ``value`` to a float vector of ``length``."""
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (length,)).copy()


def _cournot_inputs(
    alpha: ArrayLike, beta: ArrayLike, costs: ArrayLike, capacity: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Coerce inputs: costs ``(n, m)``; alpha, beta broadcast to ``(m,)``, capacity to ``(n,)``."""
    c = np.atleast_2d(np.asarray(costs, dtype=np.float64))
    n, m = c.shape
    return _vec(alpha, m), _vec(beta, m), c, _vec(capacity, n)


# --------------------------------------------------------------------------------- Cournot


def cournot_best_response(
    others: ArrayLike, alpha: ArrayLike, beta: ArrayLike, cost: ArrayLike, capacity: float
) -> FloatArray:
    """Exact profit-maximising quantities of one firm given the rivals' total ``others[j]``.

    Maximises ``sum_j (alpha_j - (others_j + q_j) / beta_j - cost_j) q_j`` subject to ``q >= 0``
    and ``sum_j q_j <= capacity``: ``q_j = max(0, beta_j (alpha_j - cost_j - lam) - others_j) / 2``
    with the capacity multiplier ``lam`` found exactly (water-filling).
    """
    r = np.asarray(others, dtype=np.float64)
    b = _vec(beta, r.size)
    return water_fill(b * (_vec(alpha, r.size) - _vec(cost, r.size)) - r, b, capacity)


def _cournot_closed_form(
    alpha: FloatArray, beta: FloatArray, costs: FloatArray, capacity: FloatArray
) -> FloatArray | None:
    """Interior Nash quantities, or ``None`` when some quantity is negative or capacity binds."""
    n = costs.shape[0]
    q = beta * (alpha - (n + 1) * costs + costs.sum(axis=0)) / (n + 1)
    if np.any(q < 0) or np.any(q.sum(axis=1) > capacity):
        return None
    return np.asarray(q, dtype=np.float64)


def cournot_nash_closed_form(
    alpha: ArrayLike, beta: ArrayLike, costs: ArrayLike, capacity: ArrayLike
) -> FloatArray | None:
    """The closed-form Nash quantities, or ``None`` when they do not apply.

    They do not when some quantity would be negative or a capacity binds; then
    :func:`cournot_nash` iterates best responses.
    """
    return _cournot_closed_form(*_cournot_inputs(alpha, beta, costs, capacity))


def cournot_nash(
    alpha: ArrayLike,
    beta: ArrayLike,
    costs: ArrayLike,
    capacity: ArrayLike,
    *,
    tol: float = 1e-13,
    max_sweeps: int = 100_000,
) -> FloatArray:
    """Cournot-Nash quantities ``q[i, j]`` (shape of ``costs``) under per-firm capacities.

    Closed form when interior, else Gauss-Seidel best-response iteration until no quantity moves
    by more than ``tol`` times the market scale ``max(alpha * beta)`` (see the module
    docstring). Raises :class:`EquilibriumError` if ``max_sweeps`` sweeps do not converge.
    """
    a, b, c, k = _cournot_inputs(alpha, beta, costs, capacity)
    closed = _cournot_closed_form(a, b, c, k)
    if closed is not None:
        return closed
    q = np.zeros_like(c)
    scale = max(1.0, float(np.max(a * b)))
    for _ in range(max_sweeps):
        if sweep(q, a, b, c, k, rival_weight=1.0) <= tol * scale:
            return polish_potential_kkt(q, a, b, c, k)
    raise EquilibriumError(f"Cournot best responses did not converge in {max_sweeps} sweeps")


def _joint_closed_form(
    alpha: FloatArray, beta: FloatArray, costs: FloatArray, capacity: FloatArray
) -> FloatArray | None:
    """Uncapacitated joint optimum (cheapest firms, equal split), or ``None`` if infeasible."""
    cheapest = costs.min(axis=0)
    tied = costs <= cheapest + 1e-12 * np.maximum(1.0, np.abs(cheapest))
    total = np.maximum(beta * (alpha - cheapest) / 2.0, 0.0)
    q = tied * (total / tied.sum(axis=0))
    if np.any(q.sum(axis=1) > capacity):
        return None
    return np.asarray(q, dtype=np.float64)


def cournot_joint_closed_form(
    alpha: ArrayLike, beta: ArrayLike, costs: ArrayLike, capacity: ArrayLike
) -> FloatArray | None:
    """The closed-form joint optimum, or ``None`` when the capacities do not fit it.

    Then :func:`cournot_joint_optimum` solves the QP numerically.
    """
    return _joint_closed_form(*_cournot_inputs(alpha, beta, costs, capacity))


def cournot_joint_optimum(
    alpha: ArrayLike,
    beta: ArrayLike,
    costs: ArrayLike,
    capacity: ArrayLike,
    *,
    tol: float = 1e-13,
    max_sweeps: int = 20_000,
) -> FloatArray:
    """Quantities ``q[i, j]`` maximising total industry profit under the capacities.

    The "monopoly" (fully collusive) benchmark. Exact when capacities do not bind. Otherwise
    SLSQP solves the concave QP, exact block-coordinate ascent (each firm's block maximised by
    water-filling) polishes it, and ties between equally efficient firms are split as equally
    as possible (minimum-norm point of the optimal face).
    """
    a, b, c, k = _cournot_inputs(alpha, beta, costs, capacity)
    closed = _joint_closed_form(a, b, c, k)
    if closed is not None:
        return closed
    n, m = c.shape
    bounds = [(0.0, float(k[i])) for i in range(n) for _ in range(m)]
    rows = np.kron(np.eye(n), np.ones(m))
    capacity_con = {"type": "ineq", "fun": lambda x: k - rows @ x, "jac": lambda x: -rows}

    def negative_profit(x: FloatArray) -> float:
        total = x.reshape(n, m).sum(axis=0)
        return -float(np.sum((a - total / b) * total) - c.ravel() @ x)

    def negative_gradient(x: FloatArray) -> FloatArray:
        total = x.reshape(n, m).sum(axis=0)
        return np.asarray(-(a - 2.0 * total / b - c).ravel(), dtype=np.float64)

    start = np.minimum((b * (a - c) / (2 * n)).clip(0.0), (k / m)[:, None]).ravel()
    x, _ = slsqp(negative_profit, negative_gradient, start, bounds, [capacity_con])
    q = np.clip(x.reshape(n, m), 0.0, None)
    q *= np.minimum(1.0, k / np.maximum(q.sum(axis=1), 1e-300))[:, None]
    scale = max(1.0, float(np.max(a * b)))
    for _ in range(max_sweeps):
        if sweep(q, a, b, c, k, rival_weight=2.0) <= tol * scale:
            break
    return most_equal_split(q, a, b, c, k)


# -------------------------------------------------------------------------------- Bertrand


def bertrand_best_response(
    prices: ArrayLike,
    firm: int,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    costs: ArrayLike,
    price_scale: float = 1.0,
    price_max: float = np.inf,
) -> float:
    """Profit-maximising price of ``firm`` given the others' ``prices`` (its own entry ignored).

    Solves ``p = price_scale * (c_i + mu / (1 - s_i(p)))`` with ``brentq`` and clips the result
    to ``[0, price_max]``. ``costs`` are in model units (money cost ``price_scale * c_i``).
    """
    p = np.asarray(prices, dtype=np.float64).copy()
    cost = float(np.asarray(costs, dtype=np.float64)[firm]) * price_scale

    def gap(own: float) -> float:
        p[firm] = own
        rest = logit_outside_probability(p, quality, outside_quality, mu, price_scale)
        others = logit_choice_probabilities(p, quality, outside_quality, mu, price_scale)
        not_i = float(rest) + float(others.sum() - others[firm])
        return own - cost - price_scale * mu / not_i

    low = cost
    high = cost + 1.0
    while gap(high) < 0:
        high = cost + 2.0 * (high - cost)
    from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

    root = float(optimize.brentq(gap, low, high, xtol=1e-14, rtol=4 * np.finfo(float).eps))
    return float(np.clip(root, 0.0, price_max))


def bertrand_nash(
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    costs: ArrayLike,
    price_scale: float = 1.0,
    price_max: float = np.inf,
    *,
    tol: float = 1e-12,
    max_sweeps: int = 10_000,
) -> FloatArray:
    """Bertrand-Nash prices under logit demand by simultaneous best-response iteration.

    Starts from ``price_scale * (c + mu)`` and applies every firm's exact best response at once
    (a contraction for logit demand) until no price moves by more than ``tol`` (relative).
    Raises :class:`EquilibriumError` if ``max_sweeps`` iterations do not converge.
    """
    c = np.atleast_1d(np.asarray(costs, dtype=np.float64))
    p = np.minimum(price_scale * (c + mu), price_max)
    for _ in range(max_sweeps):
        new = np.array(
            [
                bertrand_best_response(
                    p, i, quality, outside_quality, mu, c, price_scale, price_max
                )
                for i in range(c.size)
            ]
        )
        change, p = float(np.max(np.abs(new - p))), new
        if change <= tol * max(1.0, float(np.max(p))):
            return p
    raise EquilibriumError(
        f"Bertrand best-response iteration did not converge in {max_sweeps} sweeps"
    )


def _joint_bertrand_profit(
    p: FloatArray,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    cost: FloatArray,
    price_scale: float,
) -> tuple[float, FloatArray]:
    """Joint profit per unit market size and its gradient with respect to prices."""
    s = logit_choice_probabilities(p, quality, outside_quality, mu, price_scale)
    markup = p - cost
    total = float(markup @ s)
    gradient = s * (1.0 - (markup - total) / (price_scale * mu))
    return total, np.asarray(gradient, dtype=np.float64)


def bertrand_joint_optimum(
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    costs: ArrayLike,
    price_scale: float = 1.0,
    price_max: float = np.inf,
) -> FloatArray:
    """Prices maximising joint profit under logit demand (see the module docstring)."""
    cost = np.atleast_1d(np.asarray(costs, dtype=np.float64)) * price_scale

    def gap(markup: float) -> float:
        outside = logit_outside_probability(
            cost + markup, quality, outside_quality, mu, price_scale
        )
        return markup * float(outside) - price_scale * mu

    # At markup high / price_scale >= max(a_i - a_0 - c_i)+ + mu (log n + 3) every inside good
    # has utility below the outside good's minus log(n) + 3 mu, so 1 - S >= 1 / (1 + e^-3) and
    # high * (1 - S) >= price_scale * mu: the root is bracketed by [0, high].
    advantage = max(0.0, float(np.max(np.asarray(quality) - outside_quality - cost / price_scale)))
    high = price_scale * (advantage + mu * (np.log(cost.size) + 3.0))
    from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

    markup = float(optimize.brentq(gap, 0.0, high, xtol=1e-14, rtol=4 * np.finfo(float).eps))
    prices = cost + markup
    if np.all(prices <= price_max) and np.all(prices >= 0):
        return np.asarray(prices, dtype=np.float64)

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = _joint_bertrand_profit(x, quality, outside_quality, mu, cost, price_scale)
        return -value, -gradient

    start = np.clip(prices, 0.0, price_max)
    result = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, price_max)] * cost.size,
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000},
    )
    return cast(FloatArray, np.asarray(result.x, dtype=np.float64))
