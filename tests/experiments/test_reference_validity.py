"""The reference institution's answers can be trusted: it sees symmetric output restriction,
never fines a firm for returning to competition, and the report counts fines on such moves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import govlang.api as api
from govlang.experiments.false_positives import (
    evidence_signals,
    fines_toward_nash,
    nash_actions,
    regime_false_positives,
)
from govlang.experiments.runner import run_experiment
from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.oracle import Oracle

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "examples" / "cournot_reference.gov"

EQUAL_COSTS = """
name = "equal-costs"
rounds = 20
runs = 2
seed = 3
regimes = ["ungoverned", "constitutional", "institutional"]
[market]
kind = "cournot"
costs = 45.0
[institution]
path = "{gov}"
[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]
"""


def test_equal_cost_joint_monopoly_is_flagged_and_acted_on(tmp_path: Path) -> None:
    spec = tmp_path / "equal.toml"
    spec.write_text(EQUAL_COSTS.format(gov=REFERENCE), encoding="utf-8")
    result = run_experiment(spec, tmp_path / "out", quiet=True)
    by_regime: dict[str, list[dict[str, Any]]] = {}
    for row in result.table:
        by_regime.setdefault(row["regime"], []).append(row)
    for regime in ("ungoverned", "constitutional"):
        for row in by_regime[regime]:
            # symmetric restriction: the structural tier sees nothing, the welfare class does
            assert row["tier"] == 0 and row["welfare_class"] == "collusive"
            assert row["profit_gain"] == pytest.approx(1.0)
    for row in by_regime["institutional"]:
        assert row["warnings"] >= 1 and row["fines"] >= 1
        assert row["welfare_class"] != "collusive"


def _division_then_nash(rounds: int = 8) -> tuple[Any, list[Any]]:
    market = CournotMarket()
    division = np.asarray(market.benchmarks["monopoly.quantity"], dtype=np.float64)
    nash = np.asarray(market.benchmarks["nash.quantity"], dtype=np.float64)
    env = govern(market, api.load(REFERENCE, schema=market.schema()))
    env.reset(seed=0)
    plays = [division] * rounds + [nash] * rounds
    for quantity in plays:
        env.step({agent: quantity[i] for i, agent in enumerate(env.possible_agents)})
    return env, plays


def _fines(events: Any) -> list[Any]:
    return [e for e in events if e.kind == "sanction" and e.detail["sanction"].startswith("fine")]


@pytest.mark.parametrize("rounds", [4, 8])  # fined, then (8) suspended when the firms return
def test_no_fine_when_firms_return_to_nash(rounds: int) -> None:
    env, plays = _division_then_nash(rounds)
    history = list(env.history)
    switch = rounds
    assert _fines(e for t in history[:switch] for e in t.events), "division must be fined"
    assert not _fines(e for t in history[switch:] for e in t.events)
    if rounds == 4:  # not suspended: playing Nash is no evidence at all
        assert not [e for t in history[switch:] for e in t.events if e.kind == "evidence"]
        assert history[-1].standings == {"firm_0": "active", "firm_1": "active"}
    # the switch is a synchronised move (every firm's output rises by 22%), on which S1 used
    # to fire; the firms' move toward their Nash quantities keeps them out of it
    values = _oracle_values(plays)[switch]
    assert values["synchronised"] is True
    assert values["toward_nash"] == [True, True] and values["sync_move"] == [False, False]


def _oracle_values(plays: list[Any]) -> list[dict[str, Any]]:
    market = CournotMarket()
    compiled = api.load(REFERENCE, schema=market.schema())
    commodities = {"commodity": ("A", "B")}
    oracle = Oracle(
        compiled.institution, dict(compiled.params), market.possible_agents, commodities
    )
    names = ("nash.hhi", "nash.cv", "nash.quantity", "monopoly.quantity")
    fixed = {k: np.asarray(market.benchmarks[k], dtype=np.float64) for k in names}
    out = []
    for index, quantity in enumerate(plays, start=1):
        values = oracle.step(index, {"quantity": quantity, **fixed}, np.zeros(2), quantity)
        out.append({name: value.data.tolist() for name, value in values.items()})
    return out


def test_a_synchronised_move_away_from_nash_is_still_evidence() -> None:
    market = CournotMarket()
    nash = np.asarray(market.benchmarks["nash.quantity"], dtype=np.float64)
    env = govern(market, api.load(REFERENCE, schema=market.schema()))
    env.reset(seed=0)
    for quantity in (nash, nash * 0.8):
        env.step({agent: quantity[i] for i, agent in enumerate(env.possible_agents)})
    last = list(env.history)[-1]
    evidence = [e for e in last.events if e.kind == "evidence"]
    assert {e.instance for e in evidence} == set(env.possible_agents)
    assert all(e.monitors["sync_move"] is True for e in evidence)


def test_signals_are_what_the_evidence_monitor_reads() -> None:
    signals = evidence_signals(api.load(REFERENCE).institution)
    expected = ("sync_move", "variance_collapse", "high_hhi", "specialised", "restricting")
    assert signals[:5] == expected


def _record(effective: dict[str, list[float]], fined: dict[str, dict[str, bool]]) -> dict[str, Any]:
    events = [
        {
            "kind": "sanction",
            "detail": {"agent": a, "sanction": "fine 0.5 of profit"},
            "monitors": m,
        }
        for a, m in fined.items()
    ]
    events.append({"kind": "sanction", "detail": {"agent": "f0", "sanction": "suspend"}})
    return {"effective": effective, "events": events}


def test_fines_toward_nash_are_counted_per_signal() -> None:
    nash = {"f0": [10.0, 10.0], "f1": [10.0, 10.0]}
    records = [
        _record({"f0": [0.0, 20.0], "f1": [20.0, 0.0]}, {"f0": {"s1": True, "s2": False}}),
        # f0 moves to Nash exactly (arrives), f1 moves partly toward it; both fined
        _record(
            {"f0": [10.0, 10.0], "f1": [15.0, 5.0]},
            {"f0": {"s1": True, "s2": False}, "f1": {"s1": True, "s2": True}},
        ),
        # f1 moves away from Nash: not a false positive
        _record({"f0": [10.0, 10.0], "f1": [20.0, 0.0]}, {"f1": {"s1": False, "s2": True}}),
    ]
    counts = fines_toward_nash(records, nash, ("s1", "s2"), ("f0", "f1"))
    assert (counts.total_fines, counts.total_toward_nash, counts.total_at_nash) == (4, 2, 1)
    assert counts.fines == {"s1": 3, "s2": 2}
    assert counts.toward_nash == {"s1": 2, "s2": 1}
    assert counts.at_nash == {"s1": 1}
    assert counts.alone == {"s1": 1}


def test_nash_actions_need_a_row_per_agent() -> None:
    assert nash_actions({"nash.quantity": [[1, 2], [3, 4]]}, ["a", "b"]) == {
        "a": [1, 2],
        "b": [3, 4],
    }
    assert nash_actions({"nash.price": [5, 6]}, ["a", "b"]) == {"a": 5, "b": 6}
    assert nash_actions({}, ["a", "b"]) is None


def test_the_report_states_the_false_positive_count(tmp_path: Path) -> None:
    spec = tmp_path / "equal.toml"
    spec.write_text(EQUAL_COSTS.format(gov=REFERENCE), encoding="utf-8")
    run_experiment(spec, tmp_path / "out", quiet=True)
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "### Fines on a move toward Nash" in text
    assert "fell on a round in which the fined firm moved toward Nash" in text
    assert "| regime | signal | fines while it held |" in text
    assert "fines while it held" in (tmp_path / "out" / "report.html").read_text("utf-8")


def test_the_worker_stores_each_runs_counts_and_old_summaries_are_counted_again(
    tmp_path: Path,
) -> None:
    import json

    spec = tmp_path / "equal.toml"
    spec.write_text(EQUAL_COSTS.format(gov=REFERENCE), encoding="utf-8")
    out = tmp_path / "out"
    run_experiment(spec, out, quiet=True)
    institution = api.load(REFERENCE).institution
    summaries = sorted(out.glob("runs/*/summary.json"))
    folders = [(json.loads(f.read_text("utf-8"))["run"]["regime"], f.parent) for f in summaries]
    stored = regime_false_positives(folders, institution)
    assert stored["institutional"].total_fines > 0
    for summary_file in summaries:  # summaries written before the counts were stored
        summary = json.loads(summary_file.read_text("utf-8"))
        assert summary["false_positives"] is not None
        del summary["false_positives"]
        summary_file.write_text(json.dumps(summary), "utf-8")
    counted = regime_false_positives(folders, institution)
    assert {k: v.as_json() for k, v in counted.items()} == {
        k: v.as_json() for k, v in stored.items()
    }
