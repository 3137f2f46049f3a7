"""LLM faults are reported where the trace records them: runs.csv and the report.

Every failed provider attempt and every answer that failed validation is in the trace's
decision record; the run's `faults` column must count them and the report must give the
fallback's reason. A model's notes are capped before they reach the next prompt.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from govlang.agents.fakeserver import FakeLLMServer, Step
from govlang.agents.llm import NOTE_LIMIT, capped
from govlang.experiments.faults import firm_faults
from govlang.experiments.logkey import key_id
from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment
from govlang.lang.inputs import InputRefused
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV

REPO = Path(__file__).resolve().parents[2]

EXPERIMENT = """
name = "faults"
description = "A language-model firm whose every answer is malformed."
rounds = 3
runs = 1
seed = 5
regimes = ["ungoverned"]

[institution]
path = "{gov}"

[llm]
model = "{model}"
api_base = "{api_base}"
api_key = "not-a-secret"
timeout = 10
max_retries = 0

[populations.talkers]
firms = [{{ kind = "llm", reprompts = 1 }}, {{ kind = "colluder" }}]
"""


def test_malformed_answers_are_counted_and_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "fault-test-key")
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    with FakeLLMServer(default=Step("malformed")) as server:
        path = tmp_path / "experiment.toml"
        gov = REPO / "examples" / "cournot_reference.gov"
        text = EXPERIMENT.format(gov=gov, model=server.model, api_base=server.api_base)
        path.write_text(text, encoding="utf-8")
        done = run_experiment(path, tmp_path / "results", quiet=True)
    (run,) = done.runs
    records = read_trace(done.out_dir / "runs" / run.run_id / "trace.jsonl")
    in_trace = sum(len(firm_faults(f)) for r in records for f in r["firms"].values())
    assert in_trace == 3 * 2  # per round: the answer and its one re-prompt, both malformed
    with (done.out_dir / "runs.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert int(row["faults"]) == in_trace
    assert int(row["fallbacks"]) == 3
    page = (done.out_dir / "runs" / run.run_id / "run.html").read_text(encoding="utf-8")
    assert "fallback: no valid answer after 1 re-prompt(s); last error:" in page
    assert "faults (2): answer: " in page


def test_notes_are_capped() -> None:
    assert capped("short") == "short"
    long = "x" * (NOTE_LIMIT * 3)
    assert len(capped(long)) == NOTE_LIMIT and capped(long).endswith("\u2026")


OFFLINE = """
name = "keys"
description = "Offline colluders."
rounds = 2
runs = 1
seed = 3
regimes = ["institutional"]

[institution]
path = "{gov}"

[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]
"""


def test_resuming_with_another_key_is_refused_naming_both_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "experiment.toml"
    path.write_text(OFFLINE.format(gov=REPO / "examples" / "cournot_reference.gov"), "utf-8")
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(KEY_ENV, "first-key")
    first = run_experiment(path, tmp_path / "results", quiet=True)
    assert f"(key {key_id(b'first-key')})" in first.report_md.read_text("utf-8")
    again = run_experiment(path, tmp_path / "results", quiet=True)  # the same key resumes
    assert again.executed == () and len(again.reused) == 1
    monkeypatch.setenv(KEY_ENV, "second-key")
    with pytest.raises(InputRefused) as refused:
        run_experiment(path, tmp_path / "results", quiet=True)
    assert key_id(b"first-key") in str(refused.value)
    assert key_id(b"second-key") in str(refused.value)
    assert "hint: " in str(refused.value)
