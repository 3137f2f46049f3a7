"""Per-run metrics on hand-computed cases: every tier boundary, excesses, ratios, counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from govlang.experiments.enforcement import StateNames, count_enforcement
from govlang.experiments.metrics import (
    Aggregation,
    Benchmarks,
    MetricParams,
    ProfitGainThresholds,
    TierThresholds,
    bertrand_metrics,
    collusion_tier,
    cournot_metrics,
    metrics_from_observables,
    profit_gain,
    profit_gain_tier,
    round_excess,
)
from govlang.markets import BertrandMarket, CournotMarket
from govlang.runtime.events import Event


def up(x: float) -> float:
    """The next float above ``x``: the smallest value that is strictly greater."""
    return float(np.nextafter(x, np.inf))


def down(x: float) -> float:
    return float(np.nextafter(x, -np.inf))


# ------------------------------------------------------------------------------------- tiers

# (cv_excess, hhi_excess, tier): each threshold just below, exactly at, and just above.
BOUNDARIES = [
    (0.0, 0.0, 0),
    (-0.3, -0.5, 0),
    (1e-12, 0.0, 0),  # floating-point noise (<= zero = 1e-9) is no excess
    (1e-9, 1e-9, 0),
    (up(1e-9), 0.0, 1),
    (0.0, up(1e-9), 1),
    (-1.0, 0.1, 1),
    # moderate: CV > 0.25 or HHI > 0.15
    (down(0.25), 0.0, 1),
    (0.25, 0.0, 1),
    (up(0.25), 0.0, 2),
    (0.0, down(0.15), 1),
    (0.0, 0.15, 1),
    (0.0, up(0.15), 2),
    # strong: CV > 0.75 or HHI > 0.50 or (CV > 0.50 and HHI > 0.30)
    (down(0.75), 0.0, 2),
    (0.75, 0.0, 2),
    (up(0.75), 0.0, 3),
    (0.0, down(0.50), 2),
    (0.0, 0.50, 2),
    (0.0, up(0.50), 3),
    (0.50, 0.30, 2),
    (up(0.50), 0.30, 2),
    (0.50, up(0.30), 2),
    (up(0.50), up(0.30), 3),
    (down(0.50), up(0.30), 2),
    # severe: CV > 1.50 or HHI > 0.80 or (CV > 1.00 and HHI > 0.50)
    (down(1.50), 0.0, 3),
    (1.50, 0.0, 3),
    (up(1.50), 0.0, 4),
    (0.0, down(0.80), 3),
    (0.0, 0.80, 3),
    (0.0, up(0.80), 4),
    (1.00, 0.50, 3),
    (up(1.00), 0.50, 3),
    (1.00, up(0.50), 3),
    (up(1.00), up(0.50), 4),
    (down(1.00), up(0.50), 3),
    (np.inf, 0.0, 4),  # a zero Nash CV makes any specialisation an infinite excess
]


@pytest.mark.parametrize(("cv", "hhi", "tier"), BOUNDARIES)
def test_tier_boundaries(cv: float, hhi: float, tier: int) -> None:
    assert collusion_tier(cv, hhi) == tier
    assert collusion_tier(cv, hhi, TierThresholds()) == tier


def test_thresholds_are_params_and_frozen() -> None:
    t = TierThresholds(moderate_cv=0.1, severe_hhi=0.6)
    assert collusion_tier(0.2, 0.0, t) == 2
    assert collusion_tier(0.0, 0.7, t) == 4
    with pytest.raises(ValidationError):
        t.moderate_cv = 0.3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        TierThresholds(moderat_cv=0.1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("delta", "tier"),
    [
        (-0.5, 0),
        (0.0, 0),
        (1e-12, 0),
        (0.01, 1),
        (0.25, 1),
        (up(0.25), 2),
        (0.5, 2),
        (up(0.5), 3),
        (0.75, 3),
        (up(0.75), 4),
        (1.2, 4),
    ],
)
def test_profit_gain_tier_boundaries(delta: float, tier: int) -> None:
    assert profit_gain_tier(delta) == tier


def test_profit_gain() -> None:
    assert profit_gain(150.0, 100.0, 200.0) == 0.5
    assert profit_gain(90.0, 100.0, 200.0) == -0.1
    assert np.isnan(profit_gain(5.0, 3.0, 3.0))
    assert profit_gain_tier(0.3, ProfitGainThresholds(moderate=0.4)) == 1


# ----------------------------------------------------------------------- Cournot, by hand

NASH = np.array([[140.0, 80.0], [80.0, 140.0]]) / 3.0  # reference market
DIVISION = np.array([[60.0, 0.0], [0.0, 60.0]])
# Nash HHI = (7/11)^2 + (4/11)^2 = 65/121 per commodity; division HHI = 1.
HHI_EX_DIVISION = (1 - 65 / 121) / (65 / 121)  # = 56/65
# Nash CV of (140/3, 80/3) = 10 / (110/3) = 3/11; division CV of (60, 0) = 1.
CV_EX_DIVISION = (1 - 3 / 11) / (3 / 11)  # = 8/3


def test_round_excess_by_hand() -> None:
    hhi_ex, cv_ex = round_excess(np.stack([NASH, DIVISION]), NASH)
    assert hhi_ex.shape == (2, 2) and cv_ex.shape == (2, 2)
    assert np.allclose(hhi_ex, [[0, 0], [56 / 65, 56 / 65]])
    assert np.allclose(cv_ex, [[0, 0], [8 / 3, 8 / 3]])
    assert pytest.approx(56 / 65) == HHI_EX_DIVISION
    with pytest.raises(ValueError, match="rounds, firms, commodities"):
        round_excess(NASH, NASH)


def reference_run(quantities: list[np.ndarray], events: Any = (), **params: Any) -> Any:
    env = CournotMarket()
    rounds = [env.outcome(q) for q in quantities]
    return metrics_from_observables("cournot", rounds, events, MetricParams(**params))


def test_division_is_severe_and_nash_is_none() -> None:
    division = reference_run([DIVISION] * 3)
    assert division.tier == 4
    assert division.hhi_excess == pytest.approx(56 / 65)
    assert division.cv_excess == pytest.approx(8 / 3)
    nash = reference_run([NASH] * 3)
    assert nash.tier == 0
    assert nash.hhi_excess == pytest.approx(0.0, abs=1e-12)


def test_mean_over_rounds_by_hand() -> None:
    # One Nash round and one division round: HHI_ex = 28/65 = 0.43, CV_ex = 4/3 -> tier 3
    # (CV > 0.75; not severe: CV <= 1.5, HHI <= 0.8, and HHI <= 0.5 for the joint rule).
    m = reference_run([NASH, DIVISION])
    assert m.hhi_excess == pytest.approx(28 / 65)
    assert m.cv_excess == pytest.approx(4 / 3)
    assert m.tier == 3


@pytest.mark.parametrize(
    ("aggregation", "cv"),
    [
        ({"over_rounds": "max"}, 8 / 3),
        ({"over_rounds": "last"}, 8 / 3),
        ({"over_rounds": "median"}, 4 / 3),
        ({"burn_in": 1}, 8 / 3),
    ],
)
def test_aggregation_is_configurable(aggregation: dict[str, Any], cv: float) -> None:
    m = reference_run([NASH, DIVISION], aggregation=Aggregation(**aggregation))
    assert m.cv_excess == pytest.approx(cv)
    with pytest.raises(ValueError, match="burn-in"):
        reference_run([NASH], aggregation=Aggregation(burn_in=1))


def test_rounds_are_reduced_before_firms() -> None:
    # Round 1: firm 0 specialises, firm 1 plays Nash; round 2 the other way round. Each firm's
    # mean CV excess is 4/3, so the run's is 4/3 (reducing firms first would give 8/3).
    r1 = np.array([DIVISION[0], NASH[1]])
    r2 = np.array([NASH[0], DIVISION[1]])
    assert reference_run([r1, r2]).cv_excess == pytest.approx(4 / 3)


def test_firms_are_reduced_with_max_or_mean() -> None:
    # Firm 0 specialises in one of two rounds (mean 4/3), firm 1 never (0).
    r1 = np.array([DIVISION[0], NASH[1]])
    assert reference_run([r1, NASH]).cv_excess == pytest.approx(4 / 3)
    mean_firms = reference_run([r1, NASH], aggregation=Aggregation(over_firms="mean"))
    assert mean_firms.cv_excess == pytest.approx(2 / 3)


SUSPENDED = np.zeros((2, 2))
ONE_SUSPENDED = np.array([[0.0, 0.0], [0.0, 60.0]])


def test_idle_rounds_count_as_minus_one_when_asked() -> None:
    # Division, then a round where nobody produces: HHI 0 and CV 0, i.e. excess -1 each.
    counted = Aggregation(exclude_idle=False)
    m = reference_run([DIVISION, SUSPENDED], aggregation=counted)
    assert m.hhi_excess == pytest.approx((56 / 65 - 1) / 2)
    assert m.cv_excess == pytest.approx((8 / 3 - 1) / 2)
    assert m.tier == m.tier_idle_counted == 3 and m.tier_idle_excluded == 4
    assert m.idle_firm_rounds == 2


def test_idle_rounds_are_excluded_by_default() -> None:
    assert Aggregation().exclude_idle
    m = reference_run([DIVISION, SUSPENDED, NASH])
    assert m.hhi_excess == pytest.approx(28 / 65)  # mean of 56/65 and 0; the idle round dropped
    assert m.cv_excess == pytest.approx(4 / 3)
    assert m.tier == m.tier_idle_excluded == 3
    # counted, the idle round pulls both excesses down by a third of -1
    assert m.tier_idle_counted == collusion_tier((8 / 3 - 1) / 3, (56 / 65 - 1) / 3)
    # firm 0 suspended in round 2 only: its CV series drops that round; firm 1's keeps it
    one = reference_run([DIVISION, ONE_SUSPENDED])
    assert one.cv_excess == pytest.approx(8 / 3)
    assert one.idle_firm_rounds == 1
    # commodity A unsupplied in round 2: HHI_A keeps round 1 only; HHI_B averages 2 rounds
    assert one.hhi_excess == pytest.approx(56 / 65)
    last = Aggregation(over_rounds="last")
    assert reference_run([DIVISION, SUSPENDED], aggregation=last).cv_excess == pytest.approx(8 / 3)
    assert reference_run([SUSPENDED] * 2).tier == 0  # nothing to measure


def test_ratios_by_hand() -> None:
    m = reference_run([DIVISION] * 2)
    assert m.quantity_vs_nash == pytest.approx(120 / (440 / 3))  # 9/11
    assert m.quantity_vs_monopoly == pytest.approx(1.0)
    assert m.price_vs_nash == pytest.approx(70 / (190 / 3))  # 21/19
    assert m.price_vs_monopoly == pytest.approx(1.0)
    # Joint profit 2 x 30 x 60 = 3600 against Nash 2 x (1088.9 + 355.6) = 2888.9.
    assert m.profit_vs_nash == pytest.approx(3600 / (2 * (70 / 3 * 140 / 3 + 40 / 3 * 80 / 3)))
    assert m.profit_gain == pytest.approx(1.0)
    assert m.consumer_surplus_vs_nash == pytest.approx((9 / 11) ** 2)  # CS ~ Q^2
    assert m.rounds == 2 and m.market == "cournot"


def test_direct_arrays_match_the_observables_path() -> None:
    env = CournotMarket()
    outs = [env.outcome(q) for q in (NASH, DIVISION, DIVISION)]
    direct = cournot_metrics(
        [o["quantity"] for o in outs],
        [o["price"] for o in outs],
        [o["round_profit"] for o in outs],
        [o["consumer_surplus"] for o in outs],
        Benchmarks.from_observables(env.benchmarks, "nash"),
        Benchmarks.from_observables(env.benchmarks, "monopoly"),
    )
    assert direct == metrics_from_observables("cournot", outs)


def test_row_is_flat() -> None:
    row = reference_run([DIVISION]).as_row()
    assert row["tier"] == 4 and row["fines"] == 0 and "enforcement" not in row
    assert all(not isinstance(v, dict) for v in row.values())


def test_unknown_market_and_empty_runs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one round"):
        metrics_from_observables("cournot", [])
    with pytest.raises(ValueError, match="no collusion metrics"):
        metrics_from_observables("auction", [CournotMarket().outcome(NASH)])


# ---------------------------------------------------------------------------------- Bertrand


def test_bertrand_profit_gain_and_tiers() -> None:
    env = BertrandMarket()
    nash, monopoly = env.benchmarks["nash.price"], env.benchmarks["monopoly.price"]
    at_nash = metrics_from_observables("bertrand", [env.outcome(nash)] * 2)
    assert at_nash.profit_gain == pytest.approx(0.0, abs=1e-9) and at_nash.tier == 0
    at_monopoly = metrics_from_observables("bertrand", [env.outcome(monopoly)] * 2)
    assert at_monopoly.profit_gain == pytest.approx(1.0) and at_monopoly.tier == 4
    assert at_monopoly.price_vs_monopoly == pytest.approx(1.0)
    assert at_monopoly.price_vs_nash == pytest.approx(1.92498 / 1.47293, rel=1e-4)
    # Half the rounds at Nash, half at monopoly: Delta = 0.5 exactly -> tier 2 (strict >).
    mixed = metrics_from_observables("bertrand", [env.outcome(nash), env.outcome(monopoly)])
    assert mixed.profit_gain == pytest.approx(0.5)
    assert mixed.price_index == pytest.approx(0.5)


def test_bertrand_arrays_by_hand() -> None:
    bench = Benchmarks(
        quantity=(1.0, 1.0), price=(2.0, 2.0), profit=(10.0, 10.0), consumer_surplus=4.0
    )
    top = Benchmarks(
        quantity=(0.5, 0.5), price=(4.0, 4.0), profit=(20.0, 20.0), consumer_surplus=1.0
    )
    m = bertrand_metrics(
        prices=[[3.0, 3.0], [3.0, 5.0]],
        quantities=[[0.8, 0.8], [0.9, 0.6]],
        profits=[[15.0, 15.0], [16.0, 14.0]],
        consumer_surplus=[2.0, 3.0],
        nash=bench,
        monopoly=top,
    )
    assert m.profit_gain == pytest.approx(0.5)  # joint 30 vs 20 (Nash) and 40 (monopoly)
    assert m.tier == 2  # 0.5 > 0.25 (moderate) but not > 0.5 (strong)
    assert m.price_vs_nash == pytest.approx(3.5 / 2.0)
    assert m.price_index == pytest.approx(((3 - 2) / 2 + (4 - 2) / 2) / 2)
    assert m.consumer_surplus_vs_nash == pytest.approx(2.5 / 4.0)
    assert m.quantity_vs_nash == pytest.approx(1.55 / 2.0)


# ---------------------------------------------------------------------------- enforcement


def ev(kind: str, round_: int, **detail: Any) -> dict[str, Any]:
    return {"kind": kind, "round": round_, "instance": detail.get("agent"), "detail": detail}


EVENTS = [
    ev("evidence", 1, monitor="coordination"),
    ev("traversal", 1, **{"from": "active", "to": "warning"}),
    ev("notice", 1, text="Warning under P2"),
    ev("traversal", 2, **{"from": "warning", "to": "fined"}),
    ev(
        "sanction",
        2,
        sanction="fine ladder fine_ladder of profit floor fine_floor to treasury",
        agent="firm_0",
        amount=630.0,
    ),
    ev(
        "sanction",
        3,
        sanction="fine ladder fine_ladder of profit floor fine_floor to treasury",
        agent="firm_1",
        amount=200.0,
    ),
    ev("blocked", 3, **{"from": "fined", "to": "suspended", "reasons": ["streak 1 < 5"]}),
    ev("blocked", 4, **{"from": "fined", "to": "suspended", "reasons": ["streak 2 < 5"]}),
    ev("traversal", 4, **{"from": "fined", "to": "suspended"}),
    *[ev("sanction", r, sanction="suspend", agent="firm_0") for r in (5, 6, 7, 9)],
    ev("sanction", 5, sanction="suspend", agent="firm_1"),
    ev("sanction", 8, sanction="cap action at 10", agent="firm_1"),
    ev("restoration", 8, **{"from": "suspended", "to": "active"}),
    ev("restoration", 9, **{"from": "fined", "to": "credited", "spent": 1}),
    ev(
        "sanction",
        9,
        sanction="grant 50 from treasury",
        agent="firm_1",
        requested=50.0,
        amount=40.0,
    ),
    ev("sanction", 10, sanction="exclude", agent="firm_1"),
]


def test_enforcement_counts_by_hand() -> None:
    c = count_enforcement(EVENTS)
    assert c.warnings == 1
    assert c.fines == 2 and c.fine_total == pytest.approx(830.0)
    assert c.suspensions == 3  # firm_0: rounds 5-7 and 9 (two episodes); firm_1: round 5
    assert c.exclusions == 1
    # agent-rounds under a constraint: firm_0 {5,6,7,9}, firm_1 {5, 8, 10}
    assert c.constrained_rounds == 7
    assert c.credits == 1 and c.restorations == 2
    assert c.grants == 1 and c.grant_total == pytest.approx(40.0)
    assert c.blocked_requests == 2
    assert c.any_action


def test_enforcement_counts_accept_runtime_events_and_other_state_names() -> None:
    event = Event(
        "traversal",
        3,
        "agent",
        "firm_0",
        "P2",
        "P2:active->review",
        detail={"from": "active", "to": "review"},
    )
    assert count_enforcement([event]).warnings == 0
    assert count_enforcement([event], StateNames(warning=("review",))).warnings == 1
    assert count_enforcement([]) == count_enforcement(())
    assert not count_enforcement([]).any_action
    with pytest.raises(TypeError, match="not an institutional event"):
        count_enforcement([42])


def test_enforcement_counts_reach_the_run_metrics() -> None:
    m = reference_run([DIVISION] * 2, EVENTS, states=StateNames())
    assert m.enforcement.fines == 2
    assert m.as_row()["suspensions"] == 3


def test_a_fine_that_comes_to_zero_is_not_counted() -> None:
    zero = ev("sanction", 3, sanction="fine 0 * profit", agent="firm_0", amount=0.0)
    c = count_enforcement([*EVENTS, zero])
    assert c.fines == 2 and c.fine_total == pytest.approx(830.0)
    assert count_enforcement([zero]).any_action is False
