"""Dimensions of an institution: their canonical order and the plural rule of ``over``.

Every value is indexed by named dimensions, kept in the institution's canonical order:
``agent`` first, then every other dimension in order of first appearance in the ``observe``
and ``action`` declarations. ``over agents`` and ``over agent`` name the same dimension.
"""

from __future__ import annotations

from collections.abc import Iterable

from govlang.lang import ir

AGENT = "agent"
"""The dimension every institution has: one entry per agent."""


def _declared_dims(institution: ir.Institution) -> list[tuple[int, tuple[str, ...]]]:
    """The dims of every observe and action declaration with its position."""
    found = [(o.span.start, o.type.dims) for o in institution.observes]
    if institution.action is not None:
        found.append((institution.action.span.start, institution.action.type.dims))
    return sorted(found, key=lambda item: item[0])


def dimension_order(institution: ir.Institution) -> tuple[str, ...]:
    """``agent``, then the dims of ``observe``/``action`` declarations in order of appearance."""
    order = [AGENT]
    for _, dims in _declared_dims(institution):
        order.extend(d for d in dims if d not in order)
    return tuple(order)


def singular(written: str, known: Iterable[str]) -> str:
    """The dimension a (possibly plural) name stands for, given the ``known`` dimensions.

    A declared name is kept as written; otherwise ``ies`` becomes ``y`` and a trailing ``s``
    is dropped (``agents`` -> ``agent``, ``commodities`` -> ``commodity``).
    """
    declared = set(known)
    if written in declared:
        return written
    if written.endswith("ies") and len(written) > 3:
        return written[:-3] + "y"
    if written.endswith("s") and len(written) > 1:
        return written[:-1]
    return written


def plural(dim: str) -> str:
    """The plural a user would write after ``over`` (``agents``, ``commodities``)."""
    return dim[:-1] + "ies" if dim.endswith("y") else dim + "s"


def normalise_dim(institution: ir.Institution, written: str) -> str:
    """The dimension that ``over written`` reduces (the plural rule of the language)."""
    return singular(written, dimension_order(institution))
