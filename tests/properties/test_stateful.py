"""Stateful tests: governed environments driven through resets and steps with arbitrary
actions (inside and outside the action space), the invariants checked after every step."""

from __future__ import annotations

from hypothesis import settings

from govlang.markets import CournotMarket
from govlang.testing.invariants import governed_env_machine
from tests.properties.support import DiscreteEcho, echo, every_count, example

STATEFUL = settings(
    settings.default,
    max_examples=max(5, settings.default.max_examples // 4),
    stateful_step_count=25,
)

TestReferenceOnCournot = governed_env_machine(
    lambda: CournotMarket(max_rounds=30), example("cournot_reference.gov")
).TestCase
TestReferenceOnCournot.settings = STATEFUL

TestOutputFloorOnCournot = governed_env_machine(
    lambda: CournotMarket(max_rounds=30), example("output_floor.gov")
).TestCase
TestOutputFloorOnCournot.settings = STATEFUL

TestEveryCountOnEcho = governed_env_machine(echo, every_count()).TestCase
TestEveryCountOnEcho.settings = STATEFUL

TestEveryCountOnDiscreteEcho = governed_env_machine(DiscreteEcho, every_count()).TestCase
TestEveryCountOnDiscreteEcho.settings = STATEFUL
