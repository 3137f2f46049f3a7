"""Runtime values of the expression language: numpy arrays with named dimensions.

A :class:`Value` is an array together with the names of its axes. Every value the oracle
produces keeps its dims in the institution's *canonical order* (``agent`` first, then the
other dimensions in order of first appearance in the ``observe`` / ``action`` declarations),
so two values always broadcast by dim *name*: the result has the union of both dims in
canonical order, and each operand only needs size-1 axes inserted where it lacks a dim.

Numbers are ``float64``, booleans are ``bool``; a value without dims is a 0-d array.

The oracle keeps the values of one round in a flat table of *slots*; the last section builds
the small closures (*instructions*) that compute a slot from others, broadcasting by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from govlang.lang.kernels import Array
from govlang.lang.schema import AGENT_DIM

Expansion = tuple[slice | None, ...]
"""An index that inserts size-1 axes into an array so that it broadcasts by dim name."""

Slots = list[Any]
"""The oracle's value table: one entry per compiled expression, input and constant."""

Instruction = Callable[[Slots], Array]
"""A compiled operation: computes one slot from the others."""

LARGEST = float(np.finfo(np.float64).max)
"""The largest finite float64: where an overflowing result saturates."""


class OracleError(Exception):
    """An expression cannot be evaluated: bad inputs, unknown names or ill-formed calls."""


class Value(NamedTuple):
    """An evaluated expression: ``data`` with one axis per name in ``dims``.

    ``data.shape`` has one entry per dim, in the same order; a dimensionless value is a 0-d
    array. ``data`` is float64 for numbers and bool for booleans. Values are immutable
    (a named tuple: cheap to build every round); ``data`` is shared with the oracle and is
    often read-only, so copy it before modifying it.
    """

    data: Array
    dims: tuple[str, ...] = ()

    @property
    def is_bool(self) -> bool:
        """Whether this is a boolean value."""
        return self.data.dtype == np.bool_

    def item(self) -> float | bool:
        """The Python scalar of a dimensionless value (raises :class:`OracleError` otherwise)."""
        if self.dims:
            raise OracleError(f"value has dims {list(self.dims)}, expected a scalar")
        return bool(self.data) if self.is_bool else float(self.data)

    def tolist(self) -> Any:
        """The data as nested Python lists / scalars (for logs and JSON)."""
        return self.data.tolist()


def value_of(data: Any, dims: Sequence[str] = ()) -> Value:
    """Wrap ``data`` (a numpy array or scalar) as a :class:`Value` with ``dims``."""
    return Value(np.asarray(data), tuple(dims))


def canonical_union(order: Sequence[str], *dim_sets: Iterable[str]) -> tuple[str, ...]:
    """The union of ``dim_sets`` in canonical ``order``.

    Raises :class:`OracleError` for a dim that is not in ``order``.
    """
    wanted = {dim for dims in dim_sets for dim in dims}
    unknown = wanted.difference(order)
    if unknown:
        raise OracleError(f"unknown dimension(s) {sorted(unknown)}; known: {list(order)}")
    return tuple(dim for dim in order if dim in wanted)


def expansion(dims: Sequence[str], target: Sequence[str]) -> Expansion | None:
    """The index that makes an array with ``dims`` broadcast against ``target`` by name.

    Both must be in canonical order and ``dims`` a subset of ``target``. Returns ``None`` when
    numpy's right-aligned broadcasting already lines the axes up (nothing to insert).
    """
    present = set(dims)
    if not present:
        return None
    first = next(i for i, dim in enumerate(target) if dim in present)
    index = tuple(slice(None) if dim in present else None for dim in target[first:])
    return None if None not in index else index


def align(value: Value, target: Sequence[str]) -> Array:
    """``value.data`` with size-1 axes inserted so that it broadcasts against ``target``."""
    index = expansion(value.dims, target)
    return value.data if index is None else value.data[index]


def at_agent(value: Value, agent_index: int) -> Value:
    """The value at one agent: drops the ``agent`` dim; values without it are returned as is.

    ``agent`` is always the first dim of a value that has it (canonical order).
    """
    if AGENT_DIM not in value.dims:
        return value
    size = value.data.shape[0]
    if not 0 <= agent_index < size:
        raise OracleError(f"agent index {agent_index} out of range for {size} agents")
    return Value(np.asarray(value.data[agent_index]), value.dims[1:])


def broadcast(value: Any, shape: tuple[int, ...]) -> Array:
    """``value`` repeated to ``shape`` (as ``np.broadcast_to``), as a new read-only array.

    A copy rather than a view: on the oracle's tiny arrays filling a new array costs a tenth
    of ``np.broadcast_to``'s Python layer.
    """
    out = np.empty(shape, dtype=np.asarray(value).dtype)
    out[...] = value
    out.flags.writeable = False
    return out


# ------------------------------------------------------------------ closures over slots


def saturate(value: Array) -> Array:
    """A number with overflowed entries clamped to +-:data:`LARGEST` and ``nan`` as ``0``."""
    if np.asarray(value).dtype != np.float64:
        return value
    return np.nan_to_num(value, nan=0.0, posinf=LARGEST, neginf=-LARGEST)


def to_number(value: Array) -> Array:
    """A bool as a number (``1.0`` / ``0.0``)."""
    return np.asarray(value, dtype=np.float64)


def to_bool(value: Array) -> Array:
    """A number as a bool (``value != 0``)."""
    return np.asarray(value != 0)


def closure(
    apply: Callable[..., Array], fetches: Sequence[tuple[int, Expansion | None]]
) -> Instruction:
    """An instruction applying ``apply`` to slots, each expanded to broadcast by dim name.

    ``fetches`` are ``(slot, expansion)`` pairs (see :func:`expansion`). Specialised by
    arity, with direct slot reads when nothing needs expanding: instructions run every
    round, and Python call overhead dominates the cost of numpy on small arrays.
    """
    if all(index is None for _, index in fetches):
        if len(fetches) == 1:
            i = fetches[0][0]
            return lambda s: apply(s[i])
        if len(fetches) == 2:
            i, j = (slot for slot, _ in fetches)
            return lambda s: apply(s[i], s[j])
    getters = [getter(slot, index) for slot, index in fetches]
    if len(getters) == 1:
        (g0,) = getters
        return lambda s: apply(g0(s))
    if len(getters) == 2:
        g0, g1 = getters
        return lambda s: apply(g0(s), g1(s))
    g0, g1, g2 = getters
    return lambda s: apply(g0(s), g1(s), g2(s))


def getter(slot: int, index: Expansion | None) -> Instruction:
    """An instruction reading ``slot``, expanded by ``index`` if it is not ``None``."""
    if index is None:
        return itemgetter(slot)

    def expanded(slots: Slots) -> Array:
        return slots[slot][index]  # type: ignore[no-any-return]

    return expanded
