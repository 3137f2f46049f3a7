"""The reference institution (``examples/cournot_reference.gov``) written by hand in pure Python.

The alternative a researcher has to govlang: a controller coded directly for one set of rules.
It wraps a :class:`govlang.markets.CournotMarket` like ``govlang.govern`` does and applies the
same rules with the reference params: the evidence monitors S1-S5 and the Nash exemption, the
counters (dwell, clean rounds, guard streaks, credits), the five standings and their edges in
priority order, the fine ladder of profit with its floor (exact, as govlang's ledger), the
suspension (output forced to 0) and the four ways back. It reports each firm's standing
(``states``) and returns the mediated rewards; ``tests/runtime/test_reference_by_hand.py``
keeps it equivalent to govlang round by round (states and mediated payoffs).

It is a benchmark baseline, not a general interpreter: the rules are hard-coded.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

SYNC_MOVE_MIN = 0.1
DISPERSION_MAX = 0.1
COLLAPSE_ROUNDS = 3
HHI_EXCESS_MAX = 0.5
CV_EXCESS_MAX = 0.75
RESTRICTION_MIN = 0.5
RESTRICTION_ROUNDS = 2
NASH_TOLERANCE = 0.05
FINE_LADDER = (0.35, 0.75, 1.0)
FINE_FLOOR = 200.0
SUSPENSION_STREAK = 5
SUSPENSION_ROUNDS = 5
WARNING_EXPIRY = 5
CLEAN_RESTORE = 3
CREDIT_ROUNDS = 2
CREDIT_MAX = 3
RECOVERY_HHI = 0.65


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator != 0 else 0.0


def _cv(values: Sequence[float]) -> float:
    """Population std over |mean| (0 when the mean is 0), as the oracle computes it."""
    n = len(values)
    mean = sum(values) / n
    deviations = [v - mean for v in values]
    std = math.sqrt(sum(d * d for d in deviations) / n)
    return _ratio(std, abs(mean))


def _hhi(values: Sequence[float]) -> float:
    total = sum(values)
    shares = [_ratio(v, total) for v in values]
    return sum(s * s for s in shares)


def _excess(value: float, reference: float) -> float:
    return _ratio(value - reference, abs(reference))


class Firm:
    """One firm's standing and counters."""

    def __init__(self) -> None:
        """A firm in good standing, every counter at 0."""
        self.state = "active"
        self.dwell = 0
        self.clean = 0
        self.credits = 0.0
        self.credit_counter = 0
        self.coordination_streak = 0  # guard streak of every `when coordination` edge
        self.not_coordination_streak = 0
        self.recovered_streak = 0  # `concentration <= recovery_hhi`
        self.fines = 0  # earlier firings of the fine

    def count(self, evidence: bool, recovered: bool) -> None:
        """Counters after a round (before any traversal)."""
        if evidence:
            self.credit_counter = 0
        else:
            self.credit_counter += 1
            if self.credit_counter >= CREDIT_ROUNDS:
                self.credits = min(self.credits + 1, CREDIT_MAX)
                self.credit_counter = 0
        self.dwell += 1
        self.clean = 0 if evidence else self.clean + 1
        self.coordination_streak = self.coordination_streak + 1 if evidence else 0
        self.not_coordination_streak = 0 if evidence else self.not_coordination_streak + 1
        self.recovered_streak = self.recovered_streak + 1 if recovered else 0

    def next_state(self) -> str | None:
        """The state the firm moves to this round (edges in priority order), if any."""
        coordination = self.coordination_streak > 0
        if self.state == "active":
            return "warning" if coordination else None
        if self.state == "warning":
            if coordination:
                return "fined"
            return "active" if self.dwell >= WARNING_EXPIRY else None
        if self.state == "fined":
            return self._from_fined(coordination)
        if self.state == "credited":
            if coordination:
                return "fined"
            return "active" if self.recovered_streak or self.clean >= CLEAN_RESTORE else None
        return "active" if self.dwell >= SUSPENSION_ROUNDS else None  # suspended

    def _from_fined(self, coordination: bool) -> str | None:
        """The edges out of `fined`: suspension, credits, another fine, clean conduct."""
        if coordination and self.coordination_streak >= SUSPENSION_STREAK:
            return "suspended"
        if self.not_coordination_streak > 0 and self.credits >= 1:
            self.credits -= 1
            return "credited"
        if coordination:
            return "fined"
        return "active" if self.clean >= CLEAN_RESTORE else None


