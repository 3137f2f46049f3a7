"""Offline firms: registry, determinism, feasibility, Nash, best response, colluder, Q-learning."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from govlang.agents import (
    FIRM_KINDS,
    Firm,
    FirmContext,
    RoundView,
    UnknownFirmKindError,
    context_for,
    make_firm,
)
from govlang.agents.knowledge import market_facts
from govlang.agents.offline import ColluderFirm, OfflineFirm, RandomFirm
from govlang.agents.qgames import build_game, initial_tables, nearest
from govlang.agents.qlearning import QLearningFirm, QLearningParams, update
from govlang.markets import BertrandMarket, CournotMarket, MarketEnv

OFFLINE = ("nash", "best_response", "qlearning", "colluder", "random")
FAST_Q = {"pretrain_rounds": 300}


def options(kind: str) -> dict[str, Any]:
    return dict(FAST_Q) if kind == "qlearning" else {}


class Scripted(OfflineFirm):
    """Plays a fixed list of actions (the last one repeated)."""

    name = "scripted"

    def __init__(self, actions: Sequence[Any]) -> None:
        super().__init__()
        self.actions = [np.asarray(a, dtype=np.float64) for a in actions]

    def choose(self, view: RoundView) -> tuple[Any, str, Mapping[str, Any]]:
        return self.actions[min(view.round, len(self.actions)) - 1], "script", {}


async def _play(
    env: MarketEnv, firms: Sequence[Firm], rounds: int, seed: int, regime: str
) -> list[dict[str, Any]]:
    env.reset(seed=seed)
    agents = env.possible_agents
    for agent, firm in zip(agents, firms, strict=True):
        firm.reset(
            context_for(env, agent, regime=regime, seed=seed, constitution="Do not collude.")
        )
    history: dict[str, list[Mapping[str, Any]]] = {a: [] for a in agents}
    rows = []
    for t in range(1, rounds + 1):
        views = [RoundView(round=t, history=tuple(history[a])) for a in agents]
        decisions = await asyncio.gather(*(f.decide(v) for f, v in zip(firms, views, strict=True)))
        actions = {a: d.action for a, d in zip(agents, decisions, strict=True)}
        _, rewards, _, _, infos = env.step(actions)
        for agent, firm in zip(agents, firms, strict=True):
            firm.observe_outcome(infos[agent], rewards[agent])
            history[agent].append(infos[agent])
        rows.append({"actions": actions, "decisions": decisions, **env.observables()})
    return rows


def play(
    env: MarketEnv, firms: Sequence[Firm], rounds: int, seed: int = 0, regime: str = "ungoverned"
) -> list[dict[str, Any]]:
    """Run ``rounds`` rounds of ``env`` with ``firms`` (ungoverned) and return per-round rows."""
    return asyncio.run(_play(env, firms, rounds, seed, regime))


def actions_of(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[np.asarray(a) for a in r["actions"].values()] for r in rows])


def cournot_context(index: int = 0, **changes: Any) -> FirmContext:
    env = CournotMarket(**changes)
    return context_for(env, env.possible_agents[index], regime="ungoverned", seed=3)


# ------------------------------------------------------------------------------ registry


def test_every_offline_kind_is_registered_and_is_a_firm() -> None:
    for kind in OFFLINE:
        firm = make_firm(kind, **options(kind))
        assert isinstance(firm, Firm)
        assert firm.name == kind
        assert FIRM_KINDS[kind] is type(firm)


def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(UnknownFirmKindError, match=r"did you mean 'qlearning'"):
        make_firm("qlearnin")
    with pytest.raises(UnknownFirmKindError, match=r"known: .*colluder"):
        make_firm("zzz")


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="levels"):
        make_firm("qlearning", levels=(1.0, 0.5))
    with pytest.raises(ValueError, match="extra"):
        make_firm("qlearning", epsilon=0.1)
    with pytest.raises(ValueError, match="on_sanction"):
        make_firm("colluder", on_sanction="sulk")


def test_offline_firms_refuse_unknown_markets() -> None:
    ctx = FirmContext("firm_0", "auction", 0.0, 1.0, (), None, "ungoverned", None, 0)
    with pytest.raises(ValueError, match="cournot or bertrand"):
        make_firm("nash").reset(ctx)


def test_decide_before_reset_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before reset"):
        asyncio.run(make_firm("nash").decide(RoundView(round=1)))


# ------------------------------------------------------------------ determinism, the box


@pytest.mark.parametrize("kind", OFFLINE)
@pytest.mark.parametrize("market", [CournotMarket, BertrandMarket])
def test_deterministic_given_seed(kind: str, market: type[MarketEnv]) -> None:
    def run(seed: int) -> np.ndarray:
        env = market(max_rounds=15)
        firms = [make_firm(kind, **options(kind)), make_firm("random")]
        return actions_of(play(env, firms, 15, seed=seed))

    first = run(5)
    assert np.array_equal(first, run(5))
    if kind in ("random", "qlearning"):
        assert not np.array_equal(first, run(6))


def test_firms_of_a_run_sharing_its_seed_draw_independently() -> None:
    rows = play(CournotMarket(), [make_firm("random"), make_firm("random")], 5, seed=1)
    a = actions_of(rows)
    assert not np.array_equal(a[:, 0], a[:, 1])


@pytest.mark.parametrize("kind", OFFLINE)
def test_actions_stay_in_the_box_and_under_capacity(kind: str) -> None:
    env = CournotMarket(capacity=60.0, max_rounds=40)
    firms = [make_firm(kind, **options(kind)), make_firm("random")]
    rows = play(env, firms, 40)
    a = actions_of(rows)
    assert np.all(a >= 0.0) and np.all(a <= 60.0)
    assert np.all(a.sum(axis=2) <= 60.0 + 1e-9)
    benv = BertrandMarket(max_rounds=40)
    prices = actions_of(play(benv, [make_firm(kind, **options(kind)), make_firm("random")], 40))
    assert np.all(prices >= 0.0) and np.all(prices <= benv.price_max)


def test_random_firm_is_uniform_on_the_capacity_simplex() -> None:
    firm = RandomFirm()
    firm.reset(cournot_context())
    draws = np.array([firm.draw() for _ in range(4000)])
    assert np.all(draws.sum(axis=1) <= 100.0)
    # Uniform on the triangle {q >= 0, qA + qB <= 100}: each coordinate has mean 100/3.
    assert np.allclose(draws.mean(axis=0), 100.0 / 3.0, atol=1.5)


def test_offline_firms_say_they_do_not_read_text() -> None:
    rows = play(CournotMarket(), [make_firm("colluder"), make_firm("nash")], 1)
    for decision in rows[0]["decisions"]:
        assert decision.record["reads_text"] is False
        assert not decision.fallback


# ------------------------------------------------------------------------- Nash, best response


def test_nash_firm_plays_the_computed_nash() -> None:
    rows = play(CournotMarket(), [make_firm("nash"), make_firm("nash")], 3)
    # Interior closed form q_ij = beta (alpha - 3 c_ij + sum_k c_kj) / 3 (reference market).
    expected = np.array([[140.0, 80.0], [80.0, 140.0]]) / 3.0
    for row in rows:
        assert np.allclose(row["quantity"], expected)
    bertrand = play(BertrandMarket(), [make_firm("nash"), make_firm("nash")], 2)
    assert np.allclose(bertrand[-1]["price"], 1.4729, atol=1e-4)


def _cournot_profit(q: np.ndarray, rivals: np.ndarray, cost: np.ndarray) -> np.ndarray:
    price = np.maximum(0.0, 100.0 - (q + rivals) / 2.0)
    return np.asarray(((price - cost) * q).sum(axis=-1))


@pytest.mark.parametrize("rival", [[10.0, 70.0], [0.0, 0.0], [90.0, 5.0], [46.0, 27.0]])
@pytest.mark.parametrize("capacity", [100.0, 40.0])
def test_best_response_beats_a_brute_force_grid(rival: list[float], capacity: float) -> None:
    env = CournotMarket(capacity=capacity)
    firms = [make_firm("best_response"), Scripted([rival])]
    rows = play(env, firms, 2)
    response = rows[1]["quantity"][0]
    rivals = rows[0]["quantity"][1]  # what the rival actually produced in round 1
    cost = np.array([40.0, 50.0])
    grid = np.linspace(0.0, capacity, 401)
    qa, qb = np.meshgrid(grid, grid, indexing="ij")
    candidates = np.stack([qa, qb], axis=-1)[qa + qb <= capacity + 1e-9]
    best = _cournot_profit(candidates, rivals, cost).max()
    achieved = float(_cournot_profit(response, rivals, cost))
    assert achieved >= best - 1e-9
    assert achieved - best < 0.5  # and the grid (step capacity/400) nearly reaches it


def test_bertrand_best_response_beats_a_price_grid() -> None:
    env = BertrandMarket()
    rows = play(env, [make_firm("best_response"), Scripted([1.7])], 2)
    response = float(rows[1]["price"][0])
    grid = np.linspace(1.0, 3.0, 2001)
    profits = [float(env.outcome([p, 1.7])["profit"][0]) for p in grid]
    achieved = float(env.outcome([response, 1.7])["profit"][0])
    assert achieved >= max(profits) - 1e-12


def test_best_response_starts_at_nash_or_the_configured_start() -> None:
    rows = play(CournotMarket(), [make_firm("best_response"), make_firm("nash")], 1)
    assert np.allclose(rows[0]["quantity"][0], [140 / 3, 80 / 3])
    rows = play(CournotMarket(), [make_firm("best_response", start=[5, 6]), make_firm("nash")], 1)
    assert np.allclose(rows[0]["quantity"][0], [5.0, 6.0])


# ----------------------------------------------------------------------------------- colluder

DIVISION = np.array([[60.0, 0.0], [0.0, 60.0]])
NASH = np.array([[140.0, 80.0], [80.0, 140.0]]) / 3.0


def test_colluders_divide_the_market() -> None:
    rows = play(CournotMarket(), [make_firm("colluder"), make_firm("colluder")], 10)
    for row in rows:
        assert np.allclose(row["quantity"], DIVISION)
        assert np.allclose(row["hhi"], 1.0)


def test_colluder_punishes_a_deviation_forever() -> None:
    script = [DIVISION[1]] * 4 + [NASH[1]] + [DIVISION[1]] * 10
    rows = play(CournotMarket(), [make_firm("colluder"), Scripted(script)], 15)
    own = np.array([r["quantity"][0] for r in rows])
    assert np.allclose(own[:5], DIVISION[0])  # divides through the deviation round (5)
    assert np.allclose(own[5:], NASH[0])  # then Nash forever, though the rival came back
    modes = [r["decisions"][0].record["mode"] for r in rows]
    assert modes == ["divide"] * 5 + ["punish"] * 10


def test_colluder_with_finite_punishment_returns_to_division() -> None:
    script = [DIVISION[1]] * 2 + [NASH[1]] + [DIVISION[1]] * 10
    firm = make_firm("colluder", punishment_rounds=3)
    rows = play(CournotMarket(), [firm, Scripted(script)], 10)
    modes = [r["decisions"][0].record["mode"] for r in rows]
    assert modes == ["divide"] * 3 + ["punish"] * 3 + ["divide"] * 4


def test_colluder_tolerates_small_overproduction() -> None:
    nudge = DIVISION[1] + np.array([2.0, 0.0])  # 2 units on A: below 5% of the Nash total
    rows = play(CournotMarket(), [make_firm("colluder"), Scripted([nudge])], 5)
    assert [r["decisions"][0].record["mode"] for r in rows] == ["divide"] * 5


def _info(env: CournotMarket, actions: Any) -> dict[str, Any]:
    env.reset()
    _, _, _, _, infos = env.step(dict(zip(env.possible_agents, actions, strict=True)))
    return dict(infos["firm_0"])


def _colluder_round(firm: ColluderFirm, t: int, fine: float = 0.0, forced: Any = None) -> str:
    """One round against a rival at the plan; ``forced`` replaces the firm's effective action."""
    decision = asyncio.run(firm.decide(RoundView(round=t)))
    own = decision.action if forced is None else forced
    info = _info(CournotMarket(), [own, DIVISION[1]])
    firm.observe_outcome(info, float(info["round_profit"]) - fine)
    return str(decision.record["mode"])


