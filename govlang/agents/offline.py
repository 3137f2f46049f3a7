"""Offline firms: research baselines that need no model and are deterministic given their seed.

* :class:`NashFirm` (``nash``) plays its Nash action every round.
* :class:`BestResponseFirm` (``best_response``) plays a myopic best response to the rivals'
  actions of the last round.
* :class:`ColluderFirm` (``colluder``) divides the market at the joint-profit optimum and
  punishes a deviation with Nash play (grim trigger); sanctions deter it.
* :class:`RandomFirm` (``random``) draws uniformly from its feasible actions.
* :class:`~govlang.agents.qlearning.QLearningFirm` (``qlearning``) lives in its own module.

None of them reads text: the constitution and the institutional notices are ignored, so under
the constitutional regime every offline firm behaves exactly as ungoverned, and under the
institutional regime only the *money and action effects* of sanctions reach them (a fine
lowers the reward, a suspension lowers the effective action). Each decision says so in its
``record`` (``"reads_text": False``).

Every firm's random stream is ``numpy.random.default_rng([seed, index])``, so the firms of a
run may share the run's seed and still draw independently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from govlang.agents.base import Decision, FirmContext, RoundView
from govlang.agents.knowledge import (
    FloatArray,
    MarketFacts,
    market_facts,
    rival_prices,
    rival_totals,
)

__all__ = ["BestResponseFirm", "ColluderFirm", "NashFirm", "OfflineFirm", "RandomFirm"]


class OfflineFirm:
    """Shared machinery: context, market facts, a seeded generator, feasible actions."""

    name = "offline"

    def __init__(self) -> None:
        """Create an un-reset firm (:meth:`reset` must be called before :meth:`decide`)."""
        self._context: FirmContext | None = None
        self._facts: MarketFacts | None = None
        self.rng = np.random.default_rng(0)

    @property
    def context(self) -> FirmContext:
        """The context of the current run (raises before :meth:`reset`)."""
        if self._context is None:
            raise RuntimeError(f"{self.name} firm: decide() called before reset()")
        return self._context

    @property
    def facts(self) -> MarketFacts:
        """The market facts of the current run (raises before :meth:`reset`)."""
        if self._facts is None:
            raise RuntimeError(f"{self.name} firm: decide() called before reset()")
        return self._facts

    def reset(self, context: FirmContext) -> None:
        """Start a run: read the market, reseed with ``[seed, index]``."""
        self._context = context
        self._facts = market_facts(context)
        self.rng = np.random.default_rng([context.seed, context.index])

    async def decide(self, view: RoundView) -> Decision:
        """Choose the action of ``view.round`` (see :meth:`choose`)."""
        action, reasoning, record = self.choose(view)
        return Decision(
            action=self.feasible(action),
            reasoning=reasoning,
            record={"kind": self.name, "reads_text": False, **record},
        )

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """Return the raw action, a one-line reason and trace facts (subclasses)."""
        raise NotImplementedError

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """Offline firms that do not learn ignore outcomes."""

    def feasible(self, action: Any) -> FloatArray:
        """Clip ``action`` into the action box and scale it down to the capacity, if any."""
        ctx = self.context
        a = np.clip(np.asarray(action, dtype=np.float64), ctx.action_low, ctx.action_high)
        a = a.reshape(ctx.action_shape)
        if ctx.capacity is not None and a.sum() > ctx.capacity:
            a = a * (ctx.capacity / a.sum())
        return np.asarray(a, dtype=np.float64)


class NashFirm(OfflineFirm):
    """Plays its Nash action (computed by :mod:`govlang.markets`) every round."""

    name = "nash"

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """Always the Nash action."""
        return self.facts.own_nash, "Nash equilibrium action", {"mode": "nash"}


class BestResponseFirm(OfflineFirm):
    """Myopic best response to the rivals' actions of the last round.

    Cournot: the exact best response to the rivals' total per commodity (inferred from the
    prices, see :mod:`govlang.agents.knowledge`). Bertrand: the best response to the rivals'
    last prices. Round 1 (empty history) plays ``start`` if given, else the Nash action.
    """

    name = "best_response"

    def __init__(self, *, start: Any = None) -> None:
        """``start``: the round-1 action (default: Nash)."""
        super().__init__()
        self.start = None if start is None else np.asarray(start, dtype=np.float64)

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """Best response to ``view.history[-1]``; the start action before any history."""
        if not view.history:
            if self.start is not None:
                return self.start, "configured start action", {"mode": "start"}
            return self.facts.own_nash, "no history yet: Nash action", {"mode": "start"}
        response = self.facts.best_response(view.history[-1])
        return response, "best response to the rivals' last actions", {"mode": "best_response"}


ColluderMode = Literal["divide", "punish", "deterred"]


class ColluderFirm(OfflineFirm):
    """Market division at the joint-profit optimum, enforced by a grim trigger.

    **Plan.** Play this firm's part of the joint-profit optimum (Cournot: the monopoly
    quantities, i.e. each firm supplies the commodities where it has the cost advantage;
    Bertrand: the joint-monopoly price).

    **Trigger.** After a round played to plan, a rival *deviated* if (Cournot) the rivals' total
    on some commodity, inferred from its price, exceeds the plan's by more than ``tolerance``
    times that commodity's larger benchmark total (Nash or plan); (Bertrand) some rival price
    is below the plan's by more than ``tolerance`` (relative). A deviation starts punishment:
    the Nash action for ``punishment_rounds`` rounds, forever when ``None`` (grim trigger).

    **Sanctions.** The firm cannot read notices, but it notices money and action effects: it
    was *sanctioned* in a round if its reward is below the round's market profit
    (``info["round_profit"]``; a fine) or its effective action is below the one it chose (a
    suspension or another action constraint). With ``on_sanction="nash"`` it then abandons
    division and plays Nash for ``sanction_rounds`` rounds (forever when ``None``); with
    ``"ignore"`` sanctions change nothing. Warnings (no money, no action effect) are invisible
    to it. Under the constitutional regime it therefore colludes exactly as ungoverned.
    """

    name = "colluder"

    def __init__(
        self,
        *,
        tolerance: float = 0.05,
        punishment_rounds: int | None = None,
        on_sanction: Literal["nash", "ignore"] = "nash",
        sanction_rounds: int | None = None,
    ) -> None:
        """See the class docstring for the meaning of each option."""
        super().__init__()
        if tolerance < 0 or not math.isfinite(tolerance):
            raise ValueError(f"tolerance must be finite and >= 0, got {tolerance}")
        if on_sanction not in ("nash", "ignore"):
            raise ValueError(f"on_sanction must be 'nash' or 'ignore', got {on_sanction!r}")
        for label, rounds in (
            ("punishment_rounds", punishment_rounds),
            ("sanction", sanction_rounds),
        ):
            if rounds is not None and rounds < 1:
                raise ValueError(f"{label} must be >= 1 or None (forever), got {rounds}")
        self.tolerance = tolerance
        self.punishment_rounds = punishment_rounds
        self.on_sanction = on_sanction
        self.sanction_rounds = sanction_rounds
        self._clear()

    def _clear(self) -> None:
        """Forget the previous run."""
        self.punish_until = 0.0
        self.deterred_until = 0.0
        self.round = 0
        self.mode: ColluderMode = "divide"
        self.last_action: FloatArray | None = None
        self.events: list[tuple[int, str]] = []

    def reset(self, context: FirmContext) -> None:
        """Start a run at the plan."""
        super().reset(context)
        self._clear()

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """Plan, punishment or deterrence, in that order of precedence: deterred, punish, plan."""
        self.round = view.round
        if view.round <= self.deterred_until:
            self.mode = "deterred"
            action, why = self.facts.own_nash, "sanctioned: Nash play, division abandoned"
        elif view.round <= self.punish_until:
            self.mode = "punish"
            action, why = self.facts.own_nash, "a rival deviated: Nash play (trigger)"
        else:
            self.mode = "divide"
            action, why = self.facts.own_monopoly, "market division at the joint optimum"
        self.last_action = self.feasible(action)
        return action, why, {"mode": self.mode, "events": list(self.events[-3:])}

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """Check for a sanction, then (after a round to plan) for a rival's deviation."""
        if self.on_sanction == "nash" and self.sanctioned(info, reward):
            self.deterred_until = _until(self.round, self.sanction_rounds)
            self.events.append((self.round, "sanctioned"))
        if self.mode == "divide" and self.deviated(info):
            self.punish_until = _until(self.round, self.punishment_rounds)
            self.events.append((self.round, "deviation"))

    def sanctioned(self, info: Mapping[str, Any], reward: float) -> bool:
        """Whether the round's reward or effective action shows a fine or a constraint."""
        raw = float(info["round_profit"])
        if reward < raw - 1e-9 * max(1.0, abs(raw)):
            return True
        if self.last_action is None:
            return False
        key = "quantities" if self.facts.market == "cournot" else "price"
        effective = np.asarray(info[key], dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(self.last_action))))
        return bool(np.any(effective < self.last_action - 1e-9 * scale))

    def deviated(self, info: Mapping[str, Any]) -> bool:
        """Whether a rival departed from the plan in the round described by ``info``."""
        facts = self.facts
        if facts.market == "cournot":
            plan = np.delete(facts.monopoly, facts.index, axis=0).sum(axis=0)
            scale = np.maximum(facts.monopoly.sum(axis=0), facts.nash.sum(axis=0))
            return bool(np.any(rival_totals(facts, info) > plan + self.tolerance * scale))
        plan_prices = np.delete(facts.monopoly, facts.index)
        return bool(np.any(rival_prices(facts, info) < plan_prices * (1.0 - self.tolerance)))


