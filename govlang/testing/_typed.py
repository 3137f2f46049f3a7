"""Well-typed expressions for generated institutions, drawn one choice at a time.

:class:`Env` records what an institution being generated has declared so far (dimensions,
names and their types, params fit for windows, money amounts and ladders). :func:`expression`
draws an expression of an exact :class:`Kind` (base and dimensions), by construction the type
the checker infers: operators broadcast by dimension name, aggregates remove the dimension they
reduce, temporal and element-wise built-ins keep their arguments' dimensions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from hypothesis import strategies as st

from govlang.lang import ir

T = TypeVar("T")

AGENT = "agent"
_NUMBER_AGGREGATES = ("sum", "mean", "min", "max", "std", "cv", "hhi", "dispersion")
_NUMBER_TEMPORAL = ("lag", "mean_last", "min_last", "max_last", "sum_last")


@dataclass(frozen=True)
class Kind:
    """The type of a value: ``number`` or ``bool`` over a set of dimensions."""

    base: str
    dims: frozenset[str] = frozenset()


NUMBER = Kind("number")
BOOL = Kind("bool")


@dataclass
class Env:
    """What the institution being drawn has declared so far."""

    draw: st.DrawFn
    strings: st.SearchStrategy[str] = field(default_factory=st.text)
    """Draws docs, labels and notice texts."""
    dims: list[str] = field(default_factory=list)
    """The dimensions other than ``agent``, each carried by a number observable."""
    names: dict[str, Kind] = field(
        default_factory=lambda: {"round": NUMBER, "reward": Kind("number", frozenset({AGENT}))}
    )
    windows: list[str] = field(default_factory=list)
    """Int params whose value is a valid window (1 to 20) and count."""
    amounts: list[str] = field(default_factory=list)
    """Number params that are never negative (fit for money amounts)."""
    ladders: list[str] = field(default_factory=list)
    """List params (fine ladders)."""
    action_range: tuple[int, int] | None = None
    extra_monitors: list[ir.MonitorDecl] = field(default_factory=list)
    """Monitors created while building scopes (evidence, the final catch-all)."""
    rules: int = 0

    def all_dims(self) -> list[str]:
        """Every dimension, ``agent`` first."""
        return [AGENT, *self.dims]

    def declare(self, name: str, kind: Kind) -> None:
        """Make ``name`` readable in later expressions."""
        self.names[name] = kind

    def pick(self, options: Sequence[T]) -> T:
        """One of ``options``."""
        return options[self.between(0, len(options) - 1)]

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self.draw(_integers(low, high))

    def text(self) -> str:
        """A string for a label, a notice or a doc."""
        return self.draw(self.strings)

    def maybe_text(self) -> str | None:
        """A string, or ``None``."""
        return self.text() if self.flip() else None

    def flip(self) -> bool:
        """A coin toss."""
        return self.draw(_BOOLEANS)

    def some(self, options: Sequence[T], max_size: int) -> list[T]:
        """Up to ``max_size`` distinct ``options``, in a random order."""
        return self._take(list(options), self.between(0, min(max_size, len(options))))

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """``items`` in a random order."""
        return self._take(list(items), len(items))

    def _take(self, pool: list[T], size: int) -> list[T]:
        return [pool.pop(self.between(0, len(pool) - 1)) for _ in range(size)]


_BOOLEANS = st.booleans()


@functools.cache
def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    """Strategies are cached: building one per draw would dominate generation time."""
    return st.integers(low, high)


def plural(dim: str) -> str:
    """The plural a user may write after ``over`` (``commodities``, ``agents``)."""
    return dim[:-1] + "ies" if dim.endswith("y") else dim + "s"


def integer(value: int) -> ir.Number:
    """An integer literal."""
    return ir.Number(value=float(value), is_int=True)


def literal(env: Env, low: float = -1e6, high: float = 1e6) -> ir.Number:
    """A number literal in ``[low, high]``: an integer or a float."""
    if env.flip():
        return integer(env.between(int(low), int(high)))
    value = env.draw(_floats(low, high))
    return ir.Number(value=value, is_int=False)


def _over(env: Env, dim: str) -> str:
    return env.pick([dim, plural(dim)])


def _subset(env: Env, dims: frozenset[str]) -> frozenset[str]:
    return frozenset(env.some(sorted(dims), len(dims)))


def window(env: Env) -> ir.Expr:
    """A temporal window: a constant integer from 1 to 20."""
    if bool(env.windows) and env.flip():
        return ir.NameRef(name=env.pick(env.windows))
    return integer(env.between(1, 20))


def count(env: Env, low: int = 0) -> ir.Expr:
    """An edge count: a constant integer of at least ``low`` (0 or 1)."""
    if bool(env.windows) and env.flip():
        return ir.NameRef(name=env.pick(env.windows))
    return integer(env.between(low, 10))


# ------------------------------------------------------------------------------- leaves


def _reduce(env: Env, expr: ir.Expr, kind: Kind, keep: frozenset[str]) -> ir.Expr:
    """``expr`` (of ``kind``) aggregated over every dimension not in ``keep``."""
    for dim in sorted(kind.dims - keep):
        function = env.pick(_NUMBER_AGGREGATES if kind.base == "number" else ("any", "all"))
        expr = ir.Call(function=function, args=(expr,), over=_over(env, dim))
    return expr


def cover(env: Env, dims: frozenset[str]) -> ir.Expr:
    """A number over exactly ``dims``, built from observables that carry them."""
    dim = env.pick(sorted(dims))
    carriers = sorted(n for n, k in env.names.items() if k.base == "number" and dim in k.dims)
    name = env.pick(carriers)
    kind = env.names[name]
    expr = _reduce(env, ir.NameRef(name=name), kind, dims)
    rest = dims - kind.dims
    if not rest:
        return expr
    return ir.Binary(
        op=env.pick(["+", "-", "*", "/"]), left=expr, right=cover(env, frozenset(rest))
    )


def leaf(env: Env, kind: Kind) -> ir.Expr:
    """A name of exactly ``kind``, a literal, or the simplest construction of that type."""
    exact = sorted(n for n, k in env.names.items() if k == kind)
    options: list[Callable[[], ir.Expr]] = [lambda: ir.NameRef(name=env.pick(exact))] * bool(exact)
    if kind == NUMBER:
        options.append(lambda: literal(env))
    elif kind == BOOL:
        options.append(lambda: ir.Boolean(value=env.flip()))
    elif kind.base == "number":
        options.append(lambda: cover(env, kind.dims))
    else:
        options.append(lambda: _compare_leaf(env, kind))
    return env.pick(options)()


def _compare_leaf(env: Env, kind: Kind) -> ir.Expr:
    ops: list[ir.CompareOp] = ["<", "<=", ">", ">=", "==", "!="]
    op = env.pick(ops)
    return ir.Compare(op=op, left=cover(env, kind.dims), right=literal(env))


# ------------------------------------------------------------------------------- compounds

Maker = Callable[[Env, Kind, int], ir.Expr]


def expression(env: Env, kind: Kind, depth: int) -> ir.Expr:
    """An expression of exactly ``kind``, nested at most ``depth`` constructions deep."""
    if depth <= 0:
        return leaf(env, kind)
    makers = _NUMBER_MAKERS if kind.base == "number" else _BOOL_MAKERS
    maker: Maker = env.pick(makers)
    return maker(env, kind, depth - 1)


def _pair(env: Env, left: ir.Expr, right: ir.Expr) -> tuple[ir.Expr, ir.Expr]:
    return (left, right) if env.flip() else (right, left)


def _sub(env: Env, kind: Kind, depth: int, base: str | None = None) -> ir.Expr:
    """An operand over some of ``kind``'s dimensions (it broadcasts to the rest)."""
    return expression(env, Kind(base or kind.base, _subset(env, kind.dims)), depth)