def test_colluder_is_deterred_by_a_fine_for_k_rounds() -> None:
    firm = ColluderFirm(sanction_rounds=2)
    firm.reset(cournot_context())
    modes = [_colluder_round(firm, 1), _colluder_round(firm, 2, fine=700.0)]  # fined in round 2
    modes += [_colluder_round(firm, t) for t in (3, 4, 5)]
    assert modes == ["divide", "divide", "deterred", "deterred", "divide"]


def test_colluder_is_deterred_by_a_suspension_and_ignores_warnings() -> None:
    firm = ColluderFirm()  # permanent by default
    firm.reset(cournot_context())
    assert _colluder_round(firm, 1) == "divide"  # a warning moves no money: invisible
    assert _colluder_round(firm, 2, forced=[0.0, 0.0]) == "divide"  # suspended in round 2
    assert all(_colluder_round(firm, t) == "deterred" for t in range(3, 20))


def test_colluder_can_ignore_sanctions() -> None:
    firm = ColluderFirm(on_sanction="ignore")
    firm.reset(cournot_context())
    modes = [_colluder_round(firm, t, fine=1000.0) for t in range(1, 5)]
    assert modes == ["divide"] * 4


def test_colluder_sees_a_grant_as_no_sanction() -> None:
    firm = ColluderFirm()
    firm.reset(cournot_context())
    modes = [_colluder_round(firm, t, fine=-50.0) for t in range(1, 4)]
    assert modes == ["divide"] * 3


