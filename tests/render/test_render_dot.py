"""DOT source: golden file for the reference institution, and the visual language."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.render import RenderError, edge_clauses, sanction_summary, to_dot

GOLDEN = Path(__file__).parent / "golden" / "cournot_reference.dot"

CompileText = Callable[..., CompiledInstitution]


def test_dot_matches_golden(reference: CompiledInstitution) -> None:
    text = to_dot(reference)
    if os.environ.get("GOVLANG_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def _line(dot: str, start: str) -> str:
    (line,) = [li.strip() for li in dot.splitlines() if li.strip().startswith(start)]
    return line


def _label(dot: str, start: str) -> str:
    """The text of a line's HTML label, one ``|`` per line break."""
    label = _line(dot, start).split("label=<", 1)[1]
    return re.sub(r"<[^>]*>", "", label.replace("<br/>", " | ")).split(">", 1)[0]


def test_title_cluster_and_initial_state(reference: CompiledInstitution) -> None:
    dot = to_dot(reference)
    assert f"<b>CournotAntiCollusion</b>  {reference.short_digest}" in dot
    assert "subgraph cluster_agent" in dot and 'label="per agent"' in dot
    assert '"agent.__entry__" -> "agent.active"' in dot
    assert "shape=point" in _line(dot, '"agent.__entry__" [')
    assert "penwidth=2.5" in _line(dot, '"agent.active" [')
    assert "penwidth" not in _line(dot, '"agent.warning" [')


def test_sanction_states_are_filled_warm_and_summarised(reference: CompiledInstitution) -> None:
    dot = to_dot(reference)
    fined = _line(dot, '"agent.fined" [')
    assert (
        _label(dot, '"agent.fined" [')
        == "fined | PENALISED | fine 35%/75%/100% of profit | floor 200"
    )
    assert 'fillcolor="#fdba8c"' in fined
    suspended = _line(dot, '"agent.suspended" [')
    assert "suspended" in suspended and 'fillcolor="#f28b82"' in suspended
    assert 'fillcolor="#ffffff"' in _line(dot, '"agent.warning" [')


def test_escalation_and_restoration_edges_are_styled_apart(reference: CompiledInstitution) -> None:
    dot = to_dot(reference)
    escalation = _line(dot, '"agent.fined" -> "agent.suspended"')
    assert 'color="#9b1c1c"' in escalation and "dashed" not in escalation
    assert "<b>P2_independent_decision</b>" in escalation
    assert "when coordination<br/>for 5 rounds<br/>prio 2" in escalation
    restoration = _line(dot, '"agent.fined" -> "agent.active"')
    assert 'color="#2e7d32"' in restoration and "style=dashed" in restoration
    assert "after 3 clean rounds" in restoration
    gate, expiry = [
        li.strip()
        for li in dot.splitlines()
        if li.strip().startswith('"agent.credited" -> "agent.active"')
    ]
    assert "concentration &lt;=" in gate
    assert "after 3 clean rounds" in expiry  # guards are HTML-escaped


def test_edge_clauses_use_resolved_counts(reference: CompiledInstitution) -> None:
    credit = reference.edge("agent", "R3_credits:fined->credited")
    assert edge_clauses(reference, credit) == ["when not coordination", "spend 1 credit", "prio 1"]
    warn = reference.edge("agent", "P2_independent_decision:active->warning")
    assert edge_clauses(reference, warn) == ["when coordination", "then notice"]
    overridden = compile_institution(reference.institution, {"suspension_streak": 1})
    streak = overridden.edge("agent", "P2_independent_decision:fined->suspended")
    assert edge_clauses(overridden, streak) == ["when coordination", "for 1 round", "prio 2"]


def test_sanction_summaries_follow_overrides(reference: CompiledInstitution) -> None:
    (fine,) = reference.states("agent")[2].on_enter
    assert sanction_summary(fine, reference) == "fine 35%/75%/100% of profit, floor 200"
    cheaper = compile_institution(reference.institution, {"fine_ladder": (0.125, 1.0)})
    assert sanction_summary(fine, cheaper) == "fine 12.5%/100% of profit, floor 200"


OTHERS = """
institution Others
param amount: float = 500 in [0, 1000]
param level: float = 2.5 in [0, 10]
monitor hot: bool = false
monitor size: number = 3
per agent {
  initial state ok
  state probation "PROBATION" { on enter: fine amount to others }
  state capped {
    on each round: cap action at level
    on each round: fine 0.1 of profit plus 5 cap size
  }
  state rewarded { on enter: grant 50 from treasury }
  terminal state out "OUT" { on each round: exclude }
  rule X { ok -> probation when hot cooldown 2 rounds probation -> out when hot after 1 rounds }
  rule Y { ok -> capped when hot ok -> rewarded when not hot then fine 1 }
  restore Z { capped -> ok after 4 clean rounds }
}
"""


def test_other_sanctions_terminal_states_and_clauses(compile_text: CompileText) -> None:
    compiled = compile_text(OTHERS)
    dot = to_dot(compiled)
    out = _line(dot, '"agent.out" [')
    assert "shape=doubleoctagon" in out and "excluded" in out
    assert "fine 500 to others" in _line(dot, '"agent.probation" [')
    capped = _line(dot, '"agent.capped" [')
    assert "action capped at 2.5, each round" in capped
    assert _label(dot, '"agent.capped" [').endswith("fine 10% of profit + 5, cap size | each round")
    assert 'fillcolor="#fdba8c"' in capped  # the fine is warmer than the cap
    assert "grant 50" in _line(dot, '"agent.rewarded" [')
    assert "cooldown 2 rounds" in _line(dot, '"agent.ok" -> "agent.probation"')
    assert "after 1 round<" in _line(dot, '"agent.probation" -> "agent.out"')
    assert "then fine 1" in _line(dot, '"agent.ok" -> "agent.rewarded"')


MARKET = """
institution Floor
monitor short: bool = false
market {
  initial state open "OPEN"
  state floored "FLOOR" { on each round: floor action at 10 }
  rule M1 { open -> floored when short }
  restore M2 { floored -> open after 3 rounds }
}
"""


def test_market_scope_cluster(compile_text: CompileText) -> None:
    dot = to_dot(compile_text(MARKET))
    assert "subgraph cluster_market" in dot and "label=market" in dot
    assert "action floored at 10, each round" in _line(dot, '"market.floored" [')
    assert '"market.__entry__" -> "market.open"' in dot


def test_path_overlay(reference: CompiledInstitution) -> None:
    path = ["agent.active", "agent.active", "agent.warning", "agent.fined", "agent.fined"]
    dot = to_dot(reference, path_overlay=path)
    for node in ("agent.active", "agent.warning", "agent.fined"):
        assert 'color="#1d4ed8"' in _line(dot, f'"{node}" [')
    assert "#1d4ed8" not in _line(dot, '"agent.suspended" [')
    assert "penwidth=3" in _line(dot, '"agent.active" -> "agent.warning"')
    assert "penwidth=3" in _line(dot, '"agent.warning" -> "agent.fined"')
    assert "penwidth=3" not in _line(dot, '"agent.fined" -> "agent.fined"')  # kept, not re-entered
    assert "penwidth=3" not in _line(dot, '"agent.warning" -> "agent.active"')
    assert to_dot(reference, []) == to_dot(reference)


def test_unknown_overlay_state_is_a_render_error(reference: CompiledInstitution) -> None:
    with pytest.raises(RenderError, match=r"no state `agent\.fine`"):
        to_dot(reference, ["agent.active", "agent.fine"])
