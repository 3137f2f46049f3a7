"""Step 3 and step 7: action constraints, fines, transfers, grants and payoff mediation."""

from __future__ import annotations

from fractions import Fraction

import gymnasium
import numpy as np
import pytest

from govlang.lang import ir
from govlang.lang.money import AccountingError
from govlang.runtime.constraints import Bounds, constrain
from govlang.runtime.ledger import Ledger, RoundBook
from govlang.runtime.plan import SanctionSite
from govlang.runtime.sanctions import fine_amount

from .support import compile_text, echo, kinds, standings

HEAD = """
institution T
action: number in [0, 100]
monitor bad: bool[agent] = action > 50
"""

BAD, GOOD = [60, 0], [0, 0]


def punish(
    sanctions: str, when: str = "on enter", extra: str = "", back: str = "when not bad"
) -> str:
    """An institution whose `punished` state carries ``sanctions`` (one per line)."""
    lines = "\n".join(f"    {when}: {s}" for s in sanctions.strip().splitlines())
    return (
        HEAD
        + extra
        + f"""
per agent {{
  evidence bad
  initial state ok "OK"
  state punished "PUNISHED" "Punished." {{
{lines}
  }}
  rule R {{ ok -> punished when bad }}
  restore Back {{ punished -> ok {back} }}
}}
"""
    )


def mediated(env: object, round_index: int) -> dict[str, float]:
    history = env.history  # type: ignore[attr-defined]
    return dict(history[round_index - 1].mediated)


# ----------------------------------------------------------------------------- fines


def test_fine_of_profit_with_floor_plus_and_cap() -> None:
    # profit 600: 0.1 * 600 + 5 = 65, raised to the floor 100, under the cap 1000
    env = echo(compile_text(punish("fine 0.1 of profit plus 5 floor 100 cap 1000")), [BAD])
    (_, fine), *_ = kinds(env, "sanction")
    assert fine.detail["amount"] == 100.0 and fine.detail["profit"] == 600.0
    assert mediated(env, 1) == {"a0": 500.0, "a1": 0.0}


def test_cap_wins_over_floor() -> None:
    env = echo(compile_text(punish("fine 0.5 of profit floor 400 cap 250")), [BAD])
    (_, fine), *_ = kinds(env, "sanction")
    assert fine.detail["amount"] == 250.0


def test_fine_of_a_loss_is_the_floor_and_a_fixed_fine_ignores_profit() -> None:
    rate = ir.Number(value=0.5)
    of_profit = ir.Fine(amount=rate, of_profit=True, floor=ir.Number(value=7.0))
    site = SanctionSite("s", "on_enter", of_profit, rates=(0.5,), floor=7.0)
    assert fine_amount(site, -100.0, 0, float) == 7  # max(profit, 0) = 0, then the floor
    assert fine_amount(site, 100.0, 0, float) == 50
    fixed = SanctionSite("f", "on_enter", ir.Fine(amount=ir.Number(value=25.0)), rates=(25.0,))
    assert fine_amount(fixed, -100.0, 0, float) == 25
    assert fine_amount(fixed, 1e6, 0, float) == 25
    ladder = SanctionSite("l", "on_enter", of_profit, rates=(0.1, 0.2))
    assert [float(fine_amount(ladder, 10.0, k, float)) for k in range(4)] == [1, 2, 2, 2]


def test_fine_hits_the_round_whose_evidence_triggered_it() -> None:
    env = echo(compile_text(punish("fine 0.5 of profit")), [GOOD, BAD, GOOD])
    assert [mediated(env, t)["a0"] for t in (1, 2, 3)] == [0.0, 300.0, 0.0]


def test_on_each_round_fines_the_state_occupied_during_the_round() -> None:
    env = echo(compile_text(punish("fine 10", when="on each round")), [BAD, BAD, GOOD, GOOD])
    # entered in round 1 (no per-round fine yet); occupied during rounds 2 and 3; left in 3
    rounds = [r for r, _ in kinds(env, "sanction")]
    assert rounds == [2, 3]
    assert standings(env) == ["punished", "punished", "ok", "ok"]


def test_fines_to_others_are_split_equally_and_exactly() -> None:
    env = echo(compile_text(punish("fine 100 to others")), [[60, 0, 0, 0]])
    assert mediated(env, 1) == {"a0": 500.0, "a1": 100 / 3, "a2": 100 / 3, "a3": 100 / 3}
    state = env.institutional_state
    assert state is not None and state.ledger == Ledger(fined=Fraction(100))


def test_fines_to_consumers_leave_the_agents() -> None:
    env = echo(compile_text(punish("fine 0.25 of profit to consumers")), [BAD])
    state = env.institutional_state
    assert state is not None
    assert state.ledger.consumers == 150 and state.ledger.treasury == 0
    assert mediated(env, 1) == {"a0": 450.0, "a1": 0.0}


