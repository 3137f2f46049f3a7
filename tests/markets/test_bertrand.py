"""Tests of the logit Bertrand environment: config, PettingZoo API, dynamics, schema."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test
from pydantic import ValidationError

from govlang.markets import BertrandConfig, BertrandMarket, bertrand_schema


def independent_demand(p: np.ndarray, a: np.ndarray, a0: float, mu: float) -> np.ndarray:
    e = np.exp((a - p) / mu)
    return np.asarray(e / (e.sum() + np.exp(a0 / mu)))


def test_defaults_are_calvano() -> None:
    cfg = BertrandConfig()
    assert cfg.firms == ("firm_0", "firm_1") and cfg.quality == (2.0, 2.0)
    assert (cfg.outside_quality, cfg.mu, cfg.costs) == (0.0, 0.25, (1.0, 1.0))
    assert (cfg.price_scale, cfg.market_size, cfg.price_max, cfg.max_rounds) == (1, 1, None, 50)
    env = BertrandMarket()
    assert env.price_max == pytest.approx(2 * 1.92498, abs=1e-4)
    assert env.benchmarks["nash.price"] == pytest.approx([1.4729, 1.4729], abs=1e-4)
    assert env.benchmarks["monopoly.price"] == pytest.approx([1.9250, 1.9250], abs=1e-4)
    assert env.benchmarks["nash.profit"] == pytest.approx([0.2229, 0.2229], abs=1e-4)
    assert env.benchmarks["monopoly.profit"] == pytest.approx([0.3375, 0.3375], abs=1e-4)
    assert float(env.benchmarks["nash.hhi"]) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mu": 0},
        {"price_scale": -1},
        {"market_size": float("inf")},
        {"costs": -1},
        {"costs": [1.0, 1.0, 1.0]},
        {"quality": [2.0, float("nan")]},
        {"price_max": 0},
        {"firms": ["x", "x"]},
        {"max_rounds": 0},
    ],
)
def test_invalid_configs_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BertrandConfig(**kwargs)


def test_scaling_follows_fish_et_al() -> None:
    base = BertrandMarket()
    scaled = BertrandMarket(price_scale=3.2, market_size=100)
    for name in ("nash.price", "monopoly.price"):
        assert scaled.benchmarks[name] == pytest.approx(3.2 * base.benchmarks[name])
    for name in ("nash.profit", "monopoly.profit", "nash.consumer_surplus"):
        assert scaled.benchmarks[name] == pytest.approx(320 * base.benchmarks[name])
    assert scaled.benchmarks["nash.quantity"] == pytest.approx(
        100 * base.benchmarks["nash.quantity"]
    )
    assert scaled.costs.tolist() == [3.2, 3.2]


def test_parallel_api_and_seed_tests_pass_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(BertrandMarket(max_rounds=20), num_cycles=100)
        parallel_api_test(BertrandMarket(firms=3, quality=[2.0, 1.8, 2.2], costs=[1, 0.8, 1.1]))
        parallel_seed_test(lambda: BertrandMarket(max_rounds=10), num_cycles=20)


def test_step_dynamics_and_infos() -> None:
    env = BertrandMarket(max_rounds=2, price_max=3.0)
    assert env.action_space("firm_0").shape == ()
    assert env.action_space("firm_0").high == 3.0
    observations, infos = env.reset(seed=1)
    assert observations["firm_1"].tolist() == [0.0] * 7
    assert infos["firm_0"] == {"round": 0, "cost": 1.0, "price_max": 3.0}
    observations, rewards, _, truncated, infos = env.step(
        {"firm_0": 1.5, "firm_1": np.array([9.0])}
    )
    json.dumps(infos)
    q = independent_demand(np.array([1.5, 3.0]), np.array([2.0, 2.0]), 0.0, 0.25)
    assert infos["firm_1"]["requested_price"] == 9.0 and infos["firm_1"]["price"] == 3.0
    assert rewards["firm_0"] == pytest.approx(0.5 * q[0])
    assert rewards["firm_1"] == pytest.approx(2.0 * q[1])
    assert infos["firm_0"]["share"] == pytest.approx(q[0] / q.sum())
    expected = [1.5, 3.0, q[0], q[0] / q.sum(), 0.5 * q[0], 0.5 * q[0], 1.0]
    assert observations["firm_0"] == pytest.approx(expected)
    assert env.observation_space("firm_0").contains(observations["firm_0"])
    assert not any(truncated.values())
    _, _, _, truncated, _ = env.step({"firm_0": 1.5, "firm_1": 1.5})
    assert all(truncated.values()) and env.agents == []
    with pytest.raises(RuntimeError):
        env.step({"firm_0": 1.5, "firm_1": 1.5})
    env.reset()
    with pytest.raises(ValueError, match="firm_1"):
        env.step({"firm_0": 1.5, "firm_1": [1.0, 2.0]})
    with pytest.raises(ValueError, match="missing"):
        env.step({"firm_0": 1.5})


def test_schema_and_observables() -> None:
    env = BertrandMarket(firms=3, quality=[2.0, 1.8, 2.2], costs=[1.0, 0.8, 1.1])
    schema = env.schema()
    assert schema == bertrand_schema(env.config)
    assert schema.name == "bertrand" and schema.dimensions == {}
    assert schema.action is not None and schema.action.dims == ()
    assert (schema.action.low, schema.action.high) == (0.0, env.price_max)
    expected = {"price", "quantity", "cost", "profit", "round_profit", "share", "hhi"}
    expected |= {"consumer_surplus"}
    for prefix in ("nash", "monopoly"):
        expected |= {f"{prefix}.{n}" for n in ("price", "quantity", "profit", "hhi")}
        expected |= {f"{prefix}.consumer_surplus"}
    assert set(schema.names()) == expected
    env.reset()
    with pytest.raises(RuntimeError):
        env.observables()
    env.step({"firm_0": 1.6, "firm_1": 1.7, "firm_2": 1.8})
    values = env.observables()
    assert set(values) == expected
    for spec in schema.observables:
        shape = (3,) * len(spec.dims)
        assert values[spec.name].shape == shape, spec.name
    assert values["profit"] == pytest.approx(values["round_profit"])
    assert float(values["hhi"]) == pytest.approx(float((values["share"] ** 2).sum()))
    hypothetical = env.outcome(np.array([1.6, 1.7, 1.8]))
    for name, value in values.items():
        assert hypothetical[name] == pytest.approx(value), name


def test_collusive_prices_hurt_consumers() -> None:
    env = BertrandMarket()
    bench = env.benchmarks
    assert float(bench["monopoly.consumer_surplus"]) < float(bench["nash.consumer_surplus"])
    assert bench["monopoly.profit"].sum() > bench["nash.profit"].sum()
