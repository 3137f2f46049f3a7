"""A real SmolLM2 run, recorded into examples/llm_cache/smollm2, replays exactly offline.

No model server is used: the experiment sets ``replay_only``, so every answer must come from
the recorded cache. If this fails after a change to the prompts, the institution or the
replay experiment, re-record the cache (``examples/record_llm_cache.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = REPO / "examples" / "reference_llm_replay.toml"
CACHE = REPO / "examples" / "llm_cache" / "smollm2"


@pytest.mark.slow
def test_the_recorded_smollm2_run_replays_exactly_offline(tmp_path: Path) -> None:
    recorded = json.loads((CACHE / "recorded.json").read_text(encoding="utf-8"))
    before = sorted(p.name for p in CACHE.rglob("*.json"))
    result = run_experiment(EXPERIMENT, tmp_path, quiet=True)
    assert sorted(r.run_id for r in result.runs) == sorted(recorded)
    exchanges = 0
    for run in result.runs:
        rounds = read_trace(tmp_path / "runs" / run.run_id / "trace.jsonl")
        assert [r["requested"] for r in rounds] == [x["requested"] for x in recorded[run.run_id]]
        for got, want in zip(rounds, recorded[run.run_id], strict=True):
            for agent, firm in got["firms"].items():
                record = firm["decision"]["record"]
                texts = [x["text"] for x in record["exchanges"]]
                assert texts == want["answers"][agent]
                assert all(x["source"] == "cache" for x in record["exchanges"])
                assert all(x.get("error_type") != "CacheMiss" for x in record["exchanges"])
                exchanges += len(texts)
    assert exchanges >= 2 * 3 * 4  # every firm, regime and round asked the (recorded) model
    assert sum(int(r["llm_calls"]) for r in result.table) == exchanges
    assert sorted(p.name for p in CACHE.rglob("*.json")) == before  # replay writes nothing


@pytest.mark.slow
def test_the_recorded_answers_are_coded_in_the_report(tmp_path: Path) -> None:
    run_experiment(EXPERIMENT, tmp_path, quiet=True)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Stated reasons (LLM firms)" in text
    section = text[text.index("## Stated reasons (LLM firms)") :].split("\n## ")[0]
    regimes = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")]
    assert {"ungoverned", "constitutional", "institutional"} <= set(regimes)
