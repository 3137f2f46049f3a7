"""The governed environment: PettingZoo conformance, forwarding, regimes and the identity laws."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

import govlang
import govlang.api as api
from govlang.markets import BertrandMarket, CournotMarket
from govlang.runtime.govern import GovernedEnv, govern

from .support import EchoEnv, compile_text, reference, run

NULL_COURNOT = """
institution NullCournot "States and notices only: nothing constrains or sanctions."
observe quantity: number[agent, commodity]
action: number[commodity] in [0, 100]
monitor total: number[agent] = sum(quantity over commodities)
per agent {
  evidence big
  initial state small "SMALL"
  state large "LARGE" { on enter: notice "You are large." }
  rule N "Large firms are noted." { small -> large when big }
  restore M { large -> small after 1 clean rounds }
}
monitor big: bool[agent] = total > 60
"""


def bertrand_text(high: float, null: bool) -> str:
    capped = "" if null else "{ on each round: cap action at cap_price }"
    return f"""
institution BertrandWatch "Sustained high prices are capped."
observe price: number[agent]
observe nash.price: number[agent]
action: number in [0, {high!r}]
param cap_price: float = 1.6 in [0, 10]
monitor high: bool[agent] = price > nash.price * 1.2
per agent {{
  evidence high
  initial state free "FREE"
  state capped "CAPPED" {capped}
  rule B "Prices must stay competitive." {{ free -> capped when high for 2 rounds }}
  restore C {{ capped -> free after 3 rounds }}
}}
"""


def bertrand(null: bool = False) -> Any:
    schema = BertrandMarket().schema()
    assert schema.action is not None
    return api.loads(bertrand_text(schema.action.high, null), schema=schema)


def null_cournot() -> Any:
    return api.loads(NULL_COURNOT, schema=CournotMarket().schema())


def sampled(env: Any, seed: int) -> Callable[[int], Mapping[str, Any]]:
    """A policy sampling every agent's action space from one seeded generator."""
    spaces = {a: env.action_space(a) for a in env.possible_agents}
    for i, space in enumerate(spaces.values()):
        space.seed(seed + i)
    return lambda _t: {a: spaces[a].sample() for a in env.possible_agents}


# ----------------------------------------------------------------------------- conformance


@pytest.mark.parametrize("regime", ["institutional", "constitutional", "ungoverned"])
def test_governed_cournot_passes_the_parallel_api_test(regime: str) -> None:
    env = govern(CournotMarket(), reference(), regime=regime)  # type: ignore[arg-type]
    parallel_api_test(env, num_cycles=60)


@pytest.mark.parametrize("null", [False, True])
def test_governed_bertrand_passes_the_parallel_api_test(null: bool) -> None:
    parallel_api_test(govern(BertrandMarket(), bertrand(null)), num_cycles=60)


def test_step_before_reset_is_refused() -> None:
    env = govern(CournotMarket(), reference())
    with pytest.raises(RuntimeError, match="before reset"):
        env.step({"firm_0": [1, 1], "firm_1": [1, 1]})


