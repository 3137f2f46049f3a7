"""The reference institution driven by scripted firms dividing the market: a golden trace.

Script (reference Cournot market: p = 100 - Q / 2, costs firm_0 (40, 50), firm_1 (50, 40)):

* ``D``: divide the market: firm_0 only A (60), firm_1 only B (60). Profit 30 x 60 = 1800 each.
* ``x``: divide, firm_0 small: firm_0 5 of A (profit 57.5 x 5 = 287.5), firm_1 60 of B (1800).
* ``C``: compete: firm_0 (50, 30), firm_1 (20, 40): no signal holds. Prices 65 and 65:
  firm_0 earns 25 x 50 + 15 x 30 = 1700, firm_1 15 x 20 + 25 x 40 = 1300.
* ``S``: firm_0 alone specialises: firm_0 (45, 10), firm_1 (20, 50). Prices 67.5 and 70:
  firm_0 earns 27.5 x 45 + 20 x 10 = 1437.5 (CV 0.64: specialised), firm_1 1850 (clean).

Regenerate the golden file with ``GOVLANG_UPDATE_GOLDEN=1 pytest tests/runtime``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from govlang.lang.manifest import canonical_json
from govlang.markets import CournotMarket
from govlang.runtime.govern import GovernedEnv, govern

from .support import reference

GOLDEN = Path(__file__).parent / "golden" / "reference_divide.jsonl"
PLAYS = {
    "D": ([60.0, 0.0], [0.0, 60.0]),
    "x": ([5.0, 0.0], [0.0, 60.0]),
    "C": ([50.0, 30.0], [20.0, 40.0]),
    "S": ([45.0, 10.0], [20.0, 50.0]),
}
SCRIPT = "DxDDD" + "DDDDD" + "CC" + "SCSSSCCC" + "SCCCCCC"


def play() -> GovernedEnv:
    env = govern(CournotMarket(), reference())
    env.reset(seed=0)
    for key in SCRIPT:
        first, second = PLAYS[key]
        env.step({"firm_0": np.array(first), "firm_1": np.array(second)})
    return env


def trace_lines(env: GovernedEnv) -> list[str]:
    lines = []
    for trace in env.history:
        lines.append(canonical_json({"kind": "round", **trace.as_json()}))
        lines += [canonical_json(event.as_json()) for event in trace.events]
    return lines


def test_the_assumed_params_are_the_reference_ones() -> None:
    params = reference().params
    assert params["fine_ladder"] == (0.35, 0.75, 1.0) and params["fine_floor"] == 200
    assert params["suspension_streak"] == 5 and params["suspension_rounds"] == 5
    assert params["warning_expiry"] == 5 and params["credit_rounds"] == 2


def test_golden_trace() -> None:
    lines = trace_lines(play())
    text = "\n".join(lines) + "\n"
    if os.environ.get("GOVLANG_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == text


def test_escalation_and_restoration_paths_by_hand() -> None:
    env = play()
    path = [
        (e.round, e.edge)
        for t in env.history
        for e in t.events
        if e.kind in ("traversal", "restoration") and e.instance == "firm_0"
    ]
    assert path == [
        (1, "P2_independent_decision:active->warning"),
        (2, "P2_independent_decision:warning->fined"),
        (3, "P2_independent_decision:fined->fined"),
        (4, "P2_independent_decision:fined->fined"),
        (5, "P2_independent_decision:fined->suspended"),
        (10, "R1_expiry:suspended->active"),
        (13, "P2_independent_decision:active->warning"),
        (15, "P2_independent_decision:warning->fined"),
        (16, "P2_independent_decision:fined->fined"),  # evidence: a credit cannot be spent
        (17, "P2_independent_decision:fined->fined"),
        (18, "R3_credits:fined->credited"),  # first clean round: spend a credit
        (19, "R3_credits:credited->active"),  # the concentration gate: max HHI 0.59
        (21, "P2_independent_decision:active->warning"),
        (26, "R1_expiry:warning->active"),
    ]
    firm_1 = [t.standings["firm_1"] for t in env.history]
    assert firm_1[:10] == ["warning", "fined", "fined", "fined"] + ["suspended"] * 5 + ["active"]
    assert set(firm_1[10:]) == {"active"}  # competing firm_1 is never touched again


def test_fines_follow_the_ladder_with_the_floor_by_hand() -> None:
    env = play()
    fines = [
        (e.round, e.instance, e.detail["rate"], e.detail["profit"], e.detail["amount"])
        for t in env.history
        for e in t.events
        if e.kind == "sanction" and "amount" in e.detail
    ]
    assert fines == [
        (2, "firm_0", 0.35, 287.5, 200.0),  # 35% of 287.5 = 100.625: the floor, 200
        (2, "firm_1", 0.35, 1800.0, 630.0),  # 35% of 1800
        (3, "firm_0", 0.75, 1800.0, 1350.0),  # re-entry: 75%
        (3, "firm_1", 0.75, 1800.0, 1350.0),
        (4, "firm_0", 1.0, 1800.0, 1800.0),  # 100%
        (4, "firm_1", 1.0, 1800.0, 1800.0),
        (15, "firm_0", 1.0, 1437.5, 1437.5),  # the ladder stays on its last step
        (16, "firm_0", 1.0, 1437.5, 1437.5),
        (17, "firm_0", 1.0, 1437.5, 1437.5),
    ]
    mediated = [t.mediated["firm_0"] for t in env.history[:5]]
    assert mediated == [1800.0, 87.5, 450.0, 0.0, 1800.0]
    state = env.institutional_state
    assert state is not None and float(state.ledger.treasury) == 11442.5


def test_suspension_forces_zero_output_for_its_five_rounds() -> None:
    env = play()
    for trace in env.history[5:10]:  # rounds 6-10: suspended at the start of each
        assert trace.requested["firm_0"] == [60.0, 0.0]
        assert trace.effective == {"firm_0": [0.0, 0.0], "firm_1": [0.0, 0.0]}
        assert trace.raw == {"firm_0": 0.0, "firm_1": 0.0}
    assert env.history[10].effective["firm_0"] == [50.0, 30.0]


def test_blocked_suspension_requests_are_recorded() -> None:
    env = play()
    blocked = [
        (e.round, e.instance, e.detail["reasons"])
        for t in env.history
        for e in t.events
        if e.kind == "blocked"
    ]
    assert blocked == [
        (3, "firm_0", ["guard held 3 of 5 consecutive rounds"]),
        (3, "firm_1", ["guard held 3 of 5 consecutive rounds"]),
        (4, "firm_0", ["guard held 4 of 5 consecutive rounds"]),
        (4, "firm_1", ["guard held 4 of 5 consecutive rounds"]),
        (16, "firm_0", ["guard held 2 of 5 consecutive rounds"]),
        (17, "firm_0", ["guard held 3 of 5 consecutive rounds"]),
    ]


def test_clean_conduct_restores_when_no_credits_can_be_held() -> None:
    # With credit_max = 0 no credit is ever held, so R2 (3 clean rounds) is the way back.
    env = govern(CournotMarket(), reference({"credit_max": 0}))
    env.reset(seed=0)
    for key in "SSCCCC":
        first, second = PLAYS[key]
        env.step({"firm_0": np.array(first), "firm_1": np.array(second)})
    assert [t.standings["firm_0"] for t in env.history] == [
        "warning",
        "fined",
        "fined",
        "fined",
        "active",
        "active",
    ]
    last = [e for e in env.history[4].events if e.kind == "restoration"]
    assert [e.edge for e in last] == ["R2_clean_conduct:fined->active"]
