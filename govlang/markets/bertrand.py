"""Logit-demand Bertrand market (Calvano et al. 2020; scaled as in Fish et al. 2024).

``n`` firms post prices simultaneously each round. With ``u_i = (a_i - p_i / price_scale) / mu``
and ``u_0 = a_0 / mu``, firm ``i`` sells::

    q_i = market_size * exp(u_i) / (sum_j exp(u_j) + exp(u_0))

and earns ``(p_i - price_scale * c_i) * q_i``, its reward. ``a_i`` is product quality, ``a_0``
the outside good, ``mu`` horizontal differentiation, ``c_i`` marginal cost in model units.
``price_scale`` (Fish et al.'s alpha) is a currency unit: prices and money costs scale with it,
so equilibrium prices are ``price_scale`` times those of the unscaled market; ``market_size``
(Fish et al.'s beta) multiplies quantities and profits. The defaults are Calvano et al.'s
baseline: two firms, ``a_i = 2``, ``a_0 = 0``, ``mu = 0.25``, ``c_i = 1``, unit scales, which
give Nash prices of about 1.4729 and joint-profit (monopoly) prices of about 1.9250.

Prices are clipped to ``[0, price_max]``; by default ``price_max`` is twice the highest
joint-profit-maximising price. Shares and HHI refer to the inside goods only (each firm's
fraction of total units sold); consumer surplus uses the logit log-sum formula (see
:func:`govlang.markets.measures.logit_consumer_surplus`).
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
    observable_specs,
)
from govlang.markets.demand import logit_demand
from govlang.markets.equilibrium import bertrand_joint_optimum, bertrand_nash
from govlang.markets.measures import hhi, logit_consumer_surplus, shares

__all__ = ["BertrandConfig", "BertrandMarket", "bertrand_schema"]

_ROUND_OBSERVABLES: tuple[Observable, ...] = (
    ("price", ("agent",), "Effective price of each firm."),
    ("quantity", ("agent",), "Units sold by each firm (logit demand times market size)."),
    ("cost", ("agent",), "Marginal cost of each firm in currency units (price_scale * c)."),
    ("profit", ("agent",), "Profit (p - cost) q of each firm."),
    ("round_profit", ("agent",), "Profit of each firm this round (same as profit)."),
    ("share", ("agent",), "Share of total inside-good units sold (0 if nothing is sold)."),
    ("hhi", (), "Herfindahl-Hirschman index of the inside-good shares."),
    ("consumer_surplus", (), "Logit consumer surplus (log-sum formula, 0 if all priced out)."),
)
_BENCHMARK_OBSERVABLES: tuple[Observable, ...] = (
    ("price", ("agent",), "prices"),
    ("quantity", ("agent",), "units sold"),
    ("profit", ("agent",), "profit of each firm"),
    ("hhi", (), "HHI of inside-good shares"),
    ("consumer_surplus", (), "consumer surplus"),
)
_BENCHMARK_TITLES = {"nash": "Bertrand-Nash equilibrium", "monopoly": "joint-profit optimum"}


class BertrandConfig(BaseModel):
    """Validated, immutable parameters of a :class:`BertrandMarket`.

    ``firms`` may be an int ``n`` (names ``firm_0 .. firm_{n-1}``); ``quality`` and ``costs``
    broadcast from scalars. Requirements: ``mu``, ``price_scale``, ``market_size`` and
    ``price_max`` (when given) finite and ``> 0``; costs finite and ``>= 0``; qualities finite.
    ``price_max = None`` means twice the highest joint-profit-maximising price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    firms: tuple[str, ...] = Field(("firm_0", "firm_1"), description="Agent ids, in order.")
    quality: tuple[float, ...] = Field((2.0, 2.0), description="Product quality a_i per firm.")
    outside_quality: float = Field(0.0, description="Quality a_0 of the outside good.")
    mu: float = Field(0.25, description="Horizontal differentiation (logit scale).")
    costs: tuple[float, ...] = Field((1.0, 1.0), description="Marginal cost c_i (model units).")
    price_scale: float = Field(1.0, description="Currency unit (Fish et al.'s alpha).")
    market_size: float = Field(1.0, description="Quantity multiplier (Fish et al.'s beta).")
    price_max: float | None = Field(None, description="Upper price bound (None: 2 x monopoly).")
    max_rounds: int = Field(50, ge=1, description="Rounds before every firm is truncated.")

    @model_validator(mode="before")
    @classmethod
    def _broadcast(cls, data: Any) -> Any:
        """Expand a firm count into names and scalars into per-firm tuples."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data["firms"] = agent_names(data.get("firms", 2))
        try:
            n = len(data["firms"])
        except TypeError:
            return data
        data["quality"] = broadcast(data.get("quality", 2.0), (n,))
        data["costs"] = broadcast(data.get("costs", 1.0), (n,))
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        """Check names, lengths and ranges."""
        check_names(self.firms, "firm")
        n = len(self.firms)
        for name, values in (("quality", self.quality), ("costs", self.costs)):
            if len(values) != n:
                raise ValueError(f"{name} must have {n} entries, got {len(values)}")
        if not np.all(np.isfinite([*self.quality, self.outside_quality])):
            raise ValueError("qualities must be finite")
        check_positive_finite(self.costs, "costs", allow_zero=True)
        check_positive_finite(
            [self.mu, self.price_scale, self.market_size], "mu, price_scale, market_size"
        )
        if self.price_max is not None:
            check_positive_finite([self.price_max], "price_max")
        return self

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.firms)


def bertrand_schema(
    config: BertrandConfig | None = None, price_max: float | None = None
) -> EnvironmentSchema:
    """Build the environment schema of a logit Bertrand market (``name = "bertrand"``).

    Observables are per agent or scalar (no extra dimensions); action: one price in
    ``[0, price_max]``. ``price_max`` defaults to the config's, or, when that is ``None``,
    twice the highest joint-profit-maximising price.
    """
    cfg = config or BertrandConfig()
    high = price_max if price_max is not None else _resolve_price_max(cfg)
    specs = observable_specs(_ROUND_OBSERVABLES, _BENCHMARK_OBSERVABLES, _BENCHMARK_TITLES)
    return EnvironmentSchema(
        name="bertrand",
        dimensions={},
        observables=specs,
        action=ActionSpec(dims=(), low=0.0, high=high),
    )


def _resolve_price_max(cfg: BertrandConfig) -> float:
    """Return the configured price bound, or twice the highest joint-optimum price."""
    if cfg.price_max is not None:
        return cfg.price_max
    monopoly = bertrand_joint_optimum(
        cfg.quality, cfg.outside_quality, cfg.mu, cfg.costs, cfg.price_scale
    )
    return 2.0 * float(np.max(monopoly))


class BertrandMarket(MarketEnv):
    """Repeated logit Bertrand price competition as a PettingZoo ``ParallelEnv``.

    Construct with a :class:`BertrandConfig`, keyword overrides of its fields, or both. Each
    agent's action is a scalar price, ``Box(0, price_max, shape=(), float64)`` (a Python float
    or any one-element array is accepted). Its observation is a flat float64 vector of length
    ``n + 5`` describing the last round (zeros before the first); posted prices are public::

        [all firms' prices (n), own quantity, own share, own profit,
         own cumulative profit, round index]

    Reset infos give ``round`` (0), ``cost`` and ``price_max``; infos after a step give
    ``round``, ``requested_price``, ``price``, ``cost``, ``quantity``, ``share``, ``prices``
    (all firms), ``round_profit`` and ``cumulative_profit``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "name": "bertrand_v0"}

    def __init__(
        self,
        config: BertrandConfig | None = None,
        *,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        """Build the market from ``config`` updated by ``overrides`` and solve its benchmarks."""
        self.config: BertrandConfig = self.configured(BertrandConfig, config, overrides)
        cfg = self.config
        self.price_max = _resolve_price_max(cfg)
        self.costs = np.array(cfg.costs) * cfg.price_scale
        n = cfg.n_firms
        actions = {
            a: gymnasium.spaces.Box(0.0, self.price_max, shape=(), dtype=np.float64)
            for a in cfg.firms
        }
        low = np.concatenate([np.zeros(n + 2), [-np.inf, -np.inf, 0.0]])
        high = np.concatenate(
            [np.full(n, self.price_max), [cfg.market_size, 1.0, np.inf, np.inf, cfg.max_rounds]]
        )
        observations = {a: gymnasium.spaces.Box(low, high, dtype=np.float64) for a in cfg.firms}
        super().__init__(cfg.firms, cfg.max_rounds, actions, observations, render_mode)
        args = (
            cfg.quality,
            cfg.outside_quality,
            cfg.mu,
            cfg.costs,
            cfg.price_scale,
            self.price_max,
        )
        plays = {
            "nash": self._round_measures(bertrand_nash(*args)),
            "monopoly": self._round_measures(bertrand_joint_optimum(*args)),
        }
        self.benchmarks: Outcome = benchmark_values(plays, _BENCHMARK_OBSERVABLES)

    def schema(self) -> EnvironmentSchema:
        """Return the environment schema (see :func:`bertrand_schema`)."""
        return bertrand_schema(self.config, self.price_max)

    def effective_actions(self, actions: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
        """Validate each firm's price (one finite number) and clip it to ``[0, price_max]``."""
        requested = np.zeros(self.config.n_firms)
        for i, agent in enumerate(self.possible_agents):
            value = np.asarray(actions[agent], dtype=np.float64)
            if value.size != 1 or not np.isfinite(value).all():
                raise ValueError(f"{agent}: expected one finite price, got {value.tolist()}")
            requested[i] = float(value.reshape(()))
        return requested, np.clip(requested, 0.0, self.price_max)

    def _round_measures(self, prices: FloatArray) -> Outcome:
        """Per-round observables of feasible ``prices`` (no benchmarks)."""
        cfg = self.config
        demand_args = (cfg.quality, cfg.outside_quality, cfg.mu, cfg.price_scale, cfg.market_size)
        quantity = logit_demand(prices, *demand_args)
        profit = (prices - self.costs) * quantity
        return {
            "price": np.array(prices, dtype=np.float64),
            "quantity": quantity,
            "cost": self.costs.copy(),
            "profit": profit,
            "round_profit": profit.copy(),
            "share": shares(quantity),
            "hhi": hhi(quantity),
            "consumer_surplus": logit_consumer_surplus(prices, *demand_args),
        }

    def outcome(self, actions: Any) -> Outcome:
        """All schema observables of a round played with prices ``actions`` (shape ``(n,)``).

        Prices are clipped to ``[0, price_max]`` exactly as :meth:`step` does.
        """
        prices = np.clip(
            np.asarray(actions, dtype=np.float64).reshape(self.config.n_firms), 0.0, self.price_max
        )
        result = self._round_measures(prices)
        result.update({name: value.copy() for name, value in self.benchmarks.items()})
        return result

    def observation_vector(self, index: int) -> FloatArray:
        """Firm ``index``'s observation (layout in the class docstring)."""
        last = self._last
        if last is None:
            return np.zeros(self.config.n_firms + 5)
        own = [last["quantity"][index], last["share"][index], last["profit"][index]]
        tail = [self.cumulative_profit[index], float(self.round)]
        return np.concatenate([last["price"], own, tail]).astype(np.float64)

    def initial_info(self, index: int) -> dict[str, Any]:
        """Reset info of firm ``index``: its money cost and the price bound."""
        return {"round": 0, "cost": float(self.costs[index]), "price_max": self.price_max}

    def agent_info(self, index: int, requested: FloatArray) -> dict[str, Any]:
        """JSON-serialisable info of firm ``index`` for the last round."""
        last = self._last
        assert last is not None
        return {
            "round": self.round,
            "requested_price": float(requested),
            "price": float(last["price"][index]),
            "cost": float(last["cost"][index]),
            "quantity": float(last["quantity"][index]),
            "share": float(last["share"][index]),
            "prices": last["price"].tolist(),
            "round_profit": float(last["round_profit"][index]),
            "cumulative_profit": float(self.cumulative_profit[index]),
        }
