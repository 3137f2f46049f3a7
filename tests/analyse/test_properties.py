"""The built-in properties P1-P4, user assertions, bounds and the model's limits."""

from __future__ import annotations

import pytest

from govlang.analyse.model import MAX_ATOMS, ScopeModel, TooManyAtoms

from .support import codes, compile_text, model_of, per_agent, report_of

FINED = """  initial state active
  state fined {
    on enter: fine 100
  }
  rule R1 {
    active -> fined when high
  }
  restore R2 {
    fined -> active RESTORE
  }"""


def fined(restore: str, **kw: str) -> str:
    return per_agent(FINED.replace("RESTORE", restore), **kw)


@pytest.mark.parametrize(
    ("restore", "rounds"),
    [
        ("after 4 clean rounds", 4),
        ("after 6 rounds", 6),
        ("after 2 rounds when calm priority 1\n    fined -> active after 5 clean rounds", 5),
    ],
)
def test_p2_reports_the_exact_worst_case(restore: str, rounds: int) -> None:
    p2 = report_of(fined(restore)).result("agent", "P2")
    assert (p2.status, p2.rounds) == ("proved", rounds)
    assert p2.trace is not None and p2.trace.final_state == "active"


def test_p2_counterexample_is_a_lasso_that_never_leaves() -> None:
    report = report_of(fined("when calm"))
    p2 = report.result("agent", "P2")
    assert p2.status == "violated" and p2.trace is not None and p2.trace.loop is not None
    loop = [r for r in p2.trace.rounds if r.round >= p2.trace.loop]
    assert loop and all(r.state == "fined" and not r.evidence for r in loop)
    assert codes(report) == ["GL610"]
    assert report.errors == 1


def test_p2_and_p4_under_clean_conduct_only_constrain_the_evidence() -> None:
    # the way back needs `rich` to stay false: clean conduct does not promise that
    text = fined("when not rich after 2 rounds", evidence="rich")
    assert report_of(text).result("agent", "P2").status == "proved"
    text = fined("when not calm after 2 rounds")
    assert report_of(text).result("agent", "P2").status == "violated"


def test_p1_counterexample_has_no_evidence_and_ends_in_the_sanction() -> None:
    report = report_of(fined("after 2 clean rounds").replace("when high", "when rich"))
    p1 = report.result("agent", "P1")
    assert p1.status == "violated" and p1.trace is not None
    assert [r.evidence for r in p1.trace.rounds] == [False]
    assert p1.trace.final_state == "fined"


def test_p1_is_not_applicable_without_evidence_and_p2_then_quantifies_over_everything() -> None:
    text = fined("after 3 rounds").replace("  evidence high\n", "")
    report = report_of(text)
    assert report.result("agent", "P1").status == "not applicable"
    assert report.result("agent", "P2").rounds == 3


def test_terminal_sanction_states_are_exempt_from_restoration() -> None:
    text = per_agent(
        """  initial state active
  terminal state banned {
    on each round: exclude
  }
  rule R1 {
    active -> banned when high for 2 rounds
  }"""
    )
    report = report_of(text)
    assert report.result("agent", "P2").status == "proved"
    assert report.result("agent", "P4").status == "proved"


def test_p3_holds_when_the_only_edge_in_carries_the_streak() -> None:
    text = fined("after 2 clean rounds").replace("when high", "when high for 3 rounds")
    p3 = report_of(text).result("agent", "P3")
    assert p3.status == "proved" and "`fined`" in p3.detail


def test_p3_counterexample_enters_before_the_streak() -> None:
    text = fined("after 2 clean rounds").replace(
        "active -> fined when high",
        "active -> fined when high for 3 rounds\n    active -> fined when rich",
    )
    report = report_of(text, 50)
    p3 = report.result("agent", "P3")
    assert p3.status == "violated" and p3.trace is not None
    assert p3.trace.rounds[-1].edge == "R1:active->fined#2"
    assert len(p3.trace.rounds) < 3


