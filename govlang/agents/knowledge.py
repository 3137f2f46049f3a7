"""What an offline firm knows about its market, and what it can infer from its own infos.

Offline firms read the market's parameters from :attr:`FirmContext.market_config` (the market
env's config as a mapping; see :func:`govlang.agents.base.context_for`) and get their
benchmarks from :mod:`govlang.markets`: :func:`market_facts` builds the market once per config
(cached) and keeps its Nash and joint-profit ("monopoly") actions.

From its own info dict of a round a Cournot firm infers the rivals' total output per
commodity by inverting the public price, ``Q_j = beta_j (alpha_j - p_j)`` (exact whenever the
price is above its floor of ``0``; at the floor, ``alpha_j beta_j`` is a lower bound and is
used), minus its own quantity. A Bertrand firm reads the rivals' prices directly (posted
prices are public in the ``prices`` entry of its info).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from govlang.agents.base import FirmContext
from govlang.markets import (
    BertrandConfig,
    BertrandMarket,
    CournotConfig,
    CournotMarket,
    bertrand_best_response,
    cournot_best_response,
)

FloatArray = NDArray[np.float64]

__all__ = ["MarketFacts", "market_facts", "rival_prices", "rival_totals"]

OFFLINE_MARKETS = ("cournot", "bertrand")
"""Markets whose parameters offline firms understand."""


@dataclass(frozen=True)
class MarketFacts:
    """Benchmarks and parameters of one market, seen from firm ``index``.

    ``nash`` and ``monopoly`` hold every firm's benchmark action (Cournot quantities
    ``(n, m)``, Bertrand prices ``(n,)``); ``config`` is the validated market config.
    """

    market: str
    index: int
    config: CournotConfig | BertrandConfig
    nash: FloatArray
    monopoly: FloatArray
    price_max: float | None

    @property
    def n_firms(self) -> int:
        """Number of firms in the market."""
        return int(self.nash.shape[0])

    @property
    def own_nash(self) -> FloatArray:
        """The firm's own Nash action (quantities per commodity, or a 0-d price)."""
        return np.array(self.nash[self.index], dtype=np.float64)

    @property
    def own_monopoly(self) -> FloatArray:
        """The firm's own part of the joint-profit optimum."""
        return np.array(self.monopoly[self.index], dtype=np.float64)

    def best_response(self, last_info: Mapping[str, Any]) -> FloatArray:
        """Myopic best response to the rivals' actions of the round described by ``last_info``."""
        if isinstance(self.config, CournotConfig):
            cfg = self.config
            return cournot_best_response(
                rival_totals(self, last_info),
                cfg.alpha,
                cfg.beta,
                cfg.costs[self.index],
                cfg.capacity[self.index],
            )
        prices = np.asarray(last_info["prices"], dtype=np.float64)
        bc = self.config
        price = bertrand_best_response(
            prices,
            self.index,
            bc.quality,
            bc.outside_quality,
            bc.mu,
            bc.costs,
            bc.price_scale,
            self.price_max if self.price_max is not None else np.inf,
        )
        return np.array(price, dtype=np.float64)


@lru_cache(maxsize=64)
def _benchmarks(market: str, config_json: str) -> tuple[Any, FloatArray, FloatArray, float | None]:
    """Validated config, Nash and joint-optimum actions (and Bertrand price bound)."""
    data = json.loads(config_json)
    if market == "cournot":
        cournot = CournotMarket(CournotConfig.model_validate(data))
        bench = cournot.benchmarks
        return cournot.config, bench["nash.quantity"], bench["monopoly.quantity"], None
    bertrand = BertrandMarket(BertrandConfig.model_validate(data))
    bench = bertrand.benchmarks
    return bertrand.config, bench["nash.price"], bench["monopoly.price"], bertrand.price_max


def market_facts(context: FirmContext) -> MarketFacts:
    """The :class:`MarketFacts` of ``context``'s market (benchmarks cached per config).

    Raises ``ValueError`` for a market offline firms do not know or a missing config.
    """
    if context.market not in OFFLINE_MARKETS:
        raise ValueError(
            f"offline firms play {' or '.join(OFFLINE_MARKETS)} markets, not {context.market!r}"
        )
    if not context.market_config:
        raise ValueError(
            "offline firms need the market's parameters: build the context with "
            "govlang.agents.context_for(env, ...) or pass market_config"
        )
    text = json.dumps(dict(context.market_config), sort_keys=True, default=list)
    config, nash, monopoly, price_max = _benchmarks(context.market, text)
    return MarketFacts(
        market=context.market,
        index=context.index,
        config=config,
        nash=nash.copy(),
        monopoly=monopoly.copy(),
        price_max=price_max,
    )


def rival_totals(facts: MarketFacts, info: Mapping[str, Any]) -> FloatArray:
    """Cournot: the rivals' total quantity per commodity, inferred from the public prices."""
    cfg = facts.config
    if not isinstance(cfg, CournotConfig):
        raise TypeError("rival_totals is defined for Cournot markets")
    prices = np.asarray(info["prices"], dtype=np.float64)
    own = np.asarray(info["quantities"], dtype=np.float64)
    total = np.asarray(cfg.beta) * (np.asarray(cfg.alpha) - prices)
    return np.asarray(np.maximum(total - own, 0.0), dtype=np.float64)


def rival_prices(facts: MarketFacts, info: Mapping[str, Any]) -> FloatArray:
    """Bertrand: the rivals' posted prices of the round (own entry removed)."""
    prices = np.asarray(info["prices"], dtype=np.float64)
    return np.asarray(np.delete(prices, facts.index), dtype=np.float64)
