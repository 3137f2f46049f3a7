"""The market a deterrence analysis plays: its config, benchmarks and one-round payoffs.

:func:`market_from_cli` turns ``--env`` and ``--market-param`` into a :class:`Market`: a
built-in Cournot or logit-Bertrand market (a schema file names one through its ``name``) with
its Nash equilibrium, its joint-profit optimum and a best-response oracle, each tagged with how
it was found (closed form or numeric solver, see :mod:`govlang.markets.equilibrium`).
Payoffs of any action profile come from the market itself (:meth:`MarketEnv.outcome`), so they
are exactly what a governed run pays before mediation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from govlang.lang.diagnostics import did_you_mean
from govlang.lang.schema import EnvironmentSchema
from govlang.markets import (
    BertrandConfig,
    BertrandMarket,
    CournotConfig,
    CournotMarket,
    MarketEnv,
    bertrand_best_response,
    cournot_best_response,
    registry,
)
from govlang.markets.equilibrium import cournot_joint_closed_form, cournot_nash_closed_form

FloatArray = NDArray[np.float64]
MARKETS = ("cournot", "bertrand")
"""The registered markets deterrence can play: it needs their best responses (below)."""

__all__ = [
    "MARKETS",
    "Market",
    "MarketError",
    "build_market",
    "market_from_cli",
    "parse_market_params",
]


class MarketError(ValueError):
    """``--env`` or ``--market-param`` does not describe a market that can be played."""


@dataclass(frozen=True)
class Market:
    """A built-in market with its benchmarks (actions are ``(firms, ...)`` arrays)."""

    name: str
    config: CournotConfig | BertrandConfig
    nash: FloatArray
    joint: FloatArray
    methods: Mapping[str, str]
    """How each benchmark was found: ``nash``, ``joint``, ``best_response`` -> description."""
    reference: MarketEnv = field(repr=False, compare=False)
    """A market instance used for one-round payoffs and the schema (never stepped)."""
    schema_file: str | None = None

    @property
    def firms(self) -> tuple[str, ...]:
        """The firms, in ``possible_agents`` order."""
        return tuple(self.config.firms)

    @property
    def numeric(self) -> tuple[str, ...]:
        """The benchmarks found by a numeric solver rather than a closed form."""
        return tuple(k for k, v in self.methods.items() if v.startswith("numeric"))

    def env(self, rounds: int) -> MarketEnv:
        """A fresh market lasting ``rounds`` rounds."""
        env: MarketEnv = registry.market(self.name).make(self.config.model_dump(), rounds)
        return env

    def schema(self) -> EnvironmentSchema:
        """The market's environment schema (what the institution is checked against)."""
        schema: EnvironmentSchema = self.reference.schema()
        return schema

    def profits(self, actions: FloatArray) -> FloatArray:
        """Every firm's round profit when the firms play ``actions`` (made feasible first)."""
        return np.asarray(self.reference.outcome(actions)["round_profit"], dtype=np.float64)

    def best_response(self, firm: int, actions: FloatArray) -> FloatArray:
        """Firm ``firm``'s profit-maximising action against the others' ``actions``."""
        if isinstance(self.reference, CournotMarket):
            env = self.reference
            others = np.delete(actions, firm, axis=0).sum(axis=0)
            return cournot_best_response(
                others, env.alpha, env.beta, env.costs[firm], float(env.capacity[firm])
            )
        assert isinstance(self.config, BertrandConfig) and isinstance(
            self.reference, BertrandMarket
        )
        cfg = self.config
        price = bertrand_best_response(
            actions,
            firm,
            cfg.quality,
            cfg.outside_quality,
            cfg.mu,
            cfg.costs,
            cfg.price_scale,
            self.reference.price_max,
        )
        return np.asarray(price, dtype=np.float64)

    def action(self, row: FloatArray) -> Any:
        """One firm's action as the env takes it (a list of quantities, or a price)."""
        return row.tolist() if row.ndim else float(row)

    def profile(self, actions: FloatArray) -> dict[str, Any]:
        """An action profile as the action dict of one round."""
        return {firm: self.action(actions[i]) for i, firm in enumerate(self.firms)}


