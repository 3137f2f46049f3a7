"""Every built-in function of the expression language, on hand-computed values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.lang import builtins as fn
from govlang.lang import ir, kernels
from govlang.lang.frontend import parse_text
from govlang.lang.params import resolve_params
from govlang.runtime.oracle import Oracle
from govlang.runtime.values import OracleError, Value

HEADER = """
institution T
observe x: number[agent]
observe y: number[agent]
observe c: number[commodity]
observe m: number[agent, commodity]
observe b: bool[agent]
observe s: number
action: number[commodity] in [0, 100]
param k: int = 3
param half: float = 0.5
param flag: bool = true
"""

DIMS = {"commodity": ("A", "B")}
AGENTS = ("a0", "a1")

BASE_INPUTS: dict[str, Any] = {
    "x": [1.0, 3.0],
    "y": [2.0, 0.0],
    "c": [10.0, 20.0],
    "m": [[1.0, 3.0], [0.0, 0.0]],
    "b": [True, False],
    "s": 2.0,
}


def institution(*monitors: str) -> ir.Institution:
    """The test institution with monitors ``out0``, ``out1``, ... = ``monitors``."""
    body = "\n".join(f"monitor out{i} = {text}" for i, text in enumerate(monitors))
    document = parse_text(HEADER + body, "test.gov")
    assert document.institution is not None, document.diagnostics
    return document.institution


def oracle_for(*monitors: str) -> Oracle:
    inst = institution(*monitors)
    params, problems = resolve_params(inst)
    assert not problems
    return Oracle(inst, params, AGENTS, DIMS)


def run(
    text: str, rounds: Sequence[Mapping[str, Any]] = ({},), reward: Sequence[float] = (0.0, 0.0)
) -> list[Value]:
    """The value of ``text`` in each round; each round's inputs override BASE_INPUTS."""
    oracle = oracle_for(text)
    values = []
    for index, inputs in enumerate(rounds, start=1):
        observables = {**BASE_INPUTS, **inputs}
        action = np.array([[1.0, 2.0], [3.0, 4.0]])
        values.append(oracle.step(index, observables, np.array(reward), action)["out0"])
    return values


def value(text: str, **inputs: Any) -> Value:
    return run(text, [inputs])[0]


def data(text: str, **inputs: Any) -> Any:
    return value(text, **inputs).data.tolist()


def series(text: str, key: str, values: Sequence[Any]) -> list[Any]:
    """``text`` evaluated over rounds in which input ``key`` takes ``values`` in turn."""
    return [v.data.tolist() for v in run(text, [{key: item} for item in values])]


# --------------------------------------------------------------------------- aggregates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(x over agents)", 4.0),
        ("mean(x over agents)", 2.0),
        ("min(x over agents)", 1.0),
        ("max(x over agents)", 3.0),
        ("std(x over agents)", 1.0),
        ("cv(x over agents)", 0.5),
        ("hhi(x over agents)", 0.0625 + 0.5625),
        ("dispersion(x over agents)", 1.0),
        ("count(b over agents)", 1.0),
        ("any(b over agents)", True),
        ("all(b over agents)", False),
    ],
)
def test_aggregates_over_agents(text: str, expected: float | bool) -> None:
    result = value(text)
    assert result.dims == ()
    assert result.data.tolist() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(m over commodity)", [4.0, 0.0]),
        ("mean(m over commodity)", [2.0, 0.0]),
        ("std(m over commodity)", [1.0, 0.0]),
        ("cv(m over commodity)", [0.5, 0.0]),
        ("hhi(m over commodity)", [0.625, 0.0]),
        ("dispersion(m over commodity)", [1.0, 0.0]),
        ("min(m over commodities)", [1.0, 0.0]),
        ("max(m over commodities)", [3.0, 0.0]),
    ],
)
def test_aggregates_over_commodities_with_zero_rows(text: str, expected: list[float]) -> None:
    result = value(text)
    assert result.dims == ("agent",)
    assert result.data.tolist() == pytest.approx(expected)


