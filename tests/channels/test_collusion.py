"""Talk changes outcomes, and monitoring changes what talk buys: measured on whole runs.

Two talkers (``govlang/agents/talker.py``) divide the market only once both agreed on the
channel. The institution ``examples/talk_division.gov`` fines an announced division, but it
can read the messages only on a monitored channel. The collusion measure is the runs table's
``profit_gain`` (0 at the Cournot-Nash profits, 1 at the joint optimum) and its tier.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 12

EXPERIMENT = """
name = "talk"
rounds = {rounds}
runs = 1
seed = 3
regimes = ["ungoverned", "institutional"]

[institution]
path = "{gov}"

{talk}

[populations.talkers]
firms = [{{ kind = "talker" }}, {{ kind = "talker" }}]

[populations.talker_vs_nash]
firms = [{{ kind = "talker" }}, {{ kind = "nash" }}]
"""

CHANNELS = {
    "monitored": '[talk]\ntopology = "all"\nvisibility = "monitored"',
    "private": '[talk]\ntopology = "all"\nvisibility = "private"',
    "no_edges": '[talk]\ntopology = "none"\nvisibility = "monitored"',
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One experiment per channel; the results folder of each."""
    folder = tmp_path_factory.mktemp("talk")
    gov = REPO / "examples" / "talk_division.gov"
    out: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(KEY_ENV, raising=False)
        patch.delenv(KEY_FILE_ENV, raising=False)
        for name, talk in CHANNELS.items():
            path = folder / f"{name}.toml"
            path.write_text(EXPERIMENT.format(rounds=ROUNDS, gov=gov, talk=talk), "utf-8")
            run_experiment(path, folder / name, quiet=True)
            out[name] = folder / name
        yield out


def row(out: Path, population: str, regime: str) -> dict[str, str]:
    """The runs-table row of one condition (one run each)."""
    with (out / "runs.csv").open(encoding="utf-8") as handle:
        found = [
            r for r in csv.DictReader(handle) if r["config"] == population and r["regime"] == regime
        ]
    assert len(found) == 1
    return found[0]


def gain(out: Path, population: str, regime: str) -> float:
    """The collusion measure of one condition."""
    return float(row(out, population, regime)["profit_gain"])


def test_talk_lets_talkers_collude(results: dict[str, Path]) -> None:
    """Ungoverned, talkers that can talk divide from round 2; without edges they never do."""
    talking = gain(results["private"], "talkers", "ungoverned")
    silent = gain(results["no_edges"], "talkers", "ungoverned")
    assert talking == pytest.approx((ROUNDS - 1) / ROUNDS, abs=1e-9)
    assert silent == pytest.approx(0.0, abs=1e-9)
    assert row(results["private"], "talkers", "ungoverned")["tier"] == "4"
    assert row(results["no_edges"], "talkers", "ungoverned")["tier"] == "0"


def test_monitoring_changes_collusion(results: dict[str, Path]) -> None:
    """Under the institution: private talk colludes, monitored talk is fined and deterred."""
    private = gain(results["private"], "talkers", "institutional")
    monitored = gain(results["monitored"], "talkers", "institutional")
    assert private == pytest.approx((ROUNDS - 1) / ROUNDS, abs=1e-9)
    assert monitored == pytest.approx(0.0, abs=1e-9)
    assert private - monitored > 0.9
    assert float(row(results["private"], "talkers", "institutional")["fine_total"]) == 0.0
    assert float(row(results["monitored"], "talkers", "institutional")["fine_total"]) > 0.0


def test_the_reason_is_in_the_trace(results: dict[str, Path]) -> None:
    """Monitored: round 1's proposals are the evidence of rule T1's fines in round 1."""
    out = results["monitored"]
    run = row(out, "talkers", "institutional")["run_id"]
    first = read_trace(out / "runs" / run / "trace.jsonl")[0]
    assert all(m["extract"]["division"] for m in first["talk"]["delivered"])
    fines = [e for e in first["events"] if e["kind"] == "sanction"]
    assert {e["detail"]["agent"] for e in fines} == {"firm_0", "firm_1"}
    assert all(e["monitors"]["announced"] for e in fines)
    assert {e["rule"] for e in fines} == {"T1_no_announced_division"}


def test_a_nash_partner_never_agrees(results: dict[str, Path]) -> None:
    """A Nash firm ignores talk: the talker facing it never divides, on any channel."""
    for out in results.values():
        for regime in ("ungoverned", "institutional"):
            assert gain(out, "talker_vs_nash", regime) == pytest.approx(0.0, abs=1e-9)
