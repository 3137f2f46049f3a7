"""Properties of governed runs (``specs/testing.md``), on generated and example institutions.

Each failing example prints the institution's canonical ``.gov`` text and the actions (JSONL
in the replay format) that reproduce it.
"""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from govlang.runtime.verify import verify_bytes
from govlang.testing.invariants import (
    LOG_KEY,
    check_actions,
    check_determinism,
    check_edges,
    check_log,
    check_money,
    check_null_identity,
    check_replay,
    check_sanctions,
    log_mutations,
    run_governed,
)
from tests.properties.support import Case, announce, cases

RUNS = settings(settings.default, max_examples=max(10, settings.default.max_examples // 2))
"""Half the profile's examples: each example is one or more whole governed runs."""


def _kinds(case: Case) -> None:
    run = run_governed(case.compiled, case.env_factory, case.actions)
    for kind in sorted({e.kind for t in run.history for e in t.events}):
        event(f"saw {kind}")


@RUNS
@given(cases())
def test_determinism_same_trace_and_log_bytes(case: Case) -> None:
    announce(case)
    assert check_determinism(case.compiled, case.env_factory, case.actions) == []


@RUNS
@given(cases())
def test_only_declared_edges_once_per_round_with_counts_respected(case: Case) -> None:
    announce(case)
    run = run_governed(case.compiled, case.env_factory, case.actions)
    moves = sum(1 for t in run.history for e in t.events if e.kind in ("traversal", "restoration"))
    event(f"traversals: {min(3, moves)}+")
    assert check_edges(case.compiled, run) == []


@RUNS
@given(cases())
def test_sanctions_fire_where_declared_with_declared_amounts(case: Case) -> None:
    announce(case)
    run = run_governed(case.compiled, case.env_factory, case.actions)
    fines = sum(1 for t in run.history for e in t.events if "rate" in e.detail)
    event(f"fines: {min(fines, 3)}+")
    assert check_sanctions(case.compiled, run) == []


@RUNS
@given(cases())
def test_effective_actions_obey_constraints_and_space(case: Case) -> None:
    announce(case)
    run = run_governed(case.compiled, case.env_factory, case.actions)
    bound = sum(1 for t in run.history for e in t.events if "effective" in e.detail)
    event(f"constraint events: {min(bound, 3)}+")
    assert check_actions(case.compiled, run) == []


@RUNS
@given(cases())
def test_money_is_conserved(case: Case) -> None:
    announce(case)
    assert check_money(run_governed(case.compiled, case.env_factory, case.actions)) == []


@RUNS
@given(cases())
def test_null_institution_is_the_identity(case: Case) -> None:
    announce(case)
    assert check_null_identity(case.compiled, case.env_factory, case.actions) == []


@RUNS
@given(cases(), st.data())
def test_log_verifies_and_no_single_mutation_does(case: Case, data: st.DataObject) -> None:
    announce(case)
    run = run_governed(case.compiled, case.env_factory, case.actions)
    assert check_log(case.compiled, run) == []
    mutations = list(log_mutations(run.log))
    what, mutated = data.draw(st.sampled_from(mutations), label="mutation")
    event(what.split(": ")[-1].split(" ")[0])
    assert not verify_bytes(mutated, case.compiled.digest, LOG_KEY).ok, what


@RUNS
@given(cases())
def test_replay_reproduces_the_events(case: Case) -> None:
    announce(case)
    _kinds(case)
    run = run_governed(case.compiled, case.env_factory, case.actions)
    assert check_replay(case.compiled, case.env_factory, run) == []
