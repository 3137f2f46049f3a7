"""The discretised stage games Q-learning firms learn in, and their self-play pre-training.

A Q-learning firm splits its action into *units*, each learnt by its own table: one unit per
commodity in Cournot (a commodity's profit depends only on that commodity's quantities as long
as capacity does not bind), the single price in Bertrand. Per unit a firm has a grid of
``k`` action values:

* **Cournot**: ``levels`` times the firm's own Nash quantity of the commodity (when that is
  ``0``, the largest Nash quantity of that commodity). With the default levels ``0, 0.25, ...,
  1.5`` the Nash quantities lie on the grid, so the grid game has the market's Nash
  equilibrium as an equilibrium and discretisation alone cannot fake collusion.
* **Bertrand** (Calvano et al. 2020): ``price_points`` prices evenly spaced on
  ``[p_N - xi (p_M - p_N), p_M + xi (p_M - p_N)]``, ``p_N`` the lowest Nash price, ``p_M`` the
  highest joint-optimum price, ``xi = price_margin``; the same grid for every firm.

The state of a unit (``memory = 1``) is ``own * k + rival``: ``own`` the grid index nearest
the firm's own effective action last round, ``rival`` the index nearest the rivals' average
action on the same scale (Cournot: rivals' total over their total grid unit, Bertrand: the
rivals' mean price). ``memory = 0`` has a single state.

Self-play pre-training (:func:`pretrain`) plays every firm of the market with its own tables,
simulating the market exactly as the environment does (clip to the action box, scale a
Cournot firm's quantities down to its capacity, prices floored at ``0``; tested against the
environments), and is deterministic given its seed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govlang.agents.knowledge import MarketFacts
from govlang.markets import BertrandConfig, CournotConfig

__all__ = ["Game", "QTables", "SelfPlay", "build_game", "nearest", "pretrain"]

QTables = list[list[list[float]]]
"""One firm's Q-values, indexed ``[unit][state][action]``."""


def nearest(grid: list[float], value: float) -> int:
    """Index of the grid point nearest ``value`` (``grid`` ascending; ties go down)."""
    j = bisect.bisect_left(grid, value)
    if j == 0:
        return 0
    if j == len(grid):
        return len(grid) - 1
    return j if grid[j] - value < value - grid[j - 1] else j - 1


Outcome = tuple[list[float], list[int]]
"""Per slot (firm-major, then unit): the profit and the next state of one joint action."""


