"""The market registry: every market govlang can run, by the name the CLI and TOML files use.

Like the firm registry (:data:`govlang.agents.FIRM_KINDS`), one table: :func:`markets` maps a
name (``--env NAME``, ``--market NAME``, ``[market] kind = NAME``) to a :class:`MarketKind`:
its config model, how to build it, the observable its firms set, and the family of collusion
metrics its runs are measured by (``specs/metrics.md``). The built-in markets are
:data:`BUILTIN_MARKETS`; a third-party package adds one with an entry point in the
``govlang.markets`` group naming a :class:`MarketKind`::

    [project.entry-points."govlang.markets"]
    auction = "my_package.auction:AUCTION"

:func:`environment_schema` resolves ``--env``: a registered market's schema, or a schema file.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from govlang.lang.inputs import InputError
from govlang.lang.schema import EnvironmentSchema, SchemaError, load_schema
from govlang.markets.base import MarketEnv
from govlang.markets.bertrand import BertrandConfig, BertrandMarket
from govlang.markets.cournot import CournotConfig, CournotMarket

ENTRY_POINT_GROUP = "govlang.markets"
"""The entry-point group through which third-party markets register."""

MetricFamily = Literal["concentration", "profit_gain"]
"""``concentration``: HHI/CV collusion tiers (Cournot); ``profit_gain``: profit-gain tiers."""


class UnknownMarketError(ValueError):
    """A market name that is not registered (the message lists the known ones)."""


@dataclass(frozen=True)
class MarketKind:
    """One registered market.

    ``build`` makes a market from a validated ``config``; ``played`` is the observable a firm
    sets each round (``quantity``, ``price``), whose ``nash.*`` and ``monopoly.*`` benchmarks
    are the market's; ``metrics`` is the metric family of its runs.
    """

    name: str
    config: type[BaseModel]
    build: Callable[[Any], MarketEnv]
    played: str
    metrics: MetricFamily
    description: str

    def make(self, overrides: Mapping[str, Any] | None = None, rounds: int | None = None) -> Any:
        """A market from config ``overrides`` (validated), lasting ``rounds`` rounds if given."""
        data = dict(overrides or {})
        if rounds is not None:
            data["max_rounds"] = max(rounds, 1)
        return self.build(self.config.model_validate(data))

    def schema(self) -> EnvironmentSchema:
        """The schema of the market in its default configuration."""
        schema: EnvironmentSchema = self.make().schema()
        return schema


BUILTIN_MARKETS: tuple[MarketKind, ...] = (
    MarketKind(
        "cournot",
        CournotConfig,
        CournotMarket,
        "quantity",
        "concentration",
        "multi-commodity Cournot oligopoly (the Institutional AI market)",
    ),
    MarketKind(
        "bertrand",
        BertrandConfig,
        BertrandMarket,
        "price",
        "profit_gain",
        "logit Bertrand pricing (Calvano et al.; Fish et al.)",
    ),
)
"""The markets govlang ships."""


@functools.cache
def markets() -> Mapping[str, MarketKind]:
    """Every registered market by name: the built-ins, then the entry points' (once)."""
    table = {kind.name: kind for kind in BUILTIN_MARKETS}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        kind = point.load()
        if not isinstance(kind, MarketKind):
            raise TypeError(f"entry point {point.name} = {point.value}: not a MarketKind")
        table.setdefault(kind.name, kind)
    return table


def market_names() -> tuple[str, ...]:
    """The names of every registered market, built-ins first."""
    return tuple(markets())


def market(name: str) -> MarketKind:
    """The registered market ``name``; :class:`UnknownMarketError` with a hint otherwise."""
    table = markets()
    found = table.get(name)
    if found is None:
        close = difflib.get_close_matches(name, table, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(table)
        raise UnknownMarketError(f"unknown market {name!r}{hint} (choose one of {known})")
    return found


def environment_schema(spec: str) -> EnvironmentSchema:
    """The schema of a registered market (``cournot``, ``bertrand``, ...) or of a schema file.

    Raises :class:`~govlang.lang.frontend.InputError` if ``spec`` is neither a known market nor a
    readable schema.
    """
    kind = markets().get(spec)
    if kind is not None:
        return kind.schema()
    path = Path(spec)
    if not path.exists():
        known = ", ".join(markets())
        raise InputError(f"--env {spec}: not a built-in market ({known}) nor a schema file")
    try:
        return load_schema(path)
    except SchemaError as exc:
        raise InputError(str(exc)) from None