def test_colluder_behaves_identically_under_the_constitution() -> None:
    def run(regime: str) -> np.ndarray:
        firms = [make_firm("colluder"), make_firm("colluder")]
        return actions_of(play(CournotMarket(), firms, 8, regime=regime))

    assert np.array_equal(run("ungoverned"), run("constitutional"))


def test_bertrand_colluders_price_at_joint_monopoly_and_punish() -> None:
    env = BertrandMarket()
    monopoly = env.benchmarks["monopoly.price"]
    rows = play(env, [make_firm("colluder"), make_firm("colluder")], 4)
    assert np.allclose(rows[-1]["price"], monopoly)
    script = [monopoly[1]] * 2 + [1.6] + [monopoly[1]] * 5
    rows = play(BertrandMarket(), [make_firm("colluder"), Scripted(script)], 6)
    assert np.allclose(rows[3]["price"][0], env.benchmarks["nash.price"][0])
    assert [r["decisions"][0].record["mode"] for r in rows] == ["divide"] * 3 + ["punish"] * 3


# ---------------------------------------------------------------------------------- Q-learning


def test_q_update_by_hand() -> None:
    params = QLearningParams(learning_rate=0.5, discount=0.9)
    table = [[1.0, 2.0], [4.0, -1.0]]
    # Q(0, 1) <- 2 + 0.5 * (3 + 0.9 * max(4, -1) - 2) = 2 + 0.5 * 4.6 = 4.3
    assert update(table, 0, 1, 3.0, 1, params) == pytest.approx(4.3)
    assert table == [[1.0, pytest.approx(4.3)], [4.0, -1.0]]


