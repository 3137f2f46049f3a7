"""``govlang export-sft``: governed trajectories as chat JSONL, checked against the logs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govlang.agents.fakeserver import FakeLLMServer, Step
from govlang.agents.llm_prompt import answer_model, answer_quantities, parse_answer
from govlang.cli import main
from govlang.experiments.runner import run_experiment
from govlang.explain.inputs import log_entries
from govlang.interop.results_source import open_results
from govlang.interop.sft import Filters, export
from govlang.interop.turns import RunTurns
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV

FIXTURES = Path(__file__).parent / "fixtures"
ROUNDS, RUNS, FIRMS = 6, 4, 2


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The tiny offline experiment, played once for the module."""
    saved = {k: os.environ.get(k) for k in (KEY_ENV, KEY_FILE_ENV)}
    os.environ[KEY_ENV] = "export-sft-test-key"
    os.environ.pop(KEY_FILE_ENV, None)
    try:
        out = tmp_path_factory.mktemp("tiny") / "results"
        run_experiment(FIXTURES / "tiny_offline.toml", out, quiet=True)
        yield out
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def exported(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> list[dict[str, Any]]:
    data = tmp_path / "data.jsonl"
    code, _, err = run(["export-sft", str(results), "-o", str(data), *extra], capsys)
    assert code == 0, err
    return [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]


def test_export_loads_with_datasets_and_every_record_is_provenanced(
    results: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data.jsonl"
    code, _, err = run(["export-sft", str(results), "-o", str(data)], capsys)
    assert code == 0, err
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets
    import tqdm

    threads = set(threading.enumerate())
    monkeypatch.setattr(tqdm.tqdm, "monitor_interval", 0)  # no monitor thread to outlive us
    dataset = datasets.load_dataset(
        "json", data_files=str(data), split="train", cache_dir=str(tmp_path / "c")
    )
    assert set(threading.enumerate()) <= threads
    assert len(dataset) == ROUNDS * RUNS * FIRMS
    manifest = json.loads((results / "manifest.json").read_text())
    labels, hashes_checked, fired = ["A", "B"], 0, 0
    model = answer_model(labels, 100.0, 100.0)
    for row in dataset:
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        _, answer = parse_answer(row["messages"][2]["content"], model, labels)
        prov = row["provenance"]
        assert answer_quantities(answer, labels) == prov["requested"]
        assert f"Round {prov['round']}." in row["messages"][1]["content"]
        assert prov["manifest_digest"] == manifest["digest"]
        log_path = results / prov["log_path"]
        lines = log_path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        assert header["kind"] == "header" and header["digest"] == prov["manifest_digest"]
        assert hashlib.sha256(lines[0].encode()).hexdigest() == prov["log_header_hash"]
        by_seq = {json.loads(line)["seq"]: line for line in lines}
        explained = {(e.seq, e.hash) for e in log_entries(log_path)}
        for entry in prov["log_entries"]:
            line = by_seq[entry["seq"]]
            assert hashlib.sha256(line.encode()).hexdigest() == entry["hash"]
            assert (entry["seq"], entry["hash"]) in explained  # as `govlang explain` reports it
            body = json.loads(line)
            assert (body["instance"], body["round"]) == (prov["agent"], prov["round"])
            assert (body["kind"], body["edge"]) == (entry["kind"], entry["edge"])
            assert body["digest"] == prov["manifest_digest"]
            hashes_checked += 1
        moved = [
            e["edge"] for e in prov["log_entries"] if e["kind"] in ("traversal", "restoration")
        ]
        assert prov["edges_fired"] == moved
        fired += len(moved)
        assert prov["sanctioned"] == any(e["kind"] == "sanction" for e in prov["log_entries"])
        if prov["regime"] == "ungoverned":
            assert prov["log_entries"] == [] and prov["standing_before"] is None
    assert hashes_checked > 20 and fired > 5


def test_rendered_prompts_match_what_an_llm_firm_was_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offline rendering of an LLM firm's rounds equals its recorded conversation."""
    monkeypatch.setenv(KEY_ENV, "export-sft-test-key")
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    experiment = (FIXTURES / "tiny_offline.toml").read_text(encoding="utf-8")
    experiment = experiment.split("[populations.colluders]")[0].replace(
        'path = "reference_manifest.gov"', f'path = "{FIXTURES / "reference_manifest.gov"}"'
    )
    schedule = [Step("valid"), Step("malformed"), Step("valid")]
    threads = set(threading.enumerate())
    with FakeLLMServer(schedule=schedule) as server:
        experiment += (
            f'[llm]\nmodel = "{server.model}"\napi_base = "{server.api_base}"\n'
            'api_key = "not-a-secret"\ntimeout = 10\nmax_retries = 0\n\n'
            '[populations.mixed]\nfirms = [{ kind = "llm" }, { kind = "colluder" }]\n'
        )
        path = tmp_path / "experiment.toml"
        path.write_text(experiment, encoding="utf-8")
        # In a process of its own: the model client's kept-alive connections end with it, so
        # no server thread outlives the test.
        command = [
            sys.executable,
            "-m",
            "govlang",
            "run",
            str(path),
            "-o",
            str(tmp_path / "results"),
        ]
        played = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        assert played.returncode == 0, played.stderr[-2000:]
    for thread in set(threading.enumerate()) - threads:
        thread.join(timeout=10)
    assert set(threading.enumerate()) <= threads
    results = open_results(tmp_path / "results")
    compared = 0
    for run_data in results.runs:
        turns = RunTurns(run_data, results.manifest["institution"])
        trace = list(run_data.trace())
        for index, record in enumerate(trace):
            recorded, source = turns.turns(record, "firm_0")
            assert source == "recorded"
            rendered = turns.rendered(record, "firm_0")
            assert rendered[:2] == recorded[:2]
            compared += 1
            following = trace[index + 1]["firms"] if index + 1 < len(trace) else {}
            turns.advance(record, {a: f["seen"]["info"] for a, f in following.items()})
    assert compared == ROUNDS * 2
    done = export(results, Filters(agents=("firm_0",)))
    reprompted = [r for r in done.records if len(r["messages"]) > 3]
    assert len(reprompted) == 1  # the malformed answer and its re-prompt are kept, in order
    assert [m["role"] for m in reprompted[0]["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert done.recorded == len(done.records) == ROUNDS * 2


# ------------------------------------------------------------------------------- filters


def test_filters(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    institutional = exported(results, tmp_path, capsys, "--regime", "institutional")
    assert len(institutional) == ROUNDS * 2 * FIRMS
    assert {r["provenance"]["regime"] for r in institutional} == {"institutional"}
    some = exported(results, tmp_path, capsys, "--agent", "firm_1", "--rounds", "2:3")
    assert {(r["provenance"]["agent"], r["provenance"]["round"]) for r in some} == {
        ("firm_1", 2),
        ("firm_1", 3),
    }
    assert len(some) == 2 * RUNS
    fined = exported(results, tmp_path, capsys, "--standing", "fined")
    assert fined and {r["provenance"]["standing_before"] for r in fined} == {"fined"}
    clean = exported(results, tmp_path, capsys, "--unsanctioned", "--regime", "institutional")
    assert clean and not any(r["provenance"]["sanctioned"] for r in clean)
    assert len(clean) < len(institutional)
    run_id = institutional[0]["provenance"]["run_id"]
    one = exported(results, tmp_path, capsys, "--run", run_id[:6])
    assert {r["provenance"]["run_id"] for r in one} == {run_id}
    tier = one[0]["provenance"]["tier"]
    tiered = exported(results, tmp_path, capsys, "--tier", str(tier))
    assert {r["provenance"]["tier"] for r in tiered} == {tier}
    card = (tmp_path / "data.card.md").read_text(encoding="utf-8")
    assert f"- records: {len(tiered)} " in card and f"- tier: {tier}" in card


def test_card_describes_the_export(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = exported(results, tmp_path, capsys, "--regime", "institutional", "--unsanctioned")
    card = (tmp_path / "data.card.md").read_text(encoding="utf-8")
    assert card.startswith("# data.jsonl\n")
    assert f"- records: {len(records)} " in card
    assert "- regime: institutional" in card
    assert "- only rounds in which the firm was not sanctioned" in card
    assert "## Licence" in card and "| `provenance.log_entries` |" in card
    assert records[0]["provenance"]["manifest_digest"] in card


# ------------------------------------------------------------------------------- bad input


def test_not_a_results_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "data.jsonl"
    code, _, err = run(["export-sft", str(tmp_path), "-o", str(out)], capsys)
    assert code == 1 and "not a results folder: expected manifest.json and runs/" in err
    code, _, err = run(["export-sft", str(tmp_path / "nope"), "-o", str(out)], capsys)
    assert code == 1 and "no such results folder" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "listed"),
    [
        (
            "--regime",
            "constitutional",
            "the regime values that exist are: institutional, ungoverned",
        ),
        ("--agent", "firm_7", "the agent values that exist are: firm_0, firm_1"),
        ("--standing", "banned", "active, warning, fined, credited, suspended"),
        ("--tier", "9", "the tier values that exist are: "),
        ("--run", "ffff", "no run with this id (prefix); the runs are: "),
    ],
)
def test_unknown_filter_values_list_what_exists(
    results: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    listed: str,
) -> None:
    out = tmp_path / "data.jsonl"
    code, _, err = run(["export-sft", str(results), "-o", str(out), option, value], capsys)
    assert code == 1, err
    assert listed in err and "Traceback" not in err
    assert not out.exists()


def test_empty_selection_writes_nothing(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data.jsonl"
    code, _, err = run(
        ["export-sft", str(results), "-o", str(out), "--rounds", "7:", "--agent", "firm_0"], capsys
    )
    assert code == 1
    assert "the selection is empty: no firm-round matches agent: firm_0; rounds: 7 to last" in err
    assert list(tmp_path.iterdir()) == []


def test_bad_round_range_is_a_usage_error(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["export-sft", str(results), "-o", str(tmp_path / "d.jsonl"), "--rounds", "5:2"], capsys
    )
    assert code == 2 and "not a range of rounds" in err
