"""Cross-check: the analyser's claims against the runtime's controller and a governed market.

- Random inputs drive the abstract model and the controller's pure step function side by side
  (the controller gets the evidence and guard values the inputs give, as the oracle would): they
  agree on every state, edge and counter, and every configuration the controller reaches is one
  the analyser found, so nothing it calls unreachable, never entered or never traversed happens.
- Every counterexample and witness of the examples and of the flawed corpus replays through the
  controller to the states it claims (a lasso's loop three times over).
- The reference institution governing the Cournot market with random (sometimes coordinated)
  actions stays inside the analyser's reachable states and traversed edges.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import govlang.api as api
from govlang.analyse import analyse
from govlang.analyse.model import Config, ScopeModel
from govlang.analyse.properties import Facts, explore
from govlang.analyse.replay import replay_trace
from govlang.analyse.trace import build_trace
from govlang.api import read_document
from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.state import InstanceState

from .support import EXAMPLES, FLAWED, ROOT, model_of

ANALYSABLE = [p for p in [*EXAMPLES, *sorted(FLAWED.glob("*.gov"))] if "GL616" not in p.name]
RUNS, ROUNDS = 30, 40


def models(path: Path) -> list[ScopeModel]:
    compiled = api.load(path)
    return [model_of(compiled, scope.kind) for scope in compiled.institution.scopes]


def abstract(
    model: ScopeModel, inst: InstanceState, round_index: int, trackers: tuple[int, ...]
) -> Config:
    """The controller's instance state as the analyser's configuration."""
    streaks = tuple(
        min(inst.streaks[e.index], e.compiled.persistence or 0) for e in model.streak_edges
    )
    cooldowns = []
    for edge in model.cooldown_edges:
        last, span = inst.last_traversed[edge.index], edge.compiled.cooldown or 0
        cooldowns.append(0 if last is None else max(0, last + span - round_index))
    credits = Fraction(inst.credits) if model.credits is not None else Fraction(0)
    earn = inst.credit_counter if model.credits is not None else 0
    if model.credits is not None:
        credits = min(credits, model.credits.cap)
    return Config(
        inst.state,
        min(inst.dwell, model.dwell_cap),
        min(inst.clean, model.clean_cap),
        credits,
        earn,
        streaks,
        tuple(cooldowns),
        trackers,
    )


@pytest.mark.parametrize("path", ANALYSABLE, ids=lambda p: p.name)
def test_random_runs_of_the_controller_stay_inside_the_analysis(path: Path) -> None:
    compiled = api.load(path)
    rng = random.Random(path.name)
    for model in models(path):
        facts: Facts = explore(model, 200)
        assert facts.search.exhausted
        found = facts.search.configs
        for _ in range(RUNS):
            config, letters, configs = model.initial_config(), [], []
            for _ in range(ROUNDS):
                letter = model.letter(rng.choice(model.assignments), config.trackers)
                config = model.step(config, letter).config
                letters.append(letter)
                configs.append(config)
            trace = build_trace(model, letters, property_id="run", kind="witness", summary="")
            for traced, replayed, mine in zip(
                trace.rounds, replay_trace(compiled, trace), configs, strict=True
            ):
                assert (replayed.state, replayed.edge) == (traced.state, traced.edge)
                seen = abstract(model, replayed.instance, replayed.round, mine.trackers)
                assert seen == mine
                assert seen in found
                assert (
                    replayed.edge is None
                    or model.edges[
                        next(e.index for e in model.edges if e.key == replayed.edge)
                    ].index
                    in facts.traversed
                )


TRACED = [
    *EXAMPLES,
    *(
        FLAWED / f"{name}.gov"
        for name in (
            "GL609_sanction_without_evidence",
            "GL610_sanction_not_left",
            "GL611_persistence_bypassed",
            "GL612_no_return_to_good_standing",
            "GL613_assertion_violated",
        )
    ),
]


@pytest.mark.parametrize("path", TRACED, ids=lambda p: p.name)
def test_counterexamples_replay_to_the_claimed_states(path: Path) -> None:
    compiled = api.load(path)
    report = analyse(read_document(path)[0])
    traces = report.traces
    assert traces
    for trace in traces:
        replayed = replay_trace(compiled, trace, repeat=3)
        claimed = [(r.state, r.edge) for r in trace.rounds]
        assert [(r.state, r.edge) for r in replayed[: len(claimed)]] == claimed
        if trace.loop is not None:
            loop = claimed[trace.loop - 1 :]
            assert [(r.state, r.edge) for r in replayed[len(claimed) :]] == loop * 2


def claims(path: Path) -> tuple[set[str], set[str]]:
    """The states the analyser says are never entered, and the edges never traversed."""
    report = analyse(read_document(path)[0])
    found = [(d.code, d.message.split("`")[1]) for d in report.diagnostics]
    states = {name for code, name in found if code in ("GL601", "GL602")}
    edges = {name for code, name in found if code == "GL603"}
    return states, edges


@pytest.mark.parametrize("path", ANALYSABLE, ids=lambda p: p.name)
def test_what_the_analyser_calls_unreachable_is_never_reached(path: Path) -> None:
    states, edges = claims(path)
    compiled = api.load(path)
    rng = random.Random(path.name)
    visited: set[str] = set()
    traversed: set[str | None] = set()
    for model, _ in itertools.product(models(path), range(RUNS)):
        config, letters = model.initial_config(), []
        for _ in range(ROUNDS):
            letters.append(model.letter(rng.choice(model.assignments), config.trackers))
            config = model.step(config, letters[-1]).config
        trace = build_trace(model, letters, property_id="run", kind="witness", summary="")
        rounds = replay_trace(compiled, trace)
        visited |= {r.state for r in rounds}
        traversed |= {r.edge for r in rounds}
    assert not states & visited
    assert not edges & traversed


def test_the_governed_cournot_market_stays_inside_the_reference_analysis() -> None:
    market = CournotMarket()
    compiled = api.load(ROOT / "examples" / "cournot_reference.gov", schema=market.schema())
    facts = explore(model_of(compiled), 200)
    model = model_of(compiled)
    traversable = {model.edges[i].key for i in facts.traversed}
    env = govern(market, compiled)
    states: set[str] = set()
    edges: set[str] = set()
    for seed in range(6):
        env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        while env.agents:
            env.step(_actions(env, rng))
        states |= {s for t in env.history for s in t.standings.values()}
        edges |= {
            e.edge
            for t in env.history
            for e in t.events
            if e.kind in ("traversal", "restoration") and e.edge
        }
    assert states <= facts.entered
    assert edges <= traversable
    assert {"fined", "suspended", "credited"} <= states  # the random play reaches deep


def _actions(env, rng: np.random.Generator) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Independent, identical (coordinated) or market-dividing actions, at random."""
    mode = rng.integers(3)
    if mode == 0:
        return {a: rng.uniform(0, 100, 2) for a in env.agents}
    if mode == 1:
        same = rng.uniform(0, 100, 2)
        return {a: same.copy() for a in env.agents}
    return {
        a: np.array([rng.uniform(0, 100), 0.0]) if i == 0 else np.array([0.0, rng.uniform(0, 100)])
        for i, a in enumerate(env.agents)
    }
