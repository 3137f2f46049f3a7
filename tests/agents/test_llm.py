"""The LLM firm against a local fake OpenAI-compatible server (real HTTP, real litellm)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.agents import FIRM_KINDS, RoundView, context_for, make_firm
from govlang.agents.base import FirmContext
from govlang.agents.fakeserver import FakeLLMServer, Step
from govlang.agents.llm import LLMFirm, derived_seed
from govlang.agents.llm_prompt import (
    AnswerError,
    HistoryBlocks,
    PromptTemplates,
    answer_model,
    extract_json,
    parse_answer,
    render_round,
)
from govlang.markets import CournotMarket

CONSTITUTION = "P2_independent_decision: each firm decides its quantities independently."


def context(
    agent: str = "firm_0", regime: str = "ungoverned", constitution: str | None = CONSTITUTION
) -> FirmContext:
    return context_for(CournotMarket(), agent, regime=regime, seed=7, constitution=constitution)


def llm_firm(server: FakeLLMServer, **options: Any) -> LLMFirm:
    settings: dict[str, Any] = {
        "model": server.model,
        "api_base": server.api_base,
        "api_key": "none",
        "backoff_base": 0.01,
        "timeout": 5.0,
    }
    settings.update(options)
    return LLMFirm(**settings)


def played_history(rounds: int, quantities: list[list[float]]) -> list[dict[str, Any]]:
    """firm_0's infos after ``rounds`` rounds of the reference market with fixed quantities."""
    env = CournotMarket()
    env.reset()
    history = []
    for _ in range(rounds):
        _, _, _, _, infos = env.step({"firm_0": quantities[0], "firm_1": quantities[1]})
        history.append(infos["firm_0"])
    return history


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


# ------------------------------------------------------------------ registry and options


def test_llm_kind_is_registered() -> None:
    assert FIRM_KINDS["llm"] is LLMFirm
    firm = make_firm("llm", model="openai/x", api_base="http://127.0.0.1:9/v1")
    assert isinstance(firm, LLMFirm)
    assert firm.options.reprompts == 3
    assert firm.options.history_window == 30
    assert firm.options.fallback == "previous"


def test_unknown_option_and_bad_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="temprature"):
        LLMFirm(model="openai/x", temprature=0.5)
    with pytest.raises(ValueError, match="fallback"):
        LLMFirm(model="openai/x", fallback="random")


def test_api_key_is_not_in_the_repr() -> None:
    firm = LLMFirm(model="openai/x", api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(firm.options)


def test_scalar_action_market_is_refused() -> None:
    ctx = FirmContext(
        agent="firm_0",
        market="bertrand",
        action_low=0.0,
        action_high=10.0,
        action_labels=(),
        capacity=None,
        regime="ungoverned",
        constitution=None,
        seed=0,
    )
    with pytest.raises(ValueError, match="scalar action"):
        LLMFirm(model="openai/x").reset(ctx)


def test_per_firm_seed_is_derived_from_the_run_seed() -> None:
    assert derived_seed(7, "firm_0") == derived_seed(7, "firm_0")
    assert derived_seed(7, "firm_0") != derived_seed(7, "firm_1")
    assert derived_seed(7, "firm_0") != derived_seed(8, "firm_0")


# ------------------------------------------------------------------ parsing and validation


def test_extract_json_strips_fences_and_takes_the_first_object() -> None:
    text = 'Thinking...\n```json\n{"quantities": {"A": 1, "B": 2}}\n```\nand {"other": 1}'
    assert extract_json(text) == {"quantities": {"A": 1, "B": 2}}
    assert extract_json('noise { broken {"a": {"b": 1}} tail') == {"a": {"b": 1}}
    with pytest.raises(AnswerError, match="no complete JSON object"):
        extract_json('{"a": 1')
    with pytest.raises(AnswerError):
        extract_json("[1, 2, 3]")


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({"A": 60, "B": 50}, "above the capacity 100"),
        ({"A": -1, "B": 50}, "greater than or equal to 0"),
        ({"A": 101, "B": 0}, "less than or equal to 100"),
        ({"A": "NaN", "B": 0}, "finite number"),
        ({"A": 10}, "quantities.B: Field required"),
        ({"A": 10, "B": 10, "C": 1}, "quantities.C: unknown commodity"),
        ({"A": "ten", "B": 10}, "quantities.A"),
    ],
)
def test_answer_model_rejects_out_of_range_answers(
    quantities: dict[str, Any], message: str
) -> None:
    model = answer_model(("A", "B"), 100.0, 100.0)
    with pytest.raises(AnswerError, match=message):
        parse_answer(json.dumps({"quantities": quantities}), model, ("A", "B"))


