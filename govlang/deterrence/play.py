"""Playing a pattern through the compiled institution over the market, round by round.

Three strategies, each a run of ``horizon`` rounds on a fresh market governed by the
institution (regime ``institutional``):

* ``compete``: every firm plays its Nash action every round (the baseline);
* ``persistent``: every firm plays the pattern every round, whatever the institution does;
* ``evasive``: a firm plays the pattern while its standing is the initial state of its scope
  and its Nash action otherwise, so it colludes again as soon as it is restored.

Open-loop strategies go through :func:`govlang.runtime.replay.replay_actions` (exactly what
``govlang replay`` does with an actions file); the evasive one reads the standings after each
round from the governed env. :class:`Played` keeps every round's trace and reads off what the
analysis needs: payoffs, standings, fines, constraints and the first act of the institution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from govlang.deterrence.market import FloatArray, Market
from govlang.lang.compile import CompiledInstitution
from govlang.runtime.events import Event, RoundTrace
from govlang.runtime.govern import govern
from govlang.runtime.replay import replay_actions

Strategy = Literal["compete", "persistent", "evasive"]
STRATEGIES: tuple[Strategy, ...] = ("compete", "persistent", "evasive")

__all__ = ["STRATEGIES", "Played", "Strategy", "binds", "play", "sanction_kind"]


@dataclass(frozen=True)
class Played:
    """The rounds of one strategy's governed run."""

    strategy: Strategy
    rounds: tuple[RoundTrace, ...]
    initial: Mapping[str, str]
    """Each instance's initial state."""

    def mediated(self, firm: str) -> FloatArray:
        """The firm's mediated payoff in each round (0 for a round it was absent)."""
        return np.array([t.mediated.get(firm) or 0.0 for t in self.rounds], dtype=np.float64)

    def fines(self, firm: str) -> FloatArray:
        """The fines the firm paid in each round."""
        return np.array(
            [sum(_fine(e) for e in t.events if _hits(e, firm)) for t in self.rounds],
            dtype=np.float64,
        )

    def standing(self, firm: str) -> tuple[str, ...]:
        """The firm's standing after each round (its own instance, else the market's)."""
        return tuple(_standing(t.standings, firm) for t in self.rounds)

    def initial_standing(self, firm: str) -> str:
        """The firm's standing before the first round."""
        return _standing(self.initial, firm)

    def colluded(self, firm: str, pattern: Any) -> tuple[bool, ...]:
        """Whether the firm requested the pattern's action in each round."""
        return tuple(
            firm in t.requested and bool(np.allclose(t.requested[firm], pattern))
            for t in self.rounds
        )

    def first(self, firm: str, kinds: tuple[str, ...]) -> Event | None:
        """The first event of one of ``kinds`` concerning the firm."""
        for trace in self.rounds:
            for event in trace.events:
                if event.kind in kinds and _concerns(event, firm):
                    return event
        return None

    def first_sanction(self, firm: str) -> Event | None:
        """The first fine, or action constraint that moved the firm's action, that hit it."""
        for trace in self.rounds:
            for event in trace.events:
                if _hits(event, firm) and binds(event):
                    return event
        return None


def _standing(standings: Mapping[str, str], firm: str) -> str:
    return standings.get(firm) or standings.get("market", "")


def _concerns(event: Event, firm: str) -> bool:
    return event.instance in (firm, "market")


def _hits(event: Event, firm: str) -> bool:
    return event.kind == "sanction" and event.detail.get("agent") == firm


def sanction_kind(event: Event) -> str:
    """``fine``, ``constraint`` (suspension, exclusion, action bounds) or ``grant``."""
    if "rate" in event.detail:
        return "fine"
    if "effective" in event.detail:
        return "constraint"
    return "grant"


def binds(event: Event) -> bool:
    """Whether a sanction took something: a fine above 0, or a constraint that moved an action."""
    kind = sanction_kind(event)
    if kind == "constraint":
        detail = event.detail
        requested = np.asarray(detail.get("requested"), dtype=np.float64)
        effective = np.asarray(detail.get("effective"), dtype=np.float64)
        return requested.shape != effective.shape or not np.allclose(requested, effective)
    return kind == "fine" and float(event.detail["amount"]) > 0.0


def _fine(event: Event) -> float:
    return float(event.detail["amount"]) if sanction_kind(event) == "fine" else 0.0


def play(
    compiled: CompiledInstitution,
    market: Market,
    pattern: FloatArray,
    strategy: Strategy,
    horizon: int,
) -> Played:
    """Run ``strategy`` for ``horizon`` rounds through ``compiled`` on a fresh market."""
    env = market.env(horizon)
    if strategy == "evasive":
        return _closed_loop(compiled, market, env, pattern, horizon)
    profile = market.profile(market.nash if strategy == "compete" else pattern)
    result = replay_actions(compiled, env, [profile] * horizon, market=market.name)
    return Played(strategy, result.rounds, _initial(compiled, market))


def _closed_loop(
    compiled: CompiledInstitution, market: Market, env: Any, pattern: FloatArray, horizon: int
) -> Played:
    """The evasive strategy: collude in the initial standing, compete elsewhere."""
    initial = _initial(compiled, market)
    governed = govern(env, compiled, history=None)
    governed.reset(seed=0)
    standings: Mapping[str, str] = initial

    def choose(i: int) -> Any:
        good = _standing(standings, market.firms[i]) == _standing(initial, market.firms[i])
        return market.action(pattern[i] if good else market.nash[i])

    try:
        for _ in range(horizon):
            governed.step({firm: choose(i) for i, firm in enumerate(market.firms)})
            standings = governed.history[-1].standings
    finally:
        governed.close()
    return Played("evasive", tuple(governed.history), initial)


def _initial(compiled: CompiledInstitution, market: Market) -> dict[str, str]:
    """Each instance's initial state, by instance name."""
    from govlang.runtime.plan import build_plan

    plan = build_plan(compiled, market.firms)
    return {inst.name: inst.scope.initial for inst in plan.instances}