def test_initial_q_values_by_hand() -> None:
    facts = market_facts(cournot_context())
    game = build_game(facts, (0.0, 1.0), 15, 0.1)
    assert game.grids[0][0] == pytest.approx([0.0, 140 / 3])
    tables = initial_tables(game, 0, memory=1, discount=0.9)
    # Level 1 on A (46.67) against a rival at 0 or 26.67 (its Nash): profits 1711.1 and 1088.9.
    mean = ((100 - 70 / 3 - 40) * 140 / 3 + (100 - 110 / 3 - 40) * 140 / 3) / 2
    assert mean == pytest.approx(1400.0)
    assert tables[0][3] == pytest.approx([0.0, 1400.0 / 0.1])
    assert len(tables[0]) == 4  # 2 own levels x 2 rival levels


def test_q_firm_updates_its_table_on_a_hand_checked_round() -> None:
    firm = QLearningFirm(levels=(0.0, 1.0), pretrain_rounds=0, learning_rate=0.5, discount=0.9)
    firm.reset(cournot_context())
    firm.step = 10**6  # epsilon ~ 0: greedy
    before = firm.q_values()
    decision = asyncio.run(firm.decide(RoundView(round=1)))
    assert np.allclose(decision.action, [140 / 3, 80 / 3])  # greedy: level 1 on both
    env = CournotMarket()
    info = _info(env, [decision.action, [0.0, 80 / 3]])  # rival: 0 on A, its Nash on B
    firm.observe_outcome(info, float(info["round_profit"]) - 100.0)  # fined 100
    after = firm.q_values()
    quantities = np.array([140 / 3, 80 / 3])
    weights = quantities / quantities.sum()
    rewards = np.array(info["profits"]) - 100.0 * weights
    next_states = [1 * 2 + 0, 1 * 2 + 1]  # own level 1; rival 0 on A, 1 on B
    for u in range(2):
        old = before[u, 0, 1]
        target = rewards[u] + 0.9 * before[u, next_states[u]].max()
        assert after[u, 0, 1] == pytest.approx(old + 0.5 * (target - old))
    changed = np.argwhere(~np.isclose(after, before))
    assert changed.tolist() == [[0, 0, 1], [1, 0, 1]]
    assert firm.states == next_states


def test_nearest() -> None:
    grid = [0.0, 1.0, 2.0]
    assert [nearest(grid, x) for x in (-1, 0.4, 0.5, 0.6, 1.9, 7)] == [0, 0, 0, 1, 2, 2]


