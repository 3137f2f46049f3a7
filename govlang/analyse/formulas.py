"""Formulas: the conditions of a scope after abstraction, and how to evaluate them.

A :data:`Formula` is built from constants, atoms (free inputs, by index), trackers (exact
temporal functions, by index), ``not``/``and``/``or``, and, in assertions only, the outcome of
the round (the state after it, the state entered, whether it was clean).
:mod:`govlang.analyse.atoms` compiles expressions into formulas.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
"""Each comparison operator as a function."""


@dataclass(frozen=True)
class Const:
    """A condition whose value is known."""

    value: bool


@dataclass(frozen=True)
class AtomF:
    """The value of atom ``index`` this round."""

    index: int


@dataclass(frozen=True)
class NotF:
    """Negation."""

    operand: Formula


@dataclass(frozen=True)
class AndF:
    """Conjunction."""

    parts: tuple[Formula, ...]


@dataclass(frozen=True)
class OrF:
    """Disjunction."""

    parts: tuple[Formula, ...]


@dataclass(frozen=True)
class HeldF:
    """``held(b, k)``: tracker ``tracker`` (a streak) reached its size this round."""

    tracker: int


@dataclass(frozen=True)
class CountF:
    """``count_last(b, n) op bound``: tracker ``tracker`` (a window) compared with a constant."""

    tracker: int
    op: str
    bound: float


@dataclass(frozen=True)
class StateF:
    """In an assertion: the instance is in ``state`` after the round."""

    state: str


@dataclass(frozen=True)
class EnteredF:
    """In an assertion: the instance entered ``state`` this round."""

    state: str


@dataclass(frozen=True)
class CleanF:
    """In an assertion: the round had no evidence."""


Formula = Const | AtomF | NotF | AndF | OrF | HeldF | CountF | StateF | EnteredF | CleanF
TRUE, FALSE = Const(True), Const(False)


@dataclass
class Round:
    """What a formula is evaluated on: atoms, tracker values, and (assertions) the outcome."""

    atoms: Sequence[bool]
    trackers: Sequence[int]
    state: str | None = None
    entered: str | None = None
    evidence: bool = False


def evaluate(formula: Formula, at: Round) -> bool:
    """The value of ``formula`` in round ``at``."""
    if isinstance(formula, AtomF):
        return at.atoms[formula.index]
    if isinstance(formula, AndF):
        return all(evaluate(part, at) for part in formula.parts)
    if isinstance(formula, OrF):
        return any(evaluate(part, at) for part in formula.parts)
    if isinstance(formula, NotF):
        return not evaluate(formula.operand, at)
    if isinstance(formula, Const):
        return formula.value
    if isinstance(formula, HeldF):
        return at.trackers[formula.tracker] > 0
    if isinstance(formula, CountF):
        return COMPARE[formula.op](at.trackers[formula.tracker], formula.bound)
    if isinstance(formula, StateF):
        return at.state == formula.state
    if isinstance(formula, EnteredF):
        return at.entered == formula.state
    return not at.evidence


def atoms_of(formula: Formula, trackers: Sequence[Tracker]) -> set[int]:
    """The atoms ``formula`` reads, through the trackers it reads."""
    found: set[int] = set()
    stack = [formula]
    while stack:
        node = stack.pop()
        if isinstance(node, AtomF):
            found.add(node.index)
        elif isinstance(node, NotF):
            stack.append(node.operand)
        elif isinstance(node, AndF | OrF):
            stack.extend(node.parts)
        elif isinstance(node, HeldF | CountF):
            stack.append(trackers[node.tracker].base)
    return found


def negate(formula: Formula) -> Formula:
    """``not formula``, folding constants and double negations."""
    if isinstance(formula, Const):
        return Const(not formula.value)
    return formula.operand if isinstance(formula, NotF) else NotF(formula)


def conjunction(parts: Sequence[Formula]) -> Formula:
    """``a and b and ...``, folding constants and nested conjunctions."""
    flat = [q for p in parts for q in (p.parts if isinstance(p, AndF) else (p,))]
    kept = [p for p in flat if p != TRUE]
    if FALSE in kept:
        return FALSE
    return kept[0] if len(kept) == 1 else (AndF(tuple(kept)) if kept else TRUE)


def disjunction(parts: Sequence[Formula]) -> Formula:
    """``a or b or ...``, folding constants and nested disjunctions."""
    flat = [q for p in parts for q in (p.parts if isinstance(p, OrF) else (p,))]
    kept = [p for p in flat if p != FALSE]
    if TRUE in kept:
        return TRUE
    return kept[0] if len(kept) == 1 else (OrF(tuple(kept)) if kept else FALSE)


@dataclass(frozen=True)
class Tracker:
    """A temporal function modelled exactly: ``held`` (size k) or ``window`` (size n)."""

    index: int
    kind: Literal["held", "window"]
    base: Formula
    size: int
    key: str


def input_parts(formula: Formula) -> list[Formula]:
    """The largest sub-formulas that read only the round's inputs (atoms and trackers).

    An assertion's formula is a function of these and of the round's outcome (state, entry,
    evidence): letters that agree on them (and on what the controller reads) are alike.
    """
    if not _reads_outcome(formula):
        return [] if isinstance(formula, Const) else [formula]
    if isinstance(formula, NotF):
        return input_parts(formula.operand)
    if isinstance(formula, AndF | OrF):
        return [part for child in formula.parts for part in input_parts(child)]
    return []


def _reads_outcome(formula: Formula) -> bool:
    if isinstance(formula, StateF | EnteredF | CleanF):
        return True
    if isinstance(formula, NotF):
        return _reads_outcome(formula.operand)
    if isinstance(formula, AndF | OrF):
        return any(_reads_outcome(part) for part in formula.parts)
    return False
