"""The cost of a call is litellm's own price of the response, read once, never priced twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from govlang.agents.fakeserver import FakeLLMServer
from govlang.agents.llm_client import _cost, litellm_module


def _ask(server: FakeLLMServer, model: str) -> Any:
    messages = [{"role": "user", "content": "quantities?"}]
    call = litellm_module().acompletion(
        model=model, api_base=server.api_base, api_key="fake", messages=messages
    )
    return asyncio.run(call)


def test_a_priced_model_costs_what_litellm_prices_it() -> None:
    with FakeLLMServer(latency=0.0) as server:
        response = _ask(server, "openai/gpt-4o-mini")
    expected = litellm_module().completion_cost(completion_response=response)
    assert expected > 0
    assert _cost(response) == pytest.approx(expected)


def test_an_unpriced_model_has_no_cost_and_is_not_priced_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeLLMServer(latency=0.0) as server:
        response = _ask(server, server.model)

    def priced_twice(**_: Any) -> float:
        raise AssertionError("the response was priced a second time")

    monkeypatch.setattr(litellm_module(), "completion_cost", priced_twice)
    assert _cost(response) is None


def test_a_response_without_litellm_price_is_priced_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class Bare:
        def __init__(self) -> None:
            self._hidden_params: dict[str, Any] = {}

    monkeypatch.setattr(litellm_module(), "completion_cost", lambda **_: 0.5)
    assert _cost(Bare()) == 0.5