def _arith(env: Env, kind: Kind, depth: int) -> ir.Expr:
    left, right = _pair(env, expression(env, kind, depth), _sub(env, kind, depth))
    return ir.Binary(op=env.pick(["+", "-", "*", "/"]), left=left, right=right)


def _negate(env: Env, kind: Kind, depth: int) -> ir.Expr:
    operand = expression(env, kind, depth)
    return ir.Negate(operand=operand)


def _aggregate(env: Env, kind: Kind, depth: int) -> ir.Expr:
    free = [d for d in env.all_dims() if d not in kind.dims]
    if not free:
        return (_arith if kind.base == "number" else _compare)(env, kind, depth)
    dim = env.pick(free)
    inner_base = env.pick(["number", "bool"]) if kind.base == "number" else "bool"
    inner = expression(env, Kind(inner_base, kind.dims | {dim}), depth)
    if kind.base == "bool":
        function = env.pick(["any", "all"])
    else:
        function = env.pick(_NUMBER_AGGREGATES) if inner_base == "number" else "count"
    return ir.Call(function=function, args=(inner,), over=_over(env, dim))


def _share(env: Env, kind: Kind, depth: int) -> ir.Expr:
    if not kind.dims:
        return _aggregate(env, kind, depth)
    over = _over(env, env.pick(sorted(kind.dims)))
    return ir.Call(function="share", args=(expression(env, kind, depth),), over=over)