def _until(current: int, rounds: int | None) -> float:
    """Last round of a phase that starts after ``current`` and lasts ``rounds`` (inf: forever)."""
    return math.inf if rounds is None else float(current + rounds)


class RandomFirm(OfflineFirm):
    """Uniform draws from the feasible actions.

    Scalar or uncapacitated actions: uniform in the box. Cournot with a capacity ``K``:
    uniform on ``{q : 0 <= q_j <= high, sum_j q_j <= K}``, sampled exactly as a uniform point
    of the simplex ``{q >= 0, sum q <= K}`` (normalised exponential spacings) rejected while
    some ``q_j > high`` (never when ``high >= K``, the markets' own box).
    """

    name = "random"

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """A uniform draw (see the class docstring)."""
        return self.draw(), "uniform random action", {"mode": "random"}

    def draw(self) -> FloatArray:
        """One uniform feasible action."""
        ctx = self.context
        box = self.rng.uniform(ctx.action_low, ctx.action_high, size=ctx.action_shape)
        if ctx.capacity is None or box.size * ctx.action_high <= ctx.capacity:
            return np.asarray(box, dtype=np.float64)
        if ctx.action_low != 0.0:
            raise ValueError("random firm: a capacitated action box must start at 0")
        for _ in range(10_000):
            spacings = self.rng.exponential(size=box.size + 1)
            point = ctx.capacity * spacings[:-1] / spacings.sum()
            if np.all(point <= ctx.action_high):
                return np.asarray(point, dtype=np.float64)
        raise RuntimeError("random firm: the feasible action set is too thin to sample")
