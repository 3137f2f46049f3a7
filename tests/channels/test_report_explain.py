"""Messages in the HTML report (run pages, the report's note) and in `govlang explain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.experiments.runner import ExperimentResult, run_experiment

REPO = Path(__file__).resolve().parents[2]

EXPERIMENT = """
rounds = 4
runs = 1
regimes = ["institutional"]
[institution]
path = "{gov}"
[talk]
topology = "ring"
[populations.talkers]
firms = [{{ kind = "talker" }}, {{ kind = "talker" }}]
"""


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> ExperimentResult:
    folder = tmp_path_factory.mktemp("talk-report")
    path = folder / "exp.toml"
    path.write_text(EXPERIMENT.format(gov=REPO / "examples" / "talk_division.gov"), "utf-8")
    return run_experiment(path, folder / "out", quiet=True)


def test_run_page_and_report_show_the_talk(done: ExperimentResult) -> None:
    """Each firm's cell says what it said; the report says how the firms could talk."""
    page = (done.out_dir / "runs" / done.runs[0].run_id / "run.html").read_text("utf-8")
    assert page.count("said to firm_1: &ldquo;Let us divide the market: I take A") == 1
    assert page.count("said to firm_0: &ldquo;Let us divide the market: I take B") == 1
    note = "The firms can talk: topology ring, monitored: the institution reads the message"
    assert note in done.report_html.read_text("utf-8")
    assert note in done.report_md.read_text("utf-8")


def test_explain_shows_what_was_said(
    done: ExperimentResult, capsys: pytest.CaptureFixture[str]
) -> None:
    """The replay recomputes the message observables and reproduces every recorded event."""
    run = done.out_dir / "runs" / done.runs[0].run_id
    assert main(["explain", str(run), "--agent", "firm_0"]) == 0
    text = capsys.readouterr().out
    assert "the replay reproduces every recorded event" in text
    assert "✓ proposal_made: any over agents: talk.proposes_division" in text
    assert 'said (monitored channel): firm_0 → firm_1: "Let us divide the market' in text
    assert "[read: division, quantity 60]" in text
    assert main(["explain", str(run), "--agent", "firm_0", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    first = found["rounds"][0]
    assert first["round"] == 1
    assert [m["from"] for m in first["said"]] == ["firm_0"]
    assert first["said"][0]["extract"]["division"] is True