@pytest.mark.parametrize("regime", ["institutional", "ungoverned"])
def test_a_step_without_a_live_agent_is_refused_before_the_market_moves(
    regime: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", "k")
    market = CournotMarket()
    log = tmp_path / "log.jsonl"
    env = govern(market, reference(), regime=regime, log=log)
    env.reset(seed=0)
    before = (log.read_bytes(), market.round, list(market.cumulative_profit))
    with pytest.raises(ValueError, match=r"no action for live agent\(s\) firm_1: every live"):
        env.step({"firm_0": [60.0, 0.0]})
    assert (log.read_bytes(), market.round, list(market.cumulative_profit)) == before
    env.step({"firm_0": [60.0, 0.0], "firm_1": [0.0, 60.0]})  # the env is still usable
    assert market.round == 1
    env.close()


def test_every_parallel_env_member_is_forwarded() -> None:
    inner = CournotMarket(render_mode="ansi")
    env = govern(inner, reference())
    assert env.possible_agents == inner.possible_agents and env.metadata is inner.metadata
    assert env.action_space("firm_0") is inner.action_space("firm_0")
    assert env.observation_space("firm_1") is inner.observation_space("firm_1")
    assert env.action_spaces == {a: inner.action_space(a) for a in inner.possible_agents}
    assert env.observation_spaces["firm_0"] is inner.observation_space("firm_0")
    assert env.render_mode == "ansi" and env.unwrapped is inner
    assert env.max_num_agents == 2 and env.num_agents == 0
    env.reset(seed=3)
    assert env.agents == inner.agents and env.num_agents == 2
    env.step({"firm_0": np.array([10.0, 10.0]), "firm_1": np.array([10.0, 10.0])})
    assert env.render() == inner.render()
    assert str(env) == "governed(cournot_v0)"
    assert "__getattr__" not in vars(GovernedEnv)


def test_the_wrapper_owns_one_seeded_generator() -> None:
    one, two = govern(CournotMarket(), reference()), govern(CournotMarket(), reference())
    one.reset(seed=7)
    two.reset(seed=7)
    assert one.np_random.random() == two.np_random.random()
    assert one.np_random is not one.unwrapped.np_random


def test_govern_is_exported_from_the_package() -> None:
    assert govlang.govern is govern


# ----------------------------------------------------------------------------- identity laws


def same(a: Any, b: Any) -> bool:
    """Deep, bit-for-bit equality of env internals and step results."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, np.random.Generator):
        return a.bit_generator.state == b.bit_generator.state
    if isinstance(a, float):
        return type(a) is type(b) and np.array(a).tobytes() == np.array(b).tobytes()
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


def without_govlang(step: tuple[Any, ...]) -> tuple[Any, ...]:
    *head, infos = step
    stripped = {a: {k: v for k, v in i.items() if k != "govlang"} for a, i in infos.items()}
    return (*head, stripped)


@pytest.mark.parametrize(
    ("make", "compiled"),
    [
        (CournotMarket, null_cournot),
        (BertrandMarket, lambda: bertrand(null=True)),
    ],
)
def test_the_null_institution_is_the_identity_bit_for_bit(
    make: Callable[[], Any], compiled: Callable[[], Any]
) -> None:
    bare, inner = make(), make()
    governed = govern(inner, compiled())
    expected = run(bare, sampled(bare, 11), 40, seed=5)
    got = run(governed, sampled(governed, 11), 40, seed=5)
    assert all(same(e, without_govlang(g)) for e, g in zip(expected, got, strict=True))
    # it did govern: standings changed and notices were issued
    assert any(t.events for t in governed.history)
    assert same(vars(bare), vars(inner))  # and never touched the env's internals


def test_the_null_institution_on_a_third_party_env() -> None:
    text = """
institution NullEcho
action: number in [0, 100]
monitor high: bool[agent] = action > 50
per agent {
  initial state low "LOW"
  state high_state "HIGH"
  rule N { low -> high_state when high }
  restore M { high_state -> low when not high }
}
"""
    bare, inner = EchoEnv(rounds=25), EchoEnv(rounds=25)
    governed = govern(inner, compile_text(text))
    expected = run(bare, sampled(bare, 2), 25)
    got = run(governed, sampled(governed, 2), 25)
    assert all(same(e, without_govlang(g)) for e, g in zip(expected, got, strict=True))
    assert same(vars(bare), vars(inner))


def test_a_sanctioning_institution_uses_only_the_public_api() -> None:
    inner = CournotMarket()
    governed = govern(inner, reference())
    divide = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}
    run(governed, lambda _t: divide, 12)
    bare = CournotMarket()
    bare.reset(seed=0)
    for trace in governed.history:
        bare.step({a: np.array(v) for a, v in trace.effective.items()})
    assert same(vars(bare), vars(inner))


# ----------------------------------------------------------------------------- regimes


DIVIDE = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}


def test_ungoverned_is_the_bare_env_infos_included() -> None:
    bare = CournotMarket()
    env = govern(CournotMarket(), reference(), regime="ungoverned")
    assert env.plan is None  # the institution is not consulted at all
    expected = run(bare, lambda _t: DIVIDE, 10)
    got = run(env, lambda _t: DIVIDE, 10)
    assert all(same(e, g) for e, g in zip(expected, got, strict=True))


def test_constitutional_publishes_the_text_and_enforces_nothing() -> None:
    bare = CournotMarket()
    env = govern(CournotMarket(), reference(), regime="constitutional")
    _, infos = env.reset(seed=0)
    text = infos["firm_0"]["govlang"]["constitution"]
    assert infos["firm_0"]["govlang"]["regime"] == "constitutional"
    assert text.startswith("CournotAntiCollusion: ")
    assert "P2_independent_decision: Each firm must decide its quantities independently" in text
    assert "R3_credits: " in text
    expected = run(bare, lambda _t: DIVIDE, 10)
    got = run(env, lambda _t: DIVIDE, 10)
    assert all(same(e, without_govlang(g)) for e, g in zip(expected, got, strict=True))
    assert all(g[4]["firm_1"]["govlang"]["constitution"] == text for g in got)


def test_institutional_enforces() -> None:
    env = govern(CournotMarket(), reference())
    steps = run(env, lambda _t: DIVIDE, 4)
    rewards = [s[1]["firm_0"] for s in steps]
    # warned; fined 35%, 75%, 100% of 1800
    assert rewards == [1800.0, 1800.0 - 630.0, 1800.0 - 1350.0, 0.0]
    assert steps[-1][4]["firm_0"]["govlang"]["label"] == "PENALISED"


def test_unknown_regime_is_refused() -> None:
    with pytest.raises(ValueError, match="regime must be one of"):
        govern(CournotMarket(), reference(), regime="advisory")  # type: ignore[arg-type]


def test_params_recompile_the_institution() -> None:
    env = govern(CournotMarket(), reference(), params={"fine_floor": 1000.0})
    steps = run(env, lambda _t: DIVIDE, 2)
    assert steps[1][1]["firm_0"] == 800.0  # max(0.35 * 1800, 1000) = 1000
    assert env.compiled.digest != reference().digest


def test_each_episode_starts_the_institution_afresh_and_replays_identically() -> None:
    env = govern(CournotMarket(), reference())
    run(env, lambda _t: DIVIDE, 6)
    first = [(t.as_json(), [e.as_json() for e in t.events]) for t in env.history]
    state = env.institutional_state
    assert state is not None and state.ledger.fined > 0
    _, infos = env.reset(seed=0)
    assert infos["firm_0"]["govlang"]["state"] == "active" and env.history == ()
    fresh = env.institutional_state
    assert fresh is not None and fresh.ledger.fined == 0 and fresh.round == 0
    run(env, lambda _t: DIVIDE, 6)
    assert [(t.as_json(), [e.as_json() for e in t.events]) for t in env.history] == first
