"""The minimum fine that would deter: a search over param overrides, each candidate replayed.

*Fine params* are the ``float`` and ``list[float]`` params that a fine's amount, ``plus``,
``floor`` or ``cap`` reads. A *scale* ``s`` multiplies all of them at once (the whole fine
schedule times ``s``); the smallest deterring scale is found by bisection, every candidate
compiled with its overrides and played through the institution (:mod:`.play`). The declared
ranges of the scaled params are lifted for the search, and a threshold outside them is
reported as such. A *ladder step* ``k`` starts every fine ladder at its rung ``k`` (the list
param's tail from ``k``); the smallest deterring ``k`` is found by trying each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution, compile_institution
from govlang.lang.params import NotConstant, ParamValue, constant_value

__all__ = ["FineParams", "Threshold", "fine_params", "ladder_overrides", "min_scale"]

MAX_SCALE = 1024.0
BISECTIONS = 14


@dataclass(frozen=True)
class FineParams:
    """The params a scale multiplies, the ladder params, and the ones left alone."""

    scaled: tuple[str, ...]
    ladders: tuple[str, ...]
    skipped: tuple[str, ...]
    literal: bool
    """Whether some fine amount is a literal (no param to scale)."""
    fines: int
    """How many fines the institution declares."""


def _walk(node: object) -> Iterator[ir.Node]:
    """Every IR node under ``node`` (itself included)."""
    if isinstance(node, ir.Node):
        yield node
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _walk(item)


def fine_params(institution: ir.Institution) -> FineParams:
    """The fine params of ``institution`` (see the module docstring)."""
    declared = {p.name: p for p in institution.params}
    scaled: list[str] = []
    ladders: list[str] = []
    skipped: list[str] = []
    literal = False
    fines = [n for n in _walk(institution) if isinstance(n, ir.Fine)]
    for fine in fines:
        parts = [fine.amount, fine.plus, fine.floor, fine.cap]
        names = [n.name for part in parts for n in _walk(part) if isinstance(n, ir.NameRef)]
        literal |= not any(isinstance(n, ir.NameRef) for n in _walk(fine.amount))
        for name in names:
            param = declared.get(name)
            if param is None:
                continue
            target = scaled if param.type in ("float", "list[float]") else skipped
            if name not in target:
                target.append(name)
        if fine.ladder and isinstance(fine.amount, ir.NameRef):
            param = declared.get(fine.amount.name)
            if param is not None and param.type.startswith("list") and param.name not in ladders:
                ladders.append(param.name)
    return FineParams(tuple(scaled), tuple(ladders), tuple(skipped), literal, len(fines))


def scaled_overrides(
    params: Mapping[str, ParamValue], names: tuple[str, ...], scale: float
) -> dict[str, ParamValue]:
    """``params`` with every param in ``names`` multiplied by ``scale``."""
    out = dict(params)
    for name in names:
        value = params[name]
        if isinstance(value, tuple):
            out[name] = tuple(float(v) * scale for v in value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value) * scale
    return out


def ladder_overrides(
    params: Mapping[str, ParamValue], ladders: tuple[str, ...], step: int
) -> dict[str, ParamValue] | None:
    """``params`` with every ladder starting at rung ``step`` (``None``: no ladder that long)."""
    out = dict(params)
    longest = 0
    for name in ladders:
        rates = params[name]
        assert isinstance(rates, tuple)
        longest = max(longest, len(rates))
        out[name] = tuple(rates[min(step, len(rates) - 1) :])
    return out if step < longest else None


def unbounded(institution: ir.Institution, names: tuple[str, ...]) -> ir.Institution:
    """``institution`` with the declared ranges of ``names`` lifted."""
    params = tuple(
        p.model_copy(update={"low": None, "high": None}) if p.name in names else p
        for p in institution.params
    )
    return institution.model_copy(update={"params": params})


def outside_range(
    institution: ir.Institution, values: Mapping[str, ParamValue], names: tuple[str, ...]
) -> list[str]:
    """The params of ``names`` whose value in ``values`` lies outside its declared range."""
    found = []
    for param in institution.params:
        if param.name not in names:
            continue
        value = values[param.name]
        items = value if isinstance(value, tuple) else (value,)
        try:
            low = None if param.low is None else constant_value(param.low, {})
            high = None if param.high is None else constant_value(param.high, {})
        except NotConstant:
            continue
        if any(_below(v, low) or _below(high, v) for v in items):
            found.append(f"{param.name} in [{_fmt(low)}, {_fmt(high)}]")
    return found


def _below(a: object, b: object) -> bool:
    return isinstance(a, int | float) and isinstance(b, int | float) and float(a) < float(b)


def _fmt(value: object) -> str:
    return "-inf" if value is None else f"{value:g}" if isinstance(value, int | float) else "?"


@dataclass(frozen=True)
class Threshold:
    """The smallest deterring scale (``None``: none up to :data:`MAX_SCALE`)."""

    scale: float | None
    fined: bool
    """Whether the strategy was fined at all at the largest scale tried."""


Deterred = Callable[[CompiledInstitution], tuple[bool, bool]]
"""Plays a compiled candidate: (deterred?, fined at all?)."""


def compile_scaled(
    institution: ir.Institution,
    params: Mapping[str, ParamValue],
    names: tuple[str, ...],
    scale: float,
) -> CompiledInstitution:
    """The institution compiled with its fine params scaled by ``scale``."""
    return compile_institution(
        unbounded(institution, names), scaled_overrides(params, names, scale)
    )


def min_scale(
    institution: ir.Institution,
    params: Mapping[str, ParamValue],
    names: tuple[str, ...],
    deterred: Deterred,
) -> Threshold:
    """The smallest scale of ``names`` at which ``deterred`` holds (bisection)."""

    def at(scale: float) -> tuple[bool, bool]:
        return deterred(compile_scaled(institution, params, names, scale))

    ok, fined = at(0.0)
    if ok:
        return Threshold(0.0, fined)
    high = 1.0
    ok, fined = at(high)
    while not ok:
        if high >= MAX_SCALE:
            return Threshold(None, fined)
        high *= 2.0
        ok, fined = at(high)
    low = 0.0 if high == 1.0 else high / 2.0
    for _ in range(BISECTIONS):
        middle = (low + high) / 2.0
        if at(middle)[0]:
            high = middle
        else:
            low = middle
    return Threshold(high, True)