@dataclass(frozen=True)
class Game:
    """A market discretised for Q-learning.

    ``grids[i][u]`` are firm ``i``'s action values on unit ``u``; ``scales[i][u]`` the rivals'
    grid unit used to place their average action on firm ``i``'s scale (``rival_grid``).
    ``tabulated`` keeps the outcome tables of self-play per memory (:func:`_outcomes`), so the
    phases of several seeds on one game tabulate once.
    """

    market: str
    config: CournotConfig | BertrandConfig
    grids: list[list[list[float]]]
    rival_grid: list[list[list[float]]]
    price_max: float
    tabulated: dict[int, list[Outcome]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.grids)

    @property
    def n_units(self) -> int:
        """Number of learning units per firm."""
        return len(self.grids[0])

    @property
    def k(self) -> int:
        """Number of grid points per unit."""
        return len(self.grids[0][0])

    def state(self, memory: int, firm: int, unit: int, own: float, rivals: float) -> int:
        """State index of one unit after a round with these effective actions."""
        if memory == 0:
            return 0
        mine = nearest(self.grids[firm][unit], own)
        return mine * self.k + nearest(self.rival_grid[firm][unit], rivals)

    def play(self, actions: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
        """Effective own actions and per-unit profits of requested ``actions[firm][unit]``."""
        if isinstance(self.config, CournotConfig):
            return _cournot_round(self.config, actions)
        return _bertrand_round(self.config, self.price_max, actions)

    def rival_values(self, effective: list[list[float]]) -> list[list[float]]:
        """Per firm and unit: the rivals' total quantity (Cournot) or mean price (Bertrand)."""
        n = len(effective)
        totals = [sum(row[u] for row in effective) for u in range(self.n_units)]
        if self.market == "cournot":
            return [[totals[u] - row[u] for u in range(self.n_units)] for row in effective]
        return [[(totals[0] - row[0]) / max(n - 1, 1)] for row in effective]


def _cournot_round(
    cfg: CournotConfig, q: list[list[float]]
) -> tuple[list[list[float]], list[list[float]]]:
    """The Cournot market's feasibility rule, prices and per-commodity profits."""
    eff: list[list[float]] = []
    for row, cap in zip(q, cfg.capacity, strict=True):
        clipped = [min(max(x, 0.0), cap) for x in row]
        total = sum(clipped)
        eff.append([x * cap / total for x in clipped] if total > cap else clipped)
    m = len(cfg.alpha)
    totals = [sum(row[j] for row in eff) for j in range(m)]
    prices = [max(0.0, cfg.alpha[j] - totals[j] / cfg.beta[j]) for j in range(m)]
    profits = [
        [(prices[j] - cost[j]) * row[j] for j in range(m)]
        for row, cost in zip(eff, cfg.costs, strict=True)
    ]
    return eff, profits


def _bertrand_round(
    cfg: BertrandConfig, price_max: float, p: list[list[float]]
) -> tuple[list[list[float]], list[list[float]]]:
    """Logit demand (stable log-sum-exp) and profits of clipped prices."""
    prices = [min(max(row[0], 0.0), price_max) for row in p]
    utility = [(a - x / cfg.price_scale) / cfg.mu for a, x in zip(cfg.quality, prices, strict=True)]
    outside = cfg.outside_quality / cfg.mu
    top = max(*utility, outside)
    denominator = math.exp(outside - top) + sum(math.exp(u - top) for u in utility)
    profits = [
        [(x - cfg.price_scale * c) * cfg.market_size * math.exp(u - top) / denominator]
        for x, c, u in zip(prices, cfg.costs, utility, strict=True)
    ]
    return [[x] for x in prices], profits


def build_game(facts: MarketFacts, levels: tuple[float, ...], points: int, margin: float) -> Game:
    """Discretise the market of ``facts`` (see the module docstring for the grids)."""
    if isinstance(facts.config, CournotConfig):
        nash = facts.nash
        fallback = nash.max(axis=0)
        unit = np.where(nash > 0, nash, fallback[None, :])
        grids = [[[lv * float(u) for lv in levels] for u in row] for row in unit]
        rivals = unit.sum(axis=0)[None, :] - unit
        rival_grid = [[[lv * float(u) for lv in levels] for u in row] for row in rivals]
        return Game("cournot", facts.config, grids, rival_grid, math.inf)
    low, high = float(np.min(facts.nash)), float(np.max(facts.monopoly))
    spread = margin * (high - low)
    prices = np.linspace(max(0.0, low - spread), high + spread, points).tolist()
    grid = [[list(prices)] for _ in range(facts.n_firms)]
    price_max = facts.price_max if facts.price_max is not None else math.inf
    return Game("bertrand", facts.config, grid, grid, price_max)


def initial_tables(game: Game, firm: int, memory: int, discount: float) -> QTables:
    """Calvano et al.'s initial Q-values, the same in every state.

    Each action's mean one-round profit against uniformly random rival actions (the firm's
    other units at zero), divided by ``1 - discount``.
    """
    states = game.k * game.k if memory else 1
    tables: QTables = []
    for unit in range(game.n_units):
        values = [sum(_profits_vs_random(game, firm, unit, a)) for a in range(game.k)]
        row = [v / (game.k ** (game.n_firms - 1)) / (1.0 - discount) for v in values]
        tables.append([list(row) for _ in range(states)])
    return tables


def _profits_vs_random(game: Game, firm: int, unit: int, action: int) -> list[float]:
    """Firm's profit on ``unit`` for ``action`` against every combination of rival actions."""
    n, k = game.n_firms, game.k
    if k ** (n - 1) > 100_000:
        raise ValueError("too many rival action combinations to initialise the Q-table")
    out = []
    for combo in np.ndindex(*([k] * (n - 1))):
        rivals = iter(combo)
        acts = [
            [
                game.grids[i][u][action if i == firm else next(rivals)] if u == unit else 0.0
                for u in range(game.n_units)
            ]
            for i in range(n)
        ]
        out.append(game.play(acts)[1][firm][unit])
    return out


@dataclass
class SelfPlay:
    """The result of self-play pre-training: every firm's tables and last states."""

    tables: list[QTables]
    states: list[list[int]]
    steps: int


def epsilon(step: int, final: float, decay_rounds: int) -> float:
    """Exploration rate ``final ** (step / decay_rounds)``: 1 at step 0, ``final`` at the end."""
    return float(final ** (step / decay_rounds))


MAX_TABLE = 200_000
"""Largest number of joint action profiles whose outcomes are tabulated before self-play."""


def _outcome(game: Game, memory: int, acts: Sequence[int]) -> Outcome:
    """Profits and next states of the joint grid action ``acts`` (one index per slot)."""
    n, units = game.n_firms, game.n_units
    values = [[game.grids[i][u][acts[i * units + u]] for u in range(units)] for i in range(n)]
    effective, profits = game.play(values)
    rivals = game.rival_values(effective)
    slots = [(i, u) for i in range(n) for u in range(units)]
    return (
        [profits[i][u] for i, u in slots],
        [game.state(memory, i, u, effective[i][u], rivals[i][u]) for i, u in slots],
    )


def _outcomes(game: Game, memory: int, rounds: int) -> Callable[[list[int], int], Outcome]:
    """The outcome of a joint action (its index: base-``k`` digits, first slot highest).

    Tabulated once when there are at most :data:`MAX_TABLE` joint actions and no more than
    half as many as self-play rounds (the reference market has ``7^4``), else computed on
    demand: tabulating costs about as much per joint action as a round does.
    """
    slots = game.n_firms * game.n_units
    if game.k**slots > min(MAX_TABLE, rounds // 2):
        return lambda acts, _index: _outcome(game, memory, acts)
    table = game.tabulated.get(memory)
    if table is None:
        joint = itertools.product(range(game.k), repeat=slots)
        table = game.tabulated[memory] = [_outcome(game, memory, c) for c in joint]
    return lambda _acts, index: table[index]


def pretrain(game: Game, params: Any, seed: int) -> SelfPlay:
    """Self-play all firms for ``params.pretrain_rounds`` rounds (deterministic in ``seed``).

    ``params`` is a :class:`~govlang.agents.qlearning.QLearningParams`.
    """
    rng = random.Random(seed)
    k, gamma, lr = game.k, params.discount, params.learning_rate
    tables = [initial_tables(game, i, params.memory, gamma) for i in range(game.n_firms)]
    flat = [unit for firm in tables for unit in firm]  # slot -> [state][action]
    states = [0] * len(flat)
    acts = [0] * len(flat)
    outcome = _outcomes(game, params.memory, params.pretrain_rounds)
    for step in range(params.pretrain_rounds):
        eps = epsilon(step, params.epsilon_final, params.resolved_decay_rounds)
        index = 0
        for slot, unit in enumerate(flat):
            acts[slot] = _pick(unit[states[slot]], eps, rng, k)
            index = index * k + acts[slot]
        profits, following = outcome(acts, index)
        for slot, unit in enumerate(flat):
            row, a, nxt = unit[states[slot]], acts[slot], following[slot]
            row[a] += lr * (profits[slot] + gamma * max(unit[nxt]) - row[a])
            states[slot] = nxt
    units = game.n_units
    per_firm = [states[i * units : (i + 1) * units] for i in range(game.n_firms)]
    return SelfPlay(tables, per_firm, params.pretrain_rounds)


def _pick(row: list[float], eps: float, rng: random.Random, k: int) -> int:
    """Epsilon-greedy choice on one Q-row (ties go to the lowest index)."""
    if rng.random() < eps:
        return min(int(rng.random() * k), k - 1)
    return row.index(max(row))