def test_plural_and_singular_dims_mean_the_same() -> None:
    assert data("sum(m over agents)") == data("sum(m over agent)") == [1.0, 3.0]
    assert data("sum(m over commodities)") == data("sum(m over commodity)") == [4.0, 0.0]


def test_share_keeps_dims_and_is_zero_where_the_sum_is_zero() -> None:
    result = value("share(m over agents)", m=[[1.0, 3.0], [0.0, 1.0]])
    assert result.dims == ("agent", "commodity")
    assert result.data.tolist() == [[1.0, 0.75], [0.0, 0.25]]
    assert data("share(m over agents)", m=[[0.0, 3.0], [0.0, 1.0]]) == [[0.0, 0.75], [0.0, 0.25]]


def test_cv_and_dispersion_divide_by_the_absolute_mean() -> None:
    assert data("cv(x over agents)", x=[-1.0, -3.0]) == pytest.approx(0.5)
    assert data("dispersion(x over agents)", x=[-1.0, -3.0]) == pytest.approx(1.0)
    assert data("cv(x over agents)", x=[-1.0, 1.0]) == 0.0
    assert data("dispersion(x over agents)", x=[-1.0, 1.0]) == 0.0


def test_aggregate_without_over_reduces_every_dim() -> None:
    assert data("sum(m)") == 4.0
    assert data("max(m)") == 3.0
    assert data("hhi(s)") == 1.0


def test_aggregates_reduce_the_named_axis_of_a_two_dim_value() -> None:
    m = [[1.0, 2.0], [3.0, 6.0]]
    assert data("sum(m over agents)", m=m) == [4.0, 8.0]
    assert data("hhi(m over agents)", m=m) == pytest.approx([0.625, 0.625])
    assert data("hhi(m over commodities)", m=m) == pytest.approx([5 / 9, 5 / 9])


# --------------------------------------------------------------------------- element-wise


def test_abs_min_max_clip() -> None:
    assert data("abs(x - 2)") == [1.0, 1.0]
    assert data("min(x, y)") == [1.0, 0.0]
    assert data("max(x, y)") == [2.0, 3.0]
    assert data("clip(x, 1.5, 2.5)") == [1.5, 2.5]
    assert data("clip(x, 3, 1)") == [1.0, 1.0]  # lo > hi: hi wins


def test_excess_is_relative_to_the_absolute_reference_and_zero_for_a_zero_reference() -> None:
    assert data("excess(x, 2)") == [-0.5, 0.5]
    assert data("excess(x, -2)") == [1.5, 2.5]
    assert data("excess(x, y)") == [-0.5, 0.0]


def test_elementwise_functions_broadcast_by_dim_name() -> None:
    result = value("min(x, c)")
    assert result.dims == ("agent", "commodity")
    assert result.data.tolist() == [[1.0, 1.0], [3.0, 3.0]]


# --------------------------------------------------------------------------- operators


def test_division_by_zero_is_zero() -> None:
    assert data("x / y") == [0.5, 0.0]
    assert data("0 / 0") == 0.0
    assert data("s / (s - 2)") == 0.0


def test_arithmetic_broadcasts_by_name_in_canonical_order() -> None:
    result = value("c + x")
    assert result.dims == ("agent", "commodity")
    assert result.data.tolist() == [[11.0, 21.0], [13.0, 23.0]]
    assert data("m * x") == [[1.0, 3.0], [0.0, 0.0]]
    assert data("m - c") == [[-9.0, -17.0], [-10.0, -20.0]]
    assert data("-x + s") == [1.0, -1.0]


def test_comparisons_logic_and_conditionals() -> None:
    assert data("x > 2") == [False, True]
    assert data("x == 1 or y == 0") == [True, True]
    assert data("not b and x < 5") == [False, True]
    assert data("if b then x else y") == [1.0, 0.0]
    result = value("if x > 2 then c else 0")
    assert result.dims == ("agent", "commodity")
    assert result.data.tolist() == [[0.0, 0.0], [10.0, 20.0]]


