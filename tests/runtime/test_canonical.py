"""The one-pass canonical JSON gives the bytes of ``canonical_json(plain(data))``, always."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govlang.lang.manifest import canonical_json
from govlang.runtime.canonical import canonical, json_ready, plain, value_json

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(min_value=-(2**62), max_value=2**62).map(np.int64),
    st.booleans().map(np.bool_),
    st.text(max_size=5).map(np.str_),
)
KEYS = st.one_of(
    st.text(max_size=6),
    st.integers(min_value=-20, max_value=20),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=6), children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=4).map(OrderedDict),
        st.dictionaries(st.text(max_size=6), children, max_size=4).map(MappingProxyType),
        st.lists(st.floats(allow_nan=True), max_size=4).map(np.array),
        st.lists(st.integers(-5, 5), min_size=2, max_size=4).map(lambda v: np.array([v, v])),
    )


DATA = st.recursive(SCALARS, containers, max_leaves=25)


def reference(data: Any) -> str:
    return canonical_json(plain(data))


@given(DATA)
def test_canonical_is_canonical_json_of_plain(data: Any) -> None:
    expected = reference(data)
    assert canonical(data) == expected
    assert value_json(data) == expected


def test_plain_data_is_not_copied() -> None:
    row = [1.0, np.float64(2.5), 3, True, None, "x"]
    monitors = {"a": 1.0, "b": row, "c": {"d": (1, 2)}}
    assert json_ready(row) is row
    assert json_ready(monitors)["b"] is row and json_ready(monitors)["c"]["d"] == (1, 2)
    assert json_ready({"a": np.int64(1)}) == {"a": 1}
    assert canonical(monitors) == reference(monitors)


def test_unknown_objects_are_refused_as_json_refuses_them() -> None:
    for data in ({"a": object()}, [{1, 2}], object()):
        with pytest.raises(TypeError, match="not JSON serializable"):
            reference(data)
        with pytest.raises(TypeError, match="not JSON serializable"):
            canonical(data)


def test_non_finite_floats_become_strings() -> None:
    data = {"x": [float("inf"), np.float64("-inf"), float("nan")], "y": np.array([np.inf])}
    expected = '{"x":["Infinity","-Infinity","NaN"],"y":["Infinity"]}'
    assert canonical(data) == reference(data) == expected
