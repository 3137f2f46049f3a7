"""Tests of the Cournot environment: config, PettingZoo API, dynamics, schema, observables."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test
from pydantic import ValidationError

from govlang.lang.schema import EnvironmentSchema
from govlang.markets import CournotConfig, CournotMarket, cournot_schema

NASH = np.array([[140 / 3, 80 / 3], [80 / 3, 140 / 3]])


def expected_shape(
    schema: EnvironmentSchema, dims: tuple[str, ...], n_agents: int
) -> tuple[int, ...]:
    return tuple(n_agents if d == "agent" else len(schema.dimensions[d]) for d in dims)


def play(env: CournotMarket, q: np.ndarray) -> Any:
    return env.step({agent: q[i] for i, agent in enumerate(env.possible_agents)})


# ------------------------------------------------------------------------------------ config


def test_defaults_are_the_reference_market() -> None:
    cfg = CournotConfig()
    assert cfg.firms == ("firm_0", "firm_1") and cfg.commodities == ("A", "B")
    assert cfg.alpha == (100.0, 100.0) and cfg.beta == (2.0, 2.0)
    assert cfg.costs == ((40.0, 50.0), (50.0, 40.0))
    assert cfg.capacity == (100.0, 100.0) and cfg.max_rounds == 50


def test_counts_and_scalars_broadcast() -> None:
    cfg = CournotConfig(firms=3, commodities=1, costs=10, alpha=50, capacity=[5, 6, 7])
    assert cfg.firms == ("firm_0", "firm_1", "firm_2") and cfg.commodities == ("A",)
    assert cfg.costs == ((10.0,), (10.0,), (10.0,)) and cfg.alpha == (50.0,)
    assert cfg.capacity == (5.0, 6.0, 7.0)
    assert CournotConfig(commodities=30, firms=1, costs=0).commodities[-1] == "c29"
    assert CournotConfig(costs=np.array([[1.0, 2.0], [3.0, 4.0]])).costs == ((1, 2), (3, 4))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"beta": 0},
        {"beta": -1.0},
        {"alpha": [100.0, 0.0]},
        {"capacity": 0},
        {"capacity": float("inf")},
        {"costs": [[40.0, 50.0]]},
        {"costs": -1.0},
        {"costs": [[40.0, float("nan")], [50.0, 40.0]]},
        {"firms": 3},
        {"firms": 0},
        {"firms": ["a", "a"]},
        {"commodities": ["A", ""]},
        {"max_rounds": 0},
        {"unknown": 1},
        {"alpha": [1.0, 2.0, 3.0]},
    ],
)
def test_invalid_configs_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CournotConfig(**kwargs)


def test_config_is_frozen_and_overrides_compose() -> None:
    cfg = CournotConfig()
    with pytest.raises(ValidationError):
        cfg.max_rounds = 3  # type: ignore[misc]
    env = CournotMarket(cfg, max_rounds=3, capacity=50)
    assert env.config.max_rounds == 3 and env.config.capacity == (50.0, 50.0)
    assert env.config.costs == cfg.costs


# ------------------------------------------------------------------------------ PettingZoo


def test_parallel_api_and_seed_tests_pass_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(CournotMarket(max_rounds=20), num_cycles=100)
        parallel_api_test(CournotMarket(firms=3, commodities=3, costs=20, capacity=[10, 50, 90]))
        parallel_seed_test(lambda: CournotMarket(max_rounds=10), num_cycles=20)


def test_spaces() -> None:
    env = CournotMarket(capacity=[100, 60])
    space = env.action_space("firm_1")
    assert space.shape == (2,) and space.dtype == np.float64
    assert space.low.tolist() == [0, 0] and space.high.tolist() == [60, 60]
    assert env.action_space("firm_1") is space
    assert env.observation_space("firm_0").shape == (4 * 2 + 3,)


def test_truncation_after_max_rounds_and_misuse_errors() -> None:
    env = CournotMarket(max_rounds=3)
    with pytest.raises(RuntimeError, match="reset"):
        play(env, NASH)
    observations, infos = env.reset(seed=7)
    assert all(obs.tolist() == [0.0] * 11 for obs in observations.values())
    assert infos["firm_0"] == {
        "round": 0,
        "commodities": ["A", "B"],
        "costs": [40.0, 50.0],
        "capacity": 100.0,
    }
    for round_index in range(1, 4):
        _, _, terminated, truncated, _ = play(env, NASH)
        assert not any(terminated.values())
        assert all(truncated.values()) == (round_index == 3)
    assert env.agents == []
    with pytest.raises(RuntimeError, match="over"):
        play(env, NASH)
    env.reset()
    with pytest.raises(ValueError, match="missing"):
        env.step({"firm_0": NASH[0]})
    with pytest.raises(ValueError, match="unknown"):
        env.step({"firm_0": NASH[0], "firm_1": NASH[1], "firm_9": NASH[1]})
    with pytest.raises(ValueError, match="firm_1"):
        env.step({"firm_0": NASH[0], "firm_1": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="finite"):
        env.step({"firm_0": NASH[0], "firm_1": [np.nan, 2.0]})


def test_render_modes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError):
        CournotMarket(render_mode="rgb_array")
    env = CournotMarket(render_mode="ansi")
    env.reset()
    assert "no round played" in str(env.render())
    play(env, NASH)
    assert "round 1/50" in str(env.render())
    human = CournotMarket(render_mode="human")
    human.reset()
    play(human, NASH)
    assert "cournot_v0: round 1/50" in capsys.readouterr().out
    with pytest.warns(UserWarning, match="render_mode"):
        assert CournotMarket().render() is None


# -------------------------------------------------------------------------------- dynamics


def test_reference_round_at_nash() -> None:
    env = CournotMarket()
    env.reset(seed=0)
    observations, rewards, _, _, infos = play(env, NASH)
    assert rewards["firm_0"] == pytest.approx(13000 / 9)
    info = infos["firm_0"]
    json.dumps(infos)
    assert info["prices"] == pytest.approx([190 / 3, 190 / 3])
    assert info["shares"] == pytest.approx([7 / 11, 4 / 11])
    assert info["profits"] == pytest.approx([9800 / 9, 3200 / 9])
    assert info["costs"] == [40.0, 50.0] and info["capacity"] == 100.0
    expected = [140 / 3, 80 / 3, 7 / 11, 4 / 11, 190 / 3, 190 / 3, 9800 / 9, 3200 / 9]
    expected += [13000 / 9, 13000 / 9, 1.0]
    assert observations["firm_0"] == pytest.approx(expected)
    assert env.observation_space("firm_0").contains(observations["firm_0"])
    _, rewards, _, _, infos = play(env, NASH)
    assert infos["firm_1"]["cumulative_profit"] == pytest.approx(2 * 13000 / 9)
    assert infos["firm_1"]["round"] == 2


def test_capacity_projection() -> None:
    env = CournotMarket()
    env.reset()
    requested = np.array([[80.0, 60.0], [-5.0, 250.0]])
    _, _, _, _, infos = play(env, requested)
    # firm_0: total 140 > 100 -> scaled by 100/140. firm_1: clipped to (0, 100) first.
    assert infos["firm_0"]["quantities"] == pytest.approx([400 / 7, 300 / 7])
    assert infos["firm_1"]["quantities"] == pytest.approx([0.0, 100.0])
    assert infos["firm_1"]["requested_quantities"] == [-5.0, 250.0]
    assert env.feasible_quantities(requested) == pytest.approx(
        np.array([[400 / 7, 300 / 7], [0, 100]])
    )


def test_price_floor_and_losses() -> None:
    env = CournotMarket(capacity=200)
    env.reset()
    _, rewards, _, _, infos = play(env, np.array([[150.0, 0.0], [150.0, 0.0]]))
    assert infos["firm_0"]["prices"] == [0.0, 100.0]
    assert rewards["firm_0"] == pytest.approx(-40.0 * 150.0)


def test_determinism_given_seed() -> None:
    def trajectory(seed: int) -> list[str]:
        env = CournotMarket(max_rounds=8)
        env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        log = []
        while env.agents:
            actions = {a: rng.uniform(0, 70, size=2) for a in env.agents}
            out = env.step(actions)
            log.append(json.dumps([{k: v.tolist() for k, v in out[0].items()}, out[1], out[4]]))
        return log

    assert trajectory(3) == trajectory(3)
    assert trajectory(3) != trajectory(4)


# ---------------------------------------------------------------------- schema/observables


def test_schema_matches_brief() -> None:
    schema = CournotMarket().schema()
    assert schema == cournot_schema()
    assert schema.name == "cournot" and schema.dimensions == {"commodity": ("A", "B")}
    assert schema.action is not None and schema.action.dims == ("commodity",)
    assert (schema.action.low, schema.action.high) == (0.0, 100.0)
    dims = {spec.name: spec.dims for spec in schema.observables}
    assert dims["quantity"] == ("agent", "commodity") and dims["price"] == ("commodity",)
    assert dims["round_profit"] == ("agent",) and dims["hhi"] == ("commodity",)
    assert dims["cv"] == ("agent",) and dims["consumer_surplus"] == ("commodity",)
    for prefix in ("nash", "monopoly"):
        assert dims[f"{prefix}.quantity"] == ("agent", "commodity")
        assert dims[f"{prefix}.profit"] == ("agent",)
        for name in ("price", "hhi", "cv", "consumer_surplus"):
            assert f"{prefix}.{name}" in dims
    assert all(spec.type == "number" and spec.description for spec in schema.observables)
    EnvironmentSchema.model_validate_json(schema.model_dump_json())


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"firms": 3, "commodities": 4, "costs": 25.0, "capacity": 30.0},
        {"firms": 1, "commodities": 1, "costs": 5},
    ],
)
def test_observables_cover_the_schema_with_the_right_shapes(kwargs: dict[str, Any]) -> None:
    env = CournotMarket(**kwargs)
    env.reset()
    with pytest.raises(RuntimeError, match="first step"):
        env.observables()
    n, m = env.config.n_firms, env.config.n_commodities
    play(env, np.full((n, m), 10.0))
    values = env.observables()
    schema = env.schema()
    assert set(values) == set(schema.names())
    for spec in schema.observables:
        assert values[spec.name].shape == expected_shape(schema, spec.dims, n), spec.name
        assert values[spec.name].dtype == np.float64
    env.reset()
    with pytest.raises(RuntimeError):
        env.observables()


def test_reference_observables_and_benchmarks() -> None:
    env = CournotMarket()
    env.reset()
    play(env, NASH)
    values = env.observables()
    assert values["quantity"] == pytest.approx(values["nash.quantity"])
    assert values["hhi"] == pytest.approx([65 / 121] * 2)
    assert values["cv"] == pytest.approx([3 / 11] * 2)
    assert values["consumer_surplus"] == pytest.approx([(220 / 3) ** 2 / 4] * 2)
    assert values["round_profit"] == pytest.approx(values["nash.profit"])
    assert values["nash.price"] == pytest.approx([190 / 3] * 2)
    assert values["nash.hhi"] == pytest.approx([65 / 121] * 2)
    assert values["nash.cv"] == pytest.approx([3 / 11] * 2)
    assert values["monopoly.quantity"] == pytest.approx(np.array([[60.0, 0.0], [0.0, 60.0]]))
    assert values["monopoly.price"] == pytest.approx([70.0, 70.0])
    assert values["monopoly.profit"] == pytest.approx([1800.0, 1800.0])
    assert values["monopoly.hhi"] == pytest.approx([1.0, 1.0])
    assert values["monopoly.cv"] == pytest.approx([1.0, 1.0])
    assert values["monopoly.consumer_surplus"] == pytest.approx([900.0, 900.0])
    values["quantity"][0, 0] = -1.0
    assert env.observables()["quantity"][0, 0] == pytest.approx(140 / 3)


def test_outcome_matches_a_stepped_round() -> None:
    env = CournotMarket(capacity=[80, 100])
    env.reset()
    requested = np.array([[70.0, 30.0], [20.0, 10.0]])
    hypothetical = env.outcome(requested)
    play(env, requested)
    stepped = env.observables()
    assert set(hypothetical) == set(stepped)
    for name, value in stepped.items():
        assert hypothetical[name] == pytest.approx(value), name
    assert stepped["quantity"][0].sum() == pytest.approx(80.0)
