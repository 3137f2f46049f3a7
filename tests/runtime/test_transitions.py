"""Step 6: priority, cooldown, dwell, persistence, clean rounds, credits and blocked requests.

Each test governs the tiny EchoEnv with a purpose-built institution. Agent a0's action is the
signal: ``bad`` holds in a round when a0 plays more than 50.
"""

from __future__ import annotations

from .support import compile_text, echo, kinds, standings

HEAD = """
institution T
action: number in [0, 100]
monitor bad: bool[agent] = action > 50
monitor good: bool[agent] = action < 10
"""

BAD, OK, GOOD = [60, 0], [30, 0], [0, 0]


def institution(body: str, extra: str = "") -> str:
    return HEAD + extra + "per agent {\n  evidence bad\n" + body + "\n}\n"


def test_higher_priority_wins_over_declaration_order() -> None:
    text = institution(
        """
  initial state s
  state first
  state second
  rule R {
    s -> first when bad
    s -> second when bad priority 2
  }
"""
    )
    env = echo(compile_text(text), [BAD])
    assert standings(env) == ["second"]
    assert [e.edge for _, e in kinds(env, "traversal")] == ["R:s->second"]


def test_equal_priority_falls_back_to_declaration_order() -> None:
    text = institution(
        """
  initial state s
  state first
  state second
  rule R { s -> first when bad }
  rule Q { s -> second when bad }
"""
    )
    assert standings(echo(compile_text(text), [BAD])) == ["first"]


def test_persistence_needs_consecutive_rounds_and_counts_in_every_state() -> None:
    text = institution(
        """
  initial state s
  state watch
  state hit
  rule R {
    s -> watch when bad
    watch -> hit when bad for 3 rounds
  }
"""
    )
    # bad, bad, clean, bad, bad, bad: the streak restarts after the clean round; it counts
    # rounds spent in `s` too, so `hit` is reached in round 6, not 7.
    env = echo(compile_text(text), [BAD, BAD, GOOD, BAD, BAD, BAD])
    assert standings(env) == ["watch", "watch", "watch", "watch", "watch", "hit"]
    blocked = [(r, e.detail["reasons"]) for r, e in kinds(env, "blocked")]
    assert blocked == [
        (2, ["guard held 2 of 3 consecutive rounds"]),
        (4, ["guard held 1 of 3 consecutive rounds"]),
        (5, ["guard held 2 of 3 consecutive rounds"]),
    ]


def test_dwell_counts_rounds_completed_in_the_state() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad }
  restore Back { away -> s after 3 rounds }
"""
    )
    env = echo(compile_text(text), [BAD, OK, OK, OK, OK])
    # entered in round 1; rounds 2, 3 and 4 are its three rounds; back in round 4
    assert standings(env) == ["away", "away", "away", "s", "s"]
    restorations = kinds(env, "restoration")
    assert [(r, e.detail["dwell"]) for r, e in restorations] == [(4, 3)]


def test_dwell_on_a_guarded_edge_is_a_blocking_reason() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad  away -> s when good after 2 rounds }
"""
    )
    env = echo(compile_text(text), [BAD, GOOD, GOOD])
    assert standings(env) == ["away", "away", "s"]
    assert [(r, e.detail["reasons"]) for r, e in kinds(env, "blocked")] == [
        (2, ["1 of 2 rounds in `away`"])
    ]


def test_cooldown_blocks_until_more_rounds_have_passed() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad cooldown 3 rounds }
  restore Back { away -> s when not bad }
"""
    )
    env = echo(compile_text(text), [BAD, GOOD, BAD, BAD, BAD])
    # traversed in round 1; requests in rounds 3 and 4 are within the cooldown; 5 - 1 > 3
    assert standings(env) == ["away", "s", "s", "s", "away"]
    assert [(r, e.detail["reasons"]) for r, e in kinds(env, "blocked")] == [
        (3, ["cooldown: last traversed in round 1, 3 rounds must pass"]),
        (4, ["cooldown: last traversed in round 1, 3 rounds must pass"]),
    ]


def test_clean_rounds_restore_and_evidence_restarts_the_count() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad }
  restore Back { away -> s after 2 clean rounds }
"""
    )
    env = echo(compile_text(text), [BAD, OK, BAD, OK, OK])
    assert standings(env) == ["away", "away", "away", "away", "s"]


