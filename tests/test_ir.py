"""IR nodes: equal and hashed by meaning (never by span), immutable, dumped and validated."""

from __future__ import annotations

import copy
import pickle

import pytest

from govlang.lang import ir
from govlang.lang.frontend import parse_text
from govlang.lang.ir_data import IRValidationError

SPAN = ir.Span(3, 4, 3, 9, 20, 25)


def _sum(span: ir.Span = ir.NO_SPAN) -> ir.Binary:
    return ir.Binary(
        op="+", left=ir.NameRef(name="a", span=span), right=ir.Number(value=2), span=span
    )


def test_nodes_that_differ_in_spans_only_are_equal_and_hash_alike() -> None:
    assert _sum(SPAN) == _sum()
    assert hash(_sum(SPAN)) == hash(_sum())
    assert {_sum(SPAN): 1}[_sum()] == 1
    assert ir.Negate(operand=ir.Number(value=1)) != ir.Not(operand=ir.Number(value=1))
    assert ir.Number(value=1, is_int=True) != ir.Number(value=1)


def test_building_a_node_stores_tuples_and_floats() -> None:
    listed = ir.ListLit(items=[ir.Number(value=1)])  # type: ignore[arg-type]
    assert listed.items == (ir.Number(value=1.0),)
    assert type(ir.Number(value=3).value) is float
    with pytest.raises(ValueError):
        ir.Number(value="not a number")  # type: ignore[arg-type]


def test_nodes_are_immutable_and_copy_with_changes() -> None:
    node = _sum(SPAN)
    with pytest.raises(AttributeError):
        node.op = "-"  # type: ignore[misc]
    changed = node.model_copy(update={"op": "-"})
    assert changed.op == "-" and changed.span == SPAN and node.op == "+"
    assert copy.deepcopy(node) is node
    restored = pickle.loads(pickle.dumps(node))
    assert restored == node and restored.span == SPAN and restored.left.span == SPAN


def test_dumps_leave_spans_out_and_keep_the_field_order() -> None:
    assert list(ir.Call.model_fields)[:2] == ["span", "kind"]
    assert _sum(SPAN).model_dump() == {
        "kind": "binary",
        "op": "+",
        "left": {"kind": "name", "name": "a"},
        "right": {"kind": "number", "value": 2.0, "is_int": False},
    }
    call = ir.Call(function="f", args=(ir.Number(value=1),), function_span=SPAN)
    assert call.model_dump(mode="json", exclude={"over"}) == {
        "kind": "call",
        "function": "f",
        "args": [{"kind": "number", "value": 1.0, "is_int": False}],
    }
    assert call.model_dump()["args"] == ({"kind": "number", "value": 1.0, "is_int": False},)


def test_a_dump_validates_back_to_an_equal_node() -> None:
    document = parse_text("institution T\nparam p: float = 1 in [0, 2]\nmonitor m = p * 2 > 1\n")
    institution = document.institution
    assert institution is not None
    assert ir.Institution.model_validate(institution.model_dump(mode="json")) == institution


def test_validation_refuses_wrong_kinds_types_and_keys_and_says_where() -> None:
    data = {
        "name": "M",
        "colour": "red",
        "monitors": [
            {"name": "m", "expr": {"kind": "bogus"}},
            {"expr": {"kind": "number", "value": "x"}},
        ],
        "scopes": [{"kind": "agent", "states": [{"name": "s", "description": "d"}]}],
    }
    with pytest.raises(IRValidationError) as raised:
        ir.Institution.model_validate(data)
    where = [".".join(map(str, location)) for location, _ in raised.value.problems]
    assert where == [
        "colour",
        "monitors.0.expr",
        "monitors.1.expr.value",
        "monitors.1.name",
        "scopes.0.states.0",
    ]
    assert "description needs a label" in str(raised.value)
