"""Market-concentration and welfare measures, as pure numpy functions.

Every function accepts array-likes and returns a float64 numpy array (0-d for scalar results;
call ``float()`` on it when a Python number is needed). Degenerate cases that would divide by
zero are resolved by documented conventions instead of producing ``nan``, so that results stay
JSON-serialisable and comparable:

* a share is ``0`` when the total it is a share of is ``0``;
* hence the HHI of a market in which nobody produces is ``0``;
* the coefficient of variation of values whose mean is ``0`` is ``0``.

These functions are shared by the market environments and by collusion-metric code.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "coefficient_of_variation",
    "dispersion",
    "excess_over",
    "hhi",
    "linear_consumer_surplus",
    "logit_consumer_surplus",
    "shares",
]


def _safe_divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Return ``numerator / denominator`` with ``0`` wherever the denominator is ``0``."""
    out = np.zeros(np.broadcast(numerator, denominator).shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def shares(quantities: ArrayLike, axis: int = 0) -> FloatArray:
    """Share of each entry in the total along ``axis`` (firms are axis 0 by convention).

    For a quantity matrix of shape ``(firms, commodities)`` the default gives each firm's share
    of each commodity's total output. Where the total is ``0`` every share is ``0``.
    """
    q = np.asarray(quantities, dtype=np.float64)
    total = q.sum(axis=axis, keepdims=True)
    return _safe_divide(q, np.broadcast_to(total, q.shape))


def hhi(quantities: ArrayLike, axis: int = 0) -> FloatArray:
    """Herfindahl-Hirschman index ``sum_i s_i**2`` of the shares along ``axis``.

    Shares are fractions, so the index lies in ``[1/n, 1]`` for ``n`` firms when anything is
    produced (``1`` = monopoly) and is ``0`` when the total is ``0``. Pass quantities (or any
    non-negative sizes); they are normalised with :func:`shares`.
    """
    s = shares(quantities, axis=axis)
    return np.asarray(np.sum(s * s, axis=axis), dtype=np.float64)


def coefficient_of_variation(values: ArrayLike, axis: int = -1) -> FloatArray:
    """Return the population std over ``|mean|`` along ``axis`` (``0`` where the mean is ``0``).

    With the default ``axis=-1`` applied to a ``(firms, commodities)`` quantity matrix this is
    each firm's CV across commodities: ``0`` when a firm spreads output evenly, ``1`` when a
    firm is active on exactly one of two commodities (market division). The population
    (``ddof=0``) standard deviation is used. A slice whose largest magnitude lies outside
    ``[1e-150, 1e150]`` is first divided by it, so that squaring neither underflows nor
    overflows (the CV is scale-free, so the result is unchanged in exact arithmetic).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size:
        scale = np.max(np.abs(x), axis=axis, keepdims=True)
        extreme = (scale > 0) & ((scale < 1e-150) | (scale > 1e150))
        if extreme.any():
            x = x / np.where(extreme, scale, 1.0)
    std = np.asarray(x.std(axis=axis), dtype=np.float64)
    mean = np.asarray(np.abs(x.mean(axis=axis)), dtype=np.float64)
    return _safe_divide(std, mean)


def dispersion(values: ArrayLike, axis: int = 0) -> FloatArray:
    """Cross-firm dispersion: the coefficient of variation across firms (axis 0 by default).

    Applied to a ``(firms, commodities)`` quantity matrix it gives, per commodity, how
    different the firms' quantities are (population std over ``|mean|``, ``0`` where the mean
    is ``0``). A value that stays near ``0`` signals firms moving in lock-step.
    """
    return coefficient_of_variation(values, axis=axis)


def linear_consumer_surplus(
    total_quantity: ArrayLike, alpha: ArrayLike, beta: ArrayLike
) -> FloatArray:
    """Consumer surplus under linear inverse demand ``p = max(0, alpha - Q / beta)``.

    For ``Q <= alpha * beta`` this is the triangle ``Q**2 / (2 * beta)``. Beyond that the price
    is floored at ``0`` and extra units have no value to consumers, so the surplus stays at its
    maximum ``alpha**2 * beta / 2``. In general: ``min(Q, alpha * beta)**2 / (2 * beta)``.
    Negative quantities are treated as ``0``.
    """
    q = np.asarray(total_quantity, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    served = np.clip(q, 0.0, a * b)
    return np.asarray(served * served / (2.0 * b), dtype=np.float64)


def logit_consumer_surplus(
    prices: ArrayLike,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    price_scale: float = 1.0,
    market_size: float = 1.0,
) -> FloatArray:
    """Consumer surplus under logit demand (the inclusive-value / log-sum formula).

    With mean utilities ``u_i = (a_i - p_i / price_scale) / mu`` for the inside goods and
    ``u_0 = a_0 / mu`` for the outside good, the expected consumer surplus in money units is::

        CS = market_size * price_scale * mu * (log(exp(u_0) + sum_i exp(u_i)) - u_0)

    i.e. the log-sum normalised so that ``CS = 0`` when every inside good is priced out of the
    market (consumers all take the outside option). It is positive and decreasing in every
    price. ``prices`` may have extra leading axes (e.g. rounds); goods are the last axis.
    """
    p = np.asarray(prices, dtype=np.float64)
    u = (np.asarray(quality, dtype=np.float64) - p / price_scale) / mu
    u0 = outside_quality / mu
    # log(exp(u0) + sum exp(u)) - u0 = log1p(sum exp(u - u0)), computed stably.
    z = u - u0
    top = np.maximum(np.max(z, axis=-1), 0.0)
    inclusive = top + np.log(np.exp(-top) + np.sum(np.exp(z - top[..., None]), axis=-1))
    return np.asarray(market_size * price_scale * mu * inclusive, dtype=np.float64)


def excess_over(
    observed: ArrayLike, reference: ArrayLike, *, at_zero_reference: float | None = None
) -> FloatArray:
    """Relative excess ``(observed - reference) / |reference|`` (e.g. HHI or CV over Nash).

    Dividing by ``|reference|`` keeps the sign meaning "above the reference" even for negative
    references (e.g. losses). Where the reference is ``0`` the ratio is undefined: by default
    the result is ``0`` if the observed value is also ``0`` and ``+inf`` / ``-inf`` by the sign
    of the difference otherwise (a symmetric market has a Nash CV of ``0``, so any
    specialisation there is an infinite excess); pass ``at_zero_reference`` (e.g. ``0.0``, the
    convention of the runtime oracle's ``excess``) to use a fixed value there instead.
    """
    obs = np.asarray(observed, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    diff = obs - ref
    nonzero = ref != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = diff / np.where(nonzero, np.abs(ref), 1.0)
    if at_zero_reference is None:
        fallback = np.where(diff == 0, 0.0, np.copysign(np.inf, diff))
    else:
        fallback = np.full(diff.shape, at_zero_reference)
    return np.asarray(np.where(nonzero, ratio, fallback), dtype=np.float64)