def test_assertions_never_unless_reachable_and_leads_to() -> None:
    body = fined("after 3 clean rounds")
    tail = "\n".join(
        [
            "assert A1: never entered(fined) unless high",
            "assert A2: never fined",
            "assert A3: reachable fined and clean",
            "assert A4: fined leads to active within 3 rounds while clean",
            "assert A5: fined leads to active within 2 rounds while clean",
            "assert A6: entered(fined) leads to active within 0 rounds",
            "assert A7: always active or fined",
            "assert A8: reachable entered(fined) and clean",
        ]
    )
    report = report_of(body + tail + "\n")
    verdicts = {p.id: p.status for p in report.properties if p.id.startswith("A")}
    assert verdicts == {
        "A1": "proved",
        "A2": "violated",
        "A3": "reachable",
        "A4": "proved",
        "A5": "violated",
        "A6": "violated",
        "A7": "proved",
        "A8": "unreachable",
    }
    a5 = report.result("agent", "A5")
    assert a5.trace is not None and len(a5.trace.rounds) == 3
    assert [r.state for r in a5.trace.rounds] == ["fined", "fined", "fined"]
    assert report.result("agent", "A6").trace is not None


def test_leads_to_without_while_quantifies_over_every_continuation() -> None:
    body = fined("after 3 clean rounds")
    report = report_of(body + "assert A1: fined leads to active within 10 rounds\n")
    assert report.result("agent", "A1").status == "violated"  # evidence may go on for ever


def test_a_small_bound_gives_bounded_verdicts_and_gl615() -> None:
    report = report_of(fined("after 30 clean rounds"), bound=5)
    assert not report.scopes[0].exhausted
    assert report.result("agent", "P1").status == "bounded"
    assert codes(report) == ["GL615"]


def test_market_assertions_pick_the_market_scope() -> None:
    text = (
        fined("after 3 clean rounds")
        + "market {\n  initial state open\n  state alert\n  rule M { open -> alert when calm }\n"
        + "  restore N { alert -> open after 2 rounds }\n}\n"
        + "assert M1: alert leads to open within 2 rounds\nassert M2 market: reachable open\n"
    )
    report = report_of(text)
    assert report.result("market", "M1").status == "proved"
    assert report.result("market", "M2").status == "reachable"
    assert [s.kind for s in report.scopes] == ["agent", "market"]


def test_credits_without_max_are_capped_and_the_assumption_is_stated() -> None:
    text = per_agent(FINED.replace("RESTORE", "spend 2 credits"), extra="").replace(
        "  evidence high\n", "  evidence high\n  credits earn 1 per 2 clean rounds\n"
    )
    report = report_of(text)
    assert report.scopes[0].assumptions == [
        "credits have no `max`: the balance is assumed never to exceed 2"
    ]


def test_too_many_atoms_skip_the_behaviour_but_not_the_structure() -> None:
    ors = " or ".join(f"reward > {i}" for i in range(MAX_ATOMS + 1))
    text = fined("after 2 clean rounds", extra=f"monitor busy: bool[agent] = {ors}\n")
    text = text.replace("when high", "when busy")
    with pytest.raises(TooManyAtoms):
        model_of(compile_text(text))
    report = report_of(text)
    assert report.scopes[0].skipped is not None and report.properties == []
    assert "GL616" in codes(report)


def test_cooldown_closes_an_edge_for_its_rounds() -> None:
    text = per_agent(
        """  initial state a
  state b
  rule R {
    a -> b when high cooldown 3 rounds
  }
  restore Q {
    b -> a after 1 rounds
  }"""
    )
    model: ScopeModel = model_of(compile_text(text))
    letters = model.letters(model.initial_config())
    letter = next(x for x in letters if x.evidence and x.guards[0])
    config, entries = model.initial_config(), []
    for _ in range(10):
        step = model.step(config, letter)
        entries.append(step.edge == 0)
        config = step.config
    # traversed in round 1, back in round 2, closed in rounds 2-4, again in round 5
    assert entries == [True, False, False, False, True, False, False, False, True, False]
