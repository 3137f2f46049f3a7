"""LLM firms against the real local model served by ``.ci/llm-server`` (SmolLM2-135M).

The module starts the server through the project script when nothing answers on its port
(the first time this compiles llama-cpp-python: minutes). If the script cannot install or start
the server, the tests fail with its output: the real-model path is part of what CI checks.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.agents import Decision, RoundView, context_for
from govlang.agents.llm import LLMFirm
from govlang.markets import CournotMarket

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "llm-server"
PORT = int(os.environ.get("LLM_SERVER_PORT", "8011"))
API_BASE = f"http://127.0.0.1:{PORT}/v1"
CONSTITUTION = "P2_independent_decision: each firm decides its quantities independently."

# The first test may compile llama-cpp-python (minutes) before the model answers at all.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    except OSError:
        return False
    return True


def serving() -> bool:
    """``/v1/models`` answers (it waits while the server finishes a completion)."""
    try:
        with urllib.request.urlopen(f"{API_BASE}/models", timeout=120) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """The real model server's API base; started (and stopped at the end) if not running."""
    if listening():
        if not serving():
            pytest.fail(f"127.0.0.1:{PORT} is taken by something that does not answer {API_BASE}")
        yield API_BASE
        return
    env = {**os.environ, "LLM_SERVER_PORT": str(PORT)}
    done = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=3600, env=env
    )
    if done.returncode != 0:
        pytest.fail(
            f"{SCRIPT.relative_to(ROOT)} failed (exit {done.returncode}):\n"
            f"{done.stderr[-4000:]}\n{done.stdout[-1000:]}"
        )
    words = done.stdout.split()
    pid = int(words[-1]) if words and words[-1].isdigit() else None
    try:
        yield API_BASE
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)


def firms(api_base: str, regime: str = "institutional") -> tuple[CournotMarket, list[LLMFirm]]:
    env = CournotMarket(max_rounds=3)
    env.reset()
    players = []
    for agent in env.possible_agents:
        firm = LLMFirm(
            model="openai/smollm2",
            api_base=api_base,
            api_key="none",
            temperature=0.2,
            timeout=300.0,
            max_retries=1,
            reprompts=1,
            max_tokens=300,
            json_schema=True,
            note_chars=200,
        )
        firm.reset(context_for(env, agent, regime=regime, seed=5, constitution=CONSTITUTION))
        players.append(firm)
    return env, players


def check(decision: Decision) -> None:
    """A valid parsed answer or a recorded fallback; the model answered every request."""
    record = decision.record
    assert record["exchanges"], record
    for exchange in record["exchanges"]:
        assert exchange["text"] is not None, exchange  # the server answered
        usage = exchange["usage"]
        assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0, exchange
    assert record["tokens"]["total_tokens"] > 0
    action = decision.action
    assert action.shape == (2,) and np.all(action >= 0) and action.sum() <= 100.0 + 1e-9
    if decision.fallback:
        assert record["answer"] is None and record["fallback"]["reason"]
        assert record["exchanges"][-1]["validation_error"]
    else:
        assert record["fallback"] is None
        quantities = record["answer"]["quantities"]
        np.testing.assert_array_equal(action, [quantities["A"], quantities["B"]])


def test_two_llm_firms_play_three_rounds(llm_server: str) -> None:
    env, players = firms(llm_server)
    history: list[list[dict[str, Any]]] = [[], []]
    outcome = []
    for number in range(1, 4):
        views = [RoundView(round=number, history=tuple(h), standing="CLEAR") for h in history]

        async def play(views: list[RoundView] = views) -> list[Decision]:
            return await asyncio.gather(*(f.decide(v) for f, v in zip(players, views, strict=True)))

        decisions = asyncio.run(play())
        for decision in decisions:
            check(decision)
            outcome.append("fallback" if decision.fallback else "answer")
        actions = {a: d.action for a, d in zip(env.possible_agents, decisions, strict=True)}
        _, rewards, _, _, infos = env.step(actions)
        for i, agent in enumerate(env.possible_agents):
            players[i].observe_outcome(infos[agent], rewards[agent])
            history[i].append(infos[agent])
    assert env.round == 3
    print(f"real model, 3 rounds x 2 firms: {outcome}")


def test_concurrent_round_against_single_calls(
    llm_server: str, record_property: pytest.RecordProperty
) -> None:
    _, players = firms(llm_server)
    view = RoundView(round=1)
    asyncio.run(players[0].decide(view))  # warm up the client and the server

    calls: list[list[float]] = []

    async def timed(*chosen: LLMFirm) -> float:
        start = time.perf_counter()
        decisions = await asyncio.gather(*(f.decide(view) for f in chosen))
        for decision in decisions:
            check(decision)
            calls.append([x["latency_s"] for x in decision.record["exchanges"]])
        return time.perf_counter() - start

    singles = [asyncio.run(timed(firm)) for firm in players]
    concurrent = asyncio.run(timed(*players))
    record_property("single_decision_s", singles)
    record_property("concurrent_round_s", concurrent)
    record_property("call_latencies_s", calls)
    print(
        f"real model: single decisions {singles[0]:.3f} s + {singles[1]:.3f} s = "
        f"{sum(singles):.3f} s; concurrent round of two firms {concurrent:.3f} s; "
        f"model calls per decision (latency s): {calls}"
    )


def test_short_institutional_experiment_with_llm_firms(llm_server: str, tmp_path: Path) -> None:
    """`govlang run` end to end: two LLM firms, the reference institution enforced, 2 rounds."""
    import json

    from govlang.experiments.runner import run_experiment

    institution = ROOT / "examples" / "cournot_reference.gov"
    experiment = tmp_path / "llm_smoke.toml"
    experiment.write_text(
        f"""name = "llm-smoke"
rounds = 2
runs = 1
seed = 3
concurrency = 1
regimes = ["institutional"]

[market]
kind = "cournot"

[institution]
path = "{institution}"

[llm]
model = "openai/smollm2"
api_base = "{llm_server}"
api_key = "none"
temperature = 0.2
timeout = 300
max_retries = 1
json_schema = true
note_chars = 200
max_tokens = 300

[populations.pair]
firms = [{{ kind = "llm" }}, {{ kind = "llm" }}]
""",
        encoding="utf-8",
    )
    result = run_experiment(experiment, tmp_path / "results", quiet=True)
    assert len(result.executed) == 1
    (run_dir,) = (tmp_path / "results" / "runs").iterdir()
    rounds = [json.loads(line) for line in (run_dir / "trace.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rounds] == [1, 2]
    for line in rounds:
        for agent, firm in line["firms"].items():
            record = firm["decision"]["record"]
            assert record["exchanges"], (agent, record)  # the real model was asked
            assert firm["faults"] == []
        assert line["standings"]  # the institution was enforced and reported a standing
    assert (run_dir / "governance.jsonl").stat().st_size > 0
    assert (tmp_path / "results" / "report.html").stat().st_size > 0