def test_answer_model_accepts_boundary_and_coerces_notes_to_text() -> None:
    model = answer_model(("A", "B"), 100.0, 100.0)
    text = json.dumps({"plans": ["a", "b"], "quantities": {"A": 100, "B": "0"}, "extra": 1})
    data, answer = parse_answer(text, model, ("A", "B"))
    assert data["extra"] == 1
    assert answer.plans == '["a", "b"]'
    assert answer.insights == ""
    assert answer.model_dump(by_alias=True)["quantities"] == {"A": 100.0, "B": 0.0}


# ------------------------------------------------------------------ prompts


def test_prompt_shows_own_data_only_within_the_window(server: FakeLLMServer) -> None:
    history = played_history(4, [[30.0, 10.0], [5.0, 25.0]])
    firm = llm_firm(server, history_window=2)
    firm.reset(context())
    decision = asyncio.run(firm.decide(RoundView(round=5, history=tuple(history))))
    user = decision.record["messages"][1]["content"]
    assert "rounds 3 to 4" in user
    assert "Round 3:" in user and "Round 4:" in user and "Round 2:" not in user
    own = history[-1]
    assert f"quantity {own['quantities'][0]:g}" in user
    assert f"cumulative profit {own['cumulative_profit']:g}" in user
    # The rival's own figures and the number of firms are never shown.
    env = CournotMarket()
    env.reset()
    _, _, _, _, infos = env.step({"firm_0": [30.0, 10.0], "firm_1": [5.0, 25.0]})
    rival_profit = infos["firm_1"]["round_profit"]
    system = decision.record["messages"][0]["content"]
    for text in (system, user):
        assert f"{rival_profit:g}" not in text
        assert "firm_1" not in text and "rival" not in text.lower()
    assert "Capacity: 100 units" in system and "A: 40" in system and "B: 50" in system


def test_history_blocks_kept_across_rounds_render_the_same_prompts() -> None:
    history = played_history(6, [[30.0, 10.0], [5.0, 25.0]])
    firm_context = context(regime="institutional")
    templates = PromptTemplates.load()
    blocks = HistoryBlocks(firm_context.action_labels)
    rewards: dict[int, float] = {}
    notes = {"plans": "p", "insights": "i"}
    for played in range(len(history) + 1):
        view = RoundView(round=played + 1, history=tuple(history[:played]))
        kept = render_round(templates, firm_context, view, notes, 4, rewards, blocks)
        assert kept == render_round(templates, firm_context, view, notes, 4, rewards)
        if played < len(history):  # every other round is sanctioned
            profit = float(history[played]["round_profit"])
            rewards[played + 1] = profit - 100.0 * (played % 2)
    assert "after institutional sanctions" in kept and "Round 3:" in kept


@pytest.mark.parametrize(
    "regime",
    [
        "ungoverned",
        "constitutional",
        "institutional",
        "announced_unenforced",
        "enforced_unannounced",
    ],
)
def test_regimes_control_constitution_and_notices(server: FakeLLMServer, regime: str) -> None:
    firm = llm_firm(server)
    firm.reset(context(regime=regime))
    view = RoundView(
        round=1,
        notices=("WARNING under P2_independent_decision",),
        standing="UNDER REVIEW",
        standings={"firm_1": "PENALISED"},
    )
    decision = asyncio.run(firm.decide(view))
    system, user = (m["content"] for m in decision.record["messages"][:2])
    announced = regime in ("institutional", "announced_unenforced")
    assert (CONSTITUTION in system) == (
        regime in ("constitutional", "institutional", "announced_unenforced")
    )
    assert ("WARNING under P2_independent_decision" in user) == announced
    assert ("UNDER REVIEW" in user) == announced
    assert ("Public standings of the other firms: firm_1: PENALISED" in user) == announced


