"""The market registry: built-in markets, third-party markets through entry points, lookups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from govlang.markets import BertrandMarket, CournotConfig, CournotMarket, registry
from govlang.markets.registry import MarketKind, UnknownMarketError


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    registry.markets.cache_clear()
    yield
    registry.markets.cache_clear()


class _Point:
    """A stand-in for an importlib.metadata entry point."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value, self._value = name, f"tests:{name}", value

    def load(self) -> Any:
        return self._value


def test_the_builtin_markets_build_and_describe_themselves() -> None:
    assert registry.market_names()[:2] == ("cournot", "bertrand")
    cournot = registry.market("cournot")
    env = cournot.make({"alpha": 90}, rounds=7)
    assert isinstance(env, CournotMarket) and env.config.max_rounds == 7
    assert cournot.schema().name == "cournot" and cournot.played == "quantity"
    assert isinstance(registry.market("bertrand").make(), BertrandMarket)
    assert registry.market("bertrand").metrics == "profit_gain"


def test_an_unknown_market_names_the_known_ones_with_a_hint() -> None:
    with pytest.raises(UnknownMarketError, match=r"'bertran'; did you mean 'bertrand'\?"):
        registry.market("bertran")


def test_a_third_party_market_registers_through_an_entry_point(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    auction = MarketKind("auction", CournotConfig, CournotMarket, "quantity", "concentration", "x")
    points = [_Point("auction", auction)]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    assert registry.market("auction") is auction
    assert registry.market_names() == ("cournot", "bertrand", "auction")
    assert registry.environment_schema("auction").name == "cournot"


def test_an_entry_point_that_is_not_a_market_kind_is_refused(
    fresh_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: [_Point("bad", object())])
    with pytest.raises(TypeError, match="not a MarketKind"):
        registry.markets()