def parse_market_params(pairs: Sequence[str]) -> dict[str, Any]:
    """``k=v`` pairs (``v`` is JSON: a number, a list, ...) as a dict."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key or not raw:
            raise MarketError(f"--market-param: expected KEY=VALUE, got `{pair}`")
        try:
            values[key] = json.loads(raw)
        except ValueError:
            raise MarketError(
                f"--market-param {key}: `{raw}` is not a JSON value (a number or a list)"
            ) from None
    return values


def market_from_cli(env: str, params: Mapping[str, Any]) -> Market:
    """The market named by ``--env`` (``cournot``, ``bertrand`` or a schema file naming one)."""
    name, schema_file = env, None
    if env.endswith("+talk"):
        raise MarketError(
            f"--env {env}: deterrence plays the market's collusive patterns without talk, so it "
            "cannot feed an institution's message observables; use a market without a channel "
            f"({', '.join(MARKETS)})"
        )
    if env not in MARKETS:
        name, schema_file = _schema_market(env), env
    return build_market(name, params, schema_file)


def _schema_market(path: str) -> str:
    """The built-in market a schema file describes (its ``name``)."""
    from govlang.lang.frontend import InputError
    from govlang.markets.registry import environment_schema

    try:
        schema = environment_schema(path)
    except InputError as exc:
        raise MarketError(str(exc)) from None
    if schema.name not in MARKETS:
        raise MarketError(
            f"--env {path}: the schema describes `{schema.name}`, which govlang cannot play; "
            f"deterrence needs a market's payoffs and benchmarks: use one of {', '.join(MARKETS)}"
            " (or a schema whose name is one of them)"
        )
    return schema.name


def build_market(name: str, params: Mapping[str, Any], schema_file: str | None = None) -> Market:
    """Validate ``params`` for market ``name`` and solve its benchmarks."""
    kind = registry.market(name)
    config_type = kind.config
    fields = sorted(set(config_type.model_fields) - {"max_rounds"})
    for key in params:
        if key not in fields:
            hint = did_you_mean(key, fields) or f"{name} takes {', '.join(fields)}"
            raise MarketError(f"--market-param {key}: no such {name} parameter ({hint})")
    try:
        config = config_type.model_validate(dict(params))
        assert isinstance(config, CournotConfig | BertrandConfig), name  # MARKETS only
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'market'}: {error['msg']}"
            for error in exc.errors()
        )
        raise MarketError(f"--market-param: invalid {name} market: {problems}") from None
    try:
        env = kind.build(config)
    except (ValueError, RuntimeError) as exc:  # a benchmark solver failed
        raise MarketError(f"--env {name}: cannot solve the market's benchmarks: {exc}") from None
    benchmarks = env.benchmarks
    nash_key, joint_key = f"nash.{kind.played}", f"monopoly.{kind.played}"
    return Market(
        name,
        config,
        np.asarray(benchmarks[nash_key], dtype=np.float64),
        np.asarray(benchmarks[joint_key], dtype=np.float64),
        _methods(env),
        env,
        schema_file,
    )


def _methods(env: MarketEnv) -> dict[str, str]:
    """How the market's benchmarks are computed for its parameters."""
    if isinstance(env, CournotMarket):
        args = (env.alpha, env.beta, env.costs, env.capacity)
        nash = (
            "closed form (interior Cournot-Nash)"
            if cournot_nash_closed_form(*args) is not None
            else "numeric (best-response iteration with an exact KKT polish; a capacity binds "
            "or a firm produces nothing)"
        )
        joint = (
            "closed form (cheapest firms supply beta (alpha - c) / 2)"
            if cournot_joint_closed_form(*args) is not None
            else "numeric (SLSQP on the joint-profit QP; a capacity binds)"
        )
        return {"nash": nash, "joint": joint, "best_response": "closed form (water-filling)"}
    return {
        "nash": "numeric (simultaneous best-response iteration, brentq per firm)",
        "joint": "numeric (brentq on the common logit markup)",
        "best_response": "numeric (brentq on the first-order condition)",
    }
