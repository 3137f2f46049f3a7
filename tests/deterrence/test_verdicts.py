"""Verdicts, free rounds and minimum fines, cross-checked against replays of the patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govlang.deterrence import Assessment, PatternAssessment, assess, build_market
from govlang.deterrence.patterns import patterns
from govlang.deterrence.play import play
from govlang.experiments.replay import replay

from .support import HHI_WATCH, REFERENCE, WARN_ONLY, compiled_for, write

MARKET = build_market("cournot", {})


def by_key(assessment: Assessment) -> dict[str, PatternAssessment]:
    return {p.pattern.key: p for p in assessment.patterns}


def write_actions(path: Path, profile: dict[str, object], rounds: int) -> Path:
    """An actions file for ``govlang replay``: ``profile`` every round."""
    import json

    lines = [json.dumps({"round": t, "actions": profile}) for t in range(1, rounds + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("key", ["symmetric_restriction", "market_division"])
@pytest.mark.parametrize("discount", [1.0, 0.9])
def test_persistent_payoffs_match_govlang_replay(tmp_path: Path, key: str, discount: float) -> None:
    horizon = 30
    result = assess(compiled_for(REFERENCE, MARKET), MARKET, horizon, discount, search=False)
    item = by_key(result)[key]
    actions = item.pattern.actions
    collude = replay(
        REFERENCE, write_actions(tmp_path / "c.jsonl", MARKET.profile(actions), horizon)
    )
    compete = replay(
        REFERENCE, write_actions(tmp_path / "n.jsonl", MARKET.profile(MARKET.nash), horizon)
    )
    w = discount ** np.arange(horizon)
    for firm, econ in zip(item.persistent.firms, item.economics, strict=True):
        mediated = np.array([t.mediated[firm.firm] for t in collude.rounds])
        competing = np.array([t.mediated[firm.firm] for t in compete.rounds])
        assert firm.gain == pytest.approx(float(w @ (mediated - competing)))
        assert firm.penalty == pytest.approx(float(w @ (econ.collusive - mediated)))
        # nobody fines Nash play here, so the net gain is rent minus penalty
        assert competing == pytest.approx(np.full(horizon, econ.nash))
        assert firm.gain == pytest.approx(firm.rent - firm.penalty)
        closed = econ.rent * (
            horizon if discount == 1.0 else (1 - discount**horizon) / (1 - discount)
        )
        assert firm.rent == pytest.approx(closed)
        if discount == 1.0:
            _, kept = collude.totals()[firm.firm]
            assert firm.gain == pytest.approx(kept - compete.totals()[firm.firm][1])
            fined = sum(
                e.detail["amount"]
                for e in collude.events
                if e.kind == "sanction" and "rate" in e.detail and e.detail["agent"] == firm.firm
            )
            assert firm.fines == pytest.approx(fined)


def test_the_reference_institution_lets_evasive_cartels_through() -> None:
    result = assess(compiled_for(REFERENCE, MARKET), MARKET, 50, 0.95, search=False)
    division = by_key(result)["market_division"]
    persistent, evasive = division.persistent, division.evasive
    assert persistent.deterred and not evasive.deterred
    firm = persistent.firms[0]
    assert firm.first_evidence == 1 and firm.first_act[0] == 1 and firm.first_sanction[0] == 2
    assert firm.free_rounds == 1
    assert [s.text() for s in firm.path[:3]] == [
        "r1 warning",
        "r2-4 fined (630.00, 1350.00, 1800.00)",
        "r5-9 suspended [constrained]",
    ]
    # evasive: collude in rounds 1, 7, 13, ... (a warning lapses after five rounds)
    sneaky = evasive.firms[0]
    assert sneaky.collusive_rounds == 9 and sneaky.first_sanction is None and sneaky.restored == 6
    assert division.verdict.text().startswith("cannot deter (restoration too quick")
    restriction = by_key(result)["symmetric_restriction"]
    assert restriction.persistent.firms[0].free_rounds == 2


def test_without_lapsing_warnings_the_reference_deters_after_its_free_rounds() -> None:
    compiled = compiled_for(REFERENCE, MARKET, {"warning_expiry": 50})
    result = by_key(assess(compiled, MARKET, 50, 0.95, search=False))
    assert result["market_division"].verdict.text() == "deters after 1 free round"
    assert result["symmetric_restriction"].verdict.text() == "deters after 2 free rounds"


def test_not_detected_fine_too_small_and_the_minimum_fine(tmp_path: Path) -> None:
    compiled = compiled_for(write(tmp_path, HHI_WATCH), MARKET)
    result = by_key(assess(compiled, MARKET, 20, 0.9))
    restriction, division = result["symmetric_restriction"], result["market_division"]
    assert restriction.verdict.reason == "not_detected"
    assert division.verdict.reason == "fine_too_small"
    assert division.verdict.free_rounds == 0
    # fined `rate` x 1800 from round 1 on: deterred iff 1800 (1 - 0.1 s) <= Nash profit
    nash = division.economics[0].nash
    exact = (1800.0 - nash) / (0.1 * 1800.0)
    minimum = division.minimum
    assert minimum.params.scaled == ("rate",)
    assert exact <= minimum.scale <= exact * (1 + 1e-3)
    assert minimum.outside == ("rate in [0, 0.15]",)
    # the threshold found deters when replayed; just below it does not
    for scale, deterred in ((minimum.scale, True), (exact * 0.99, False)):
        candidate = compiled_for(
            write(tmp_path, HHI_WATCH.replace("in [0, 0.15]", "in [0, 1]"), "wide.gov"),
            MARKET,
            {"rate": 0.1 * scale},
        )
        verdict = by_key(assess(candidate, MARKET, 20, 0.9, search=False))[
            "market_division"
        ].verdict
        assert (verdict.kind == "deters") is deterred, (scale, verdict)
    # restriction is never detected, so no fine scale helps
    assert restriction.minimum.persistent.scale is None
    assert restriction.minimum.persistent.fined is False


def test_not_sanctioned(tmp_path: Path) -> None:
    compiled = compiled_for(write(tmp_path, WARN_ONLY), MARKET)
    result = by_key(assess(compiled, MARKET, 10, 0.95))
    assert result["market_division"].verdict.reason == "not_sanctioned"
    assert result["market_division"].minimum.params.fines == 0


def test_a_pattern_without_rent(tmp_path: Path) -> None:
    market = build_market("cournot", {"costs": [[10, 90], [90, 10]]})
    assert "nash" in market.numeric
    result = by_key(assess(compiled_for(REFERENCE, market), market, 10, 0.95))
    restriction = result["symmetric_restriction"]
    assert all(e.rent < 0 for e in restriction.economics)
    assert restriction.verdict.kind == "no_rent" and restriction.minimum is None


def test_evasive_play_reads_the_standings() -> None:
    compiled = compiled_for(REFERENCE, MARKET)
    division = next(p for p in patterns(MARKET) if p.key == "market_division")
    assert division.actions is not None
    played = play(compiled, MARKET, division.actions, "evasive", 14)
    colluded = played.colluded("firm_0", division.actions[0])
    assert [t for t, c in enumerate(colluded, 1) if c] == [1, 7, 13]
    assert played.standing("firm_0")[:7] == ("warning",) * 5 + ("active", "warning")


def test_a_market_scope_constraint_counts_only_where_it_binds() -> None:
    gov = REFERENCE.parent / "output_floor.gov"
    result = by_key(assess(compiled_for(gov, MARKET), MARKET, 30, 0.95, search=False))
    # the floor (10 units a commodity) never binds on 30 + 30: detected, never sanctioned
    restriction = result["symmetric_restriction"]
    assert restriction.verdict.reason == "not_sanctioned"
    firm = restriction.persistent.firms[0]
    assert firm.first_act is not None and firm.first_act[0] == 3 and firm.first_sanction is None
    assert not any(s.constrained for s in firm.path)
    # it binds on (60, 0): from round 4, the first round played under the floor
    division = result["market_division"].persistent.firms[0]
    assert division.first_sanction == (4, "floor under M1_adequate_supply")
    assert division.free_rounds == 3
    assert division.path[1].state == "floored" and division.path[1].constrained
    assert result["market_division"].verdict.reason == "fine_too_small"


def test_the_sanction_path_shows_ladder_steps_floors_and_constraints() -> None:
    compiled = compiled_for(REFERENCE, MARKET, {"fine_floor": 1000.0})
    result = by_key(assess(compiled, MARKET, 12, 0.95, search=False))
    firm = result["market_division"].persistent.firms[0]
    # round 2: 0.35 x 1800 = 630 is raised to the floor of 1000; then 0.75, 1.0 of 1800
    assert firm.first_sanction == (
        2,
        "fine 1000.00 (0.35 x 1800.00, raised to the floor, ladder step 0) "
        "under P2_independent_decision",
    )
    assert firm.path[1].fines == (1000.0, 1350.0, 1800.0)
    sanctions = firm.sanctions
    assert (sanctions.fines, sanctions.floors, sanctions.caps) == (4, 1, 0)
    assert sanctions.steps == (0, 1, 2, 2)  # rounds 2-4, then round 12 after the restoration
    assert sanctions.constrained == 5  # suspended during rounds 6-10
    assert sanctions.text() == (
        "4 fines (ladder steps 0-2; 1 raised to the floor), 5 rounds constrained"
    )


def test_bertrand_payoffs_match_govlang_replay(tmp_path: Path) -> None:
    gov = REFERENCE.parent / "bertrand_price_watch.gov"
    market = build_market("bertrand", {})
    horizon = 25
    result = assess(compiled_for(gov, market), market, horizon, 1.0, search=False)
    item = result.patterns[0]
    assert item.pattern.key == "joint_pricing" and item.pattern.actions is not None
    collude = write_actions(tmp_path / "c.jsonl", market.profile(item.pattern.actions), horizon)
    compete = write_actions(tmp_path / "n.jsonl", market.profile(market.nash), horizon)
    colluding = replay(gov, collude, market="bertrand").totals()
    competing = replay(gov, compete, market="bertrand").totals()
    for firm in item.persistent.firms:
        assert firm.gain == pytest.approx(colluding[firm.firm][1] - competing[firm.firm][1])
    # over 25 undiscounted rounds, the cap and the refund outweigh the rent of pricing high
    # every round; but a watch ends after 3 clean rounds, and pricing high again pays
    assert item.persistent.deterred and not item.evasive.deterred
    assert item.verdict.reason == "restoration_too_quick"
    watched = item.persistent.firms[0]
    assert watched.first_act is not None and watched.first_act[0] == 3  # watch_rounds = 3
