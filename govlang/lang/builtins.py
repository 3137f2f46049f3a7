"""The built-in functions of the expression language: one table, each built-in defined once.

:data:`BUILTINS` maps each function name to its overloads (``min`` and ``max`` are both an
aggregate with ``over`` and an element-wise function of two arguments). Nothing registers
itself by import side effect: a function exists iff it is in the table. Each overload holds,
in one place,

* its **type rule**: argument and result bases, arity, whether it needs ``over``
  (:attr:`~Builtin.kind`, :attr:`~Builtin.args`, :attr:`~Builtin.required`,
  :attr:`~Builtin.result`), read by the checker (:mod:`govlang.lang.check.infer`);
* its **evaluation**: a numpy kernel of :mod:`govlang.lang.kernels`, named here and looked
  up on first use, when the runtime's oracle (:mod:`govlang.runtime.program`) compiles a
  call: checking an institution never imports numpy;
* its **interval abstraction**: the interval of its result given those of its arguments,
  read by ``govlang analyse`` (:mod:`govlang.analyse.intervals`);
* its **documentation**: how it is written (``usage``) and what it computes (``doc``), from
  which ``specs/language.md`` is checked (``tests/runtime/test_functions.py``).

Three kinds of built-ins:

* :class:`Aggregate`: ``f(x over D)`` reduces dim ``D`` of ``x``; ``share`` keeps the dims
  instead (``keeps_dims``).
* :class:`Elementwise`: ``f(a, b, ...)`` applied element-wise after broadcasting by dim name.
* :class:`Temporal`: ``f(x, k)`` over a bounded history of ``x`` (``k`` is a constant window,
  at most :data:`MAX_WINDOW`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal

from govlang.lang.interval import EVERYTHING, NON_NEGATIVE, UNIT, Interval, min_max

if TYPE_CHECKING:
    from govlang.lang import kernels as k

Base = Literal["number", "bool"]
"""The base type of a value."""

Kind = Literal["aggregate", "share", "elementwise", "temporal"]
"""``aggregate`` drops the ``over`` dim; ``share`` keeps it; ``temporal`` takes a window."""

Arg = Literal["number", "bool", "any", "window"]
"""An argument: a number, a bool, either (kept as is), or a constant window of rounds."""

Result = Literal["number", "bool", "same"]
"""The result's base: fixed, or ``same`` as the first argument's."""

Bound = Callable[[Sequence[Interval]], Interval]
"""The interval abstraction: the result's interval from the arguments' intervals."""

MAX_WINDOW: Final = 1000
"""The longest window a temporal function may look back over (bounds the oracle's memory)."""


class BuiltinError(LookupError):
    """An unknown function, or a call with the wrong number of arguments."""


def kernel(name: str) -> Any:
    """The kernel called ``name`` in :mod:`govlang.lang.kernels` (imported on first use)."""
    from govlang.lang import kernels

    return getattr(kernels, name)


def window(k: int) -> int:
    """The history a window of ``k`` rounds needs: ``k`` values."""
    return k


def window_and_now(k: int) -> int:
    """The history ``k`` rounds back needs: ``k + 1`` values."""
    return k + 1


# ------------------------------------------------------------------------------ intervals


def _everything(args: Sequence[Interval]) -> Interval:
    return EVERYTHING


def _non_negative(args: Sequence[Interval]) -> Interval:
    return NON_NEGATIVE


def _same(args: Sequence[Interval]) -> Interval:
    """In the range of the first argument (means, extremes, lags)."""
    return args[0] if args else EVERYTHING


def _first(args: Sequence[Interval]) -> Interval:
    return args[0] if args else EVERYTHING


def _sum(args: Sequence[Interval]) -> Interval:
    return NON_NEGATIVE if _first(args).lo >= 0 else EVERYTHING


def _share(args: Sequence[Interval]) -> Interval:
    return UNIT if _first(args).lo >= 0 else EVERYTHING


def _hhi(args: Sequence[Interval]) -> Interval:
    return UNIT if _first(args).lo >= 0 else NON_NEGATIVE


def _relative(args: Sequence[Interval]) -> Interval:
    """``excess(x, ref)`` and ``pct_change``: at least -1 for non-negative values."""
    ref = args[1] if len(args) > 1 else _first(args)
    return Interval(-1.0) if _first(args).lo >= 0 and ref.lo >= 0 else EVERYTHING


def _relative_change(args: Sequence[Interval]) -> Interval:
    return Interval(-1.0) if _first(args).lo >= 0 else EVERYTHING


def _clip(args: Sequence[Interval]) -> Interval:
    """The value, or one of the limits."""
    return args[1].join(args[2]) if len(args) == 3 else EVERYTHING


def _extreme(name: str) -> Bound:
    def bound(args: Sequence[Interval]) -> Interval:
        return min_max(name, args[0], args[1]) if len(args) == 2 else EVERYTHING

    return bound


def _count_last(args: Sequence[Interval]) -> Interval:
    return Interval(0.0, max(0.0, args[1].hi)) if len(args) == 2 else EVERYTHING


# ------------------------------------------------------------------------------ kinds


@dataclass(frozen=True)
class Aggregate:
    """``f(x over D)``: ``reduce(x, axis)`` drops ``axis`` (or keeps it, for ``share``).

    ``argument`` is the base the operand is converted to; ``result`` the base of the result;
    ``kernel`` names the ``reduce`` kernel.
    """

    name: str
    kernel: str
    argument: Base
    result: Base
    doc: str
    bound: Bound
    what: str = "x"
    keeps_dims: bool = False

    @cached_property
    def reduce(self) -> k.Reduce:
        """The kernel: ``reduce(x, axis)``."""
        reduce: k.Reduce = kernel(self.kernel)
        return reduce

    @property
    def kind(self) -> Kind:
        """``share`` keeps the ``over`` dim; every other aggregate drops it."""
        return "share" if self.keeps_dims else "aggregate"

    @property
    def args(self) -> tuple[Arg, ...]:
        """The argument the checker expects."""
        return (self.argument,)

    @property
    def required(self) -> int:
        """How many arguments must be given."""
        return 1

    @property
    def returns(self) -> Result:
        """The result's base for the checker."""
        return self.result

    @property
    def usage(self) -> str:
        """How the checker shows a call, e.g. ``count(condition over D)``."""
        return f"{self.name}({self.what} over D)"


@dataclass(frozen=True)
class Elementwise:
    """``f(a, b, ...)``: ``apply`` on ``len(params)`` arguments, each converted to ``argument``.

    ``kernel`` names the ``apply`` kernel.
    """

    name: str
    kernel: str
    params: tuple[str, ...]
    argument: Base
    result: Base
    doc: str
    bound: Bound

    @cached_property
    def apply(self) -> Callable[..., k.Array]:
        """The kernel, called with the arguments."""
        apply: Callable[..., k.Array] = kernel(self.kernel)
        return apply

    @property
    def arity(self) -> int:
        """The number of arguments."""
        return len(self.params)

    @property
    def kind(self) -> Kind:
        """Always ``elementwise``."""
        return "elementwise"

    @property
    def args(self) -> tuple[Arg, ...]:
        """The arguments the checker expects."""
        return (self.argument,) * self.arity

    @property
    def required(self) -> int:
        """How many arguments must be given."""
        return self.arity

    @property
    def returns(self) -> Result:
        """The result's base for the checker."""
        return self.result

    @property
    def usage(self) -> str:
        """How the checker shows a call, e.g. ``excess(x, ref)``."""
        return f"{self.name}({', '.join(self.params)})"


@dataclass(frozen=True)
class Temporal:
    """``f(x, k)``: computed from a :class:`~govlang.lang.kernels.History` of ``history(k)`` values.

    ``kernel`` names the ``compute`` kernel. ``argument``/``result`` ``None``: any base, kept
    as is. ``default_window`` is used when ``k`` is omitted (``None``: ``k`` is required);
    ``counts``: the history keeps a running count of true values (for bool operands).
    """

    name: str
    kernel: str
    history: Callable[[int], int]
    argument: Base | None
    result: Base | None
    doc: str
    bound: Bound
    default_window: int | None = None
    counts: bool = False

    @cached_property
    def compute(self) -> Callable[[k.History], k.Array]:
        """The kernel, called with the call node's history."""
        compute: Callable[[k.History], k.Array] = kernel(self.kernel)
        return compute

    @property
    def kind(self) -> Kind:
        """Always ``temporal``."""
        return "temporal"

    @property
    def args(self) -> tuple[Arg, ...]:
        """The operand and the window."""
        return (self.argument or "any", "window")

    @property
    def required(self) -> int:
        """How many arguments must be given (1 when the window has a default)."""
        return 1 if self.default_window is not None else 2

    @property
    def returns(self) -> Result:
        """The result's base for the checker (``same``: the operand's)."""
        return self.result or "same"

    @property
    def usage(self) -> str:
        """How the checker shows a call: ``f(x, k)``."""
        return f"{self.name}(x, k)"


Builtin = Aggregate | Elementwise | Temporal
"""One overload of a built-in function."""


def needs_over(builtin: Builtin) -> bool:
    """Whether a call must say ``over D``."""
    return builtin.kind in ("aggregate", "share")


def arity_text(builtin: Builtin) -> str:
    """``1 argument``, ``2 arguments``, ``1 or 2 arguments``."""
    low, high = builtin.required, len(builtin.args)
    count = str(high) if low == high else f"{low} or {high}"
    return f"{count} argument{'s' if high > 1 else ''}"


# ------------------------------------------------------------------------------ the table


def _aggregate(name: str, reduce: str, doc: str, bound: Bound) -> Aggregate:
    return Aggregate(name, reduce, "number", "number", doc, bound)


def _temporal(name: str, compute: str, doc: str) -> Temporal:
    return Temporal(name, compute, window, "number", "number", doc, _same)


BUILTINS: Final[Mapping[str, tuple[Builtin, ...]]] = {
    "sum": (_aggregate("sum", "reduce_sum", "sum over D", _sum),),
    "mean": (_aggregate("mean", "reduce_mean", "arithmetic mean over D", _same),),
    "min": (
        _aggregate("min", "reduce_min", "minimum over D", _same),
        Elementwise(
            "min",
            "minimum",
            ("a", "b"),
            "number",
            "number",
            "element-wise minimum of a, b",
            _extreme("min"),
        ),
    ),
    "max": (
        _aggregate("max", "reduce_max", "maximum over D", _same),
        Elementwise(
            "max",
            "maximum",
            ("a", "b"),
            "number",
            "number",
            "element-wise maximum of a, b",
            _extreme("max"),
        ),
    ),
    "std": (_aggregate("std", "std", "population standard deviation over D", _non_negative),),
    "cv": (
        _aggregate(
            "cv", "coefficient_of_variation", "std / mean over D (0 if mean 0)", _non_negative
        ),
    ),
    "hhi": (_aggregate("hhi", "hhi", "sum of squared shares over D (0 if the sum is 0)", _hhi),),
    "dispersion": (
        _aggregate("dispersion", "dispersion", "(max - min) / mean over D", _non_negative),
    ),
    "count": (
        Aggregate(
            "count",
            "count",
            "bool",
            "number",
            "number of true values over D",
            _non_negative,
            what="condition",
        ),
    ),
    "any": (
        Aggregate(
            "any",
            "any_true",
            "bool",
            "bool",
            "true if any value over D is true",
            _everything,
            what="condition",
        ),
    ),
    "all": (
        Aggregate(
            "all",
            "all_true",
            "bool",
            "bool",
            "true if every value over D is true",
            _everything,
            what="condition",
        ),
    ),
    "share": (
        Aggregate(
            "share", "share", "number", "number", "x / sum(x over D)", _share, keeps_dims=True
        ),
    ),
    "abs": (
        Elementwise("abs", "absolute", ("x",), "number", "number", "absolute value", _non_negative),
    ),
    "excess": (
        Elementwise(
            "excess", "excess", ("x", "ref"), "number", "number", "(x - ref) / |ref|", _relative
        ),
    ),
    "clip": (
        Elementwise(
            "clip", "clip", ("x", "lo", "hi"), "number", "number", "x clamped to [lo, hi]", _clip
        ),
    ),
    "lag": (Temporal("lag", "lag", window_and_now, None, None, "value k rounds ago", _same),),
    "mean_last": (_temporal("mean_last", "mean_last", "mean of last k"),),
    "min_last": (_temporal("min_last", "min_last", "minimum of last k"),),
    "max_last": (_temporal("max_last", "max_last", "maximum of last k"),),
    "sum_last": (
        Temporal("sum_last", "sum_last", window, "number", "number", "sum of last k", _sum),
    ),
    "held": (
        Temporal(
            "held",
            "held",
            window,
            "bool",
            "bool",
            "true in each of last k",
            _everything,
            counts=True,
        ),
    ),
    "count_last": (
        Temporal(
            "count_last",
            "count_last",
            window,
            "bool",
            "number",
            "true of last k",
            _count_last,
            counts=True,
        ),
    ),
    "pct_change": (
        Temporal(
            "pct_change",
            "pct_change",
            window_and_now,
            "number",
            "number",
            "change over k",
            _relative_change,
            default_window=1,
        ),
    ),
}
"""Every built-in function, by name: the one definition the checker, oracle, analyser read."""


# ------------------------------------------------------------------------------ lookups


def select(name: str, has_over: bool) -> tuple[Builtin | None, Builtin]:
    """The checker's overload: the one matching the presence of ``over`` (or ``None``).

    The second is a fallback to describe in a message when nothing matches.
    """
    overloads = BUILTINS[name]
    match = next((b for b in overloads if needs_over(b) == has_over), None)
    return match, overloads[0]


def lookup(name: str, n_args: int, has_over: bool) -> Builtin:
    """The overload of ``name`` that takes ``n_args`` arguments (and ``over`` if given).

    Raises :class:`BuiltinError` for an unknown function or a wrong number of arguments.
    """
    overloads = BUILTINS.get(name)
    if overloads is None:
        raise BuiltinError(f"unknown function `{name}`; known: {', '.join(sorted(BUILTINS))}")
    for builtin in overloads:
        if _accepts(builtin, n_args, has_over):
            return builtin
    forms = " or ".join(form(builtin) for builtin in overloads)
    raise BuiltinError(f"`{name}` cannot be called with {n_args} argument(s) here; use {forms}")


def _accepts(builtin: Builtin, n_args: int, has_over: bool) -> bool:
    if isinstance(builtin, Aggregate):
        return n_args == 1
    if has_over:
        return False
    if isinstance(builtin, Elementwise):
        return n_args == builtin.arity
    return n_args == 2 or (n_args == 1 and builtin.default_window is not None)


def form(builtin: Builtin) -> str:
    """How the oracle names a form, e.g. ``sum(x over D)`` or ``pct_change(x [, k])``."""
    if isinstance(builtin, Aggregate):
        return f"{builtin.name}(x over D)"
    if isinstance(builtin, Elementwise):
        names = ("x", "y", "z")[: builtin.arity]
        return f"{builtin.name}({', '.join(names)})"
    window = " [, k]" if builtin.default_window is not None else ", k"
    return f"{builtin.name}(x{window})"


def bound(name: str, args: Sequence[Interval]) -> Interval:
    """The interval of ``name(args)`` from its arguments' intervals (unbounded if unknown).

    ``min``/``max`` pick their overload by the number of arguments (one: the aggregate).
    """
    overloads = BUILTINS.get(name, ())
    if len(overloads) > 1:
        chosen = [b for b in overloads if b.required == len(args)]
        return chosen[0].bound(args) if chosen else EVERYTHING
    return overloads[0].bound(args) if overloads else EVERYTHING
