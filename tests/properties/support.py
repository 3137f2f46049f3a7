"""Institutions and environments the property tests run: every example, and generated ones."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import gymnasium
from hypothesis import event, note
from hypothesis import strategies as st

from govlang.api import load
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.markets import BertrandMarket, CournotMarket
from govlang.testing.invariants import reproduction
from govlang.testing.strategies import institutions
from govlang.testing.traces import Actions, action_sequences, random_traces
from tests.runtime.support import EchoEnv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ROUNDS = 14
EVERY_COUNT = Path(__file__).parent / "cases" / "every_count.gov"


def _public_goods(rounds: int) -> Any:
    spec = importlib.util.spec_from_file_location(
        "third_party_env", EXAMPLES / "third_party_env.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PublicGoodsGame(rounds=rounds)


ENVIRONMENTS: dict[str, Callable[[], Any]] = {
    "bertrand_price_watch.gov": lambda: BertrandMarket(max_rounds=ROUNDS + 5),
    "cartel_exclusion.gov": lambda: CournotMarket(max_rounds=ROUNDS + 5),
    "cournot_reference.gov": lambda: CournotMarket(max_rounds=ROUNDS + 5),
    "leniency.gov": lambda: CournotMarket(max_rounds=ROUNDS + 5),
    "output_floor.gov": lambda: CournotMarket(max_rounds=ROUNDS + 5),
    "public_goods.gov": lambda: _public_goods(ROUNDS + 5),
}
"""The environment each example institution governs (every example is listed)."""


UNSCHEMED = {"bertrand_price_watch.gov"}
"""Examples that do not check against their market's schema (its declared action range is
wider than the market's price range); they run without the schema check."""


@cache
def example(name: str) -> CompiledInstitution:
    """An example institution, compiled (checked against its market's schema if it has one)."""
    env = ENVIRONMENTS[name]()
    schema = env.schema() if hasattr(env, "schema") and name not in UNSCHEMED else None
    return load(EXAMPLES / name, schema=schema)


def echo() -> EchoEnv:
    """The echo environment (tests/runtime/support.py) for three agents, 35 rounds."""
    return EchoEnv(("a0", "a1", "a2"), rounds=35)


class DiscreteEcho(EchoEnv):
    """The echo environment acting in ``Discrete(101)`` (integer actions 0 ... 100)."""

    def __init__(self) -> None:
        """Three agents, 35 rounds."""
        super().__init__(("a0", "a1", "a2"), rounds=35)
        self._discrete = gymnasium.spaces.Discrete(101)

    def action_space(self, agent: str) -> Any:
        """Every agent's integer action space."""
        return self._discrete


@cache
def every_count() -> CompiledInstitution:
    """``cases/every_count.gov``: every count condition and every kind of sanction."""
    return load(EVERY_COUNT)


@dataclass(frozen=True, repr=False)
class Case:
    """A run to check: the compiled institution, its environment factory and the actions."""

    name: str
    compiled: CompiledInstitution
    env_factory: Callable[[], Any]
    actions: Actions

    def __repr__(self) -> str:
        """Short: the reproduction (``.gov`` and actions) is printed by :func:`announce`."""
        return f"Case({self.name!r}, {len(self.actions)} rounds)"

    def report(self) -> str:
        """The ``.gov`` and the actions (replay JSONL) that reproduce this case."""
        return reproduction(self.compiled, self.actions)


def _sticky(env: Any) -> st.SearchStrategy[Actions]:
    """Rounds repeating a few joint actions: streaks of identical behaviour trip guards."""
    few = action_sequences(env, st.integers(1, 3))
    return st.tuples(few, st.integers(2, ROUNDS)).map(
        lambda pair: [pair[0][t % len(pair[0])] for t in range(pair[1])]
    )


@st.composite
def example_cases(draw: st.DrawFn) -> Case:
    """An example institution on its environment with random (in-space) actions."""
    name = draw(st.sampled_from(sorted(ENVIRONMENTS)))
    factory = ENVIRONMENTS[name]
    env = factory()
    actions = draw(st.one_of(action_sequences(env, st.integers(1, ROUNDS)), _sticky(env)))
    return Case(name, example(name), factory, actions)


@st.composite
def generated_cases(draw: st.DrawFn) -> Case:
    """A generated institution on a synthetic market with random (in-space) actions."""
    trace = draw(random_traces(institutions(), rounds=ROUNDS))
    compiled = compile_institution(trace.institution)
    return Case("generated", compiled, trace.env_factory, trace.actions)


def cases() -> st.SearchStrategy[Case]:
    """Generated institutions, and the examples."""
    return st.one_of(generated_cases(), example_cases())


def announce(case: Case) -> None:
    """Tell hypothesis what this case is (statistics) and how to reproduce it (on failure)."""
    event(case.name)
    note(case.report())
