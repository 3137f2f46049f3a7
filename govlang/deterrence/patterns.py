"""Collusive patterns and their one-round economics (rent over Nash, gain from deviating).

A pattern is a stationary action profile the firms could agree on:

* Cournot ``symmetric_restriction``: every firm supplies ``1/n`` of the joint-optimum total
  of every commodity (output restricted to the joint optimum, shared equally);
* Cournot ``market_division``: each commodity is supplied entirely by one firm (its cheapest
  supplier, ties handed round in firm order) at the joint-optimum total of that commodity;
  needs at least as many commodities as firms;
* Bertrand ``joint_pricing``: every firm posts its joint-profit-maximising price.

Per firm and per round (:class:`FirmEconomics`): the collusive profit ``pi_C``, Nash profit
``pi_N``, rent ``pi_C - pi_N``, the best one-shot deviation against the others' collusive
actions and its gain ``pi_D - pi_C``, and the critical discount factor of the grim-trigger
cartel, ``(pi_D - pi_C) / (pi_D - pi_N)``, above which the pattern is self-enforcing without
any institution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from govlang.deterrence.market import FloatArray, Market

__all__ = ["FirmEconomics", "Pattern", "economics", "patterns"]


@dataclass(frozen=True)
class Pattern:
    """A stationary collusive action profile (``None`` actions: not applicable, see ``note``)."""

    key: str
    title: str
    actions: FloatArray | None
    note: str = ""


@dataclass(frozen=True)
class FirmEconomics:
    """One firm's one-round payoffs under a pattern."""

    firm: str
    collusive: float
    nash: float
    deviation: float
    deviation_action: FloatArray

    @property
    def rent(self) -> float:
        """Collusive profit over Nash profit, per round."""
        return self.collusive - self.nash

    @property
    def deviation_gain(self) -> float:
        """What a one-round best-response deviation adds to the collusive profit."""
        return self.deviation - self.collusive

    @property
    def critical_discount(self) -> float | None:
        """Grim-trigger threshold ``(pi_D - pi_C) / (pi_D - pi_N)`` (``None`` if undefined)."""
        spread = self.deviation - self.nash
        return None if spread <= 0 else max(self.deviation_gain, 0.0) / spread


def patterns(market: Market) -> tuple[Pattern, ...]:
    """The collusive patterns of ``market`` (inapplicable ones carry a note instead)."""
    if market.name == "bertrand":
        return (
            Pattern(
                "joint_pricing",
                "symmetric price coordination at the joint optimum",
                market.joint.copy(),
            ),
            Pattern(
                "market_division",
                "market division",
                None,
                "not applicable: each firm sells one good, there are no markets to divide",
            ),
        )
    n, m = market.joint.shape
    totals = market.joint.sum(axis=0)
    restriction = np.broadcast_to(totals / n, (n, m)).copy()
    return (
        Pattern("symmetric_restriction", "symmetric output restriction", restriction),
        _division(market, totals),
    )


def _division(market: Market, totals: FloatArray) -> Pattern:
    """Each commodity to one firm at the joint-optimum total (cheapest firm, ties rotated)."""
    n, m = market.joint.shape
    title = "market division"
    if m < n:
        return Pattern(
            "market_division",
            title,
            None,
            f"not applicable: {m} commodit{'y' if m == 1 else 'ies'} for {n} firms",
        )
    costs = np.asarray(market.config.costs, dtype=np.float64)
    held = np.zeros(n, dtype=int)
    actions = np.zeros((n, m))
    for j in range(m):
        cheapest = np.flatnonzero(costs[:, j] <= costs[:, j].min() + 1e-12)
        owner = int(cheapest[np.argmin(held[cheapest])])
        held[owner] += 1
        actions[owner, j] = totals[j]
    return Pattern("market_division", title, actions)


def economics(market: Market, actions: FloatArray) -> tuple[FirmEconomics, ...]:
    """Every firm's collusive, Nash and best-deviation profit under ``actions``."""
    collusive = market.profits(actions)
    nash = market.profits(market.nash)
    out = []
    for i, firm in enumerate(market.firms):
        deviation = actions.copy()
        deviation[i] = market.best_response(i, actions)
        profit = float(market.profits(deviation)[i])
        out.append(FirmEconomics(firm, float(collusive[i]), float(nash[i]), profit, deviation[i]))
    return tuple(out)
