"""``govlang render FILE --path TRACE``: the run-path overlay from a recorded run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.api import load
from govlang.cli import main
from govlang.explain.path import run_path

from .conftest import GOLDEN, REFERENCE, run_ids


def line_of(dot: str, start: str) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(start))


def test_the_path_is_the_recorded_standings() -> None:
    compiled = load(REFERENCE)
    agent, path = run_path(compiled, GOLDEN, None, "firm_1")
    recorded = [
        json.loads(line)["standings"]["firm_1"]
        for line in GOLDEN.read_text(encoding="utf-8").splitlines()
        if json.loads(line).get("kind") == "round"
    ]
    assert agent == "firm_1"
    assert path == ["agent.active"] + [f"agent.{s}" for s in recorded]


def test_render_draws_the_path_of_the_chosen_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "path.dot"
    args = ["render", str(REFERENCE), "-o", str(out), "--path", str(GOLDEN), "--agent", "firm_1"]
    assert main(args) == 0
    assert "path of firm_1: 27 rounds" in capsys.readouterr().err
    dot = out.read_text(encoding="utf-8")
    # firm_1 goes active, warning, fined, suspended, active: never credited.
    for node in ("agent.active", "agent.warning", "agent.fined", "agent.suspended"):
        assert 'color="#1d4ed8"' in line_of(dot, f'"{node}" [')
    assert "#1d4ed8" not in line_of(dot, '"agent.credited" [')
    assert "penwidth=3" in line_of(dot, '"agent.fined" -> "agent.suspended"')
    assert "penwidth=3" not in line_of(dot, '"agent.fined" -> "agent.credited"')


def test_render_path_of_a_results_run(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_ids(results)["institutional"]
    out = tmp_path / "run.dot"
    base = ["render", str(REFERENCE), "-o", str(out), "--path", str(results)]
    assert main([*base, "--run", run, "--agent", "firm_0"]) == 0
    assert 'color="#1d4ed8"' in line_of(out.read_text(encoding="utf-8"), '"agent.fined" [')
    capsys.readouterr()
    cases = [
        ([*base], "choose one with --run ID"),
        ([*base, "--run", run], "choose whose path with --agent: firm_0, firm_1"),
        ([*base, "--run", run, "--agent", "firm_7"], "no agent 'firm_7'; the agents: firm_0"),
        (["render", str(REFERENCE), "-o", str(out), "--agent", "firm_0"], "need --path TRACE"),
    ]
    for args, message in cases:
        code = main(args)
        err = capsys.readouterr().err
        assert code in (1, 2) and message in err, (args, err)
    ungoverned = run_ids(results)["ungoverned"]
    code = main([*base, "--run", ungoverned, "--agent", "firm_0"])
    assert code == 1 and "no recorded standing" in capsys.readouterr().err
