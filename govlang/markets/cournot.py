"""Multi-commodity Cournot market (Lin et al. 2024; the Institutional AI reference market).

``n`` firms choose quantities of ``m`` commodities simultaneously each round. Per commodity
``j`` the price is ``p_j = max(0, alpha_j - Q_j / beta_j)`` with ``Q_j`` the total quantity
(floored at ``0``, unlike Lin et al.'s code: a flooded market clears at price ``0``). Firm
``i`` pays marginal cost ``c[i, j]`` and earns ``profit_i = sum_j (p_j - c[i, j]) q[i, j]``,
which is also its reward. Each firm has a total capacity ``K_i`` per round.

Action handling: each requested quantity is clipped to ``[0, K_i]``; if the firm's clipped
total still exceeds ``K_i`` its quantities are scaled down proportionally to sum to ``K_i``.
Both the requested and the effective quantities are reported in the infos.

Defaults are the reference market: two firms ``firm_0``/``firm_1``, commodities ``A``/``B``,
``alpha = 100``, ``beta = 2``, costs ``[[40, 50], [50, 40]]``, capacity 100, 50 rounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import gymnasium
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from govlang.lang.schema import ActionSpec, EnvironmentSchema
from govlang.markets.base import (
    FloatArray,
    MarketEnv,
    Observable,
    Outcome,
    agent_names,
    benchmark_values,
    broadcast,
    check_names,
    check_positive_finite,
    commodity_labels,
    observable_specs,
)
from govlang.markets.demand import linear_prices
from govlang.markets.equilibrium import cournot_joint_optimum, cournot_nash
from govlang.markets.measures import coefficient_of_variation, hhi, linear_consumer_surplus, shares

__all__ = ["CournotConfig", "CournotMarket", "cournot_schema"]

REFERENCE_COSTS = ((40.0, 50.0), (50.0, 40.0))

_ROUND_OBSERVABLES: tuple[Observable, ...] = (
    ("quantity", ("agent", "commodity"), "Effective quantity of each firm per commodity."),
    ("price", ("commodity",), "Market price per commodity, max(0, alpha - Q / beta)."),
    ("cost", ("agent", "commodity"), "Marginal cost of each firm per commodity."),
    ("profit", ("agent", "commodity"), "Profit (p - c) q of each firm per commodity."),
    ("round_profit", ("agent",), "Profit of each firm this round, summed over commodities."),
    ("share", ("agent", "commodity"), "Quantity share within each commodity (0 if Q = 0)."),
    ("hhi", ("commodity",), "Herfindahl-Hirschman index of quantity shares per commodity."),
    ("cv", ("agent",), "Population std / mean of each firm's quantities across commodities."),
    ("consumer_surplus", ("commodity",), "Consumer surplus min(Q, alpha beta)^2 / (2 beta)."),
)
_BENCHMARK_OBSERVABLES: tuple[Observable, ...] = (
    ("quantity", ("agent", "commodity"), "quantities"),
    ("price", ("commodity",), "prices"),
    ("profit", ("agent",), "round profit of each firm"),
    ("hhi", ("commodity",), "HHI per commodity"),
    ("cv", ("agent",), "CV of each firm across commodities"),
    ("consumer_surplus", ("commodity",), "consumer surplus per commodity"),
)
_BENCHMARK_TITLES = {
    "nash": "Cournot-Nash equilibrium",
    "monopoly": "joint-profit optimum under the capacities",
}


class CournotConfig(BaseModel):
    """Validated, immutable parameters of a :class:`CournotMarket`.

    Scalars broadcast: ``alpha`` and ``beta`` to every commodity, ``capacity`` to every firm,
    ``costs`` to every (firm, commodity) pair. ``firms`` may be an int ``n`` (names
    ``firm_0 .. firm_{n-1}``) and ``commodities`` an int ``m`` (labels ``A, B, ...``). The
    reference cost matrix is only a default for the 2 x 2 market; other shapes must give
    ``costs``. Requirements: ``alpha > 0``, ``beta > 0``, ``capacity > 0`` (all finite),
    ``costs >= 0``, ``max_rounds >= 1``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    firms: tuple[str, ...] = Field(("firm_0", "firm_1"), description="Agent ids, in order.")
    commodities: tuple[str, ...] = Field(("A", "B"), description="Commodity labels, in order.")
    alpha: tuple[float, ...] = Field((100.0, 100.0), description="Demand intercept per commodity.")
    beta: tuple[float, ...] = Field((2.0, 2.0), description="Demand slope: dQ/dp = -beta.")
    costs: tuple[tuple[float, ...], ...] = Field(REFERENCE_COSTS, description="c[firm][commodity].")
    capacity: tuple[float, ...] = Field((100.0, 100.0), description="Total output cap per firm.")
    max_rounds: int = Field(50, ge=1, description="Rounds before every firm is truncated.")

    @model_validator(mode="before")
    @classmethod
    def _broadcast(cls, data: Any) -> Any:
        """Expand counts into names and scalars into per-firm / per-commodity tuples."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data["firms"] = agent_names(data.get("firms", 2))
        data["commodities"] = commodity_labels(data.get("commodities", 2))
        try:
            n, m = len(data["firms"]), len(data["commodities"])
        except TypeError:
            return data
        data["alpha"] = broadcast(data.get("alpha", 100.0), (m,))
        data["beta"] = broadcast(data.get("beta", 2.0), (m,))
        data["capacity"] = broadcast(data.get("capacity", 100.0), (n,))
        if "costs" in data:
            data["costs"] = broadcast(data["costs"], (n, m))
        elif (n, m) != (2, 2):
            raise ValueError(f"costs are required for a {n} x {m} market (default is 2 x 2)")
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        """Check names, shapes and ranges."""
        check_names(self.firms, "firm")
        check_names(self.commodities, "commodity")
        n, m = len(self.firms), len(self.commodities)
        for name, values, length in (
            ("alpha", self.alpha, m),
            ("beta", self.beta, m),
            ("capacity", self.capacity, n),
        ):
            if len(values) != length:
                raise ValueError(f"{name} must have {length} entries, got {len(values)}")
            check_positive_finite(values, name)
        if len(self.costs) != n or any(len(row) != m for row in self.costs):
            raise ValueError(f"costs must have shape ({n}, {m}) (firms x commodities)")
        check_positive_finite([c for row in self.costs for c in row], "costs", allow_zero=True)
        return self

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.firms)

    @property
    def n_commodities(self) -> int:
        """Number of commodities."""
        return len(self.commodities)


def cournot_schema(config: CournotConfig | None = None) -> EnvironmentSchema:
    """Build the environment schema of a Cournot market (``name = "cournot"``).

    Dimension ``commodity`` with the config's labels; per-round observables, then the ``nash.``
    and ``monopoly.`` benchmarks; action: a quantity per commodity in ``[0, max capacity]``
    (each firm's own action space is bounded by its own capacity).
    """
    cfg = config or CournotConfig()
    specs = observable_specs(_ROUND_OBSERVABLES, _BENCHMARK_OBSERVABLES, _BENCHMARK_TITLES)
    return EnvironmentSchema(
        name="cournot",
        dimensions={"commodity": cfg.commodities},
        observables=specs,
        action=ActionSpec(dims=("commodity",), low=0.0, high=max(cfg.capacity)),
    )


class CournotMarket(MarketEnv):
    """Repeated multi-commodity Cournot competition as a PettingZoo ``ParallelEnv``.

    Construct with a :class:`CournotConfig`, keyword overrides of its fields, or both
    (``CournotMarket(firms=3, commodities=1, costs=10)``). Agent ``i``'s action is a
    ``Box(0, K_i, shape=(m,), float64)`` of quantities. Its observation is a flat float64
    vector of length ``4 m + 3`` describing the last round (zeros before the first)::

        [own quantities (m), own shares (m), prices (m), own profits (m),
         own round profit, own cumulative profit, round index]

    Reset infos give ``round`` (0), ``commodities``, ``costs`` and ``capacity``; infos after a
    step hold plain floats/lists: ``round``, ``commodities``,
    ``requested_quantities``, ``quantities``, ``costs``, ``capacity``, ``prices``, ``shares``,
    ``profits``, ``round_profit``, ``cumulative_profit``. :attr:`benchmarks` holds the ``nash.*``
    and ``monopoly.*`` observables (see :mod:`govlang.markets.equilibrium` for the methods).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "name": "cournot_v0"}

    def __init__(
        self,
        config: CournotConfig | None = None,
        *,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        """Build the market from ``config`` updated by ``overrides`` and solve its benchmarks."""
        self.config: CournotConfig = self.configured(CournotConfig, config, overrides)
        cfg = self.config
        self.alpha = np.array(cfg.alpha)
        self.beta = np.array(cfg.beta)
        self.costs = np.array(cfg.costs)
        self.capacity = np.array(cfg.capacity)
        m = cfg.n_commodities
        actions = {
            agent: gymnasium.spaces.Box(0.0, float(k), shape=(m,), dtype=np.float64)
            for agent, k in zip(cfg.firms, cfg.capacity, strict=True)
        }
        observations = {
            agent: gymnasium.spaces.Box(*self._observation_bounds(float(k)), dtype=np.float64)
            for agent, k in zip(cfg.firms, cfg.capacity, strict=True)
        }
        super().__init__(cfg.firms, cfg.max_rounds, actions, observations, render_mode)
        nash = cournot_nash(self.alpha, self.beta, self.costs, self.capacity)
        monopoly = cournot_joint_optimum(self.alpha, self.beta, self.costs, self.capacity)
        plays = {"nash": self._round_measures(nash), "monopoly": self._round_measures(monopoly)}
        for measured in plays.values():
            measured["profit"] = measured.pop("round_profit")  # a benchmark's profit per firm
        self.benchmarks: Outcome = benchmark_values(plays, _BENCHMARK_OBSERVABLES)

    def _observation_bounds(self, capacity: float) -> tuple[FloatArray, FloatArray]:
        """Lower and upper bounds of one firm's observation vector."""
        m, inf = self.config.n_commodities, np.inf
        low = np.concatenate([np.zeros(3 * m), np.full(m + 2, -inf), [0.0]])
        high = np.concatenate(
            [
                np.full(m, capacity),
                np.ones(m),
                self.alpha,
                np.full(m + 2, inf),
                [self.config.max_rounds],
            ]
        )
        return low, high

    def schema(self) -> EnvironmentSchema:
        """Return the environment schema (see :func:`cournot_schema`)."""
        return cournot_schema(self.config)

    def feasible_quantities(self, quantities: Any) -> FloatArray:
        """Project requested quantities ``(n, m)``: clip to ``[0, K_i]``, then scale to fit K_i."""
        q = np.clip(np.asarray(quantities, dtype=np.float64), 0.0, self.capacity[:, None])
        total = q.sum(axis=1)
        factor = np.ones_like(total)
        over = total > self.capacity
        factor[over] = self.capacity[over] / total[over]
        return np.asarray(np.minimum(q * factor[:, None], self.capacity[:, None]), dtype=np.float64)

    def effective_actions(self, actions: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
        """Validate each firm's action (``m`` finite numbers) and project it onto its capacity."""
        m = self.config.n_commodities
        rows = []
        for agent in self.possible_agents:
            row = np.asarray(actions[agent], dtype=np.float64)
            if row.size != m or not np.all(np.isfinite(row)):
                raise ValueError(
                    f"{agent}: expected {m} finite quantities for {list(self.config.commodities)},"
                    f" got {row.tolist()}"
                )
            rows.append(row.reshape(m))
        requested = np.stack(rows)
        return requested, self.feasible_quantities(requested)

    def _round_measures(self, quantities: FloatArray) -> Outcome:
        """Per-round observables of feasible ``quantities`` (no benchmarks)."""
        total = quantities.sum(axis=0)
        price = linear_prices(total, self.alpha, self.beta)
        profit = (price - self.costs) * quantities
        return {
            "quantity": quantities.copy(),
            "price": price,
            "cost": self.costs.copy(),
            "profit": profit,
            "round_profit": profit.sum(axis=1),
            "share": shares(quantities, axis=0),
            "hhi": hhi(quantities, axis=0),
            "cv": coefficient_of_variation(quantities, axis=1),
            "consumer_surplus": linear_consumer_surplus(total, self.alpha, self.beta),
        }

    def outcome(self, actions: Any) -> Outcome:
        """All schema observables of a round played with quantities ``actions`` ``(n, m)``.

        The quantities are first made feasible exactly as :meth:`step` does (see
        :meth:`feasible_quantities`), so this also answers "what if" questions without stepping.
        """
        quantities = self.feasible_quantities(np.asarray(actions, dtype=np.float64))
        result = self._round_measures(quantities)
        result.update({name: value.copy() for name, value in self.benchmarks.items()})
        return result

    def observation_vector(self, index: int) -> FloatArray:
        """Firm ``index``'s observation (layout in the class docstring)."""
        m = self.config.n_commodities
        last = self._last
        if last is None:
            return np.zeros(4 * m + 3)
        parts = [
            last["quantity"][index],
            last["share"][index],
            last["price"],
            last["profit"][index],
            [last["round_profit"][index], self.cumulative_profit[index], float(self.round)],
        ]
        return np.concatenate(parts).astype(np.float64)

    def initial_info(self, index: int) -> dict[str, Any]:
        """Reset info of firm ``index``: its costs and capacity, known before round 1."""
        return {
            "round": 0,
            "commodities": list(self.config.commodities),
            "costs": self.costs[index].tolist(),
            "capacity": float(self.capacity[index]),
        }

    def agent_info(self, index: int, requested: FloatArray) -> dict[str, Any]:
        """JSON-serialisable info of firm ``index`` for the last round."""
        last = self._last
        assert last is not None
        return {
            "round": self.round,
            "commodities": list(self.config.commodities),
            "requested_quantities": requested.tolist(),
            "quantities": last["quantity"][index].tolist(),
            "costs": last["cost"][index].tolist(),
            "capacity": float(self.capacity[index]),
            "prices": last["price"].tolist(),
            "shares": last["share"][index].tolist(),
            "profits": last["profit"][index].tolist(),
            "round_profit": float(last["round_profit"][index]),
            "cumulative_profit": float(self.cumulative_profit[index]),
        }
