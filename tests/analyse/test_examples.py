"""`govlang analyse` on every example institution, and what it finds in the reference one."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlang.analyse import AnalysisReport, analyse
from govlang.analyse.formulas import Round, evaluate
from govlang.api import read_document
from govlang.lang.frontend import parse_text

from .support import EXAMPLES, ROOT, codes, model_of

REFERENCE = ROOT / "examples" / "cournot_reference.gov"
GATE = "concentration <= recovery_hhi"
FIX = "    credited -> active after clean_restore clean rounds\n"
"""The reference's way out of `credited` under clean conduct when the gate stays shut."""


def gate_only() -> str:
    """The reference without :data:`FIX`: `credited` waits on the concentration gate alone."""
    text = REFERENCE.read_text(encoding="utf-8")
    assert FIX in text
    return text.replace(FIX, "")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_analysed_to_exhaustion_without_errors(path: Path) -> None:
    report = analyse(read_document(path)[0])
    assert report.errors == 0
    assert report.scopes and all(s.exhausted and s.skipped is None for s in report.scopes)
    ids = [p.id for p in report.properties]
    assert ids[:4] == ["P1", "P2", "P3", "P4"]
    assert report.result(report.scopes[0].kind, "P1").status in ("proved", "not applicable")
    restoration = report.result(report.scopes[0].kind, "P2")
    assert restoration.status == "proved" and restoration.rounds is not None


def reference_report(text: str | None = None) -> AnalysisReport:
    source = text if text is not None else REFERENCE.read_text(encoding="utf-8")
    return analyse(parse_text(source, "cournot_reference.gov"))


def test_reference_restoration_is_proved_with_its_worst_case() -> None:
    p2 = reference_report().result("agent", "P2")
    assert (p2.status, p2.rounds) == ("proved", 5)
    assert "`suspended`" in p2.detail
    assert p2.trace is not None and p2.trace.kind == "witness"
    entered = [r.round for r in p2.trace.rounds if r.edge and r.edge.endswith("->suspended")]
    leaves = [r for r in p2.trace.rounds if r.round > entered[-1] and r.state != "suspended"]
    assert leaves[0].round - entered[-1] == 5


def test_reference_no_sanction_without_evidence_and_streak_respected() -> None:
    report = reference_report()
    assert report.result("agent", "P1").status == "proved"
    assert report.result("agent", "P3").status == "proved"


def test_without_the_fix_good_standing_waits_on_the_recovery_gate() -> None:
    report = reference_report(gate_only())
    p4 = report.result("agent", "P4")
    assert p4.status == "violated" and p4.trace is not None
    trace = p4.trace
    assert trace.loop is not None and trace.final_state == "credited"
    gate = trace.atoms.index(GATE)
    loop = [r for r in trace.rounds if r.round >= trace.loop]
    assert all(not r.evidence and not r.atoms[gate] and r.state == "credited" for r in loop)
    assert "GL612" in codes(report)


def test_the_reference_returns_to_good_standing() -> None:
    report = reference_report()
    p4 = report.result("agent", "P4")
    assert (p4.status, p4.rounds) == ("proved", 5)
    assert report.result("agent", "P2").rounds == 5
    assert "GL612" not in codes(report)


def test_reference_clean_conduct_edge_is_dead_because_credits_come_first() -> None:
    report = reference_report()
    dead = [d for d in report.diagnostics if d.code == "GL603"]
    assert [d.message.split("`")[1] for d in dead] == ["R2_clean_conduct:fined->active"]


def test_reference_abstraction_keeps_the_evidence_leaves_consistent() -> None:
    from govlang.api import load

    model = model_of(load(REFERENCE))
    labels = [a.label for a in model.abstraction.atoms]
    assert {"high_hhi", "specialised", "at_nash", GATE} <= set(labels)
    assert [t.key for t in model.trackers] == ["variance_collapse", "restricting"]
    at_nash = labels.index("at_nash")
    for assignment in model.assignments:  # a leaf is evidence unless the firm plays Nash
        leaves = [assignment[labels.index(n)] for n in ("high_hhi", "specialised")]
        held = evaluate(model.evidence, Round(assignment, (0, 0)))
        if assignment[at_nash]:
            assert not held
        elif any(leaves):
            assert held


def test_bertrand_fast_track_is_reported_as_a_bypassed_streak() -> None:
    report = analyse(read_document(ROOT / "examples" / "bertrand_price_watch.gov")[0])
    assert report.result("agent", "P3").status == "violated"
    assert codes(report) == ["GL611"]


def test_output_floor_window_is_exact_so_no_evidence_means_no_floor() -> None:
    report = analyse(read_document(ROOT / "examples" / "output_floor.gov")[0])
    assert report.scopes[0].trackers == ["count_last(restricted, window)"]
    assert report.result("market", "P1").status == "proved"