def test_grants_are_paid_after_fines_and_limited_by_the_treasury() -> None:
    text = (
        HEAD
        + """
monitor calm: bool[agent] = action < 10
per agent {
  evidence bad
  initial state ok
  state punished { on enter: fine 0.5 of profit }
  state rewarded { on enter: grant 200 from treasury }
  rule R { ok -> punished when bad  ok -> rewarded when calm }
  restore Back { punished -> ok when not bad  rewarded -> ok when not calm }
}
"""
    )
    # round 1: a0 fined 300 (a0 is first), a1 asks for 200: paid in full after the fine
    # round 3: a1 asks again; the treasury holds 100
    env = echo(compile_text(text), [[60, 0], [20, 20], [20, 0]])
    grants = [
        (r, e.instance, e.detail["requested"], e.detail["amount"])
        for r, e in kinds(env, "sanction")
        if e.detail["sanction"].startswith("grant")
    ]
    assert grants == [(1, "a1", 200.0, 200.0), (3, "a1", 200.0, 100.0)]
    assert mediated(env, 1) == {"a0": 300.0, "a1": 200.0}
    state = env.institutional_state
    assert state is not None and state.ledger.treasury == 0 and state.ledger.granted == 300


def test_market_scope_fines_hit_every_agent_on_its_own_profit() -> None:
    text = (
        HEAD
        + """
monitor alarm: bool = any(bad over agents)
market {
  evidence alarm
  initial state open
  state closed { on enter: fine 0.1 of profit floor 1 }
  rule M { open -> closed when alarm }
  restore N { closed -> open when not alarm }
}
"""
    )
    env = echo(compile_text(text), [[60, 20]])
    amounts = [(e.detail["agent"], e.detail["amount"]) for _, e in kinds(env, "sanction")]
    assert amounts == [("a0", 60.0), ("a1", 20.0)]


# ----------------------------------------------------------------------------- constraints


def test_suspension_forces_zero_from_the_round_after_entry() -> None:
    env = echo(compile_text(punish("suspend", when="on each round")), [BAD, BAD, GOOD])
    requested = [t.requested["a0"] for t in env.history]
    effective = [t.effective["a0"] for t in env.history]
    assert requested == [60.0, 60.0, 0.0]
    assert effective == [60.0, 0.0, 0.0]
    constraint = [
        (r, e.detail["requested"], e.detail["effective"]) for r, e in kinds(env, "sanction")
    ]
    # monitors read the effective action: suspended at 0, a0 is no longer `bad` in round 2
    assert constraint == [(2, 60.0, 0.0)]
    assert standings(env) == ["punished", "ok", "ok"]


def test_cap_and_floor_values_come_from_the_previous_round() -> None:
    text = punish(
        "cap action at last_other\nfloor action at 5",
        when="on each round",
        extra="monitor last_other: number[agent] = sum(action over agents) - action\n",
        back="after 10 rounds",
    )
    # round 1: a0 bad (60) while a1 plays 40 -> punished; round 2: a0 capped at round 1's
    # `last_other` = 40 (a1's action then), floored at 5; round 3: a1 played 3 in round 2,
    # the cap (3) wins over the floor (5).
    env = echo(compile_text(text), [[60, 40], [90, 3], [90, 0]])
    assert [t.effective["a0"] for t in env.history] == [60.0, 40.0, 3.0]


def test_constraint_values_before_round_one_are_zero() -> None:
    text = (
        HEAD
        + """
monitor level: number = max(action over agents)
market {
  initial terminal state capped { on each round: cap action at level + 1 }
}
"""
    )
    env = echo(compile_text(text), [[50, 30], [50, 30], [50, 30]])
    # round 1: no oracle value exists yet, so the whole cap `level + 1` is 0; round 2: the
    # largest effective action of round 1 (0) + 1; round 3: that of round 2 (1) + 1
    assert [t.effective["a0"] for t in env.history] == [0.0, 1.0, 2.0]
    assert [t.effective["a1"] for t in env.history] == [0.0, 1.0, 2.0]


def test_constrain_clips_floors_caps_then_zeroes_inside_the_space() -> None:
    box = gymnasium.spaces.Box(0.0, 10.0, shape=(2,), dtype=np.float64)
    assert constrain([20.0, -1.0], box, Bounds(floors=(3.0,))).tolist() == [10.0, 3.0]
    assert constrain([5.0, 5.0], box, Bounds(floors=(8.0,), caps=(6.0,))).tolist() == [6.0, 6.0]
    assert constrain([5.0, 5.0], box, Bounds(floors=(8.0,), zero=True)).tolist() == [0.0, 0.0]
    untouched = [20.0, -1.0]
    assert constrain(untouched, box, Bounds()) is untouched
    shifted = gymnasium.spaces.Box(1.0, 3.0, shape=(), dtype=np.float64)
    assert float(constrain(2.5, shifted, Bounds(zero=True))) == 1.0  # 0 is outside: lowest
    discrete = gymnasium.spaces.Discrete(5)
    assert constrain(4, discrete, Bounds(caps=(2.5,))) == 2


def test_exclusion_forces_zero_like_suspension() -> None:
    env = echo(compile_text(punish("exclude", when="on each round")), [BAD, BAD])
    assert [t.effective["a0"] for t in env.history] == [60.0, 0.0]


# ----------------------------------------------------------------------------- ledger


def test_the_ledger_refuses_to_create_money() -> None:
    book = RoundBook(Ledger(), [10.0, None])
    book.fine(0, Fraction(3), "others")  # nobody else present: to the treasury
    settled = book.settle()
    assert settled.mediated == (7.0, None) and settled.ledger.treasury == 3
    with pytest.raises(AccountingError):
        RoundBook(Ledger(), [1.0]).fine(0, Fraction(-1), "treasury")


def test_untouched_payoffs_are_passed_on_bit_for_bit() -> None:
    raw = [-0.0, float("nan"), 1e308]
    settled = RoundBook(Ledger(), raw).settle()
    assert all(a is b for a, b in zip(settled.mediated, raw, strict=True))
