"""An LLM firm talks with a talker through a monitored channel: the real local model
(SmolLM2-135M, ``.ci/llm-server``), a two-round run end to end."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("LLM_SERVER_PORT", "8011"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

EXPERIMENT = """
rounds = 2
runs = 1
seed = 1
regimes = ["institutional"]
[institution]
path = "{gov}"
[talk]
chars = 120
[llm]
model = "openai/smollm2"
api_base = "http://127.0.0.1:{port}/v1"
api_key = "none"
temperature = 0.7
timeout = 300
max_retries = 2
json_schema = true
note_chars = 80
max_tokens = 300
cache = false
[populations.llm_vs_talker]
firms = [{{ kind = "llm" }}, {{ kind = "talker" }}]
"""


def ensure_server() -> None:
    """Start the local model server (idempotent) when nothing listens on its port."""
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        return
    except OSError:
        pass
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "llm-server")], capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        pytest.fail(f".ci/llm-server failed (exit {done.returncode}):\n{done.stderr[-4000:]}")


def test_an_llm_firm_reads_and_writes_on_the_channel(tmp_path: Path) -> None:
    """Round 2's prompt carries the talker's proposal; what the model wrote is accounted for."""
    ensure_server()
    path = tmp_path / "exp.toml"
    gov = ROOT / "examples" / "talk_division.gov"
    path.write_text(EXPERIMENT.format(gov=gov, port=PORT), encoding="utf-8")
    done = run_experiment(path, tmp_path / "out", quiet=True)
    trace = read_trace(tmp_path / "out" / "runs" / done.runs[0].run_id / "trace.jsonl")
    assert [r["round"] for r in trace] == [1, 2]
    proposal = trace[0]["talk"]["delivered"][0]
    assert proposal["from"] == "firm_1" and proposal["extract"]["division"]
    second = trace[1]["firms"]["firm_0"]["decision"]["record"]
    assert f"- from firm_1: {proposal['text']}" in second["messages"][1]["content"]
    for record in trace:
        decision = record["firms"]["firm_0"]["decision"]
        written = decision["record"].get("messages_written", [])
        assert isinstance(written, list)
        talk = record["talk"]
        mine = [m for m in talk["delivered"] if m["from"] == "firm_0"]
        refused = [r for r in talk["refused"] if r["from"] == "firm_0"]
        truncated = [m for m in mine if m["truncated"]]
        assert len(written) == len(mine) + len(refused) - len(truncated)
        assert all(len(m["text"]) <= 120 for m in mine)
