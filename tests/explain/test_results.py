"""``govlang explain`` on a real (small) experiment: log entries, JSON, and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from govlang.cli import main
from govlang.explain import explain

from .conftest import run_ids


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_act_names_its_governance_log_entry(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_ids(results)["institutional"]
    code, out, _ = run_cli(capsys, str(results), "--run", run, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["reproduced"] and data["run"] == run
    lines = (results / "runs" / run / "governance.jsonl").read_text(encoding="utf-8").splitlines()
    acts = [a for story in data["rounds"] for a in story["acts"]]
    assert acts and all(a["log"] is not None for a in acts)
    for act in acts:
        line = lines[act["log"]["seq"]]
        assert hashlib.sha256(line.encode("utf-8")).hexdigest() == act["log"]["hash"]
        entry = json.loads(line)
        assert (entry["kind"], entry["round"], entry["edge"]) == (
            act["kind"],
            act["round"],
            act["edge"],
        )


def test_fines_match_the_trace(results: Path) -> None:
    run = run_ids(results)["institutional"]
    trace = results / "runs" / run / "trace.jsonl"
    recorded = [
        (r["round"], e["instance"], e["detail"]["amount"])
        for r in map(json.loads, trace.read_text(encoding="utf-8").splitlines())
        for e in r["events"]
        if e["kind"] == "sanction" and "amount" in e["detail"]
    ]
    found = explain(trace)  # a run's trace: its summary.json sits beside it
    explained = [
        (a.round, a.instance, a.arithmetic.amount)
        for s in found.stories
        for a in s.acts
        if a.arithmetic is not None
    ]
    assert sorted(explained) == sorted(recorded) and recorded
    for story in found.stories:
        for act in story.acts:
            if act.arithmetic is not None:
                a = act.arithmetic
                assert a.amount == pytest.approx(max(a.rate * (a.profit or 0.0), 200.0))


def test_a_run_folder_and_a_prefix_work(results: Path) -> None:
    run = run_ids(results)["institutional"]
    by_folder = explain(results / "runs" / run, agent="firm_1", round=2)
    by_prefix = explain(results, run=run[:6], agent="firm_1", round=2)
    assert by_folder.as_json() == by_prefix.as_json()


def test_unknown_run_lists_the_runs(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, str(results), "--run", "nope")
    assert code == 1 and not out
    assert "no run with id 'nope'" in err
    for run in run_ids(results).values():
        assert run in err
    code, _, err = run_cli(capsys, str(results))
    assert code == 1 and "4 runs; choose one with --run ID" in err


def test_unknown_agent_round_and_name(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_ids(results)["institutional"]
    base = (str(results), "--run", run)
    cases: list[tuple[tuple[str, ...], str]] = [
        (("--agent", "firm_9"), "no agent 'firm_9' in run " + run + "; the agents: firm_0, firm_1"),
        (("--round", "9"), f"no round 9 in run {run}: its rounds are 1-8"),
        (("--round", "0"), "its rounds are 1-8"),
        (("--why-not", "fined"), "--why-not needs --round N"),
        (
            ("--round", "2", "--why-not", "jailed"),
            "--why-not jailed: not a state, rule or edge of the agent scope (states: active, "
            "warning, fined, credited, suspended; rules: P2_independent_decision, R1_expiry, "
            "R2_clean_conduct, R3_credits)",
        ),
    ]
    for extra, message in cases:
        code, out, err = run_cli(capsys, *base, *extra)
        assert code == 1 and not out, extra
        assert message in err and "Traceback" not in err, err


def test_an_ungoverned_run_has_nothing_to_explain(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_ids(results)["ungoverned"]
    code, _, err = run_cli(capsys, str(results), "--run", run)
    assert code == 1 and "regime 'ungoverned': the institution did not run" in err


def test_missing_and_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, str(tmp_path / "absent"))
    assert code == 1 and "no such file or directory" in err
    bare = tmp_path / "trace.jsonl"
    bare.write_text('{"round": 1, "actions": {"firm_0": [1, 1], "firm_1": [1, 1]}}\n', "utf-8")
    code, _, err = run_cli(capsys, str(bare))
    assert code == 1 and "name the institution with --institution FILE" in err
    bare.write_text("not json\n", "utf-8")
    code, _, err = run_cli(capsys, str(bare), "--institution", "examples/cournot_reference.gov")
    assert code == 1 and f"{bare}:1:1: not JSON" in err


def test_json_is_stable(results: Path) -> None:
    run = run_ids(results)["institutional"]
    first: dict[str, Any] = explain(results, run=run).as_json()
    assert first == explain(results, run=run).as_json()
    assert first["format"] == "govlang.explanation" and first["log_entries"] > 0


def test_the_ablations_replay_too(results: Path) -> None:
    ids = run_ids(results)
    fined = {}
    for regime in ("announced_unenforced", "enforced_unannounced"):
        found = explain(results, run=ids[regime], agent="firm_0")
        assert found.checked and found.stories
        fined[regime] = [
            (a.round, a.arithmetic.amount) for s in found.stories for a in s.acts if a.arithmetic
        ]
    # Announced-only fines are computed (and logged) like enforced ones.
    assert fined["announced_unenforced"] and fined["enforced_unannounced"]