class ReferenceByHand:
    """A Cournot market governed by the reference institution, coded by hand."""

    def __init__(self, env: Any) -> None:
        """Wrap ``env`` (a two-commodity :class:`~govlang.markets.CournotMarket`)."""
        self._env = env
        self.possible_agents = list(env.possible_agents)
        self.firms = [Firm() for _ in self.possible_agents]
        self.treasury = Fraction(0)
        self._distance_lag: list[float] | None = None
        self._output_lag: list[float] | None = None
        self._collapse: deque[bool] = deque(maxlen=COLLAPSE_ROUNDS)
        self._restricting: list[deque[bool]] = []

    @property
    def agents(self) -> list[str]:
        """The wrapped market's live agents."""
        return list(self._env.agents)

    @property
    def states(self) -> dict[str, str]:
        """Every firm's standing after the last round."""
        return {a: f.state for a, f in zip(self.possible_agents, self.firms, strict=True)}

    def reset(self, seed: int | None = None) -> Any:
        """Reset the market and the institution."""
        self.firms = [Firm() for _ in self.possible_agents]
        self.treasury = Fraction(0)
        self._distance_lag = self._output_lag = None
        self._collapse.clear()
        self._restricting = [deque(maxlen=RESTRICTION_ROUNDS) for _ in self.possible_agents]
        return self._env.reset(seed=seed)

    def step(self, actions: Mapping[str, Any]) -> tuple[Any, Any, Any, Any, Any]:
        """One governed round: suspension, the market's step, evidence, standings, fines."""
        effective = {
            agent: np.zeros(2) if firm.state == "suspended" else action
            for (agent, action), firm in zip(actions.items(), self.firms, strict=True)
        }
        observations, rewards, terminated, truncated, infos = self._env.step(effective)
        evidence, recovered = self._evidence(self._env.observables())
        mediated = dict(rewards)
        for agent, firm, coordination in zip(
            self.possible_agents, self.firms, evidence, strict=True
        ):
            firm.count(coordination, recovered)
            target = firm.next_state()
            if target is None:
                continue
            firm.state, firm.dwell = target, 0
            if target == "fined":
                mediated[agent] = self._fine(firm, rewards[agent])
        return observations, mediated, terminated, truncated, infos

    def _fine(self, firm: Firm, profit: float) -> float:
        """Book the ladder's fine (exact) and return the mediated payoff."""
        rate = Fraction(FINE_LADDER[min(firm.fines, len(FINE_LADDER) - 1)])
        amount = max(rate * max(Fraction(profit), Fraction(0)), Fraction(FINE_FLOOR))
        firm.fines += 1
        self.treasury += amount
        return float(Fraction(profit) - amount)

    def _evidence(self, observed: Mapping[str, Any]) -> tuple[list[bool], bool]:
        """Per firm, whether the coordination evidence holds; and the recovery gate."""
        q = observed["quantity"].tolist()
        nq = observed["nash.quantity"].tolist()
        mq = observed["monopoly.quantity"].tolist()
        nash_hhi = observed["nash.hhi"].tolist()
        nash_cv = observed["nash.cv"].tolist()
        firms, goods = range(len(q)), range(len(q[0]))
        total = [sum(row) for row in q]
        nash_output = [sum(row) for row in nq]
        distance = [sum(abs(a - b) for a, b in zip(q[i], nq[i], strict=True)) for i in firms]
        lag = distance if self._distance_lag is None else self._distance_lag
        toward = [distance[i] < lag[i] for i in firms]
        at_nash = [distance[i] <= NASH_TOLERANCE * nash_output[i] for i in firms]
        before = total if self._output_lag is None else self._output_lag
        change = [_excess(total[i], before[i]) for i in firms]
        self._distance_lag, self._output_lag = distance, total
        synchronised = all(c >= SYNC_MOVE_MIN for c in change) or all(
            c <= -SYNC_MOVE_MIN for c in change
        )
        columns = [[q[i][c] for i in firms] for c in goods]
        nash_columns = [[nq[i][c] for i in firms] for c in goods]
        spread = max(_cv(col) for col in columns)
        nash_spread = min(_cv(col) for col in nash_columns)
        self._collapse.append(spread < min(DISPERSION_MAX, nash_spread))
        collapse = len(self._collapse) == COLLAPSE_ROUNDS and all(self._collapse)
        hhis = [_hhi(col) for col in columns]
        high_hhi = max(_excess(h, n) for h, n in zip(hhis, nash_hhi, strict=True)) >= HHI_EXCESS_MAX
        market = [sum(col) for col in columns]
        nash_market = [sum(col) for col in nash_columns]
        monopoly_market = [sum(mq[i][c] for i in firms) for c in goods]
        restriction = sum(
            _ratio(nash_market[c] - market[c], nash_market[c] - monopoly_market[c]) for c in goods
        ) / len(goods)
        evidence = []
        for i in firms:
            own = _ratio(nash_output[i] - total[i], nash_output[i] - sum(mq[i]))
            window = self._restricting[i]
            window.append(restriction >= RESTRICTION_MIN and own >= RESTRICTION_MIN)
            restricting = len(window) == RESTRICTION_ROUNDS and all(window)
            specialised = _excess(_cv(q[i]), nash_cv[i]) >= CV_EXCESS_MAX
            signal = (synchronised and not toward[i]) or collapse or high_hhi or specialised
            evidence.append((signal or restricting) and not at_nash[i])
        return evidence, max(hhis) <= RECOVERY_HHI
