"""The built-in functions of the expression language, in one explicit registry table.

:data:`BUILTINS` maps each function name to its overloads (``min`` and ``max`` are both an
aggregate with one argument and an element-wise function of two). Nothing registers itself
by import side effect: a function exists iff it is in the table. Three kinds of built-ins:

* :class:`Aggregate`: ``f(x over D)`` reduces dim ``D`` (``axis``) of ``x``; without ``over``
  it reduces every dim. ``share`` keeps the dims instead (``keeps_dims``).
* :class:`Elementwise`: ``f(a, b, ...)`` applied element-wise after broadcasting by dim name.
* :class:`Temporal`: ``f(x, k)`` over a bounded history of ``x`` (``k`` is a constant window).
  The oracle keeps, per call node, a :class:`History`: a ring buffer of the last
  ``history(k)`` values of ``x`` (the current round's value last), pushed once per round.

Every implementation is total: divisions by zero give ``0``, never ``inf`` or ``nan``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from govlang.runtime.values import Array, OracleError

Base = Literal["number", "bool"]
Axis = int | None

MAX_WINDOW = 1000
"""The largest window a temporal operator accepts (bounds the oracle's memory)."""


@dataclass(frozen=True)
class Aggregate:
    """``f(x over D)``: ``reduce(x, axis)`` drops ``axis`` (or keeps it, for ``share``).

    ``argument`` is the base the operand is converted to; ``result`` the base of the result.
    """

    name: str
    reduce: Callable[[Array, Axis], Array]
    argument: Base
    result: Base
    doc: str
    keeps_dims: bool = False


@dataclass(frozen=True)
class Elementwise:
    """``f(a, b, ...)`` with ``arity`` arguments, each converted to ``argument``."""

    name: str
    apply: Callable[..., Array]
    arity: int
    argument: Base
    result: Base
    doc: str


@dataclass(frozen=True)
class Temporal:
    """``f(x, k)``: computed from a :class:`History` of ``x`` with ``history(k)`` entries.

    ``default_window`` is used when ``k`` is omitted (``None``: ``k`` is required);
    ``counts``: the history keeps a running count of true values (for bool operands).
    """

    name: str
    compute: Callable[[History], Array]
    history: Callable[[int], int]
    argument: Base | None
    result: Base | None
    doc: str
    default_window: int | None = None
    counts: bool = False


Builtin = Aggregate | Elementwise | Temporal


class History:
    """The bounded ring buffer of one temporal call node: its operand's last values.

    ``buffer`` holds at most ``history(window)`` values, oldest first, the current round's
    last. Pushed values are made read-only: they are shared with the slots that produced
    them. For counting operators ``trues`` is the element-wise number of true values in the
    buffer, kept up to date in O(1) per round (integers, so exact).
    """

    def __init__(self, builtin: Temporal, window: int, inner: int) -> None:
        """An empty history of slot ``inner`` for ``builtin`` with window ``window``."""
        self.builtin = builtin
        self.window = window
        self.inner = inner
        self.buffer: deque[Array] = deque(maxlen=builtin.history(window))
        self.trues: Array | None = None

    def __call__(self, slots: list[Any]) -> Array:
        """Record this round's operand and compute the operator."""
        self.push(slots[self.inner])
        return self.builtin.compute(self)

    def push(self, value: Array) -> None:
        """Append ``value`` (evicting the oldest value once the buffer is full)."""
        if type(value) is np.ndarray:
            value.flags.writeable = False
        buffer = self.buffer
        if self.builtin.counts:
            if self.trues is None:
                self.trues = np.zeros(np.shape(value), dtype=np.int64)
            self.trues = self.trues + value
            if len(buffer) == buffer.maxlen:
                self.trues = self.trues - buffer[0]
        buffer.append(value)

    def clear(self) -> None:
        """Forget every recorded value."""
        self.buffer.clear()
        self.trues = None


# ------------------------------------------------------------------------------ arithmetic


def safe_divide(numerator: Array, denominator: Array) -> Array:
    """``numerator / denominator`` element-wise, ``0`` wherever the denominator is ``0``.

    Denominators without a zero, the usual case, take a plain division.
    """
    if np.count_nonzero(denominator) == np.size(denominator):
        return numerator / denominator
    shape = numerator.shape
    if shape != denominator.shape:
        shape = np.broadcast(numerator, denominator).shape
    out = np.zeros(shape)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def excess(value: Array, reference: Array) -> Array:
    """Relative excess ``(value - reference) / |reference|`` (``0`` where the reference is 0)."""
    return safe_divide(value - reference, np.absolute(reference))


def clip(value: Array, low: Array, high: Array) -> Array:
    """``min(max(value, low), high)``: ``high`` wins when ``low > high``."""
    return np.minimum(np.maximum(value, low), high)


# ------------------------------------------------------------------------------ aggregates
# numpy's ufunc.reduce is used directly: np.sum & co. add a Python layer that costs more
# than the arithmetic on the oracle's tiny arrays.


def _size(x: Array, axis: Axis) -> int:
    return int(x.size) if axis is None else int(x.shape[axis])


def _sum(x: Array, axis: Axis) -> Array:
    return np.add.reduce(x, axis)  # type: ignore[no-any-return]


def _mean(x: Array, axis: Axis) -> Array:
    return np.add.reduce(x, axis) / _size(x, axis)  # type: ignore[no-any-return]


def _min(x: Array, axis: Axis) -> Array:
    return np.minimum.reduce(x, axis)  # type: ignore[no-any-return]


def _max(x: Array, axis: Axis) -> Array:
    return np.maximum.reduce(x, axis)  # type: ignore[no-any-return]


def _mean_std(x: Array, axis: Axis) -> tuple[Array, Array]:
    """The mean and the population standard deviation along ``axis``."""
    size = _size(x, axis)
    mean = np.add.reduce(x, axis, keepdims=True) / size
    deviation = x - mean
    std = np.sqrt(np.add.reduce(deviation * deviation, axis) / size)
    return mean.reshape(std.shape), std


def _std(x: Array, axis: Axis) -> Array:
    return _mean_std(x, axis)[1]


def coefficient_of_variation(x: Array, axis: Axis) -> Array:
    """Population std over ``|mean|`` (``0`` when the mean is ``0``), as specs/language.md says.

    Dividing by the absolute mean keeps the CV non-negative on negative data (profits) and
    matches :func:`govlang.markets.measures.coefficient_of_variation`.
    """
    mean, std = _mean_std(x, axis)
    return safe_divide(std, np.abs(mean))


def dispersion(x: Array, axis: Axis) -> Array:
    """``(max - min) / |mean|`` (``0`` when the mean is ``0``), like :func:`cv`."""
    return safe_divide(_max(x, axis) - _min(x, axis), np.abs(_mean(x, axis)))


def share(x: Array, axis: Axis) -> Array:
    """``x / sum(x)`` along ``axis``, keeping the dims (``0`` where the sum is ``0``)."""
    total = np.add.reduce(x, axis, keepdims=True)
    return safe_divide(x, total)


def hhi(x: Array, axis: Axis) -> Array:
    """Herfindahl index ``sum(share(x)^2)`` along ``axis`` (``0`` when the sum is ``0``)."""
    shares = share(x, axis)
    return _sum(shares * shares, axis)


def _count(x: Array, axis: Axis) -> Array:
    return np.add.reduce(x, axis, dtype=np.float64)  # type: ignore[no-any-return]


def _any(x: Array, axis: Axis) -> Array:
    return np.logical_or.reduce(x, axis)  # type: ignore[no-any-return]


def _all(x: Array, axis: Axis) -> Array:
    return np.logical_and.reduce(x, axis)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ temporal


def _stack(history: History) -> Array:
    return np.stack(list(history.buffer))


def lag(history: History) -> Array:
    """The value ``k`` rounds ago, or the earliest recorded one while there is none."""
    return history.buffer[0]


def pct_change(history: History) -> Array:
    """``(x - lag(x, k)) / |lag(x, k)|`` (``0`` when the lag is ``0``, hence in round 1)."""
    return excess(history.buffer[-1], history.buffer[0])


def mean_last(history: History) -> Array:
    """Mean over the last ``k`` rounds, the current one included (fewer at the start)."""
    return _mean(_stack(history), 0)


def sum_last(history: History) -> Array:
    """Sum over the last ``k`` rounds, the current one included (fewer at the start)."""
    return _sum(_stack(history), 0)


def min_last(history: History) -> Array:
    """Minimum over the last ``k`` rounds, the current one included."""
    return _min(_stack(history), 0)


def max_last(history: History) -> Array:
    """Maximum over the last ``k`` rounds, the current one included."""
    return _max(_stack(history), 0)


def held(history: History) -> Array:
    """True where ``b`` held in each of the last ``k`` rounds (false before ``k`` rounds)."""
    return np.asarray(history.trues) >= history.window


def count_last(history: History) -> Array:
    """In how many of the last ``k`` rounds (this one included) ``b`` was true."""
    return np.asarray(history.trues, dtype=np.float64)


def _window(k: int) -> int:
    return k


def _window_and_now(k: int) -> int:
    return k + 1


# ------------------------------------------------------------------------------ the table


def _aggregate(name: str, reduce: Callable[[Array, Axis], Array], doc: str) -> Aggregate:
    return Aggregate(name, reduce, "number", "number", doc)


BUILTINS: Mapping[str, tuple[Builtin, ...]] = {
    "sum": (_aggregate("sum", _sum, "sum over D"),),
    "mean": (_aggregate("mean", _mean, "arithmetic mean over D"),),
    "min": (
        Aggregate("min", _min, "number", "number", "minimum over D"),
        Elementwise("min", np.minimum, 2, "number", "number", "element-wise minimum of a, b"),
    ),
    "max": (
        Aggregate("max", _max, "number", "number", "maximum over D"),
        Elementwise("max", np.maximum, 2, "number", "number", "element-wise maximum of a, b"),
    ),
    "std": (_aggregate("std", _std, "population standard deviation over D"),),
    "cv": (_aggregate("cv", coefficient_of_variation, "std / mean over D (0 if mean 0)"),),
    "hhi": (_aggregate("hhi", hhi, "sum of squared shares over D (0 if the sum is 0)"),),
    "dispersion": (_aggregate("dispersion", dispersion, "(max - min) / mean over D"),),
    "share": (Aggregate("share", share, "number", "number", "x / sum(x over D)", keeps_dims=True),),
    "count": (Aggregate("count", _count, "bool", "number", "number of true values over D"),),
    "any": (Aggregate("any", _any, "bool", "bool", "true if any value over D is true"),),
    "all": (Aggregate("all", _all, "bool", "bool", "true if every value over D is true"),),
    "abs": (Elementwise("abs", np.abs, 1, "number", "number", "absolute value"),),
    "excess": (Elementwise("excess", excess, 2, "number", "number", "(x - ref) / |ref|"),),
    "clip": (Elementwise("clip", clip, 3, "number", "number", "x clamped to [lo, hi]"),),
    "lag": (Temporal("lag", lag, _window_and_now, None, None, "value k rounds ago"),),
    "pct_change": (
        Temporal("pct_change", pct_change, _window_and_now, "number", "number", "change over k", 1),
    ),
    "mean_last": (Temporal("mean_last", mean_last, _window, "number", "number", "mean of last k"),),
    "sum_last": (Temporal("sum_last", sum_last, _window, "number", "number", "sum of last k"),),
    "min_last": (Temporal("min_last", min_last, _window, "number", "number", "minimum of last k"),),
    "max_last": (Temporal("max_last", max_last, _window, "number", "number", "maximum of last k"),),
    "held": (
        Temporal("held", held, _window, "bool", "bool", "true in each of last k", counts=True),
    ),
    "count_last": (
        Temporal(
            "count_last", count_last, _window, "bool", "number", "true of last k", counts=True
        ),
    ),
}
"""Every built-in function, by name; the single source of truth for the oracle and docs."""


def lookup(name: str, n_args: int, has_over: bool) -> Builtin:
    """The overload of ``name`` that takes ``n_args`` arguments (and ``over`` if given).

    Raises :class:`OracleError` for an unknown function or a wrong number of arguments.
    """
    overloads = BUILTINS.get(name)
    if overloads is None:
        raise OracleError(f"unknown function `{name}`; known: {', '.join(sorted(BUILTINS))}")
    for builtin in overloads:
        if _accepts(builtin, n_args, has_over):
            return builtin
    forms = " or ".join(signature(builtin) for builtin in overloads)
    raise OracleError(f"`{name}` cannot be called with {n_args} argument(s) here; use {forms}")


def _accepts(builtin: Builtin, n_args: int, has_over: bool) -> bool:
    if isinstance(builtin, Aggregate):
        return n_args == 1
    if has_over:
        return False
    if isinstance(builtin, Elementwise):
        return n_args == builtin.arity
    return n_args == 2 or (n_args == 1 and builtin.default_window is not None)


def signature(builtin: Builtin) -> str:
    """How a built-in is written, e.g. ``sum(x over D)`` or ``pct_change(x [, k])``."""
    if isinstance(builtin, Aggregate):
        return f"{builtin.name}(x over D)"
    if isinstance(builtin, Elementwise):
        names = ("x", "y", "z")[: builtin.arity]
        return f"{builtin.name}({', '.join(names)})"
    window = " [, k]" if builtin.default_window is not None else ", k"
    return f"{builtin.name}(x{window})"