def test_params_are_constants() -> None:
    assert data("x * half") == [0.5, 1.5]
    assert data("k + 1") == 4.0
    assert data("flag and b") == [True, False]


def test_builtin_inputs_round_reward_and_action() -> None:
    rounds = run("round * 10", [{}, {}, {}])
    assert [v.data.tolist() for v in rounds] == [10.0, 20.0, 30.0]
    assert run("reward * 2", reward=(1.5, -1.0))[0].data.tolist() == [3.0, -2.0]
    result = value("sum(action over commodities)")
    assert result.dims == ("agent",)
    assert result.data.tolist() == [3.0, 7.0]


def test_mixed_bases_are_converted_not_rejected() -> None:
    assert data("b + 1") == [2.0, 1.0]
    assert data("if x then 1 else 0", x=[0.0, 2.0]) == [0.0, 1.0]


# --------------------------------------------------------------------------- temporal

XS = [1.0, 2.0, 4.0, 8.0, 16.0]


def scalar_series(text: str, values: Sequence[float]) -> list[Any]:
    return series(text, "s", values)


def test_lag_returns_the_earliest_value_until_k_rounds_exist() -> None:
    assert scalar_series("lag(s, 1)", XS) == [1.0, 1.0, 2.0, 4.0, 8.0]
    assert scalar_series("lag(s, 2)", XS) == [1.0, 1.0, 1.0, 2.0, 4.0]
    assert scalar_series("lag(s, k)", XS) == [1.0, 1.0, 1.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mean_last(s, 3)", [1.0, 1.5, 7 / 3, 14 / 3, 28 / 3]),
        ("sum_last(s, 3)", [1.0, 3.0, 7.0, 14.0, 28.0]),
        ("min_last(s, 2)", [1.0, 1.0, 2.0, 4.0, 8.0]),
        ("max_last(-s, 2)", [-1.0, -1.0, -2.0, -4.0, -8.0]),
        ("mean_last(s, 1)", XS),
    ],
)
def test_window_aggregates_cover_the_last_k_rounds(text: str, expected: list[float]) -> None:
    assert scalar_series(text, XS) == pytest.approx(expected)


def test_held_needs_k_consecutive_rounds() -> None:
    flags = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert scalar_series("held(s > 0, 3)", flags) == [False, False, False, False, False, True, True]
    assert scalar_series("held(s > 0, 1)", flags) == [f > 0 for f in flags]


def test_count_last_counts_true_rounds_in_the_window() -> None:
    flags = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert scalar_series("count_last(s > 0, 3)", flags) == [1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 0.0]


def test_pct_change_is_zero_in_round_one_and_for_a_zero_lag() -> None:
    assert scalar_series("pct_change(s)", [2.0, 3.0, 0.0, 5.0, -5.0]) == [0.0, 0.5, -1.0, 0.0, -2.0]
    assert scalar_series("pct_change(s, 2)", [2.0, 3.0, 4.0, 6.0]) == [0.0, 0.5, 1.0, 1.0]


def test_temporal_operators_work_element_wise_on_dims() -> None:
    xs = [[1.0, 2.0], [3.0, 2.0], [3.0, 6.0]]
    result = series("pct_change(x)", "x", xs)
    assert result == [[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]]
    assert series("held(x > 1, 2)", "x", xs) == [[False, False], [False, True], [True, True]]


def test_ring_buffers_are_bounded_by_the_window() -> None:
    oracle = oracle_for("lag(s, 2) + mean_last(s, 3) + count_last(s > 1, 4)")
    for index in range(1, 50):
        oracle.step(index, {**BASE_INPUTS, "s": float(index)}, np.zeros(2), None)
    sizes = sorted(len(h.buffer) for h in oracle._program.histories)
    assert sizes == [3, 3, 4]
    assert (
        oracle.step(50, {**BASE_INPUTS, "s": 50.0}, np.zeros(2), None)["out0"].data.tolist()
        == 48.0 + 49.0 + 4.0  # lag(50, 2) + mean(48, 49, 50) + count of 4 true rounds
    )


