"""Tabular Q-learning firms (Waltman & Kaymak 2008; Calvano et al. 2020).

A :class:`QLearningFirm` learns, per unit (a Cournot commodity or the Bertrand price; see
:mod:`govlang.agents.qgames` for the grids and states), the values ``Q(s, a)`` with::

    Q(s, a) <- Q(s, a) + learning_rate * (r + discount * max_a' Q(s', a') - Q(s, a))

choosing epsilon-greedily with ``epsilon = epsilon_final ** (t / decay_rounds)`` (1 at
``t = 0``, exponentially decaying; ``t`` counts pre-training rounds, then run rounds).

**Pre-training.** Learning from scratch takes tens of thousands of rounds, far more than a
50-200 round run. So by default, at reset, the firm replays a *self-play* learning phase of
``pretrain_rounds`` rounds in which every firm of the market is a Q-learner with the same
parameters (simulated exactly; deterministic given ``training_seed``, default the context's
seed), keeps its own tables and last state, and then continues learning in the run. The
firms of one run that share a seed therefore reconstruct the same learning history and start
the run as the co-adapted learners they would be after that phase; the phase is cached per
(market, parameters, seed), so the firms of a run and the runs of different regimes share it.
Nobody instructs the learners to collude: whatever they converge to emerges from learning.
``pretrain_rounds = 0`` learns in the run only (set ``decay_rounds`` to the run length).

**What to expect** (defaults, 200-round ungoverned runs, last 100 rounds, seeds 0-11). Reference
Cournot market: joint profit above Nash in 12 of 12 seeds (profit gain median 0.23, range
0.13-0.38) and total output below Nash (median 128 against 146.7); partial, quantity-restricting
collusion, not market division (collusion tiers 1-2). Calvano's Bertrand market: profit gain
0.38-0.73 (median 0.53), above every pure equilibrium of the discretised game (at most 0.12)
but near what uniformly random prices on Calvano's grid earn (0.50); 200,000 pre-training
rounds give 0.67-0.80, closer to Calvano et al.'s 0.85 after about a million.

**Rewards.** In the run each unit learns from its own profit (``info["profits"]``), minus its
share of any sanction: ``penalty = info["round_profit"] - reward`` (the mediated reward is what
the firm is paid) split across commodities in proportion to the quantities produced (equally
when nothing was). A fine thus lowers the value of the action that drew it; a suspension
(effective quantities forced down) moves the next state but the update still credits the
action the firm chose.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from govlang.agents.base import FirmContext, RoundView
from govlang.agents.knowledge import FloatArray, rival_prices, rival_totals
from govlang.agents.offline import OfflineFirm
from govlang.agents.qgames import Game, QTables, SelfPlay, build_game, epsilon, pretrain

__all__ = ["QLearningFirm", "QLearningParams"]

DEFAULT_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


class QLearningParams(BaseModel):
    """Validated parameters of a :class:`QLearningFirm` (all are ``make_firm`` options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[float, ...] = Field(
        DEFAULT_LEVELS, description="Cournot grid, in multiples of the own Nash quantity."
    )
    price_points: int = Field(15, ge=2, description="Bertrand grid size (Calvano: 15).")
    price_margin: float = Field(0.1, ge=0.0, description="Bertrand grid margin xi (Calvano).")
    memory: int = Field(1, ge=0, le=1, description="1: state = last round's actions; 0: none.")
    learning_rate: float = Field(0.15, gt=0.0, le=1.0, description="alpha of the update.")
    discount: float = Field(0.9, ge=0.0, lt=1.0, description="gamma of the update.")
    epsilon_final: float = Field(0.01, gt=0.0, le=1.0, description="epsilon at decay_rounds.")
    decay_rounds: int | None = Field(
        None, ge=1, description="Rounds for epsilon to reach epsilon_final (None: see below)."
    )
    pretrain_rounds: int = Field(50_000, ge=0, description="Self-play rounds before the run.")
    training_seed: int | None = Field(None, description="Seed of the self-play phase.")

    @model_validator(mode="after")
    def _check_levels(self) -> Self:
        """Levels must be at least two, non-negative and strictly increasing."""
        lv = self.levels
        if len(lv) < 2 or lv[0] < 0 or any(b <= a for a, b in itertools.pairwise(lv)):
            raise ValueError(f"levels must be >= 2 increasing non-negative numbers, got {lv}")
        return self

    @property
    def resolved_decay_rounds(self) -> int:
        """``decay_rounds``, else ``pretrain_rounds`` when pre-training, else 100."""
        if self.decay_rounds is not None:
            return self.decay_rounds
        return self.pretrain_rounds if self.pretrain_rounds > 0 else 100


_CACHE: dict[tuple[str, str, int], tuple[Game, SelfPlay]] = {}
"""Self-play phases by (market, parameters, seed); the oldest is evicted beyond the size."""
_CACHE_SIZE = 32
_GAMES: dict[tuple[str, str], Game] = {}
"""The discretised markets by (market, parameters), shared by the phases of every seed."""


class QLearningFirm(OfflineFirm):
    """Epsilon-greedy tabular Q-learner (see the module docstring)."""

    name = "qlearning"

    def __init__(self, **options: Any) -> None:
        """Options are the fields of :class:`QLearningParams`."""
        super().__init__()
        self.params = QLearningParams.model_validate(options)
        self.tables: QTables = []
        self.states: list[int] = []
        self.step = 0
        self.last_actions: list[int] = []
        self._game: Game | None = None

    @property
    def game(self) -> Game:
        """The discretised market of the current run."""
        if self._game is None:
            raise RuntimeError("qlearning firm: decide() called before reset()")
        return self._game

    def reset(self, context: FirmContext) -> None:
        """Read the market, replay (or fetch) the self-play phase, take this firm's tables."""
        super().reset(context)
        seed = self.params.training_seed
        game, played = self._learned(context.seed if seed is None else seed)
        self._game = game
        self.tables = [[list(row) for row in unit] for unit in played.tables[context.index]]
        self.states = list(played.states[context.index])
        self.step = played.steps
        self.last_actions = []

    def _learned(self, seed: int) -> tuple[Game, SelfPlay]:
        """The self-play phase for this market, parameters and seed (cached)."""
        p = self.params
        market = json.dumps(dict(self.context.market_config), sort_keys=True, default=list)
        where = (f"{self.context.market}:{market}", p.model_dump_json())
        key = (*where, seed)
        if key not in _CACHE:
            game = _GAMES.get(where)
            if game is None:
                if len(_GAMES) >= _CACHE_SIZE:
                    _GAMES.pop(next(iter(_GAMES)))
                game = _GAMES[where] = build_game(
                    self.facts, p.levels, p.price_points, p.price_margin
                )
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = (game, pretrain(game, p, seed))
        return _CACHE[key]

    def choose(self, view: RoundView) -> tuple[FloatArray, str, Mapping[str, Any]]:
        """Epsilon-greedy action per unit from the current states."""
        eps = epsilon(self.step, self.params.epsilon_final, self.params.resolved_decay_rounds)
        explore = [bool(self.rng.random() < eps) for _ in self.tables]
        self.last_actions = [
            int(self.rng.integers(self.game.k)) if ex else _argmax(unit[state])
            for unit, state, ex in zip(self.tables, self.states, explore, strict=True)
        ]
        grids = self.game.grids[self.context.index]
        values = [grids[u][a] for u, a in enumerate(self.last_actions)]
        action = np.array(values if self.context.action_labels else values[0], dtype=np.float64)
        why = "exploring" if any(explore) else "greedy on learned values"
        return action, why, {"mode": "qlearning", "epsilon": eps, "explore": explore}

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """Q-update of every unit with its reward share; move to the observed state."""
        if not self.last_actions:
            return
        own, rivals, rewards = self.unit_outcomes(info, reward)
        p, firm = self.params, self.context.index
        for u, unit in enumerate(self.tables):
            nxt = self.game.state(p.memory, firm, u, own[u], rivals[u])
            update(unit, self.states[u], self.last_actions[u], rewards[u], nxt, p)
            self.states[u] = nxt
        self.step += 1
        self.last_actions = []

    def unit_outcomes(
        self, info: Mapping[str, Any], reward: float
    ) -> tuple[list[float], list[float], list[float]]:
        """Own effective action, rivals' aggregate and reward of each unit (module docstring)."""
        if self.facts.market == "bertrand":
            rivals = rival_prices(self.facts, info)
            return [float(info["price"])], [float(np.mean(rivals))], [float(reward)]
        own = np.asarray(info["quantities"], dtype=np.float64)
        profits = np.asarray(info["profits"], dtype=np.float64)
        penalty = float(info["round_profit"]) - float(reward)
        weights = own / own.sum() if own.sum() > 0 else np.full(own.size, 1.0 / own.size)
        return (
            own.tolist(),
            rival_totals(self.facts, info).tolist(),
            (profits - penalty * weights).tolist(),
        )

    def q_values(self) -> FloatArray:
        """The current Q-values as an array ``[unit, state, action]`` (a copy)."""
        return np.array(self.tables, dtype=np.float64)


def update(
    table: list[list[float]], s: int, a: int, r: float, nxt: int, p: QLearningParams
) -> float:
    """One Q-learning update of ``table[s][a]`` in place; returns the new value."""
    row = table[s]
    row[a] += p.learning_rate * (r + p.discount * max(table[nxt]) - row[a])
    return row[a]


def _argmax(row: list[float]) -> int:
    """Index of the largest value (ties go to the lowest index)."""
    return row.index(max(row))
