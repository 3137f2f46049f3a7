"""`govlang analyse` at the command line: output, exit codes, JSON, counterexample files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import govlang.api as api
from govlang.analyse.replay import replay_trace
from govlang.analyse.trace import Trace
from govlang.cli import main

from .support import FLAWED, ROOT

REFERENCE = ROOT / "examples" / "cournot_reference.gov"


def test_the_reference_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(REFERENCE)]) == 0
    out, err = capsys.readouterr()
    p2 = "P2   restoration under clean conduct: proved: back in a state without sanctions"
    assert f"{p2} within 5 rounds" in out
    assert "P4   return to good standing: proved: back in `active` within 5 rounds" in out
    assert "GL612" not in err


def gate_only(tmp_path: Path) -> Path:
    """The reference without its clean-rounds exit from `credited` (the gate alone)."""
    text = REFERENCE.read_text(encoding="utf-8")
    line = "    credited -> active after clean_restore clean rounds\n"
    assert line in text
    path = tmp_path / "gate_only.gov"
    path.write_text(text.replace(line, ""), encoding="utf-8")
    return path


def test_without_the_fix_p4_is_violated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The reference's own assertion A2 catches the trap too: an error, exit 1.
    assert main(["analyse", str(gate_only(tmp_path))]) == 1
    out, err = capsys.readouterr()
    assert "P4   return to good standing: VIOLATED" in out
    assert "error[GL613]: assertion `A2` is violated" in err
    assert "P4 counterexample (per agent)" in out and "repeat forever" in out
    assert "warning[GL612]" in err


def test_errors_exit_1_and_json_carries_everything(capsys: pytest.CaptureFixture[str]) -> None:
    path = FLAWED / "GL609_sanction_without_evidence.gov"
    assert main(["analyse", str(path), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert err == ""
    assert data["format"] == "govlang.analysis" and data["errors"] == 1
    assert [d["code"] for d in data["diagnostics"]] == ["GL609"]
    p1 = next(p for p in data["properties"] if p["id"] == "P1")
    assert p1["status"] == "violated" and p1["trace"]["rounds"][-1]["state"] == "fined"
    assert data["scopes"][0]["exhausted"] is True


def test_counterexample_file_replays_through_the_controller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "cx.json"
    variant = gate_only(tmp_path)
    assert main(["analyse", str(variant), "--counterexample", str(out_file)]) == 1
    capsys.readouterr()
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert data["format"] == "govlang.traces"
    traces = {t["property"]: Trace.from_json(t) for t in data["traces"]}
    p4 = traces["P4"]
    assert p4.kind == "counterexample" and p4.loop is not None
    replayed = replay_trace(api.load(variant), p4, repeat=2)
    assert replayed[-1].state == "credited"


def test_params_change_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(REFERENCE), "--param", "suspension_rounds=7"]) == 0
    out, _ = capsys.readouterr()
    assert "within 7 rounds (worst case from `suspended`)" in out


def test_a_file_with_errors_is_not_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gov"
    bad.write_text("institution Bad\nmonitor m: bool = nope\n", encoding="utf-8")
    assert main(["analyse", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "error[GL101]" in err


@pytest.mark.parametrize(("argv", "status"), [(["--bound", "0"], 2), (["--param", "x"], 2)])
def test_usage_errors(argv: list[str], status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(REFERENCE), *argv]) == status
    assert "govlang: error" in capsys.readouterr().err


def test_a_missing_file_is_an_io_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", "no/such/file.gov"]) == 3
    assert "no such file" in capsys.readouterr().err
