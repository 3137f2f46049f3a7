"""The reason coder: each code's patterns, the directive rule, pooling per regime and tier."""

from __future__ import annotations

import pytest

from govlang.experiments.reasons import CODES, code_reason, reason_counts, reason_text


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("my rival keeps its output high", {"rival"}),
        ("the other firm produces 40", {"rival"}),
        ("we should divide the market: you take a, I take b", {"division"}),
        ("market division at the joint optimum", {"division"}),
        ("I will specialise in commodity b and stay out of a", {"division"}),
        ("I was fined 630 under rule p2", {"institution"}),
        ("my standing is suspended", {"institution"}),
        ("I must not collude with anyone.", {"directive"}),
        ("the constitution applies", {"directive"}),
        ("we coordinate. not a problem", set()),  # negation in another sentence
        ("market share 44%, round profit 850", set()),
        ("", set()),
    ],
)
def test_each_code_has_its_patterns(text: str, codes: set[str]) -> None:
    assert code_reason(text) == frozenset(codes)


def test_an_answer_can_carry_every_code() -> None:
    text = "the rival and I divide the market; the regulator fines collusion, so avoid colluding"
    assert code_reason(text) == frozenset(CODES)


def test_the_reason_text_joins_the_stated_reason_and_the_notes_lower_cased() -> None:
    decision = {"reasoning": "Rival", "notes": {"plans": "Divide", "insights": ""}}
    assert reason_text(decision) == "rival\ndivide"
    assert reason_text({}) == ""


def test_runs_that_acknowledged_the_directive_and_colluded_anyway_are_counted() -> None:
    directive, rival = frozenset({"directive"}), frozenset({"rival"})
    counts = reason_counts(
        [
            ("constitutional", 4, [directive, rival]),  # acknowledged, severe: counted
            ("constitutional", 2, [directive]),  # acknowledged, low tier: not counted
            ("constitutional", 3, [rival, rival]),  # colluded, never acknowledged
            ("ungoverned", 4, []),  # no coded answer: left out
        ]
    )
    c = counts["constitutional"]
    assert (c.runs, c.answers, c.colluded_anyway) == (3, 5, 1)
    assert c.by_code == {"rival": 3, "division": 0, "institution": 0, "directive": 2}
    assert c.runs_by_code == {"rival": 2, "division": 0, "institution": 0, "directive": 2}
    assert "ungoverned" not in counts