def test_notes_are_carried_to_the_next_round(server: FakeLLMServer) -> None:
    firm = llm_firm(server)
    firm.reset(context())
    first = asyncio.run(firm.decide(RoundView(round=1)))
    assert first.notes == {
        "plans": "Keep the same quantities.",
        "insights": "Demand falls as total output rises.",
    }
    assert first.reasoning == "Prices held steady."
    second = asyncio.run(
        firm.decide(RoundView(round=2, history=tuple(played_history(1, [[30, 20], [20, 30]]))))
    )
    user = second.record["messages"][1]["content"]
    assert "Keep the same quantities." in user and "Demand falls as total output rises." in user


def test_sanctioned_reward_is_shown_next_to_market_profit(server: FakeLLMServer) -> None:
    history = played_history(1, [[30.0, 10.0], [5.0, 25.0]])
    firm = llm_firm(server)
    firm.reset(context(regime="institutional"))
    firm.observe_outcome(history[0], history[0]["round_profit"] - 200.0)
    decision = asyncio.run(firm.decide(RoundView(round=2, history=tuple(history))))
    expected = f"after institutional sanctions {history[0]['round_profit'] - 200.0:g}"
    assert expected in decision.record["messages"][1]["content"]


def test_prompt_dir_overrides_templates(server: FakeLLMServer, tmp_path: Path) -> None:
    (tmp_path / "round.txt").write_text("R$round|$labels|$plans|$$5\n")
    firm = llm_firm(server, prompt_dir=tmp_path)
    assert firm.templates.sources["round.txt"] == str(tmp_path / "round.txt")
    assert firm.templates.sources["system.txt"] == "package"
    firm.reset(context())
    decision = asyncio.run(firm.decide(RoundView(round=3)))
    assert decision.record["messages"][1]["content"] == "R3|A, B|(none yet)|$5\n"


def test_template_with_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "system.txt").write_text("You are $persona.")
    with pytest.raises(ValueError, match=r"unknown placeholder\(s\) \['persona'\]"):
        PromptTemplates.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        PromptTemplates.load(tmp_path / "missing")


# ------------------------------------------------------------------ calls