def test_credits_are_earned_capped_and_spent() -> None:
    text = institution(
        """
  credits earn 1 per 2 clean rounds max 1
  initial state s
  state away
  state step
  rule R { s -> away when bad }
  restore Back { away -> step spend 1 credits  step -> s when good }
"""
    )
    # rounds 1-4 clean: one credit at round 2, capped at 1 at round 4; round 5 bad enters
    # `away` (the earn counter restarts); round 6 spends the credit at once (no `when`:
    # requested when affordable); rounds 6-7 earn the next one, spent in round 9.
    env = echo(compile_text(text), [OK, OK, OK, OK, BAD, OK, GOOD, BAD, BAD, OK])
    assert standings(env) == ["s", "s", "s", "s", "away", "step", "s", "away", "step", "step"]
    state = env.institutional_state
    assert state is not None
    assert (state.instances[0].credits, state.instances[0].credit_counter) == (0, 1)
    spent = [e for _, e in kinds(env, "restoration") if e.edge == "Back:away->step"]
    assert [(e.round, e.detail["credits"], e.detail["spent"]) for e in spent] == [
        (6, 1.0, 1),
        (9, 1.0, 1),
    ]


def test_an_edge_without_when_is_requested_only_when_its_counts_hold() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad }
  restore Back { away -> s after 2 clean rounds cooldown 10 rounds }
"""
    )
    env = echo(compile_text(text), [BAD, OK, OK, BAD, OK, OK, OK])
    # never blocked for its counts; the second restoration is blocked by the cooldown only
    blocked = kinds(env, "blocked")
    assert [(r, e.detail["reasons"]) for r, e in blocked] == [
        (6, ["cooldown: last traversed in round 3, 10 rounds must pass"]),
        (7, ["cooldown: last traversed in round 3, 10 rounds must pass"]),
    ]


def test_at_most_one_traversal_per_instance_per_round() -> None:
    text = institution(
        """
  initial state a
  state b
  state c
  rule R { a -> b when bad  b -> c when bad }
"""
    )
    env = echo(compile_text(text), [BAD, BAD])
    assert standings(env) == ["b", "c"]
    assert [len(kinds(env, "traversal", "a0"))] == [2]


def test_blocked_requests_after_the_traversed_edge_are_not_examined() -> None:
    text = institution(
        """
  initial state s
  state first
  state late
  rule R {
    s -> first when bad priority 1
    s -> late when bad for 5 rounds
  }
"""
    )
    env = echo(compile_text(text), [BAD])
    assert standings(env) == ["first"]
    assert kinds(env, "blocked") == []


def test_a_self_loop_re_enters_and_fires_on_enter_again() -> None:
    text = institution(
        """
  initial state s
  state fined {
    on enter: fine ladder [0.1, 0.5] of profit to treasury
  }
  rule R { s -> fined when bad  fined -> fined when bad }
  restore Back { fined -> s after 5 clean rounds }
"""
    )
    env = echo(compile_text(text), [BAD, BAD, BAD, OK])
    fines = [(r, e.detail["amount"], e.detail["step"]) for r, e in kinds(env, "sanction")]
    # profit is 10 x 60 = 600: 10%, then 50%, then the last step again
    assert fines == [(1, 60.0, 0), (2, 300.0, 1), (3, 300.0, 1)]
    assert [e.edge for _, e in kinds(env, "traversal")] == ["R:s->fined"] + ["R:fined->fined"] * 2


def test_instances_are_independent() -> None:
    text = institution(
        """
  initial state s
  state away
  rule R { s -> away when bad }
"""
    )
    env = echo(compile_text(text), [[60, 0], [0, 60]])
    assert standings(env, "a0") == ["away", "away"]
    assert standings(env, "a1") == ["s", "away"]


def test_the_market_instance_uses_market_wide_evidence() -> None:
    text = (
        HEAD
        + """
monitor anyone_bad: bool = any(bad over agents)
market {
  evidence anyone_bad
  initial state open "OPEN"
  state alarm "ALARM"
  rule M { open -> alarm when anyone_bad }
  restore N { alarm -> open after 1 clean rounds }
}
"""
    )
    env = echo(compile_text(text), [[0, 60], GOOD, GOOD])
    assert standings(env, "market") == ["alarm", "open", "open"]
    evidence = kinds(env, "evidence")
    assert [(r, e.instance) for r, e in evidence] == [(1, "market")]
