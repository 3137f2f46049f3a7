"""The numpy kernels of the built-in functions: what each computes, on plain arrays.

:mod:`govlang.lang.builtins` names each kernel in its table; the runtime's oracle calls them on
its value slots. Aggregates take ``(x, axis)``; element-wise kernels take their arguments;
temporal kernels take the :class:`History` of their call node: a ring buffer of the last
``history(k)`` values of the operand (the current round's value last), pushed once per round.

Every kernel is total: divisions by zero give ``0``, never ``inf`` or ``nan``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from govlang.lang.builtins import Temporal

Array = NDArray[Any]
"""A float64 or bool numpy array (0-d for dimensionless values)."""

Axis = int | None
"""The axis an aggregate reduces (``None``: every axis)."""

Reduce = Callable[[Array, Axis], Array]
"""An aggregate's kernel."""


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


def reduce_sum(x: Array, axis: Axis) -> Array:
    """Sum along ``axis``."""
    return np.add.reduce(x, axis)  # type: ignore[no-any-return]


def reduce_mean(x: Array, axis: Axis) -> Array:
    """Arithmetic mean along ``axis``."""
    return np.add.reduce(x, axis) / _size(x, axis)  # type: ignore[no-any-return]


def reduce_min(x: Array, axis: Axis) -> Array:
    """Minimum along ``axis``."""
    return np.minimum.reduce(x, axis)  # type: ignore[no-any-return]


def reduce_max(x: Array, axis: Axis) -> Array:
    """Maximum along ``axis``."""
    return np.maximum.reduce(x, axis)  # type: ignore[no-any-return]


def _mean_std(x: Array, axis: Axis) -> tuple[Array, Array]:
    """The mean and the population standard deviation along ``axis``."""
    size = _size(x, axis)
    mean = np.add.reduce(x, axis, keepdims=True) / size
    deviation = x - mean
    std = np.sqrt(np.add.reduce(deviation * deviation, axis) / size)
    return mean.reshape(std.shape), std


def std(x: Array, axis: Axis) -> Array:
    """Population standard deviation along ``axis``."""
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
    return safe_divide(reduce_max(x, axis) - reduce_min(x, axis), np.abs(reduce_mean(x, axis)))


def share(x: Array, axis: Axis) -> Array:
    """``x / sum(x)`` along ``axis``, keeping the dims (``0`` where the sum is ``0``)."""
    total = np.add.reduce(x, axis, keepdims=True)
    return safe_divide(x, total)


def hhi(x: Array, axis: Axis) -> Array:
    """Herfindahl index ``sum(share(x)^2)`` along ``axis`` (``0`` when the sum is ``0``)."""
    shares = share(x, axis)
    return reduce_sum(shares * shares, axis)


def count(x: Array, axis: Axis) -> Array:
    """Number of true values along ``axis`` (a float)."""
    return np.add.reduce(x, axis, dtype=np.float64)  # type: ignore[no-any-return]


def any_true(x: Array, axis: Axis) -> Array:
    """Whether some value along ``axis`` is true."""
    return np.logical_or.reduce(x, axis)  # type: ignore[no-any-return]


def all_true(x: Array, axis: Axis) -> Array:
    """Whether every value along ``axis`` is true."""
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
    return reduce_mean(_stack(history), 0)


def sum_last(history: History) -> Array:
    """Sum over the last ``k`` rounds, the current one included (fewer at the start)."""
    return reduce_sum(_stack(history), 0)


def min_last(history: History) -> Array:
    """Minimum over the last ``k`` rounds, the current one included."""
    return reduce_min(_stack(history), 0)


def max_last(history: History) -> Array:
    """Maximum over the last ``k`` rounds, the current one included."""
    return reduce_max(_stack(history), 0)


def held(history: History) -> Array:
    """True where ``b`` held in each of the last ``k`` rounds (false before ``k`` rounds)."""
    return np.asarray(history.trues) >= history.window


def count_last(history: History) -> Array:
    """In how many of the last ``k`` rounds (this one included) ``b`` was true."""
    return np.asarray(history.trues, dtype=np.float64)


minimum: Callable[..., Array] = np.minimum
"""The element-wise minimum of ``a`` and ``b`` (numpy's own ufunc)."""

maximum: Callable[..., Array] = np.maximum
"""The element-wise maximum of ``a`` and ``b`` (numpy's own ufunc)."""

absolute: Callable[..., Array] = np.abs
"""The element-wise absolute value of ``x`` (numpy's own ufunc)."""
