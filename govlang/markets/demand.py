"""Demand primitives of the reference markets (pure numpy).

* Linear inverse demand (Cournot): ``p_j = max(0, alpha_j - Q_j / beta_j)``.
* Logit demand (Bertrand, Calvano et al. 2020; scaled as in Fish et al. 2024)::

      q_i = market_size * exp(u_i) / (sum_j exp(u_j) + exp(u_0)),
      u_i = (a_i - p_i / price_scale) / mu,   u_0 = a_0 / mu.

  ``price_scale`` is Fish et al.'s ``alpha`` (prices in currency units are divided by it, so
  multiplying it by ``k`` multiplies every equilibrium price by ``k``) and ``market_size`` is
  their ``beta`` (a quantity multiplier). Calvano et al. is ``price_scale = market_size = 1``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "linear_prices",
    "logit_choice_probabilities",
    "logit_demand",
    "logit_outside_probability",
]


def linear_prices(total_quantity: ArrayLike, alpha: ArrayLike, beta: ArrayLike) -> FloatArray:
    """Market prices ``max(0, alpha - Q / beta)`` for total quantities ``Q`` (per commodity).

    The floor at ``0`` departs from Lin et al.'s code (which lets prices go negative): a market
    flooded beyond ``alpha * beta`` units clears at price ``0``.
    """
    q = np.asarray(total_quantity, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64)
    b = np.asarray(beta, dtype=np.float64)
    return np.asarray(np.maximum(0.0, a - q / b), dtype=np.float64)


def _utilities(
    prices: ArrayLike, quality: ArrayLike, outside_quality: float, mu: float, price_scale: float
) -> tuple[FloatArray, FloatArray]:
    """Return the inside utilities and the log of the logit denominator (stable log-sum-exp)."""
    u = (
        np.asarray(quality, dtype=np.float64) - np.asarray(prices, dtype=np.float64) / price_scale
    ) / mu
    u0 = outside_quality / mu
    top = np.maximum(np.max(u, axis=-1), u0)
    log_denominator = top + np.log(np.exp(u0 - top) + np.sum(np.exp(u - top[..., None]), axis=-1))
    return np.asarray(u, dtype=np.float64), np.asarray(log_denominator, dtype=np.float64)


def logit_choice_probabilities(
    prices: ArrayLike,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    price_scale: float = 1.0,
) -> FloatArray:
    """Probability that a consumer buys each inside good (goods on the last axis)."""
    u, log_denominator = _utilities(prices, quality, outside_quality, mu, price_scale)
    return np.asarray(np.exp(u - log_denominator[..., None]), dtype=np.float64)


def logit_outside_probability(
    prices: ArrayLike,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    price_scale: float = 1.0,
) -> FloatArray:
    """Probability of the outside option, ``1 - sum_i s_i``, computed without cancellation."""
    _, log_denominator = _utilities(prices, quality, outside_quality, mu, price_scale)
    return np.asarray(np.exp(outside_quality / mu - log_denominator), dtype=np.float64)


def logit_demand(
    prices: ArrayLike,
    quality: ArrayLike,
    outside_quality: float,
    mu: float,
    price_scale: float = 1.0,
    market_size: float = 1.0,
) -> FloatArray:
    """Quantities sold, ``market_size`` times the logit choice probabilities."""
    probabilities = logit_choice_probabilities(prices, quality, outside_quality, mu, price_scale)
    return np.asarray(market_size * probabilities, dtype=np.float64)
