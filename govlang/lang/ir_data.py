"""Building IR nodes from plain data (a dump, parsed JSON), checking every field.

:meth:`govlang.lang.ir.Node.model_validate` comes here. Each field's type is read from the
annotation its node class declares (evaluated once per class, on first use): nodes (given as
dicts or as nodes; a union of tagged nodes is chosen by the dict's ``kind``), tuples (given
as lists or tuples), ``Literal`` choices, ``str``, ``bool``, ``int``, ``float``, spans and
``None``. Every problem is collected, with its location, into one :class:`IRValidationError`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, TypeVar

from govlang.lang import ir

NodeT = TypeVar("NodeT", bound=ir.Node)

Location = tuple[str | int, ...]


class IRValidationError(ValueError):
    """Plain data that is not a valid IR node; ``problems`` lists (location, message)."""

    def __init__(self, title: str, problems: list[tuple[Location, str]]) -> None:
        """Keep the problems; the message lists them one per line under ``title``."""
        self.problems = problems
        count = len(problems)
        lines = [f"{count} validation error{'s' if count != 1 else ''} for {title}"]
        for location, message in problems:
            lines.append(".".join(str(part) for part in location) or "(the node itself)")
            lines.append(f"  {message}")
        super().__init__("\n".join(lines))


def validate(cls: type[NodeT], data: object) -> NodeT:
    """A ``cls`` node built from ``data``; :class:`IRValidationError` on any problem."""
    problems: list[tuple[Location, str]] = []
    node = _node(cls, data, (), problems)
    if problems:
        raise IRValidationError(cls.__name__, problems)
    assert isinstance(node, cls)
    return node


@cache
def _field_types(cls: type[ir.Node]) -> dict[str, Any]:
    """The evaluated type of every field of ``cls`` that is an argument, by name."""
    namespace = vars(ir)
    return {
        f.name: eval(f.annotation, namespace)  # the class's own annotation text
        for f in cls.model_fields.values()
        if not f.tag
    }


def _describe(value: object) -> str:
    """A short description of a wrong value, for a message."""
    text = repr(value)
    return f"{text[:60]}..." if len(text) > 63 else text


def _node(
    cls: type[ir.Node], data: object, at: Location, problems: list[tuple[Location, str]]
) -> ir.Node | None:
    """A ``cls`` node from a node or a dict, or ``None`` after recording the problems."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        problems.append((at, f"expected a {cls.__name__} (a mapping), got {_describe(data)}"))
        return None
    found = len(problems)
    values = _fields(cls, data, at, problems)
    if len(problems) > found:
        return None
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:  # a check across fields (``__post_init__``)
        problems.append((at, str(exc)))
        return None


def _fields(
    cls: type[ir.Node],
    data: Mapping[Any, object],
    at: Location,
    problems: list[tuple[Location, str]],
) -> dict[str, Any]:
    """The checked arguments of a ``cls`` node from ``data`` (problems recorded on the way)."""
    fields = cls.model_fields
    types_of = _field_types(cls)
    values: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key) if isinstance(key, str) else None
        if field is None:
            problems.append(((*at, str(key)), "unknown field: extra inputs are not permitted"))
        elif field.tag:
            if value != field.default:
                problems.append(((*at, key), f"expected {field.default!r}, got {_describe(value)}"))
        else:
            values[key] = _value(types_of[key], value, (*at, key), problems)
    for field in fields.values():
        if field.required and field.name not in data:
            problems.append(((*at, field.name), "field required"))
    return values


def _tagged(options: tuple[Any, ...]) -> dict[str, type[ir.Node]] | None:
    """The node classes of a union by their ``kind``, if every option is a tagged node."""
    found: dict[str, type[ir.Node]] = {}
    for option in options:
        if not (isinstance(option, type) and issubclass(option, ir.Node)):
            return None
        tag = option.model_fields.get("kind")
        if tag is None or not tag.tag:
            return None
        found[tag.default] = option
    return found


def _value(kind: Any, value: object, at: Location, problems: list[tuple[Location, str]]) -> object:
    """``value`` checked (and converted, as a node's constructor would) against ``kind``."""
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        options = tuple(option for option in options if option is not type(None))
        if len(options) == 1:
            return _value(options[0], value, at, problems)
        return _union(options, value, at, problems)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            problems.append((at, f"expected a list, got {_describe(value)}"))
            return ()
        (item_kind, _) = typing.get_args(kind)
        return tuple(_value(item_kind, item, (*at, i), problems) for i, item in enumerate(value))
    if origin is Literal:
        choices = typing.get_args(kind)
        if isinstance(value, str) and value in choices:
            return value
        allowed = ", ".join(repr(choice) for choice in choices)
        problems.append((at, f"expected one of {allowed}, got {_describe(value)}"))
        return None
    if isinstance(kind, type) and issubclass(kind, ir.Node):
        return _node(kind, value, at, problems)
    return _scalar(kind, value, at, problems)


def _union(
    options: tuple[Any, ...], value: object, at: Location, problems: list[tuple[Location, str]]
) -> object:
    """A node of one of the tagged ``options``: the one ``value`` is, or its ``kind`` names."""
    tagged = _tagged(options)
    if tagged is None:
        raise TypeError(f"untagged union at {at}: the IR declares none")
    if isinstance(value, ir.Node) and type(value) in tagged.values():
        return value
    if not isinstance(value, Mapping):
        problems.append((at, f"expected a node (a mapping with a kind), got {_describe(value)}"))
        return None
    kinds = ", ".join(repr(tag) for tag in tagged)
    tag = value.get("kind")
    if tag not in tagged:
        said = "no kind" if tag is None else f"kind {_describe(tag)}"
        problems.append((at, f"{said}: expected a kind among {kinds}"))
        return None
    return _node(tagged[tag], value, at, problems)


def _scalar(kind: Any, value: object, at: Location, problems: list[tuple[Location, str]]) -> object:
    """A ``str``, ``bool``, ``int``, ``float`` or span, accepting what a constructor would."""
    if kind is str and isinstance(value, str):
        return value
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if kind is ir.Span and isinstance(value, ir.Span):
        return value
    name = getattr(kind, "__name__", str(kind))
    problems.append((at, f"expected {name}, got {_describe(value)}"))
    return None