def test_valid_answer(server: FakeLLMServer) -> None:
    firm = llm_firm(server, temperature=0.3, seed=11)
    firm.reset(context())
    decision = asyncio.run(firm.decide(RoundView(round=1)))
    assert decision.fallback is False
    np.testing.assert_array_equal(decision.action, [30.0, 20.0])
    record = decision.record
    assert record["fallback"] is None and record["reprompts"] == 0 and record["retries"] == 0
    assert record["answer"]["quantities"] == {"A": 30.0, "B": 20.0}
    assert record["tokens"]["prompt_tokens"] > 0 and record["tokens"]["completion_tokens"] > 0
    assert record["cost_usd"] is None  # litellm knows no price for a local model
    (exchange,) = record["exchanges"]
    assert exchange["source"] == "model" and exchange["latency_s"] > 0
    assert server.requests == 1
    body = server.log[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["seed"] == 11 and body["temperature"] == 0.3
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    json.dumps(record)  # the record is JSON-serialisable as is


def test_json_mode_can_be_switched_off(server: FakeLLMServer) -> None:
    firm = llm_firm(server, json_mode=False)
    firm.reset(context())
    asyncio.run(firm.decide(RoundView(round=1)))
    assert "response_format" not in server.log[0].body


def test_json_schema_is_sent_inside_response_format(server: FakeLLMServer) -> None:
    firm = llm_firm(server, json_schema=True, note_chars=120, json_mode=None)
    firm.reset(context())
    decision = asyncio.run(firm.decide(RoundView(round=1)))
    assert decision.record["settings"]["json_schema"] is True
    response_format = server.log[0].body["response_format"]
    assert response_format["type"] == "json_object"
    schema = response_format["schema"]
    assert schema["required"] == ["observations", "plans", "insights", "quantities"]
    assert schema["properties"]["plans"] == {"type": "string", "maxLength": 120}
    quantities = schema["properties"]["quantities"]
    assert quantities["required"] == ["A", "B"] and quantities["additionalProperties"] is False
    assert quantities["properties"]["A"] == {"type": "number", "minimum": 0, "maximum": 100.0}


def strip_sources(record: Any) -> Any:
    """A record without the fields that say whether an answer came from the cache."""
    if isinstance(record, dict):
        return {k: strip_sources(v) for k, v in record.items() if k not in ("source", "cache_hits")}
    if isinstance(record, list):
        return [strip_sources(v) for v in record]
    return record


def test_cache_hit_makes_no_request_and_replays_the_decision(tmp_path: Path) -> None:
    schedule = [Step("malformed"), Step("http_error"), Step("valid", quantities={"A": 12, "B": 34})]
    with FakeLLMServer(schedule) as server:
        first = llm_firm(server, cache=tmp_path / "cache")
        first.reset(context())
        original = asyncio.run(first.decide(RoundView(round=1)))
        assert server.requests == 3 and original.record["reprompts"] == 1
        server.reset_counters()
        again = llm_firm(server, cache=tmp_path / "cache")
        again.reset(context())
        replay = asyncio.run(again.decide(RoundView(round=1)))
        assert server.requests == 0
    assert replay.record["cache_hits"] == 2
    np.testing.assert_array_equal(replay.action, original.action)
    assert (replay.notes, replay.reasoning, replay.fallback) == (
        original.notes,
        original.reasoning,
        original.fallback,
    )
    assert strip_sources(replay.record) == strip_sources(original.record)
    # A replay of the replay is bit-identical, source flags included.
    third = llm_firm(server, cache=tmp_path / "cache")
    third.reset(context())
    assert json.dumps(asyncio.run(third.decide(RoundView(round=1))).record) == json.dumps(
        replay.record
    )


def test_replay_only_answers_from_the_cache_and_never_calls_the_model(tmp_path: Path) -> None:
    with FakeLLMServer([Step("valid", quantities={"A": 12, "B": 34})]) as server:
        recorder = llm_firm(server, cache=tmp_path / "cache")
        recorder.reset(context())
        recorded = asyncio.run(recorder.decide(RoundView(round=1)))
        server.reset_counters()
        replayer = llm_firm(server, cache=tmp_path / "cache", replay_only=True)
        replayer.reset(context())
        replayed = asyncio.run(replayer.decide(RoundView(round=1)))
        np.testing.assert_array_equal(replayed.action, recorded.action)
        # a request the cache cannot answer is a CacheMiss failure, not a call
        missing = asyncio.run(replayer.decide(RoundView(round=2)))
        assert server.requests == 0
    assert missing.fallback
    exchanges = missing.record["exchanges"]
    assert [x["error_type"] for x in exchanges] == ["CacheMiss"]
    assert not any((tmp_path / "cache").rglob("*.tmp"))


def test_cache_key_depends_on_temperature_and_seed(tmp_path: Path) -> None:
    with FakeLLMServer() as server:
        for options in ({"seed": 1}, {"seed": 2}, {"seed": 1, "temperature": 0.5}, {"seed": 1}):
            firm = llm_firm(server, cache=tmp_path, **options)
            firm.reset(context())
            asyncio.run(firm.decide(RoundView(round=1)))
        assert server.requests == 3


def test_concurrent_firms_overlap_their_requests() -> None:
    with FakeLLMServer(latency=0.5) as server:
        firms = [llm_firm(server) for _ in range(2)]
        for firm, agent in zip(firms, ("firm_0", "firm_1"), strict=True):
            firm.reset(context(agent))

        async def sequential() -> float:
            start = time.perf_counter()
            for firm in firms:
                await firm.decide(RoundView(round=1))
            return time.perf_counter() - start

        async def concurrent() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(firm.decide(RoundView(round=1)) for firm in firms))
            return time.perf_counter() - start

        sequential_s = asyncio.run(sequential())
        assert server.max_in_flight == 1
        server.reset_counters()
        concurrent_s = asyncio.run(concurrent())
        assert server.max_in_flight == 2
        first, second = server.log
        assert second.start < first.end and first.start < second.end
    print(f"two firms, 0.5 s latency: sequential {sequential_s:.3f} s, ", end="")
    print(f"concurrent {concurrent_s:.3f} s")
