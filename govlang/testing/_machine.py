"""The stateful test of a governed environment (see :func:`invariants.governed_env_machine`)."""

from __future__ import annotations

from typing import Any

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from govlang.lang.compile import CompiledInstitution
from govlang.lang.fmt import format_institution
from govlang.runtime.govern import govern
from govlang.testing._effects import check_actions, check_money
from govlang.testing._recount import (
    Run,
    check_edges,
    check_sanctions,
)
from govlang.testing.traces import actions_jsonl, space_values


def machine(env_factory: Any, compiled: CompiledInstitution) -> type[RuleBasedStateMachine]:
    """A state machine class over ``govern(env_factory(), compiled)``."""

    class GovernedEnvMachine(RuleBasedStateMachine):
        """Resets and steps a governed env with arbitrary actions; checks after each step."""

        def __init__(self) -> None:
            """A fresh governed env, not yet reset."""
            super().__init__()
            self.env = govern(env_factory(), compiled, history=None)  # invariants read all
            self.spaces = {a: self.env.action_space(a) for a in self.env.possible_agents}
            self.started = False
            self.ledgers: list[Any] = []
            self.payoffs: list[Any] = []
            self.actions: list[dict[str, Any]] = []

        @precondition(lambda self: not self.started)
        @rule()
        def step_before_reset(self) -> None:
            """``step()`` before the first ``reset()`` raises ``RuntimeError``."""
            joint = {a: s.sample() for a, s in self.spaces.items()}
            try:
                self.env.step(joint)
            except RuntimeError:
                return
            raise AssertionError("step() before reset() did not raise RuntimeError")

        @rule(seed=st.integers(0, 2**16))
        def reset(self, seed: int) -> None:
            """Start a new episode: the institution starts afresh."""
            self.env.reset(seed=seed)
            self.started = True
            self.ledgers, self.payoffs, self.actions = [], [], []
            state = self.env.institutional_state
            assert state is not None and state.round == 0 and not self.env.history

        @precondition(lambda self: self.started and bool(self.env.agents))
        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            """Step with arbitrary actions, some outside the action space."""
            joint = data.draw(
                st.fixed_dictionaries(
                    {a: space_values(self.spaces[a], escape=True) for a in self.env.agents}
                )
            )
            self.actions.append(joint)
            result = self.env.step(joint)
            state = self.env.institutional_state
            assert state is not None
            self.ledgers.append(state.ledger)
            self.payoffs.append({a: i["govlang"]["payoff"] for a, i in result[4].items()})

        @invariant()
        def invariants_hold(self) -> None:
            """Edges, sanctions, effective actions and money of the episode so far."""
            if not self.started:
                return
            run = Run(
                tuple(self.env.possible_agents),
                self.spaces,
                tuple(self.env.history),
                tuple(self.ledgers),
                tuple(self.payoffs),
            )
            found = [
                *check_edges(compiled, run),
                *check_sanctions(compiled, run),
                *check_actions(compiled, run),
                *check_money(run),
            ]
            if found:
                note(format_institution(compiled.institution))
                note(actions_jsonl(self.actions))
                raise AssertionError("\n".join(str(v) for v in found))

        def teardown(self) -> None:
            """Close the governed env."""
            self.env.close()

    return GovernedEnvMachine
