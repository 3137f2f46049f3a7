"""Explaining a market-scope institution from an actions file (examples/output_floor.gov)."""

from __future__ import annotations

import json
from pathlib import Path

from govlang.explain import explain

from .conftest import REPO

FLOOR = REPO / "examples" / "output_floor.gov"


def test_the_floor_and_its_constraint_are_explained(tmp_path: Path) -> None:
    # Supply 60 each round, below (1 - 0.15) x the Nash supply 146.67 = 124.67: restricted in
    # every round, so count_last(restricted, 5) reaches 3 in round 3 and the floor binds from
    # round 4 on: each firm's empty commodity is raised to 10.
    actions = tmp_path / "actions.jsonl"
    lines = [
        json.dumps({"round": t, "actions": {"firm_0": [30, 0], "firm_1": [0, 30]}})
        for t in range(1, 7)
    ]
    actions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = explain(actions, institution=str(FLOOR), agent="market")
    assert not found.checked  # an actions file records no events to compare with
    floored = next(s for s in found.stories if s.after == "floored" and s.before == "open")
    assert floored.round == 3
    assert floored.evidence is not None
    ((signal, negated),) = floored.evidence.signals()
    assert (signal.text, negated, signal.held) == ("restricted", False, True)
    (move,) = [a for a in floored.acts if a.kind == "traversal"]
    assert (
        move.guard is not None and move.guard.line() == "count_last(restricted, window) 3 ≥ hits 3"
    )
    assert move.params == {"shortfall": 0.15, "window": 5, "hits": 3}
    text = found.text()
    assert "✓ restricted: market_supply 60 < (1 - shortfall) * competitive_supply 124.67" in text
    assert "requested [30.00, 0.00] → effective [30.00, 10.00]" in text
    assert "no recorded events to check the replay against" in text
