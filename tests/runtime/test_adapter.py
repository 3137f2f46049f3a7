"""Governing environments govlang did not write: generic observables, or a user schema."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from govlang.lang.schema import load_schema
from govlang.runtime.adapter import GenericAdapter, StepRecord, adapter_for, generic_schema
from govlang.runtime.govern import govern
from govlang.runtime.values import OracleError

from .support import EchoEnv, compile_text, echo, kinds, standings

INFO_TEXT = """
institution InfoWatch
observe info.double: number[agent] "Twice the action, as the env reports it in infos"
action: number in [0, 100]
monitor loud: bool[agent] = info.double > 100 and reward > 0
per agent {
  evidence loud
  initial state quiet "QUIET"
  state loud_state "LOUD"
  rule L { quiet -> loud_state when loud }
  restore Q { loud_state -> quiet after 1 clean rounds }
}
"""


def test_generic_observables_are_rewards_actions_and_numeric_infos() -> None:
    env = EchoEnv()
    compiled = compile_text(INFO_TEXT)
    schema = generic_schema(env, compiled.institution)
    assert schema.names() == ["reward", "action", "info.double"]
    assert schema.action is not None and (schema.action.low, schema.action.high) == (0, 100)
    record = StepRecord(
        ("a0", "a1"),
        {"a0": np.float64(3)},
        {"a0": 30.0},
        {"a0": {"x": 3.0, "double": 6.0, "flag": True, "name": "a0"}},
        {},
    )
    seen = GenericAdapter(env, compiled.institution).observe(env, record)
    assert sorted(seen) == ["action", "info.double", "info.x", "reward"]  # bools, text: no
    assert seen["reward"].tolist() == [30.0, 0.0]  # an absent agent counts as 0
    assert seen["info.double"].tolist() == [6.0, 0.0]


def test_an_institution_reads_info_keys_of_a_third_party_env() -> None:
    env = echo(compile_text(INFO_TEXT), [[60, 10], [10, 10]])
    assert standings(env) == ["loud_state", "quiet"]
    (_, evidence), *_ = kinds(env, "evidence")
    assert evidence.monitors == {"loud": True}
    parallel_api_test(govern(EchoEnv(rounds=40), compile_text(INFO_TEXT)), num_cycles=50)


def test_a_missing_info_key_is_a_clear_error() -> None:
    text = INFO_TEXT.replace("info.double", "info.triple")
    env = govern(EchoEnv(), compile_text(text))
    env.reset(seed=0)
    with pytest.raises(OracleError, match=r"info\.triple"):
        env.step({"a0": np.float64(1), "a1": np.float64(2)})


SCHEMA = {
    "name": "echo-with-schema",
    "observables": [
        {"name": "effort", "dims": ["agent"], "description": "Each agent's action"},
        {"name": "total", "description": "Sum of the actions"},
    ],
    "action": {"low": 0, "high": 100},
}
SCHEMA_TEXT = """
institution Effort
observe effort: number[agent]
observe total: number
action: number in [0, 100]
monitor shirking: bool[agent] = effort < total / 4
per agent {
  evidence shirking
  initial state fine_standing "FINE"
  state shirker "SHIRKER" { on enter: fine 5 to others }
  rule E { fine_standing -> shirker when shirking }
  restore F { shirker -> fine_standing after 1 clean rounds }
}
"""


def test_a_user_schema_with_an_observe_mapping(tmp_path: Path) -> None:
    path = tmp_path / "echo.json"
    path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    schema = load_schema(path)
    observe = {
        "effort": lambda step: [float(step.actions[a]) for a in step.agents],
        "total": lambda step: sum(float(step.actions[a]) for a in step.agents),
    }
    env = govern(
        EchoEnv(("a0", "a1", "a2")), compile_text(SCHEMA_TEXT), schema=schema, observe=observe
    )
    env.reset(seed=0)
    env.step({"a0": np.float64(1), "a1": np.float64(50), "a2": np.float64(50)})
    assert env.history[0].standings == {
        "a0": "shirker",
        "a1": "fine_standing",
        "a2": "fine_standing",
    }
    assert env.history[0].mediated == {"a0": 5.0, "a1": 502.5, "a2": 502.5}


def test_a_user_schema_with_an_observe_function() -> None:
    schema = load_schema_dict(SCHEMA)

    def observe(step: StepRecord) -> dict[str, object]:
        effort = [float(step.actions[a]) for a in step.agents]
        return {"effort": effort, "total": sum(effort)}

    env = govern(EchoEnv(), compile_text(SCHEMA_TEXT), schema=schema, observe=observe)
    env.reset(seed=0)
    env.step({"a0": np.float64(10), "a1": np.float64(90)})
    assert env.history[0].standings == {"a0": "shirker", "a1": "fine_standing"}


def load_schema_dict(data: dict[str, object]) -> object:
    from govlang.lang.schema import EnvironmentSchema

    return EnvironmentSchema.model_validate(data)


def test_adapter_choice_and_misuse() -> None:
    compiled = compile_text(SCHEMA_TEXT)
    schema = load_schema_dict(SCHEMA)
    with pytest.raises(ValueError, match="needs the `schema`"):
        adapter_for(EchoEnv(), compiled.institution, observe=lambda step: {})
    with pytest.raises(ValueError, match="needs an `observe` function"):
        adapter_for(EchoEnv(), compiled.institution, schema=schema)  # type: ignore[arg-type]
    assert isinstance(adapter_for(EchoEnv(), compiled.institution), GenericAdapter)
