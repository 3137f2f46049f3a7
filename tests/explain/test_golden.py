"""``govlang explain`` on the golden trace of the reference institution (tests/runtime/golden).

The script of that trace is documented in tests/runtime/test_reference_golden.py; the values
checked here are worked out by hand from it (reference Cournot market, reference params).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govlang.cli import main
from govlang.explain import explain
from govlang.explain.acts import TIMES
from govlang.explain.replay import ReplayMismatch

from .conftest import GOLDEN, REFERENCE

NASH_HHI = (46 + 2 / 3) ** 2 / (73 + 1 / 3) ** 2 + (26 + 2 / 3) ** 2 / (73 + 1 / 3) ** 2
"""The Nash HHI of either commodity: shares 46.67 / 73.33 and 26.67 / 73.33."""


def golden(**options: Any) -> Any:
    return explain(GOLDEN, institution=str(REFERENCE), **options)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(
        ["explain", str(GOLDEN), "--institution", str(REFERENCE), *args, "--format", "json"]
    )
    out = capsys.readouterr().out
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    return data


def acts_of(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for story in data["rounds"] for a in story["acts"] if a["kind"] == kind]


def test_the_replay_reproduces_the_golden_events() -> None:
    found = golden()
    assert found.checked
    recorded = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    acts = [e for e in recorded if e["kind"] not in ("round", "evidence")]
    assert sum(len(s.acts) for s in found.stories) == len(acts)


def test_why_firm_1_was_fined_in_round_2(capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_json(capsys, "--agent", "firm_1", "--round", "2")
    (story,) = data["rounds"]
    assert (story["before"], story["after"]) == ("warning", "fined")
    held = {s["name"] for s in story["signals"] if s["held"] and not s["negated"]}
    assert held == {"high_hhi", "specialised", "restricting"}
    hhi = story["evidence"]["children"][0]["children"][0]["children"][2]
    assert hhi["text"] == "high_hhi" and hhi["held"]
    compare = hhi["children"][0]
    # Commodity A: firm_0 60, firm_1 0 -> HHI 1; excess over Nash (1 - h) / h.
    assert compare["left"]["value"] == pytest.approx((1 - NASH_HHI) / NASH_HHI)
    assert compare["op"] == ">=" and compare["right"] == {"text": "hhi_excess_max", "value": 0.5}
    (fine,) = [a for a in acts_of(data, "sanction") if "amount" in a["detail"]]
    arithmetic = fine["arithmetic"]
    assert (arithmetic["rate"], arithmetic["profit"], arithmetic["amount"]) == (0.35, 1800.0, 630.0)
    assert arithmetic["floor"] == {"text": "fine_floor", "value": 200.0}
    assert (
        f"0.35 {TIMES} 1800.00 = 630.00; floor fine_floor 200.00 not binding → 630.00"
        in (arithmetic["text"])
    )
    assert fine["params"] == {"fine_ladder": [0.35, 0.75, 1.0], "fine_floor": 200.0}
    assert fine["source"]["line"] == 100 and "on enter: fine ladder" in fine["source"]["text"]
    (move,) = acts_of(data, "traversal")
    assert move["edge"] == "P2_independent_decision:warning->fined"
    assert move["rule_source"]["line"] == 107
    assert move["source"]["text"].strip() == "warning -> fined when coordination priority 1"
    assert {c["name"]: c["value"] for c in move["counters"]} == {
        "streak": 2,
        "dwell": 1,
        "clean": 0,
        "credits": 0,
    }
    assert data["rounds"][0]["params"]["hhi_excess_max"] == 0.5


def test_the_floor_binds_on_a_small_profit() -> None:
    (story,) = golden(agent="firm_0", round=2).stories
    (fine,) = [a for a in story.acts if a.arithmetic is not None]
    assert fine.arithmetic is not None
    assert fine.arithmetic.text() == (
        f"step 1 of fine_ladder [0.35, 0.75, 1.00]; 0.35 {TIMES} 287.50 = 100.62; "
        "floor fine_floor 200.00 binds → 200.00"
    )


def test_suspension_counters_block_then_allow() -> None:
    (blocked_round,) = golden(agent="firm_0", round=3).stories
    (blocked,) = [a for a in blocked_round.acts if a.kind == "blocked"]
    (streak,) = [c for c in blocked.counters if c.name == "streak"]
    assert (streak.value, streak.needed, streak.ok) == (3, 5, False)
    assert str(streak) == "streak 3 < 5 (for suspension_streak rounds)"
    assert blocked.reasons == ("guard held 3 of 5 consecutive rounds",)
    (suspension_round,) = golden(agent="firm_0", round=5).stories
    (move,) = [a for a in suspension_round.acts if a.kind == "traversal"]
    assert move.edge == "P2_independent_decision:fined->suspended"
    assert str(move.counters[0]) == "streak 5 ≥ 5 (for suspension_streak rounds)"


def test_the_timeline_lists_every_round_with_an_act() -> None:
    stories = golden(agent="firm_0").stories
    recorded = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    rounds = sorted(
        {
            e["round"]
            for e in recorded
            if e["kind"] not in ("round", "evidence") and e["instance"] == "firm_0"
        }
    )
    assert [s.round for s in stories] == rounds
    every = golden().stories
    assert {s.instance for s in every} == {"firm_0", "firm_1"}


def test_text_form_shows_signals_thresholds_and_arithmetic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "explain",
            str(GOLDEN),
            "--institution",
            str(REFERENCE),
            "--agent",
            "firm_1",
            "--round",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "round 2 · firm_1 · warning → fined" in out
    assert "✓ high_hhi: max(excess(hhi(quantity over agents), nash.hhi) over commodities) " in out
    assert "0.86 ≥ hhi_excess_max 0.50" in out
    assert f"0.35 {TIMES} 1800.00 = 630.00" in out
    assert "cournot_reference.gov:109:5 | warning -> fined when coordination priority 1" in out


def test_why_not_suspended_names_the_streak(capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_json(capsys, "--agent", "firm_0", "--round", "3", "--why-not", "suspended")
    (answer,) = data["why_not"]
    assert not answer["happened"]
    (candidate,) = answer["candidates"]
    assert candidate["edge"] == "P2_independent_decision:fined->suspended"
    assert candidate["verdict"] == "counts"
    assert candidate["reasons"] == ["guard held 3 of 5 consecutive rounds"]


def test_why_not_fined_names_the_signals_below_threshold() -> None:
    (answer,) = golden(agent="firm_0", round=14, why_not_name="fined").why_not
    verdicts = {c.edge: c.verdict for c in answer.candidates}
    assert verdicts == {
        "P2_independent_decision:warning->fined": "guard",
        "P2_independent_decision:fined->fined": "elsewhere",
        "P2_independent_decision:credited->fined": "elsewhere",
    }
    guard = answer.candidates[0].guard
    assert guard is not None and not guard.held
    signals = {s.text: s.held for s, _ in guard.signals()}
    assert signals == {
        "sync_move": False,
        "variance_collapse": False,
        "high_hhi": False,
        "specialised": False,
        "restricting": False,
        "at_nash": False,
    }
    text = golden(agent="firm_0", round=14, why_not_name="fined").text()
    assert "✗ high_hhi: max(excess(hhi(quantity over agents), nash.hhi) over commodities)" in text
    assert "≥ hhi_excess_max 0.50 is false" in text


def test_why_not_from_elsewhere_gives_the_way_there() -> None:
    (answer,) = golden(agent="firm_0", round=11, why_not_name="P2_independent_decision").why_not
    warning = next(c for c in answer.candidates if c.edge.endswith("warning->fined"))
    assert warning.verdict == "elsewhere"
    assert warning.reasons[1] == "the way there: P2_independent_decision:active->warning"


def test_why_not_when_it_happened() -> None:
    (answer,) = golden(agent="firm_0", round=2, why_not_name="fined").why_not
    assert answer.happened
    assert "it happened" in golden(agent="firm_0", round=2, why_not_name="fined").text()


def test_a_trace_that_does_not_replay_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = tmp_path / "tampered.jsonl"
    text = GOLDEN.read_text(encoding="utf-8").replace('"amount":630.0', '"amount":63.0', 1)
    tampered.write_text(text, encoding="utf-8")
    with pytest.raises(ReplayMismatch, match="round 2"):
        explain(tampered, institution=str(REFERENCE))
    code = main(["explain", str(tampered), "--institution", str(REFERENCE)])
    err = capsys.readouterr().err
    assert code == 1 and "round 2: replaying the recorded actions gives" in err
    assert "Traceback" not in err


def test_the_readme_golden_command_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    monkeypatch.chdir(REFERENCE.parents[1])
    readme = (REFERENCE.parents[1] / "README.md").read_text(encoding="utf-8")
    (line,) = [
        line for line in readme.splitlines() if line.startswith("govlang explain tests/runtime")
    ]
    argv = shlex.split(line.split("#", 1)[0])
    assert main(argv[1:]) == 0
    assert "round 2 · firm_1 · warning → fined" in capsys.readouterr().out