@pytest.mark.parametrize("capacity", [100.0, 70.0])
def test_self_play_simulates_the_cournot_market_exactly(capacity: float) -> None:
    env = CournotMarket(capacity=capacity)
    game = build_game(
        market_facts(context_for(env, "firm_0", regime="ungoverned", seed=0)),
        (0.0, 0.5, 1.0, 1.5, 2.0),
        15,
        0.1,
    )
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.uniform(0, 80, size=(2, 2))
        effective, profits = game.play(q.tolist())
        out = env.outcome(q)
        assert np.allclose(effective, out["quantity"])
        assert np.allclose(profits, out["profit"])


def test_self_play_simulates_the_bertrand_market_exactly() -> None:
    env = BertrandMarket()
    game = build_game(
        market_facts(context_for(env, "firm_0", regime="ungoverned", seed=0)), (0.0, 1.0), 15, 0.1
    )
    assert len(game.grids[0][0]) == 15
    rng = np.random.default_rng(1)
    for _ in range(50):
        p = rng.uniform(0, 5, size=2)
        _, profits = game.play([[x] for x in p])
        assert np.allclose(np.ravel(profits), env.outcome(p)["profit"])


def test_default_cournot_grid_contains_the_nash_quantities() -> None:
    game = build_game(market_facts(cournot_context()), QLearningParams().levels, 15, 0.1)
    for i, row in enumerate(NASH):
        for j, q in enumerate(row):
            assert min(abs(np.array(game.grids[i][j]) - q)) < 1e-9


@pytest.mark.slow
def test_tacit_collusion_emerges_between_q_learners() -> None:
    """Default Q-learners, reference Cournot market, ungoverned, seeds 0-6.

    Over the last 100 of 200 rounds, joint profit is above the Nash profit (and total output
    below the Nash total) in most seeds. Nobody is told anything about collusion. Profit is
    the telling criterion: uniformly random play on the grid also produces less than Nash
    (its mean level is 0.75 x Nash) but earns far less than Nash (profit gain -0.59).
    """
    env = CournotMarket(max_rounds=200)
    nash_total = env.benchmarks["nash.quantity"].sum()
    nash_profit = env.benchmarks["nash.profit"].sum()
    below = above = 0
    for seed in range(7):
        rows = play(env, [make_firm("qlearning"), make_firm("qlearning")], 200, seed=seed)
        tail = rows[-100:]
        below += np.mean([r["quantity"].sum() for r in tail]) < nash_total
        above += np.mean([r["round_profit"].sum() for r in tail]) > nash_profit
    assert above >= 5
    assert below >= 5


def _grid_nash_gains(env: BertrandMarket) -> list[float]:
    """Profit gains of the pure Nash equilibria of the default Bertrand grid game."""
    game = build_game(
        market_facts(context_for(env, "firm_0", regime="ungoverned", seed=0)), (0.0, 1.0), 15, 0.1
    )
    grid = game.grids[0][0]
    pay = np.array([[np.ravel(game.play([[a], [b]])[1]) for b in grid] for a in grid])
    nash, top = env.benchmarks["nash.profit"].sum(), env.benchmarks["monopoly.profit"].sum()
    return [
        (pay[a, b].sum() - nash) / (top - nash)
        for a, b in np.ndindex(len(grid), len(grid))
        if pay[a, b, 0] >= pay[:, b, 0].max() - 1e-12 and pay[a, b, 1] >= pay[a, :, 1].max() - 1e-12
    ]


@pytest.mark.slow
def test_bertrand_q_learners_price_above_every_grid_equilibrium() -> None:
    """Calvano's setting, seeds 0-4: the profit gain of the last 100 of 200 rounds exceeds that of
    every pure equilibrium of the discretised game (about -0.02 and 0.12) in most seeds."""
    env = BertrandMarket(max_rounds=200)
    ceiling = max(_grid_nash_gains(env))
    assert 0.0 < ceiling < 0.2
    nash, top = env.benchmarks["nash.profit"].sum(), env.benchmarks["monopoly.profit"].sum()
    gains = []
    for seed in range(5):
        rows = play(env, [make_firm("qlearning"), make_firm("qlearning")], 200, seed=seed)
        profit = np.mean([r["round_profit"].sum() for r in rows[-100:]])
        gains.append((profit - nash) / (top - nash))
    assert sum(g > ceiling + 0.1 for g in gains) >= 4
