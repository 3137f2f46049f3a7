"""Faults injected by the fake server: every one is recorded with what was done about it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.agents import RoundView, context_for
from govlang.agents.base import FirmContext
from govlang.agents.fakeserver import INJECTION_TEXT, FakeLLMServer, Step
from govlang.agents.llm import LLMFirm
from govlang.markets import CournotMarket, cournot_nash


def context(agent: str = "firm_0", seed: int = 7) -> FirmContext:
    return context_for(
        CournotMarket(),
        agent,
        regime="institutional",
        seed=seed,
        constitution="P2_independent_decision: decide independently.",
    )


def decide(server: FakeLLMServer, view: RoundView | None = None, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "model": server.model,
        "api_base": server.api_base,
        "api_key": "none",
        "backoff_base": 0.01,
        "timeout": 5.0,
    }
    settings.update(options)
    firm = LLMFirm(**settings)
    firm.reset(context())
    return asyncio.run(firm.decide(view or RoundView(round=1)))


def test_malformed_then_valid_is_reprompted() -> None:
    with FakeLLMServer([Step("malformed")]) as server:
        decision = decide(server)
        assert server.requests == 2
        second_request = server.log[1].body["messages"]
    assert decision.fallback is False
    np.testing.assert_array_equal(decision.action, [30.0, 20.0])
    record = decision.record
    assert record["reprompts"] == 1 and record["retries"] == 0
    bad, good = record["exchanges"]
    assert bad["validation_error"] == "the answer contains no complete JSON object"
    assert bad["parsed"] is None and good["validation_error"] is None
    assert [m["role"] for m in second_request] == ["system", "user", "assistant", "user"]
    assert second_request[2]["content"] == bad["text"]
    assert (
        "could not be used: the answer contains no complete JSON object"
        in second_request[3]["content"]
    )
    assert record["messages"] == second_request


def test_out_of_range_then_valid_explains_the_violation() -> None:
    with FakeLLMServer([Step("out_of_range", quantities={"A": 90, "B": 40})]) as server:
        decision = decide(server)
        reprompt = server.log[1].body["messages"][-1]["content"]
    assert decision.fallback is False and decision.record["reprompts"] == 1
    error = decision.record["exchanges"][0]["validation_error"]
    assert error == "quantities: Value error, the quantities sum to 130, above the capacity 100"
    assert error in reprompt


def test_negative_quantity_is_out_of_range() -> None:
    with FakeLLMServer([Step("out_of_range")]) as server:
        decision = decide(server)
    assert (
        "quantities.B: Input should be greater than or equal to 0"
        in decision.record["exchanges"][0]["validation_error"]
    )


def test_reprompts_exhausted_use_the_declared_fallback() -> None:
    with FakeLLMServer([Step("malformed")] * 3) as server:
        decision = decide(server, reprompts=2)
        assert server.requests == 3
    assert decision.fallback is True
    np.testing.assert_array_equal(decision.action, [0.0, 0.0])
    record = decision.record
    assert record["reprompts"] == 2 and record["answer"] is None
    assert record["fallback"] == {
        "rule": "previous",
        "used": "zero (no previous action yet)",
        "reason": "no valid answer after 2 re-prompt(s); last error: "
        "the answer contains no complete JSON object",
    }
    assert record["fallback_action"] == [0.0, 0.0]


def test_default_allows_three_reprompts() -> None:
    with FakeLLMServer([Step("malformed")] * 3) as server:
        decision = decide(server)
        assert server.requests == 4
    assert decision.fallback is False and decision.record["reprompts"] == 3


def test_previous_fallback_repeats_the_last_action() -> None:
    with FakeLLMServer(
        [Step("valid", quantities={"A": 41, "B": 7})] + [Step("malformed")] * 2
    ) as server:
        firm = LLMFirm(model=server.model, api_base=server.api_base, api_key="none", reprompts=1)
        firm.reset(context())
        first = asyncio.run(firm.decide(RoundView(round=1)))
        second = asyncio.run(firm.decide(RoundView(round=2)))
    np.testing.assert_array_equal(second.action, [41.0, 7.0])
    assert second.fallback is True and second.record["fallback"]["used"] == "previous action"
    assert second.notes == first.notes  # notes are kept when no valid answer came back


def test_nash_and_zero_fallbacks() -> None:
    env = CournotMarket()
    nash = cournot_nash(env.alpha, env.beta, env.costs, env.capacity)[0]
    with FakeLLMServer(default=Step("malformed")) as server:
        by_nash = decide(server, reprompts=0, fallback="nash")
        by_zero = decide(server, reprompts=0, fallback="zero")
    np.testing.assert_allclose(by_nash.action, nash)
    assert by_nash.record["fallback"]["used"] == "Cournot-Nash quantities"
    np.testing.assert_array_equal(by_zero.action, [0.0, 0.0])
    assert by_zero.record["fallback"]["rule"] == "zero"


def test_http_500_is_retried_with_backoff() -> None:
    with FakeLLMServer([Step("http_error"), Step("http_error", status=503)]) as server:
        decision = decide(server, backoff_base=0.05)
        assert server.requests == 3
    assert decision.fallback is False and decision.record["retries"] == 2
    (exchange,) = decision.record["exchanges"]
    first, second = exchange["attempts"]
    assert first["error_type"] == "InternalServerError"
    assert second["error_type"] == "ServiceUnavailableError"
    # Exponential: attempt k waits backoff_base * 2**k times a jitter factor in [0.5, 1.5).
    assert 0.025 <= first["backoff_s"] < 0.075
    assert 0.05 <= second["backoff_s"] < 0.15


def test_backoff_jitter_is_reproducible_from_the_seed() -> None:
    backoffs = []
    for _ in range(2):
        with FakeLLMServer([Step("http_error")] * 2) as server:
            backoffs.append(
                [a["backoff_s"] for a in decide(server).record["exchanges"][0]["attempts"]]
            )
    assert backoffs[0] == backoffs[1]


def test_broken_provider_body_is_retried() -> None:
    with FakeLLMServer([Step("bad_body")]) as server:
        decision = decide(server)
        assert server.requests == 2
    assert decision.fallback is False and decision.record["retries"] == 1


def test_timeout_is_retried() -> None:
    with FakeLLMServer([Step("timeout", delay=3.0)]) as server:
        decision = decide(server, timeout=0.5)
        assert server.requests == 2
    assert decision.fallback is False and decision.record["retries"] == 1
    (attempt,) = decision.record["exchanges"][0]["attempts"]
    assert attempt["error_type"] == "Timeout"
    assert 0.4 < attempt["latency_s"] < 2.9


def test_persistent_timeouts_fall_back() -> None:
    with FakeLLMServer(default=Step("timeout", delay=3.0)) as server:
        decision = decide(server, timeout=0.5, max_retries=1, fallback="zero")
        assert server.requests == 2
    assert decision.fallback is True
    reason = decision.record["fallback"]["reason"]
    assert reason.startswith("provider error after 2 attempt(s): Timeout")
    (exchange,) = decision.record["exchanges"]
    assert exchange["text"] is None and exchange["retryable"] is True


def test_authentication_error_is_not_retried() -> None:
    with FakeLLMServer([Step("http_error", status=401)]) as server:
        decision = decide(server)
        assert server.requests == 1
    assert decision.fallback is True
    assert "AuthenticationError" in decision.record["fallback"]["reason"]
    assert decision.record["exchanges"][0]["retryable"] is False


def test_injection_is_recorded_and_harmless() -> None:
    with FakeLLMServer([Step("injection", quantities={"A": 25, "B": 15})]) as server:
        firm = LLMFirm(model=server.model, api_base=server.api_base, api_key="none")
        firm.reset(context())
        first = asyncio.run(firm.decide(RoundView(round=1)))
        second = asyncio.run(firm.decide(RoundView(round=2)))
    # The answer is used as data: its quantities count, its text is only stored.
    assert first.fallback is False
    np.testing.assert_array_equal(first.action, [25.0, 15.0])
    assert first.notes["plans"] == INJECTION_TEXT and first.reasoning == INJECTION_TEXT
    fields = {hit["field"] for hit in first.record["injection"]}
    assert fields == {"observations", "plans", "insights"}
    assert any(
        "IGNORE ALL PREVIOUS INSTRUCTIONS" in hit["match"] for hit in first.record["injection"]
    )
    # The next prompt shows the notes verbatim; their $placeholders are not expanded.
    user = second.record["messages"][1]["content"]
    assert user.count(INJECTION_TEXT) == 2
    assert second.record["messages"][0] == first.record["messages"][0]
    np.testing.assert_array_equal(second.action, [30.0, 20.0])


def test_faulty_model_never_loses_a_round() -> None:
    """Two firms, six rounds through the market, a fault in most requests."""
    schedule = [
        Step("malformed"),
        Step("http_error"),
        Step("out_of_range"),
        Step("injection"),
        Step("bad_body"),
        Step("timeout", delay=2.0),
        Step("malformed"),
        Step("malformed"),
        Step("malformed"),
        Step("malformed"),
        Step("http_error", status=500),
    ]
    env = CournotMarket(max_rounds=6)
    _, infos = env.reset()
    with FakeLLMServer(schedule) as server:
        firms = {}
        for agent in env.possible_agents:
            firm = LLMFirm(
                model=server.model,
                api_base=server.api_base,
                api_key="none",
                timeout=0.5,
                backoff_base=0.01,
                reprompts=1,
                max_retries=1,
            )
            firm.reset(context_for(env, agent, regime="ungoverned", seed=3))
            firms[agent] = firm
        history: dict[str, list[dict[str, Any]]] = {a: [] for a in env.possible_agents}

        async def play_round(number: int) -> dict[str, Any]:
            views = [RoundView(round=number, history=tuple(history[a])) for a in firms]
            decisions = await asyncio.gather(
                *(f.decide(v) for f, v in zip(firms.values(), views, strict=True))
            )
            return dict(zip(firms, decisions, strict=True))

        outcomes = []
        for number in range(1, 7):
            decisions = asyncio.run(play_round(number))
            _, rewards, _, _, infos = env.step({a: d.action for a, d in decisions.items()})
            for agent, decision in decisions.items():
                firms[agent].observe_outcome(infos[agent], rewards[agent])
                history[agent].append(infos[agent])
                record = decision.record
                assert decision.fallback == (record["fallback"] is not None)
                assert decision.fallback or record["answer"] is not None
                outcomes.append(decision.fallback)
        assert env.round == 6 and not env.agents
    assert server.requests >= len(schedule)
    assert any(outcomes) and not all(outcomes)


def test_internal_error_falls_back_instead_of_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("govlang.agents.llm.exchange", broken)
    firm = LLMFirm(model="openai/x", api_base="http://127.0.0.1:9/v1", api_key="none")
    firm.reset(context())
    decision = asyncio.run(firm.decide(RoundView(round=1)))
    assert decision.fallback is True
    assert decision.record["internal_error"] == "RuntimeError: boom"
    assert decision.record["fallback"]["reason"] == "internal error: RuntimeError: boom"


def test_api_key_from_environment_is_sent_but_never_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVLANG_TEST_KEY", "sk-test-secret-42")
    with FakeLLMServer() as server:
        decision = decide(server, api_key="env:GOVLANG_TEST_KEY")
        (request,) = server.log
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["authorization"] == "Bearer sk-test-secret-42"
    assert "sk-test-secret-42" not in json.dumps(decision.record)


@pytest.mark.parametrize("cache_failures", [True, False])
def test_exhausted_failures_replay_from_the_cache(tmp_path: Path, cache_failures: bool) -> None:
    options = {"cache": tmp_path, "cache_failures": cache_failures, "max_retries": 1}
    with FakeLLMServer(default=Step("http_error")) as server:
        first = decide(server, **options)
        assert server.requests == 2
        server.reset_counters()
        second = decide(server, **options)
        assert server.requests == (0 if cache_failures else 2)
    assert first.fallback and second.fallback
    assert first.record["fallback"] == second.record["fallback"]
    assert second.record["cache_hits"] == (1 if cache_failures else 0)


def test_configuration_errors_are_never_cached(tmp_path: Path) -> None:
    with FakeLLMServer([Step("http_error", status=401)]) as server:
        assert decide(server, cache=tmp_path).fallback
        assert decide(server, cache=tmp_path).fallback is False
        assert server.requests == 2
