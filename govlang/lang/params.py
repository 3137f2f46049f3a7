"""Params: constant evaluation, defaults, ranges and overrides.

A param's default and range bounds are *constant expressions*: literals, lists, arithmetic,
and references to params declared before it. :func:`resolve_params` evaluates every param of an
institution with optional overrides (from the CLI's ``--param name=value``, Python or a sweep
file) and reports, as diagnostics, overrides of unknown params, values of the wrong type and
values outside the declared range.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from govlang.lang import ir
from govlang.lang.codes import diagnostic
from govlang.lang.diagnostics import Diagnostic, did_you_mean

ParamValue = int | float | bool | tuple[float, ...]


class NotConstant(Exception):
    """An expression that must be constant is not (or is ill-typed)."""

    def __init__(self, message: str, span: ir.Span, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


def constant_value(expr: ir.Expr, env: Mapping[str, ParamValue]) -> ParamValue:
    """Evaluate a constant expression over literals and the params in ``env``."""
    if isinstance(expr, ir.Number):
        return int(expr.value) if expr.is_int else expr.value
    if isinstance(expr, ir.Boolean):
        return expr.value
    if isinstance(expr, ir.NameRef):
        if expr.name in env:
            return env[expr.name]
        raise NotConstant(
            f"`{expr.name}` is not a param declared earlier",
            expr.span,
            "defaults, ranges and sizes may use only literals and earlier params",
        )
    if isinstance(expr, ir.ListLit):
        return tuple(float(_number(constant_value(item, env), item.span)) for item in expr.items)
    if isinstance(expr, ir.Negate):
        return -_number(constant_value(expr.operand, env), expr.span)
    if isinstance(expr, ir.Binary):
        left = _number(constant_value(expr.left, env), expr.left.span)
        right = _number(constant_value(expr.right, env), expr.right.span)
        return _arith(expr.op, left, right)
    raise NotConstant("expected a constant (a literal or an earlier param)", expr.span)


def _number(value: ParamValue, span: ir.Span) -> int | float:
    if isinstance(value, (bool, tuple)):
        raise NotConstant("expected a number", span)
    return value


_FLOAT_MAX = 1.7976931348623157e308


def _arith(op: str, left: int | float, right: int | float) -> int | float:
    result = _exact_arith(op, left, right)
    if isinstance(result, int) and abs(result) > _FLOAT_MAX:
        return math.inf if result > 0 else -math.inf  # beyond any float: not finite (GL220)
    return result


def _exact_arith(op: str, left: int | float, right: int | float) -> int | float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return 0.0  # the language is total: x / 0 = 0 (specs/language.md, "Arithmetic")
    return left / right


def finite(value: ParamValue) -> bool:
    """Whether every number of ``value`` is finite (booleans are)."""
    return finite_text(list(value) if isinstance(value, tuple) else value)


def coerce(value: ParamValue, type_: ir.ParamType) -> ParamValue | None:
    """``value`` as a value of ``type_`` (ints widen to floats), or ``None`` if it is not one.

    A list value may be a tuple or a list (as TOML, JSON and Python callers write it). A
    non-finite number (infinity, NaN) is never a value of any type.
    """
    if not finite(value):
        return None
    if type_ == "bool":
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if type_ == "int":
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        return None
    if type_ == "float":
        return float(value) if isinstance(value, (int, float)) else None
    if not isinstance(value, tuple | list):  # a list from TOML, JSON or Python
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    if type_ == "list[int]" and not all(float(v).is_integer() for v in value):
        return None
    return tuple(float(v) for v in value)


def parse_override(text: str) -> tuple[str, ParamValue]:
    """Parse ``name=value`` (value: a number, ``true``/``false``, or a JSON list of numbers).

    Raises :class:`ValueError` with a readable message on malformed text.
    """
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name or not raw:
        raise ValueError(f"expected NAME=VALUE, got `{text}`")
    return name, parse_value(raw)


def parse_value(raw: str) -> ParamValue:
    """Parse one param value written as text."""
    lowered = raw.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        value = json.loads(raw)
    except ValueError:
        raise ValueError(f"`{raw}` is not a number, a boolean or a list of numbers") from None
    if isinstance(value, (bool, int, float)) and finite_text(value):
        return value
    if isinstance(value, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
    ):
        numbers = tuple(float(v) for v in value)
        if finite(numbers):
            return numbers
    if not finite_text(value):
        raise ValueError(f"`{raw}` is not a finite number (numbers are at most about 1.8e308)")
    raise ValueError(f"`{raw}` is not a number, a boolean or a list of numbers")


def finite_text(value: object) -> bool:
    """Whether a value read from JSON or TOML holds no infinite, NaN or float-overflowing number."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if isinstance(item, int) and abs(item) > _FLOAT_MAX:
            return False
        if isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def resolve_params(
    institution: ir.Institution,
    overrides: Mapping[str, ParamValue] | None = None,
    file: str = "<input>",
) -> tuple[dict[str, ParamValue], list[Diagnostic]]:
    """Evaluate every param (default or override), checking types and ranges.

    Returns the values (params that could not be evaluated are left out) and the diagnostics:
    GL220 (default not constant or of the wrong type), GL221 (value outside its range),
    GL222 (override of an unknown param), GL223 (override of the wrong type).
    """
    overrides = dict(overrides or {})
    values: dict[str, ParamValue] = {}
    problems: list[Diagnostic] = []
    declared = {p.name for p in institution.params}
    for name in overrides:
        if name not in declared:
            problems.append(
                diagnostic(
                    "GL222",
                    f"--param `{name}`: no such param",
                    ir.NO_SPAN,
                    hint=did_you_mean(name, declared) or "see the `param` declarations",
                    file=file,
                )
            )
    for param in institution.params:
        value = _param_value(param, values, overrides, problems, file)
        if value is not None:
            values[param.name] = value
    return values, problems


