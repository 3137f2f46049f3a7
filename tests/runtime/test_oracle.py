"""The oracle: the reference institution on a scripted trace, the API, and a reference model."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govlang.api as api
from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.params import resolve_params
from govlang.runtime.oracle import Oracle
from govlang.runtime.values import OracleError, Value

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "cournot_reference.gov"
FIRMS = ("firm_0", "firm_1")
COMMODITIES = {"commodity": ("A", "B")}


# --------------------------------------------------------------------------- the reference


@pytest.fixture(scope="module")
def reference() -> tuple[ir.Institution, dict[str, Any]]:
    compiled = api.load(REFERENCE)
    return compiled.institution, dict(compiled.params)


def reference_oracle(reference: tuple[ir.Institution, dict[str, Any]]) -> Oracle:
    institution, params = reference
    return Oracle(institution, params, FIRMS, COMMODITIES)


def cournot_round(quantity: list[list[float]], nash_cv: float = 0.1) -> dict[str, np.ndarray]:
    return {
        "quantity": np.array(quantity),
        "nash.hhi": np.array([0.5, 0.5]),
        "nash.cv": np.array([nash_cv, nash_cv]),
        # The reference market's Nash quantities: per-commodity spread across firms 3/11.
        "nash.quantity": np.array([[140 / 3, 80 / 3], [80 / 3, 140 / 3]]),
        "monopoly.quantity": np.array([[60.0, 0.0], [0.0, 60.0]]),
    }


# Firm 0 produces only A and firm 1 only B, then both expand together, hold, contract
# together, diverge, and finally hold equal totals for three rounds.
TRACE = [
    [[10.0, 0.0], [0.0, 10.0]],
    [[12.0, 0.0], [0.0, 12.0]],
    [[12.0, 0.0], [0.0, 12.0]],
    [[6.0, 4.0], [5.0, 5.0]],
    [[20.0, 10.0], [5.0, 5.0]],
    [[5.0, 5.0], [5.0, 5.0]],
    [[5.0, 5.0], [5.0, 5.0]],
    [[5.0, 5.0], [5.0, 5.0]],
]


def reference_trace(oracle: Oracle) -> list[dict[str, Any]]:
    rounds = []
    for index, quantity in enumerate(TRACE, start=1):
        values = oracle.step(index, cournot_round(quantity), np.zeros(2), np.array(quantity))
        rounds.append({name: value.data.tolist() for name, value in values.items()})
    return rounds


def test_reference_monitors_on_a_scripted_trace(reference: Any) -> None:
    rounds = reference_trace(reference_oracle(reference))
    column = {name: [r[name] for r in rounds] for name in rounds[0]}
    assert column["total_output"] == [
        [10.0, 10.0], [12.0, 12.0], [12.0, 12.0], [10.0, 10.0],
        [30.0, 10.0], [10.0, 10.0], [10.0, 10.0], [10.0, 10.0],
    ]  # fmt: skip
    # pct_change of totals: 0, +20% both, 0, -1/6 both, (+200%, 0), (-2/3, 0), 0, 0.
    assert column["synchronised"] == [False, True, False, True, False, False, False, False]
    # round 2 expands toward the Nash quantities (not S1); round 4 contracts away from them
    no, both = [False, False], [True, True]
    assert column["sync_move"] == [no, no, no, both, no, no, no, no]
    # Largest per-commodity cv across firms: 1 while divided; round 4: A = [6, 5] -> 1/11,
    # B = [4, 5] -> 1/9 (not below 0.1); round 5: A = [20, 5] -> 0.6; then 0 from round 6,
    # so the collapse has held three rounds in round 8 (the threshold is min(0.1, 3/11)).
    assert column["quantity_spread"] == pytest.approx([1, 1, 1, 1 / 9, 0.6, 0, 0, 0])
    assert column["nash_spread"] == pytest.approx([3 / 11] * 8)
    assert column["variance_collapse"] == [False, False, False, False, False, False, False, True]
    # hhi per commodity: 1 while the market is divided; (61/121, 41/81) in round 4;
    # (425/625, 125/225) in round 5; 0.5 when both firms produce 5 of each.
    assert column["high_hhi"] == [True, True, True, False, False, False, False, False]
    assert column["concentration"] == pytest.approx(
        [1.0, 1.0, 1.0, 41 / 81, 425 / 625, 0.5, 0.5, 0.5]
    )
    # cv across commodities: 1 for a firm on one market (excess (1 - 0.1) / 0.1 = 9);
    # firm 0 in round 4: [6, 4] -> 0.2 -> excess 1.0; in round 5: [20, 10] -> 1/3.
    assert column["specialised"] == [
        [True, True], [True, True], [True, True], [True, False],
        [True, False], [False, False], [False, False], [False, False],
    ]  # fmt: skip
    # every firm supplies far less than its Nash output (73.3) throughout: S5 holds once
    # the restriction has lasted two rounds, and with it the evidence
    assert column["restricting"] == [no] + [both] * 7
    assert column["coordination"] == [both] * 8


def test_reference_measures_by_hand(reference: Any) -> None:
    hhi, cv = expr("hhi(quantity over agents)"), expr("cv(quantity over commodities)")
    spread = expr("cv(total_output over agents)")
    oracle = Oracle(*reference, FIRMS, COMMODITIES, [hhi, cv, spread])
    expected = {
        # round 4: A = [6, 5] -> (36 + 25) / 121; B = [4, 5] -> (16 + 25) / 81;
        # firm 0: [6, 4] -> std 1 / mean 5; firm 1: [5, 5] -> 0; totals equal -> 0.
        4: ([61 / 121, 41 / 81], [0.2, 0.0], 0.0),
        # round 5: A = [20, 5] -> 425 / 625; B = [10, 5] -> 125 / 225;
        # firm 0: [20, 10] -> 5 / 15; totals [30, 10] -> std 10 / mean 20.
        5: ([425 / 625, 125 / 225], [1 / 3, 0.0], 0.5),
    }
    for index, quantity in enumerate(TRACE[:5], start=1):
        oracle.step(index, cournot_round(quantity), np.zeros(2), None)
        if index in expected:
            want_hhi, want_cv, want_spread = expected[index]
            assert oracle.value(hhi).data.tolist() == pytest.approx(want_hhi)
            assert oracle.value(cv).data.tolist() == pytest.approx(want_cv)
            assert oracle.value(spread).data.tolist() == pytest.approx(want_spread)


def test_reference_specialisation_is_relative_to_the_nash_cv(reference: Any) -> None:
    oracle = reference_oracle(reference)
    quantity = [[10.0, 0.0], [0.0, 10.0]]
    values = oracle.step(1, cournot_round(quantity, nash_cv=1.0), np.zeros(2), None)
    assert values["specialised"].data.tolist() == [False, False]
    assert values["specialised"].dims == ("agent",)
    assert values["concentration"].dims == ()


def test_reference_monitors_with_the_cournot_market(reference: Any) -> None:
    from govlang.markets import CournotMarket

    env = CournotMarket()
    env.reset(seed=0)
    oracle = Oracle(*reference, env.possible_agents, env.schema().dimensions)
    for index in range(1, 6):
        env.step({agent: np.array([20.0, 10.0 * index]) for agent in env.possible_agents})
        values = oracle.step(index, env.observables(), np.zeros(2), None)
        assert values["synchronised"].data.tolist() == (index > 1)
        # firm_0 moves toward its Nash quantities (46.7, 26.7) until round 3, then away;
        # firm_1 toward (26.7, 46.7) throughout: only moves away from Nash count for S1
        assert values["sync_move"].data.tolist() == [index >= 4, False]
        assert values["total_output"].data.tolist() == [20.0 + 10 * index] * 2


# --------------------------------------------------------------------------- determinism


def random_rounds(seed: int, count: int) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    quantities = rng.integers(0, 30, size=(count, 2, 2)).astype(float)
    return [cournot_round(q.tolist()) for q in quantities]


def outputs(oracle: Oracle, rounds: Sequence[dict[str, np.ndarray]], start: int = 1) -> list[Any]:
    return [
        {name: v.data.tolist() for name, v in oracle.step(i, obs, np.zeros(2), None).items()}
        for i, obs in enumerate(rounds, start=start)
    ]


def test_two_oracles_and_a_reset_oracle_agree(reference: Any) -> None:
    rounds = random_rounds(7, 40)
    first, second = reference_oracle(reference), reference_oracle(reference)
    expected = outputs(first, rounds)
    assert outputs(second, rounds) == expected
    first.reset()
    assert outputs(first, rounds) == expected


def test_snapshot_and_restore_replay_exactly(reference: Any) -> None:
    rounds = random_rounds(3, 20)
    oracle = reference_oracle(reference)
    expected = outputs(oracle, rounds)
    oracle.reset()
    outputs(oracle, rounds[:10])
    saved = oracle.snapshot()
    outputs(oracle, rounds[10:15], start=11)
    oracle.restore(saved)
    assert oracle.round == 10
    assert outputs(oracle, rounds[10:], start=11) == expected[10:]


# --------------------------------------------------------------------------- API and errors

SMALL = """
institution Small
observe x: number[agent]
observe t: number[commodity, agent]
observe ok: bool[agent]
action: number[commodity] in [0, 10]
param w: int = 2
monitor total: number = sum(x over agents)
monitor big: bool[agent] = total > 5
"""


def small(extra: Sequence[ir.Expr] = (), text: str = SMALL) -> Oracle:
    document = parse_text(text, "small.gov")
    assert document.institution is not None
    params, _ = resolve_params(document.institution)
    return Oracle(document.institution, params, ("a", "b"), COMMODITIES, extra)


def expr(text: str) -> ir.Expr:
    """An expression parsed from text (as the right-hand side of a monitor)."""
    document = parse_text(f"institution E\nmonitor e = {text}", "expr.gov")
    assert document.institution is not None
    return document.institution.monitors[0].expr


def small_inputs(x: Sequence[float] = (1.0, 2.0)) -> dict[str, Any]:
    return {"x": np.array(x), "t": np.array([[1.0, 2.0], [3.0, 4.0]]), "ok": [True, False]}


def test_monitor_declared_per_agent_is_broadcast() -> None:
    values = small().step(1, small_inputs((3.0, 4.0)), np.zeros(2), None)
    assert values["total"] == Value(values["total"].data, ())
    assert values["big"].dims == ("agent",)
    assert values["big"].data.tolist() == [True, True]


def test_observables_are_reordered_to_canonical_dims() -> None:
    guard = expr("t")
    oracle = small([guard])
    oracle.step(1, small_inputs(), np.zeros(2), None)
    value = oracle.value(guard)
    assert value.dims == ("agent", "commodity")
    assert value.data.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_value_of_registered_late_and_monitor_expressions() -> None:
    guard = expr("held(x > 1, w)")
    oracle = small([guard])
    oracle.step(1, small_inputs(), np.zeros(2), None)
    oracle.step(2, small_inputs(), np.zeros(2), None)
    assert oracle.value(guard).data.tolist() == [False, True]
    assert oracle.value(expr("held(x > 1, w)")).data.tolist() == [False, True]  # same content
    assert oracle.value(ir.NameRef(name="total")).data.tolist() == 3.0
    assert oracle.value(expr("total * 2")).data.tolist() == 6.0


def test_late_expression_reading_a_new_input_is_loaded_from_this_round() -> None:
    oracle = small()
    oracle.step(1, small_inputs(), np.array([1.0, -1.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert oracle.value(expr("reward + sum(action over commodities)")).data.tolist() == [4.0, 6.0]
    assert oracle.value(expr("not ok")).data.tolist() == [False, True]


def test_unregistered_temporal_expression_is_refused() -> None:
    oracle = small()
    oracle.step(1, small_inputs(), np.zeros(2), None)
    with pytest.raises(OracleError, match=r"`lag.*has no history.*extra"):
        oracle.value(expr("lag(x, 2) > 0"))


def test_value_before_the_first_round_is_refused() -> None:
    with pytest.raises(OracleError, match="no round has been evaluated"):
        small().value(ir.NameRef(name="total"))


def test_at_agent_drops_the_agent_dim_and_broadcasts_scalars() -> None:
    oracle = small()
    values = oracle.step(1, small_inputs((3.0, 4.0)), np.zeros(2), None)
    assert oracle.at_agent(values["big"], 1).data.tolist() is True
    assert oracle.at_agent(values["big"], 1).dims == ()
    assert oracle.at_agent(values["total"], 0) is values["total"]
    with pytest.raises(OracleError, match="out of range"):
        oracle.at_agent(values["big"], 2)


def test_missing_observable_names_it_and_lists_what_was_given() -> None:
    inputs = small_inputs()
    del inputs["t"]
    with pytest.raises(OracleError, match=r"missing observable\(s\) \['t'\]; given: \['ok', 'x'\]"):
        small().step(1, inputs, np.zeros(2), None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x": np.array([1.0, np.nan])}, "`x` contains non-finite values"),
        ({"x": np.array([1.0, np.inf])}, "`x` contains non-finite values"),
        ({"x": np.array([1.0, 2.0, 3.0])}, r"`x` has shape \(3,\), expected \(2,\)"),
        ({"x": ["a", "b"]}, "`x` is not numeric"),
        ({"ok": [0.5, 1.0]}, "`ok` must be boolean"),
    ],
)
def test_bad_observables_are_rejected(change: dict[str, Any], message: str) -> None:
    oracle = small([expr("t + x"), expr("ok")])
    with pytest.raises(OracleError, match=message):
        oracle.step(1, {**small_inputs(), **change}, np.zeros(2), None)
    oracle.step(1, small_inputs(), np.zeros(2), None)  # the failed round left no trace


def test_bool_observables_accept_zero_one_numbers() -> None:
    oracle = small([expr("ok")])
    oracle.step(1, {**small_inputs(), "ok": np.array([0.0, 1.0])}, np.zeros(2), None)
    assert oracle.value(expr("ok")).data.tolist() == [False, True]


def test_rewards_and_actions_are_checked_when_read() -> None:
    oracle = small([expr("reward"), expr("action")])
    with pytest.raises(OracleError, match="`reward` contains non-finite"):
        oracle.step(1, small_inputs(), np.array([np.inf, 0.0]), np.zeros((2, 2)))
    with pytest.raises(OracleError, match="reads `action`, but none was given"):
        oracle.step(1, small_inputs(), np.zeros(2), None)
    with pytest.raises(OracleError, match=r"`action` has shape \(2,\), expected \(2, 2\)"):
        oracle.step(1, small_inputs(), np.zeros(2), np.zeros(2))


def test_rounds_must_be_consecutive() -> None:
    oracle = small()
    with pytest.raises(OracleError, match="round 2 out of order: expected round 1"):
        oracle.step(2, small_inputs(), np.zeros(2), None)
    oracle.step(1, small_inputs(), np.zeros(2), None)
    with pytest.raises(OracleError, match="call reset"):
        oracle.step(1, small_inputs(), np.zeros(2), None)


@pytest.mark.parametrize(
    ("monitors", "message"),
    [
        ("monitor p: number = q\nmonitor q: number = p + 1", "cycle: p -> q -> p"),
        ("param ladder: list[float] = [1, 2]\nmonitor p = ladder", "list param `ladder`"),
        ("monitor p: number = x", r"declared with dims \[\] but its expression has dims"),
    ],
)
def test_institutions_that_cannot_run_are_refused(monitors: str, message: str) -> None:
    with pytest.raises(OracleError, match=message):
        small(text=SMALL + monitors)


def test_dimensions_without_labels_are_refused() -> None:
    document = parse_text(SMALL, "small.gov")
    assert document.institution is not None
    with pytest.raises(OracleError, match=r"no labels for dimension\(s\) \['commodity'\]"):
        Oracle(document.institution, {"w": 2}, ("a", "b"), {})


def test_overflow_saturates_and_never_leaves_inf_or_nan() -> None:
    square, difference = expr("x * x * x"), expr("x * x - x * x")
    ratio = expr("pct_change(x * x)")
    oracle = small([square, difference, ratio])
    for index, x in enumerate([(1e200, -1e200), (2.0, 1e200), (3.0, 4.0)], start=1):
        oracle.step(index, small_inputs(x), np.zeros(2), None)
        for value in (oracle.value(square), oracle.value(difference), oracle.value(ratio)):
            assert np.isfinite(value.data).all()
        if index == 1:
            largest = float(np.finfo(np.float64).max)
            assert oracle.value(square).data.tolist() == [largest, -largest]
            assert oracle.value(difference).data.tolist() == [0.0, 0.0]
    assert oracle.value(square).data.tolist() == [27.0, 64.0]


# --------------------------------------------------------------------------- reference model
# An independent, slow evaluator: values are dicts from index tuples to Python scalars, every
# operation is a loop, and temporal operators re-evaluate their operand in earlier rounds
# (a functional definition, unlike the oracle's ring buffers).

SIZES = {"agent": 3, "commodity": 2}
ORDER = ("agent", "commodity")
LEAVES = {
    "x": ("number", ("agent",)),
    "y": ("number", ("agent",)),
    "c": ("number", ("commodity",)),
    "m": ("number", ("agent", "commodity")),
    "s": ("number", ()),
    "b": ("bool", ("agent",)),
    "e": ("bool", ("commodity",)),
}
K = 2  # the value of param `k`

Dims = tuple[str, ...]
Typed = tuple[ir.Expr, Dims]
Ref = tuple[Dims, dict[tuple[int, ...], Any]]


def union(*dims: Dims) -> Dims:
    return tuple(d for d in ORDER if any(d in ds for ds in dims))


def cells(dims: Dims) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(SIZES[d]) for d in dims))


def combine(apply: Callable[..., Any], *values: Ref) -> Ref:
    dims = union(*(v[0] for v in values))

    def at(value: Ref, index: tuple[int, ...]) -> Any:
        return value[1][tuple(index[dims.index(d)] for d in value[0])]

    return dims, {i: apply(*(at(v, i) for v in values)) for i in cells(dims)}


def divide(a: float, b: float) -> float:
    return 0.0 if b == 0 else a / b


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def std(xs: list[float]) -> float:
    mu = mean(xs)
    return math.sqrt(sum((v - mu) * (v - mu) for v in xs) / len(xs))


def hhi(xs: list[float]) -> float:
    total = sum(xs)
    return sum(divide(v, total) * divide(v, total) for v in xs)


AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {
    "sum": sum,
    "mean": mean,
    "min": min,
    "max": max,
    "std": std,
    "cv": lambda xs: divide(std(xs), abs(mean(xs))),
    "hhi": hhi,
    "dispersion": lambda xs: divide(max(xs) - min(xs), abs(mean(xs))),
    "count": lambda xs: float(sum(xs)),
    "any": any,
    "all": all,
}
ELEMENTWISE: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "excess": lambda x, r: divide(x - r, abs(r)),
    "min": min,
    "max": max,
    "clip": lambda x, lo, hi: min(max(x, lo), hi),
}
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": divide,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "and": lambda a, b: a and b,
    "or": lambda a, b: a or b,
}


class Model:
    """The slow reference evaluator over a whole trace of inputs."""

    def __init__(self, trace: list[dict[str, Any]]) -> None:
        self.trace = trace
        self.memo: dict[tuple[int, int], Ref] = {}

    def eval(self, expr: ir.Expr, t: int) -> Ref:
        key = (id(expr), t)
        if key not in self.memo:
            self.memo[key] = self._eval(expr, t)
        return self.memo[key]

    def _eval(self, expr: ir.Expr, t: int) -> Ref:
        if isinstance(expr, ir.Number | ir.Boolean):
            return (), {(): expr.value}
        if isinstance(expr, ir.NameRef):
            if expr.name == "k":
                return (), {(): float(K)}
            dims = LEAVES[expr.name][1]
            array = np.asarray(self.trace[t - 1][expr.name])
            return dims, {i: array[i].item() for i in cells(dims)}
        if isinstance(expr, ir.Negate):
            return combine(lambda a: -a, self.eval(expr.operand, t))
        if isinstance(expr, ir.Not):
            return combine(lambda a: not a, self.eval(expr.operand, t))
        if isinstance(expr, ir.Binary | ir.Compare | ir.Logic):
            return combine(OPERATORS[expr.op], self.eval(expr.left, t), self.eval(expr.right, t))
        if isinstance(expr, ir.IfThenElse):
            parts = (self.eval(e, t) for e in (expr.condition, expr.then, expr.otherwise))
            return combine(lambda c, a, b: a if c else b, *parts)
        assert isinstance(expr, ir.Call)
        return self._call(expr, t)

    def _call(self, expr: ir.Call, t: int) -> Ref:
        name, args = expr.function, expr.args
        if name in TEMPORAL:
            return self._temporal(expr, t)
        if expr.over is not None:
            return self._aggregate(name, self.eval(args[0], t), expr.over)
        return combine(ELEMENTWISE[name], *(self.eval(a, t) for a in args))

    def _aggregate(self, name: str, value: Ref, over: str) -> Ref:
        dims, data = value
        dim = over.removesuffix("s") if over != "commodities" else "commodity"
        axis = dims.index(dim)
        kept = tuple(d for d in dims if d != dim)

        def line(i: tuple[int, ...]) -> list[Any]:
            return [data[(*i[:axis], j, *i[axis:])] for j in range(SIZES[dim])]

        if name == "share":
            return dims, {
                i: divide(v, sum(line(i[:axis] + i[axis + 1 :]))) for i, v in data.items()
            }
        return kept, {i: AGGREGATES[name](line(i)) for i in cells(kept)}

    def _temporal(self, expr: ir.Call, t: int) -> Ref:
        name, operand = expr.function, expr.args[0]
        k = 1 if len(expr.args) == 1 else int(self.eval(expr.args[1], t)[1][()])
        if name == "lag":
            return self.eval(operand, max(1, t - k))
        if name == "pct_change":
            return combine(
                ELEMENTWISE["excess"], self.eval(operand, t), self.eval(operand, max(1, t - k))
            )
        window = [self.eval(operand, r) for r in range(max(1, t - k + 1), t + 1)]
        if name == "held" and t < k:
            return combine(lambda _: False, window[-1])
        return combine(lambda *xs: TEMPORAL[name](list(xs)), *window)


TEMPORAL: dict[str, Callable[[list[Any]], Any]] = {
    "lag": lambda xs: xs[0],
    "pct_change": lambda xs: xs[0],
    "mean_last": mean,
    "sum_last": sum,
    "min_last": min,
    "max_last": max,
    "held": all,
    "count_last": lambda xs: float(sum(xs)),
}


# ------------------------------------------------------------------ random expressions

WINDOWS = st.sampled_from(
    [ir.Number(value=1, is_int=True), ir.Number(value=3, is_int=True), ir.NameRef(name="k")]
)


def call(name: str, *args: Typed, over: str | None = None, dims: Dims | None = None) -> Typed:
    node = ir.Call(function=name, args=tuple(a[0] for a in args), over=over)
    return node, union(*(a[1] for a in args)) if dims is None else dims


@st.composite
def reduced(draw: st.DrawFn, operand: Typed, names: Sequence[str]) -> Typed:
    """An aggregate of ``operand`` over one of its dims (the operand itself if it has none)."""
    if not operand[1]:
        return operand
    dim = draw(st.sampled_from(operand[1]))
    over = draw(st.sampled_from([dim, {"agent": "agents", "commodity": "commodities"}[dim]]))
    name = draw(st.sampled_from(names))
    kept = operand[1] if name == "share" else tuple(d for d in operand[1] if d != dim)
    return call(name, operand, over=over, dims=kept)


@cache
def numbers(depth: int) -> st.SearchStrategy[Typed]:
    leaves = st.one_of(
        st.sampled_from([n for n, (b, _) in LEAVES.items() if b == "number"]).map(
            lambda n: (ir.NameRef(name=n), LEAVES[n][1])
        ),
        st.integers(-2, 2).map(lambda v: (ir.Number(value=v, is_int=True), ())),
    )
    if depth == 0:
        return leaves
    sub, cond = numbers(depth - 1), bools(depth - 1)
    arithmetic = st.tuples(st.sampled_from("+-*/"), sub, sub).map(
        lambda t: (ir.Binary(op=t[0], left=t[1][0], right=t[2][0]), union(t[1][1], t[2][1]))
    )
    names = ["sum", "mean", "min", "max", "std", "cv", "hhi", "dispersion", "share"]
    return st.one_of(
        leaves,
        arithmetic,
        sub.map(lambda a: (ir.Negate(operand=a[0]), a[1])),
        sub.flatmap(lambda a: reduced(a, names)),
        cond.flatmap(lambda a: reduced(a, ["count"])),
        st.tuples(st.sampled_from(["abs"]), sub).map(lambda t: call(t[0], t[1])),
        st.tuples(st.sampled_from(["excess", "min", "max"]), sub, sub).map(
            lambda t: call(t[0], t[1], t[2])
        ),
        st.tuples(sub, sub, sub).map(lambda t: call("clip", *t)),
        st.tuples(cond, sub, sub).map(
            lambda t: (
                ir.IfThenElse(condition=t[0][0], then=t[1][0], otherwise=t[2][0]),
                union(t[0][1], t[1][1], t[2][1]),
            )
        ),
        st.tuples(
            st.sampled_from(["lag", "mean_last", "sum_last", "min_last", "max_last", "pct_change"]),
            sub,
            WINDOWS,
        ).map(lambda t: call(t[0], t[1], (t[2], ()))),
        sub.map(lambda a: call("pct_change", a)),
        st.tuples(cond, WINDOWS).map(lambda t: call("count_last", t[0], (t[1], ()))),
    )


@cache
def bools(depth: int) -> st.SearchStrategy[Typed]:
    leaves = st.one_of(
        st.sampled_from(["b", "e"]).map(lambda n: (ir.NameRef(name=n), LEAVES[n][1])),
        st.booleans().map(lambda v: (ir.Boolean(value=v), ())),
    )
    if depth == 0:
        return leaves
    sub, num = bools(depth - 1), numbers(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num, num).map(
            lambda t: (ir.Compare(op=t[0], left=t[1][0], right=t[2][0]), union(t[1][1], t[2][1]))
        ),
        st.tuples(st.sampled_from(["and", "or"]), sub, sub).map(
            lambda t: (ir.Logic(op=t[0], left=t[1][0], right=t[2][0]), union(t[1][1], t[2][1]))
        ),
        sub.map(lambda a: (ir.Not(operand=a[0]), a[1])),
        sub.flatmap(lambda a: reduced(a, ["any", "all"])),
        st.tuples(sub, WINDOWS).map(lambda t: call("held", t[0], (t[1], ()))),
    )


def model_institution() -> ir.Institution:
    observes = tuple(
        ir.ObserveDecl(name=name, type=ir.TypeExpr(base=base, dims=dims))
        for name, (base, dims) in LEAVES.items()
    )
    k = ir.ParamDecl(name="k", type="int", default=ir.Number(value=K, is_int=True))
    return ir.Institution(name="Model", observes=observes, params=(k,))


@st.composite
def traces(draw: st.DrawFn) -> list[dict[str, Any]]:
    rounds = draw(st.integers(1, 6))
    small_ints = st.integers(-3, 3).map(float)
    trace = []
    for _ in range(rounds):
        inputs: dict[str, Any] = {}
        for name, (base, dims) in LEAVES.items():
            shape = tuple(SIZES[d] for d in dims)
            size = math.prod(shape)
            element = st.booleans() if base == "bool" else small_ints
            cells_ = draw(st.lists(element, min_size=size, max_size=size))
            inputs[name] = np.array(cells_).reshape(shape)
        trace.append(inputs)
    return trace


@settings(max_examples=300, deadline=None)
@given(typed=st.one_of(numbers(3), bools(3)), trace=traces())
def test_oracle_agrees_with_the_reference_model(typed: Typed, trace: list[dict[str, Any]]) -> None:
    node, dims = typed
    oracle = Oracle(model_institution(), {"k": K}, ("a0", "a1", "a2"), COMMODITIES, [node])
    model = Model(trace)
    for t, inputs in enumerate(trace, start=1):
        oracle.step(t, inputs, np.zeros(3), None)
        got, (want_dims, want) = oracle.value(node), model.eval(node, t)
        assert got.dims == dims == want_dims
        expected = np.array([want[i] for i in cells(dims)]).reshape(got.data.shape)
        if got.data.dtype == np.bool_:
            assert got.data.tolist() == expected.tolist()
        else:
            np.testing.assert_allclose(got.data, expected, rtol=1e-9, atol=1e-9)
