"""The built-in functions of the expression language and their signatures.

One table, :data:`FUNCTIONS`, maps a function name to its signatures. A name may have two:
``min``/``max`` are aggregates with ``over`` (``min(x over agents)``) and element-wise without
it (``min(a, b)``). The type checker (:mod:`govlang.check.infer`) and the documentation read
this table; the evaluator implements the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["aggregate", "share", "elementwise", "temporal"]
"""``aggregate`` drops the ``over`` dim; ``share`` keeps it; ``temporal`` takes a window."""

Arg = Literal["number", "bool", "any", "window"]
"""An argument: a number, a bool, either (kept as is), or a constant window of rounds."""

Result = Literal["number", "bool", "same"]
"""The result's base: fixed, or ``same`` as the first argument's."""


@dataclass(frozen=True)
class Signature:
    """One way to call a built-in function."""

    name: str
    kind: Kind
    args: tuple[Arg, ...]
    required: int
    result: Result
    usage: str

    @property
    def needs_over(self) -> bool:
        """Whether the call must say ``over D``."""
        return self.kind in ("aggregate", "share")

    def arity(self) -> str:
        """``1 argument``, ``2 arguments``, ``1 or 2 arguments``."""
        low, high = self.required, len(self.args)
        count = str(high) if low == high else f"{low} or {high}"
        return f"{count} argument{'s' if high > 1 else ''}"


def _aggregate(name: str, arg: Arg, result: Result, what: str) -> Signature:
    return Signature(name, "aggregate", (arg,), 1, result, f"{name}({what} over D)")


def _elementwise(name: str, params: str) -> Signature:
    arity = len(params.split(","))
    number: Arg = "number"
    args = (number,) * arity
    return Signature(name, "elementwise", args, arity, "number", f"{name}({params})")


def _temporal(name: str, arg: Arg, result: Result, required: int = 2) -> Signature:
    return Signature(name, "temporal", (arg, "window"), required, result, f"{name}(x, k)")


_SIGNATURES: Final[tuple[Signature, ...]] = (
    *(_aggregate(n, "number", "number", "x") for n in ("sum", "mean", "min", "max", "std")),
    *(_aggregate(n, "number", "number", "x") for n in ("cv", "hhi", "dispersion")),
    _aggregate("count", "bool", "number", "condition"),
    _aggregate("any", "bool", "bool", "condition"),
    _aggregate("all", "bool", "bool", "condition"),
    Signature("share", "share", ("number",), 1, "number", "share(x over D)"),
    _elementwise("abs", "x"),
    _elementwise("excess", "x, ref"),
    _elementwise("min", "a, b"),
    _elementwise("max", "a, b"),
    _elementwise("clip", "x, lo, hi"),
    _temporal("lag", "any", "same"),
    *(_temporal(n, "number", "number") for n in ("mean_last", "min_last", "max_last")),
    _temporal("sum_last", "number", "number"),
    _temporal("held", "bool", "bool"),
    _temporal("count_last", "bool", "number"),
    _temporal("pct_change", "number", "number", required=1),
)


def _table() -> dict[str, tuple[Signature, ...]]:
    table: dict[str, tuple[Signature, ...]] = {}
    for signature in _SIGNATURES:
        table[signature.name] = (*table.get(signature.name, ()), signature)
    return table


FUNCTIONS: Final[dict[str, tuple[Signature, ...]]] = _table()
"""Every built-in function name and its signatures."""

MAX_WINDOW: Final = 1000
"""The longest window a temporal function may look back over (the trace kept per value)."""


def select(name: str, has_over: bool) -> tuple[Signature | None, Signature]:
    """The signature matching the presence of ``over`` (or ``None``), and a fallback.

    The fallback is the signature to describe in a message when nothing matches.
    """
    signatures = FUNCTIONS[name]
    match = next((s for s in signatures if s.needs_over == has_over), None)
    return match, signatures[0]