def _param_value(
    param: ir.ParamDecl,
    env: dict[str, ParamValue],
    overrides: Mapping[str, ParamValue],
    problems: list[Diagnostic],
    file: str,
) -> ParamValue | None:
    try:
        default = constant_value(param.default, env)
    except NotConstant as exc:
        problems.append(diagnostic("GL220", exc.message, exc.span, hint=exc.hint, file=file))
        return None
    if not finite(default):
        problems.append(
            diagnostic(
                "GL220",
                f"default of `{param.name}` is not a finite number",
                param.default.span,
                hint="numbers are at most about 1.8e308; write a smaller value",
                file=file,
            )
        )
        return None
    value = coerce(default, param.type)
    if value is None:
        problems.append(
            diagnostic(
                "GL220",
                f"default of `{param.name}` is not a {param.type}",
                param.default.span,
                hint=f"write a {param.type} value",
                file=file,
            )
        )
        return None
    if param.name in overrides:
        value = coerce(overrides[param.name], param.type)
        if value is None:
            problems.append(
                diagnostic(
                    "GL223",
                    f"--param {param.name}={_show(overrides[param.name])}: expected a {param.type}",
                    param.span,
                    hint=f"`{param.name}` is declared here as {param.type}",
                    file=file,
                )
            )
            return None
    out_of_range = _range_problem(param, value, env, file, param.name in overrides)
    if out_of_range is not None:
        problems.append(out_of_range)
    return value


def _range_problem(
    param: ir.ParamDecl,
    value: ParamValue,
    env: Mapping[str, ParamValue],
    file: str,
    overridden: bool,
) -> Diagnostic | None:
    if param.low is None or param.high is None:
        return None
    try:
        low = _number(constant_value(param.low, env), param.low.span)
        high = _number(constant_value(param.high, env), param.high.span)
    except NotConstant as exc:
        return diagnostic("GL220", exc.message, exc.span, hint=exc.hint, file=file)
    items = value if isinstance(value, tuple) else (value,)
    bad = [v for v in items if not (low <= float(v) <= high) or math.isnan(float(v))]
    if not bad:
        return None
    origin = "--param value" if overridden else "default"
    span = param.span if overridden else param.default.span
    return diagnostic(
        "GL221",
        f"{origin} {_show(value)} of `{param.name}` is outside its range [{_show(low)}, "
        f"{_show(high)}]",
        span,
        hint="change the value or widen the range",
        file=file,
    )


def _show(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
