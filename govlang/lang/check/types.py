"""Value types: a base (``number``, ``bool``, ``list``) and a set of named dimensions.

Operations broadcast by dimension *name*: the result of ``a + b`` carries the union of the
dimensions of ``a`` and ``b``. Dimensions are always kept in the canonical order of the
institution: ``agent`` first, then every other dimension in order of first appearance in the
``observe`` and ``action`` declarations (see :func:`govlang.lang.dims.dimension_order`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from govlang.lang import ir
from govlang.lang.dims import AGENT, singular

Base = Literal["number", "bool", "list"]


@dataclass(frozen=True)
class ValueType:
    """The type of a value: its base and its dimensions, in canonical order."""

    base: Base
    dims: tuple[str, ...] = ()

    def __str__(self) -> str:
        """The type as written in a ``.gov`` file: ``number[agent, commodity]``."""
        return f"{self.base}[{', '.join(self.dims)}]" if self.dims else self.base

    def has(self, dim: str) -> bool:
        """Whether the value is indexed by ``dim``."""
        return dim in self.dims

    def without(self, dim: str) -> ValueType:
        """The type after reducing (or indexing) ``dim`` away."""
        return ValueType(self.base, tuple(d for d in self.dims if d != dim))

    def with_base(self, base: Base) -> ValueType:
        """The same dimensions over another base."""
        return ValueType(base, self.dims)

    @property
    def is_scalar(self) -> bool:
        """Whether the value is a single number or bool (no dimensions)."""
        return not self.dims


NUMBER = ValueType("number")
BOOL = ValueType("bool")
LIST = ValueType("list")


class DimOrder:
    """The canonical dimension order of one institution, for sorting and broadcasting."""

    def __init__(self, order: Iterable[str]) -> None:
        self.order = tuple(order)
        self._rank = {dim: i for i, dim in enumerate(self.order)}

    def known(self, dim: str) -> bool:
        """Whether ``dim`` is declared (``agent`` or used by an observe/action)."""
        return dim in self._rank

    def sort(self, dims: Iterable[str]) -> tuple[str, ...]:
        """``dims`` without repeats, in canonical order (unknown names last, by name)."""
        unique = set(dims)
        return tuple(sorted(unique, key=lambda d: (self._rank.get(d, len(self._rank)), d)))

    def union(self, base: Base, types: Iterable[ValueType]) -> ValueType:
        """A value of ``base`` broadcast over the dims of all ``types``."""
        return ValueType(base, self.sort(d for t in types for d in t.dims))

    def of(self, type_expr: ir.TypeExpr) -> ValueType:
        """The value type a declaration writes (``number[commodity, agent]`` is reordered)."""
        return ValueType(type_expr.base, self.sort(type_expr.dims))

    def normalise(self, written: str) -> str:
        """The dimension ``over written`` names (plurals accepted)."""
        return singular(written, self.order)


def builtin_types(institution: ir.Institution, dims: DimOrder) -> dict[str, ValueType]:
    """The names every institution may read without declaring them.

    ``round`` (the 1-based round number), ``reward`` (each agent's raw payoff) and, when an
    ``action:`` declaration exists, ``action`` (each agent's effective action).
    """
    types = {"round": NUMBER, "reward": ValueType("number", (AGENT,))}
    if institution.action is not None:
        types["action"] = ValueType("number", dims.sort((AGENT, *institution.action.type.dims)))
    return types


BUILTIN_NAMES = frozenset({"round", "reward", "action"})
"""Names reserved for the built-ins, whether or not the institution declares an action."""


def param_type(param: ir.ParamDecl) -> ValueType:
    """The value type of a param: numbers, bools and lists are all dimensionless."""
    if param.type.startswith("list"):
        return LIST
    return BOOL if param.type == "bool" else NUMBER
