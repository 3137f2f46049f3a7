"""examples/talk_division.gov: checks against a market with a channel; analyse proves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.api import check_file
from govlang.channels.talk_env import environment_schema
from govlang.cli import main

REPO = Path(__file__).resolve().parents[2]
DIVISION = REPO / "examples" / "talk_division.gov"


def test_analyse_proves_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    """Every generic property and every assertion of the example holds (T4: reachable)."""
    assert main(["analyse", "--env", "cournot+talk", "--format", "json", str(DIVISION)]) == 0
    found = json.loads(capsys.readouterr().out)
    status = {p["id"]: p["status"] for p in found["properties"]}
    assert status == {
        "P1": "proved",
        "P2": "proved",
        "P3": "proved",
        "P4": "proved",
        "T1": "proved",
        "T2": "proved",
        "T3": "proved",
        "T4": "reachable",
    }
    assert found["errors"] == 0 and found["warnings"] == 0


def test_check_knows_the_message_observables_types(tmp_path: Path) -> None:
    """Against a market with a channel, a message observable of the wrong type is GL408."""
    _, diagnostics = check_file(DIVISION, environment_schema("cournot+talk"))
    assert [d for d in diagnostics if d.is_error] == []
    wrong = tmp_path / "wrong.gov"
    wrong.write_text(
        DIVISION.read_text("utf-8").replace(
            "observe talk.agrees: bool[agent]", "observe talk.agrees: number[agent]"
        ),
        encoding="utf-8",
    )
    _, diagnostics = check_file(wrong, environment_schema("cournot+talk"))
    errors = [(d.code, d.message) for d in diagnostics if d.is_error]
    assert (
        "GL408",
        "`talk.agrees` is bool[agent] in the environment `cournot`, but is declared number[agent]",
    ) in errors
