"""Numerical kernels of the Cournot solvers: concave QPs over per-firm capacity sets.

Private to :mod:`govlang.markets.equilibrium`; see its docstring for the methods. Arrays follow
its conventions: ``a`` / ``b`` demand intercepts and slopes ``(m,)``, ``c`` costs ``(n, m)``,
``k`` capacities ``(n,)``, ``q`` quantities ``(n, m)``. ``scipy.optimize`` is imported by
the kernels that call it (see :mod:`govlang.markets.equilibrium`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def water_fill(slack: FloatArray, beta: FloatArray, capacity: float) -> FloatArray:
    """Maximiser of ``sum_j (slack_j q_j - q_j**2) / beta_j`` over ``q >= 0, sum q <= capacity``.

    KKT: ``q_j = max(0, slack_j - beta_j lam) / 2`` where the capacity multiplier ``lam >= 0``
    is ``0`` if that fits, else the root of the piecewise-linear ``sum_j q_j(lam) = capacity``,
    found exactly by scanning the sorted breakpoints ``slack_j / beta_j``.
    """
    unconstrained = np.maximum(slack, 0.0) / 2.0
    if unconstrained.sum() <= capacity:
        return np.asarray(unconstrained, dtype=np.float64)
    breakpoints = slack / beta
    order = np.argsort(-breakpoints)
    lam = 0.0
    for k in range(1, slack.size + 1):
        active = order[:k]
        lam = float((slack[active].sum() - 2.0 * capacity) / beta[active].sum())
        if k == slack.size or lam >= breakpoints[order[k]]:
            break
    return np.asarray(np.maximum(slack - beta * lam, 0.0) / 2.0, dtype=np.float64)


def sweep(
    q: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray, k: FloatArray, rival_weight: float
) -> float:
    """One Gauss-Seidel pass of exact block maximisations, in place; returns the largest move.

    ``rival_weight`` 1 maximises each firm's own profit (best responses); 2 maximises joint
    profit with respect to that firm's block (the marginal revenue internalises the others).
    """
    change = 0.0
    for i in range(c.shape[0]):
        others = q.sum(axis=0) - q[i]
        new = water_fill(b * (a - c[i]) - rival_weight * others, b, float(k[i]))
        change = max(change, float(np.max(np.abs(new - q[i]))))
        q[i] = new
    return change


def polish_potential_kkt(
    q: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray, k: FloatArray
) -> FloatArray:
    """Solve the KKT system on the active set read off ``q``; keep ``q`` unless it verifies.

    Unknowns: the positive quantities and the multipliers of the binding capacities. Equations:
    ``alpha_j - c_ij - (Q_j + q_ij) / beta_j - lam_i = 0`` for each positive ``q_ij`` and
    ``sum_j q_ij = K_i`` for each binding firm. The system is nonsingular (strictly concave
    potential), so this removes the iteration's last rounding-level error.
    """
    scale = max(1.0, float(np.max(a * b)))
    support = np.argwhere(q > 1e-9 * scale)
    binding = np.flatnonzero(q.sum(axis=1) >= k - 1e-9 * scale)
    size = len(support) + len(binding)
    matrix, rhs = np.zeros((size, size)), np.zeros(size)
    for row, (i, j) in enumerate(support):
        for col, (other, same_j) in enumerate(support):
            if same_j == j:
                matrix[row, col] = (2.0 if other == i else 1.0) / b[j]
        matrix[row, len(support) :] = binding == i
        rhs[row] = a[j] - c[i, j]
    for offset, i in enumerate(binding):
        matrix[len(support) + offset, : len(support)] = support[:, 0] == i
        rhs[len(support) + offset] = k[i]
    try:
        solution = np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        return q
    polished = np.zeros_like(q)
    polished[support[:, 0], support[:, 1]] = solution[: len(support)]
    lam = np.zeros(q.shape[0])
    lam[binding] = solution[len(support) :]
    gain = a - c - polished.sum(axis=0) / b - lam[:, None]  # marginal profit at q_ij = 0
    valid = (
        np.all(polished >= 0)
        and np.all(lam >= 0)
        and np.all(polished.sum(axis=1) <= k * (1 + 1e-12))
        and np.all(np.where(polished > 0, True, gain <= 1e-9 * scale))
        and np.allclose(polished, q, atol=1e-6 * scale)
    )
    return polished if valid else q


def slsqp(
    fun: Any, jac: Any, x0: FloatArray, bounds: list[tuple[float, float]], constraints: list[Any]
) -> tuple[FloatArray, bool]:
    """Run SLSQP with tight tolerances; return the point and whether it reported success."""
    from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

    result = optimize.minimize(
        fun,
        x0,
        jac=jac,
        method="SLSQP",
        bounds=bounds,
        constraints=constraints,
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    return np.asarray(result.x, dtype=np.float64), bool(result.success)


def min_norm_point(
    eq_matrix: FloatArray, eq_target: FloatArray, ineq_matrix: FloatArray, ineq_bound: FloatArray
) -> FloatArray | None:
    """Exact minimiser of ``||y||`` subject to ``E y = e`` and ``G y <= g``; ``None`` if infeasible.

    The equalities are eliminated with an SVD (``y = y0 + N z``, ``y0`` the pseudo-inverse
    solution, ``N`` an orthonormal null-space basis, so ``||y||^2 = ||y0||^2 + ||z||^2``); the
    remaining least-distance problem ``min ||z||`` s.t. ``G N z <= g - G y0`` is solved by
    Lawson and Hanson's reduction to non-negative least squares (Solving Least Squares
    Problems, ch. 23), which terminates exactly.
    """
    u, sv, vt = np.linalg.svd(eq_matrix, full_matrices=True)
    rank = int(np.sum(sv > 1e-10 * sv[0])) if sv.size else 0
    y0 = vt[:rank].T @ ((u[:, :rank].T @ eq_target) / sv[:rank])
    null = vt[rank:].T
    slack = ineq_bound - ineq_matrix @ y0
    if null.shape[1] == 0:
        return y0 if np.all(slack >= -1e-9 * max(1.0, float(np.max(np.abs(ineq_bound))))) else None
    # LDP: min ||z|| s.t. A z >= b with A = -G N, b = -slack; NNLS on [A^T; b^T] u ~ (0, .., 0, 1).
    stacked = np.vstack([-(ineq_matrix @ null).T, -slack[None, :]])
    unit = np.zeros(stacked.shape[0])
    unit[-1] = 1.0
    from scipy import optimize  # type: ignore[import-untyped,unused-ignore]

    weights, _ = optimize.nnls(stacked, unit)
    residual = stacked @ weights - unit
    if abs(residual[-1]) < 1e-12:
        return None
    return np.asarray(y0 + null @ (-residual[:-1] / residual[-1]), dtype=np.float64)


def most_equal_split(
    q: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray, k: FloatArray
) -> FloatArray:
    """Minimum-norm allocation with the same totals on the optimal face of the joint QP.

    The face is read off the KKT conditions at ``q``: firm ``i`` may supply ``j`` only where
    marginal revenue minus cost equals its capacity shadow price ``lam_i``, and must stay at
    capacity where ``lam_i > 0``. Every allocation there with the same totals is optimal; the
    one of minimum norm (the most equal split) is found exactly by :func:`min_norm_point`.
    Returns ``q`` unchanged when the optimum is unique or the refinement does not verify.
    """
    n, m = q.shape
    scale = max(1.0, float(np.max(a * b)))
    price_tol = 1e-7 * max(1.0, float(np.max(np.abs(a))))
    reduced = (a - 2.0 * q.sum(axis=0) / b) - c
    produced = q > 1e-9 * scale
    lam = np.where(produced, reduced, -np.inf).max(axis=1, initial=0.0).clip(0.0)
    tight = reduced - lam[:, None] >= -price_tol
    if not np.any(tight.sum(axis=0) >= 2):
        return q
    rows, columns = np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))
    binding = lam > price_tol
    totals = q.sum(axis=0)
    free = np.flatnonzero(tight.ravel())
    y = min_norm_point(
        np.vstack([columns, rows[binding]])[:, free],
        np.concatenate([totals, k[binding]]),
        np.vstack([-np.eye(free.size), rows[~binding][:, free]]),
        np.concatenate([np.zeros(free.size), k[~binding]]),
    )
    if y is None:
        return q
    x = np.zeros(n * m)
    x[free] = np.clip(y, 0.0, None)
    tol = 1e-9 * scale
    if np.all(rows @ x <= k + tol) and np.allclose(columns @ x, totals, rtol=0.0, atol=tol):
        return np.asarray(x.reshape(n, m), dtype=np.float64)
    return q