def _elementwise(env: Env, kind: Kind, depth: int) -> ir.Expr:
    function = env.pick(["abs", "excess", "min", "max", "clip"])
    arity = {"abs": 1, "clip": 3}.get(function, 2)
    args = [expression(env, kind, depth), *(_sub(env, kind, depth) for _ in range(arity - 1))]
    return ir.Call(function=function, args=tuple(env.shuffled(args)))


def _temporal(env: Env, kind: Kind, depth: int) -> ir.Expr:
    if kind.base == "bool":
        function = env.pick(["held", "lag"])
        return ir.Call(function=function, args=(expression(env, kind, depth), window(env)))
    function = env.pick([*_NUMBER_TEMPORAL, "count_last", "pct_change"])
    inner = expression(
        env, Kind("bool" if function == "count_last" else "number", kind.dims), depth
    )
    if function == "pct_change" and env.flip():
        return ir.Call(function=function, args=(inner,))
    return ir.Call(function=function, args=(inner, window(env)))


def _conditional(env: Env, kind: Kind, depth: int) -> ir.Expr:
    then, otherwise = _pair(env, expression(env, kind, depth), _sub(env, kind, depth))
    condition = _sub(env, kind, depth, "bool")
    return ir.IfThenElse(condition=condition, then=then, otherwise=otherwise)


def _compare(env: Env, kind: Kind, depth: int) -> ir.Expr:
    number = Kind("number", kind.dims)
    left, right = _pair(env, expression(env, number, depth), _sub(env, number, depth))
    return ir.Compare(op=env.pick(["<", "<=", ">", ">=", "==", "!="]), left=left, right=right)


def _logic(env: Env, kind: Kind, depth: int) -> ir.Expr:
    left, right = _pair(env, expression(env, kind, depth), _sub(env, kind, depth))
    return ir.Logic(op=env.pick(["and", "or"]), left=left, right=right)


def _not(env: Env, kind: Kind, depth: int) -> ir.Expr:
    return ir.Not(operand=expression(env, kind, depth))


_NUMBER_MAKERS: list[Maker] = [
    _arith, _negate, _aggregate, _share, _elementwise, _temporal, _conditional,
]  # fmt: skip
_BOOL_MAKERS: list[Maker] = [_compare, _compare, _logic, _not, _aggregate, _temporal, _conditional]


def scalar(env: Env, name: str) -> ir.Expr:
    """``name`` aggregated down to a single value (its base kept)."""
    kind = env.names[name]
    return _reduce(env, ir.NameRef(name=name), kind, frozenset())
