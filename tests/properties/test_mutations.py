"""Each property's check detects a deliberately broken interpreter.

Every test breaks one piece of the runtime with ``monkeypatch`` and asserts that the check
behind the corresponding property reports a violation on a fixed run that exercises it
(``cases/every_count.gov`` on the echo environment; the scripted actions trip every count
condition, the fine ladder up to its cap, a grant, a cap, a floor and a suspension). The
control test shows every check passes on the unbroken runtime, so a detection is the
mutation's doing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from govlang.lang.compile import CompiledInstitution
from govlang.runtime import constraints, controller, govern, ledger, log, sanctions, transitions
from govlang.runtime import verify as verify_module
from govlang.runtime.events import RoundTrace
from govlang.testing.invariants import (
    Violation,
    check_actions,
    check_determinism,
    check_edges,
    check_log,
    check_log_mutations,
    check_money,
    check_null_identity,
    check_replay,
    check_sanctions,
    governed_env_machine,
    run_governed,
)
from tests.properties.support import echo, every_count

HIGH, LOW = 80.0, 10.0
A0 = "HHHHHHHHLLLHHLLHHHHHHLLLLHHHHH"
A1 = "LHLHHLHHHHHHLLLHLHHHHHHLLLHHHH"
A2 = "HHHHLLLLLLLLLLLLLLLLLLLLLLLLLL"
ACTIONS = [
    {f"a{i}": HIGH if c == "H" else LOW for i, c in enumerate(row)}
    for row in zip(A0, A1, A2, strict=True)
]


@pytest.fixture(scope="module")
def compiled() -> CompiledInstitution:
    """The mutation-case institution."""
    return every_count()


Check = Callable[[CompiledInstitution], list[Violation]]


def _on_run(check: Callable[[CompiledInstitution, Any], list[Violation]]) -> Check:
    return lambda c: check(c, run_governed(c, echo, ACTIONS))


SHORT = 6
"""Rounds of the run whose every single log mutation is verified (quadratic in its length)."""

CHECKS: dict[str, Check] = {
    "determinism": lambda c: check_determinism(c, echo, ACTIONS),
    "edges": _on_run(check_edges),
    "sanctions": _on_run(check_sanctions),
    "actions": _on_run(check_actions),
    "money": lambda c: check_money(run_governed(c, echo, ACTIONS)),
    "null": lambda c: check_null_identity(c, echo, ACTIONS),
    "log": _on_run(check_log),
    "log mutations": lambda c: check_log_mutations(
        c, run_governed(c, echo, ACTIONS[:SHORT]), limit=None
    ),
    "replay": lambda c: check_replay(c, echo, run_governed(c, echo, ACTIONS)),
}


def test_every_check_passes_on_the_unbroken_runtime(compiled: CompiledInstitution) -> None:
    run = run_governed(compiled, echo, ACTIONS)
    kinds = {e.kind for t in run.history for e in t.events}
    assert kinds == {"evidence", "traversal", "restoration", "blocked", "sanction", "notice"}
    reasons = " ".join(
        r for t in run.history for e in t.events for r in e.detail.get("reasons", ())
    )
    assert "cooldown" in reasons and "rounds in" in reasons and "consecutive" in reasons
    found = {name: check(compiled) for name, check in CHECKS.items()}
    assert found == {name: [] for name in CHECKS}


def _detects(name: str, compiled: CompiledInstitution) -> list[Violation]:
    found = CHECKS[name](compiled)
    assert found, f"the {name} check missed the mutation"
    return found


# ------------------------------------------------------------------------------- step 6


def test_edges_catch_a_skipped_cooldown(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(transitions, "cooldown_failure", lambda *a: None)
    assert any("cooldown" in v.message for v in _detects("edges", compiled))


def _count_failures(dwell_shift: int = 0, persistence: bool = True, clean: bool = True) -> Any:
    original = transitions.count_failures

    def mutated(edge: Any, state: Any) -> list[str]:
        shifted = replace(state, dwell=state.dwell + dwell_shift)
        kept = original(edge, shifted)
        return [
            f
            for f in kept
            if (persistence or "consecutive" not in f) and (clean or "clean rounds" not in f)
        ]

    return mutated


def test_edges_catch_an_off_by_one_dwell(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(transitions, "count_failures", _count_failures(dwell_shift=1))
    assert any("rounds in the state" in v.message for v in _detects("edges", compiled))


def test_edges_catch_ignored_persistence(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(transitions, "count_failures", _count_failures(persistence=False))
    assert any("guard streak" in v.message for v in _detects("edges", compiled))


def test_edges_catch_ignored_clean_rounds(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(transitions, "count_failures", _count_failures(clean=False))
    assert any("clean rounds" in v.message for v in _detects("edges", compiled))


def test_edges_catch_two_traversals_in_a_round(monkeypatch: Any, compiled: Any) -> None:
    original = transitions.advance

    def twice(inst: Any, before: Any, record: Any) -> Any:
        after, edge, events = original(inst, before, record)
        if edge is None:
            return after, edge, events
        again, _ = transitions.choose(inst.scope, after, record.round)
        if again is None:
            return after, edge, events
        moved = transitions.traverse(after, again, record.round)
        kind = "traversal" if again.compiled.kind == "escalation" else "restoration"
        extra = transitions._edge_event(kind, inst, again, after, record.round, {})
        return moved, again, [*events, extra]

    monkeypatch.setattr(controller, "advance", twice)
    assert any("moves" in v.message for v in _detects("edges", compiled))


def test_edges_catch_a_wrong_target(monkeypatch: Any, compiled: Any) -> None:
    original = transitions.traverse

    def home(state: Any, edge: Any, round_index: int) -> Any:
        moved = original(state, edge, round_index)
        return replace(moved, state="ok") if edge.compiled.target == "suspended" else moved

    monkeypatch.setattr(transitions, "traverse", home)
    assert any("standing" in v.message for v in _detects("edges", compiled))


# ------------------------------------------------------------------------------- step 7


def test_sanctions_catch_a_wrong_ladder_step(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(sanctions, "ladder_step", lambda site, k: min(k + 1, len(site.rates) - 1))
    assert any("step" in v.message for v in _detects("sanctions", compiled))


def test_sanctions_catch_the_floor_applied_after_the_cap(monkeypatch: Any, compiled: Any) -> None:
    original = sanctions.fine_amount

    def floor_last(site: Any, profit: float, earlier: int, resolve: Any) -> Any:
        amount = original(replace(site, floor=None), profit, earlier, resolve)
        return amount if site.floor is None else max(amount, ledger.exact(999.0))

    monkeypatch.setattr(sanctions, "fine_amount", floor_last)
    assert any("formula" in v.message for v in _detects("sanctions", compiled))


def test_sanctions_catch_a_fine_in_the_round_of_entry(monkeypatch: Any, compiled: Any) -> None:
    original = sanctions.Mediation.sanction

    def early(self: Any, inst: Any, before: Any, after: Any, edge: Any) -> Any:
        state = original(self, inst, before, after, edge)
        if edge is not None and edge.compiled.target != before.state:
            for site in inst.scope.states[edge.compiled.target].on_round:
                if not site.is_constraint:
                    state = self.fire(inst, state, site, edge)
        return state

    monkeypatch.setattr(sanctions.Mediation, "sanction", early)
    assert any("declared" in v.message for v in _detects("sanctions", compiled))


def test_sanctions_catch_a_dropped_fine(monkeypatch: Any, compiled: Any) -> None:
    original = sanctions.Mediation.fire

    def lax(self: Any, inst: Any, state: Any, site: Any, cause: Any) -> Any:
        return state if site.when == "on_round" else original(self, inst, state, site, cause)

    monkeypatch.setattr(sanctions.Mediation, "fire", lax)
    _detects("sanctions", compiled)


# ------------------------------------------------------------------------------- step 3


def test_actions_catch_an_ignored_cap(monkeypatch: Any, compiled: Any) -> None:
    original = constraints.bounds_of
    monkeypatch.setattr(
        constraints, "bounds_of", lambda sites, resolve: replace(original(sites, resolve), caps=())
    )
    assert any("the spec says" in v.message for v in _detects("actions", compiled))


def test_the_state_machine_catches_an_ignored_cap(monkeypatch: Any, compiled: Any) -> None:
    original = constraints.bounds_of
    monkeypatch.setattr(
        constraints, "bounds_of", lambda sites, resolve: replace(original(sites, resolve), caps=())
    )
    machine = governed_env_machine(echo, compiled)
    quiet = settings(
        max_examples=200,
        stateful_step_count=25,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # finding the failure is the point; shrinking it is not
    )
    with pytest.raises(AssertionError, match="the spec says"):
        run_state_machine_as_test(machine, settings=quiet)


def test_actions_catch_an_action_escaping_the_space(monkeypatch: Any, compiled: Any) -> None:
    original = constraints.constrain

    def unclipped(action: Any, space: Any, bounds: Any) -> Any:
        value = original(action, space, bounds)
        return np.asarray(value) - 1.0 if bounds.zero else value

    monkeypatch.setattr(constraints, "constrain", unclipped)
    assert any("escapes" in v.message for v in _detects("actions", compiled))


def test_actions_catch_constraints_binding_a_round_late(monkeypatch: Any, compiled: Any) -> None:
    late: dict[str, Any] = {}
    original = constraints.constrain_round

    def lagging(plan: Any, state: Any, previous: Any, requested: Any, space_of: Any) -> Any:
        used = late.get("state", state) if state.round else state
        late["state"] = state
        return original(plan, used, previous, requested, space_of)

    monkeypatch.setattr(govern, "constrain_round", lagging)
    _detects("actions", compiled)


# ------------------------------------------------------------------------------- money


def test_money_catches_a_dropped_transfer(monkeypatch: Any, compiled: Any) -> None:
    original = ledger.RoundBook.fine

    def no_share(self: Any, agent: int, amount: Any, recipient: Any) -> None:
        original(self, agent, amount, "consumers" if recipient == "others" else recipient)
        if recipient == "others":
            self.to_consumers -= amount  # the shares vanish, and nobody notices

    monkeypatch.setattr(ledger.RoundBook, "fine", no_share)
    monkeypatch.setattr(ledger.RoundBook, "_check", lambda *a: None)
    assert any(v.property == "money" for v in _detects("money", compiled))


def test_money_catches_an_unpaid_grant(monkeypatch: Any, compiled: Any) -> None:
    original = ledger.RoundBook.settle

    def keep_grants(self: Any) -> Any:
        settled = original(self)
        return replace(settled, ledger=replace(settled.ledger, granted=self.ledger.granted))

    monkeypatch.setattr(ledger.RoundBook, "settle", keep_grants)
    assert any("ledger" in v.message for v in _detects("money", compiled))


# ------------------------------------------------------------------------------- identity


def test_determinism_catches_state_leaking_between_runs(monkeypatch: Any, compiled: Any) -> None:
    calls = iter(range(10**9))
    original = sanctions.entry_text
    monkeypatch.setattr(
        sanctions, "entry_text", lambda inst, state: f"{original(inst, state)} #{next(calls)}"
    )
    _detects("determinism", compiled)


def test_null_identity_catches_dropped_env_infos(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(
        govern, "with_info", lambda infos, extra: {a: {"govlang": extra[a]} for a in infos}
    )
    _detects("null", compiled)


def test_null_identity_catches_reordered_rewards(monkeypatch: Any, compiled: Any) -> None:
    original = govern.GovernedEnv._governed_step

    def reordered(self: Any, actions: Any) -> Any:
        obs, rewards, term, trunc, infos = original(self, actions)
        return obs, dict(reversed(list(rewards.items()))), term, trunc, infos

    monkeypatch.setattr(govern.GovernedEnv, "_governed_step", reordered)
    _detects("null", compiled)


# ------------------------------------------------------------------------------- log, replay


def test_log_check_catches_a_writer_that_signs_the_wrong_fields(
    monkeypatch: Any, compiled: Any
) -> None:
    signed = log.sign
    monkeypatch.setattr(log, "sign", lambda key, text: signed(key, str(sorted(text))))
    _detects("log", compiled)


def test_log_mutations_catch_a_verifier_without_signatures(monkeypatch: Any, compiled: Any) -> None:
    monkeypatch.setattr(verify_module, "signature_ok", lambda public, text, signature: True)
    _detects("log mutations", compiled)


def test_log_mutations_catch_a_verifier_without_the_chain(monkeypatch: Any, compiled: Any) -> None:
    original = verify_module._Checker.line

    def unchained(self: Any, number: int, raw: bytes) -> None:
        entry = verify_module._parse(raw)[0]
        self.prev = entry.get("prev")
        if number > 1 and entry.get("seq") != number - 1:
            self.closed = self.closed or entry.get("kind") == "close"
            return  # sequence numbers are not checked either
        original(self, number, raw)

    monkeypatch.setattr(verify_module._Checker, "line", unchained)
    _detects("log mutations", compiled)


def test_replay_catches_a_history_recording_effective_actions(
    monkeypatch: Any, compiled: Any
) -> None:
    original = govern.GovernedEnv._round_trace

    def effective(self: Any, record: Any, requested: Any, eff: Any, *rest: Any) -> RoundTrace:
        return original(self, record, eff, eff, *rest)

    monkeypatch.setattr(govern.GovernedEnv, "_round_trace", effective)
    _detects("replay", compiled)