def test_nested_temporal_operators() -> None:
    assert scalar_series("lag(lag(s, 1), 1)", XS) == scalar_series("lag(s, 2)", XS)
    # mean_last(s, 2) = 1, 1.5, 3, 6, 12
    assert scalar_series("held(mean_last(s, 2) > 3, 2)", XS) == [False, False, False, False, True]
    assert scalar_series("pct_change(sum_last(s, 2))", XS) == pytest.approx(
        [0.0, 2.0, 1.0, 1.0, 1.0]
    )


def test_temporal_operators_inside_an_untaken_branch_still_record_history() -> None:
    assert scalar_series("if round > 3 then lag(s, 1) else 0", XS) == [0.0, 0.0, 0.0, 4.0, 8.0]


def test_equal_temporal_calls_share_one_history() -> None:
    oracle = oracle_for("held(s > 1, 2)", "held(s > 1, 2) or false")
    assert len(oracle._program.histories) == 1


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lag(s, x)", "must be a constant"),
        ("lag(s, 0)", r"must be in \[1, 1000\]"),
        ("lag(s, 1001)", r"must be in \[1, 1000\]"),
        ("lag(s, half)", "must be an int"),
        ("lag(s)", "cannot be called with 1 argument"),
        ("median(x over agents)", "unknown function `median`"),
        ("abs(x over agents)", "cannot be called"),
        ("min(x, y, s)", "cannot be called with 3 argument"),
        ("sum(c over agents)", "has no `agent` dimension"),
        ("sum(x over firms)", "unknown dimension `firms`"),
        ("x + nope", "unknown name `nope`"),
    ],
)
def test_ill_formed_expressions_are_rejected_when_the_oracle_is_built(
    text: str, message: str
) -> None:
    with pytest.raises(OracleError, match=message):
        oracle_for(text)


# --------------------------------------------------------------------------- the table


def test_the_registry_lists_every_builtin_once_per_form() -> None:
    forms = {name: [fn.form(b) for b in overloads] for name, overloads in fn.BUILTINS.items()}
    assert forms["min"] == ["min(x over D)", "min(x, y)"]
    assert forms["pct_change"] == ["pct_change(x [, k])"]
    assert forms["clip"] == ["clip(x, y, z)"]
    assert all(b.name == name for name, overloads in fn.BUILTINS.items() for b in overloads)


def test_specs_language_documents_every_builtin_in_its_section() -> None:
    """Every built-in is in the table of its kind in specs/language.md, and nothing else is."""
    text = (Path(__file__).resolve().parents[2] / "specs" / "language.md").read_text("utf-8")
    sections = {
        "aggregate": ("### 3.2 Aggregates", "### 3.3"),
        "elementwise": ("### 3.3 Element-wise functions", "### 3.4"),
        "temporal": ("### 3.4 Temporal functions", "## 4."),
    }
    for kind, (start, end) in sections.items():
        body = text[text.index(start) : text.index(end, text.index(start))]
        rows = [line.split("|")[1] for line in body.splitlines() if line.startswith("| `")]
        listed = {name for row in rows for name in re.findall(r"`(\w+)[`(]", row)}
        wanted = {
            name
            for name, overloads in fn.BUILTINS.items()
            for b in overloads
            if (b.kind if b.kind != "share" else "aggregate") == kind
        }
        assert listed == wanted, kind
    assert f"at most {fn.MAX_WINDOW} (GL207)" in text


def test_safe_divide_and_excess_directly() -> None:
    assert kernels.safe_divide(np.array([1.0, 2.0]), np.array([0.0, 4.0])).tolist() == [0.0, 0.5]
    assert kernels.safe_divide(np.array([1.0, 2.0]), np.float64(0.0)).tolist() == [0.0, 0.0]
    assert kernels.excess(np.array([3.0]), np.array([-2.0])).tolist() == [2.5]
