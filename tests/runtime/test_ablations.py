"""The two ablation regimes: announced but unenforced, and enforced but unannounced."""

from __future__ import annotations

from typing import Any

import numpy as np

from govlang.markets import CournotMarket
from govlang.runtime.govern import govern

from .support import reference, run

DIVIDE = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}
ROUNDS = 14


def _fines(env: Any) -> int:
    return sum(
        1
        for t in env.history
        for e in t.events
        if e.kind == "sanction" and str(e.detail.get("sanction", "")).startswith("fine")
    )


def test_announced_unenforced_tells_the_acts_and_applies_none() -> None:
    bare = run(CournotMarket(), lambda _t: DIVIDE, ROUNDS)
    enforced_env = govern(CournotMarket(), reference())
    enforced = run(enforced_env, lambda _t: DIVIDE, ROUNDS)
    env = govern(CournotMarket(), reference(), regime="announced_unenforced")
    got = run(env, lambda _t: DIVIDE, ROUNDS)
    assert env.announced and not env.enforced
    # nothing binds: rewards and outputs are the bare market's, round by round
    assert [g[1] for g in got] == [b[1] for b in bare]
    for g, b in zip(got, bare, strict=True):
        for agent in ("firm_0", "firm_1"):
            assert g[4][agent]["quantities"] == b[4][agent]["quantities"]
    # ... although the same institution fines and suspends when it binds
    assert [e[1]["firm_0"] for e in enforced] != [b[1]["firm_0"] for b in bare]
    # the institution ran: the same standings and notices as the enforced run up to the first
    # suspension (after it the enforced market differs), and sanction events were recorded
    told = [g[4]["firm_0"]["govlang"] for g in got]
    assert all(t["regime"] == "announced_unenforced" and t["enforced"] is False for t in told)
    assert told[1]["label"] == enforced[1][4]["firm_0"]["govlang"]["label"] == "PENALISED"
    assert told[1]["notices"] == enforced[1][4]["firm_0"]["govlang"]["notices"]
    assert any(t["notices"] for t in told)
    assert all(t["payoff"]["fined"] == 0.0 for t in told)
    assert all(t["payoff"]["mediated"] == t["payoff"]["raw"] for t in told)
    assert not any(t["constraints"]["suspended"] for t in told)
    assert _fines(env) > 0
    assert env.agent_states()["firm_0"] == env.history[-1].standings[_instance(env, 0)]


def _instance(env: Any, agent: int) -> str:
    return str(next(i.name for i in env.plan.instances if i.agent == agent))


def test_enforced_unannounced_binds_and_tells_nothing() -> None:
    bare = run(CournotMarket(), lambda _t: DIVIDE, ROUNDS)
    enforced = run(govern(CournotMarket(), reference()), lambda _t: DIVIDE, ROUNDS)
    env = govern(CournotMarket(), reference(), regime="enforced_unannounced")
    got = run(env, lambda _t: DIVIDE, ROUNDS)
    assert env.enforced and not env.announced
    # the same money and output as the institutional regime
    assert [g[1] for g in got] == [e[1] for e in enforced]
    for g, e in zip(got, enforced, strict=True):
        assert g[4]["firm_0"]["quantities"] == e[4]["firm_0"]["quantities"]
    # ... and the infos are the market's own: no govlang entry, no notices, no standings
    for g, b in zip(got, bare, strict=True):
        assert all("govlang" not in info for info in g[4].values())
        assert g[4]["firm_1"].keys() == b[4]["firm_1"].keys()
    _, infos = env.reset(seed=0)
    assert all("govlang" not in info for info in infos.values())
    assert _fines(env) == 0  # reset cleared the episode


def test_constitution_text_can_be_given() -> None:
    env = govern(CournotMarket(), reference(), regime="constitutional", constitution="Be fair.")
    _, infos = env.reset(seed=0)
    assert infos["firm_0"]["govlang"] == {"regime": "constitutional", "constitution": "Be fair."}
    assert env.plan is None
