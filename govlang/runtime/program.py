"""Compiling expressions into a flat program of numpy closures: the oracle's engine.

Every distinct expression (by content: IR nodes compare equal when they are textually the
same, spans aside) gets one *slot*. Leaves (constants, observables, built-in inputs) are
slots filled from outside; every other node is one *instruction*, a closure that computes
its slot from earlier slots. Instructions are appended after those of their operands, so
running them in order evaluates every node exactly once, dependencies first. Types and dims
are inferred here, once, so the closures do no checking at run time.

Sharing by content is sound because the language has no binders: a name means the same
thing everywhere, and every node is evaluated every round, so two equal temporal calls see
the same inputs and would keep identical histories. They therefore share one ring buffer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from govlang.lang import builtins as fn
from govlang.lang import ir, kernels
from govlang.lang.diagnostics import did_you_mean
from govlang.lang.ir import children
from govlang.lang.kernels import Array
from govlang.lang.params import NotConstant, ParamValue, constant_value
from govlang.runtime.inline import Call, StraightLine
from govlang.runtime.values import (
    Instruction,
    OracleError,
    Slots,
    broadcast,
    canonical_union,
    closure,
    expansion,
    getter,
    saturate,
    to_bool,
    to_number,
)

Base = fn.Base

_ARITH: Mapping[str, Callable[[Array, Array], Array]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": kernels.safe_divide,
}
_COMPARE: Mapping[str, Callable[[Array, Array], Array]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_LOGIC: Mapping[str, Callable[[Array, Array], Array]] = {
    "and": np.logical_and,
    "or": np.logical_or,
}


@dataclass(frozen=True)
class Signature:
    """The static type of a slot: base type and dims (in canonical order)."""

    base: Base
    dims: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """What names and dims mean to the compiler."""

    order: tuple[str, ...]
    sizes: Mapping[str, int]
    params: Mapping[str, ParamValue]
    monitors: Mapping[str, ir.MonitorDecl]
    inputs: Mapping[str, Signature]
    normalise: Callable[[str], str]


def where(expr: ir.Node) -> str:
    """``" (line L, column C)"`` for a node with a source span, else ``""``."""
    span = expr.span
    return "" if span == ir.NO_SPAN else f" (line {span.line}, column {span.column})"


class Program:
    """Slots, their signatures, and the instructions that fill them."""

    def __init__(self, scope: Scope) -> None:
        """Allocate one input slot per observable and built-in input of ``scope``."""
        self.scope = scope
        self.slots: Slots = []
        self.signatures: list[Signature] = []
        self.steps: list[tuple[int, Instruction]] = []
        self.histories: list[kernels.History] = []
        self.used_inputs: set[str] = set()
        self.inputs = {name: self._leaf(None, sig) for name, sig in scope.inputs.items()}
        self._keys: dict[Any, int] = {}
        self._monitors: dict[str, int] = {}
        self._compiling: list[str] = []
        self._constants: set[int] = set()
        self._calls: list[Call | None] = []  # each step written as a call, for the runner
        self._runner: StraightLine | None = None

    # ------------------------------------------------------------------ public

    def run(self, start: int = 0) -> None:
        """Execute the instructions from index ``start`` on, in order.

        The fast path runs with float64 overflow trapped. Inputs are finite and every
        division is guarded, so ``inf`` or ``nan`` can only come from an overflow; then the
        rest of the round is run saturating (:meth:`_saturating`).
        """
        slots, steps = self.slots, self.steps
        if start == 0:
            runner = self._straight_line()
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                failed = runner(slots)
            if failed >= 0:
                runner.forget()
                self._saturating(failed)
            return
        index = start
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                for index in range(start, len(steps)):
                    slot, instruction = steps[index]
                    slots[slot] = instruction(slots)
        except FloatingPointError:
            self._saturating(index)

    def slots_replaced(self) -> None:
        """Say that the slots were set from outside (a restored snapshot).

        The next :meth:`run` then computes every instruction again instead of trusting
        that a slot holds the result of its current operands.
        """
        if self._runner is not None:
            self._runner.forget()

    def _straight_line(self) -> StraightLine:
        """The generated function running every step (:mod:`govlang.runtime.inline`)."""
        if self._runner is None or self._runner.size != len(self.steps):
            self._runner = StraightLine(self.steps, self._calls)
        return self._runner

    def _saturating(self, failed: int) -> None:
        """Run from instruction ``failed`` on, clamping every result to finite float64.

        A result beyond the float64 range becomes the largest finite float of its sign; a
        ``nan`` (``inf - inf`` inside one operation) becomes ``0``. The failed instruction's
        history, if any, already holds this round's value: only its result is recomputed.
        """
        slots, steps = self.slots, self.steps
        with np.errstate(all="ignore"):
            for index in range(failed, len(steps)):
                slot, instruction = steps[index]
                if index == failed and isinstance(instruction, kernels.History):
                    value = instruction.builtin.compute(instruction)
                else:
                    value = instruction(slots)
                slots[slot] = saturate(value)

    def compile(self, expr: ir.Expr) -> int:
        """The slot of ``expr``, compiling it (and its operands) on first sight."""
        slot = self._keys.get(expr)
        if slot is None:
            slot = self._compile_node(expr)
            self._keys[expr] = slot
        return slot

    def monitor(self, name: str) -> int:
        """The slot of monitor ``name``, compiled with its declared type."""
        slot = self._monitors.get(name)
        if slot is not None:
            return slot
        if name in self._compiling:
            cycle = " -> ".join([*self._compiling[self._compiling.index(name) :], name])
            raise OracleError(f"monitors depend on each other in a cycle: {cycle}")
        self._compiling.append(name)
        decl = self.scope.monitors[name]
        slot = self._declared(self.compile(decl.expr), decl)
        self._compiling.pop()
        self._monitors[name] = slot
        return slot

    def unregistered_temporal(self, expr: ir.Expr) -> ir.Call | None:
        """A temporal call inside ``expr`` that has no history yet, or ``None``."""
        if expr in self._keys:
            return None
        if isinstance(expr, ir.Call) and any(
            isinstance(b, fn.Temporal) for b in fn.BUILTINS.get(expr.function, ())
        ):
            return expr
        for child in children(expr):
            found = self.unregistered_temporal(child)
            if found is not None:
                return found
        return None

    # ------------------------------------------------------------------ slots

    def _leaf(self, value: Any, sig: Signature) -> int:
        self.slots.append(value)
        self.signatures.append(sig)
        return len(self.slots) - 1

    def _constant(self, value: Any, sig: Signature) -> int:
        if type(value) is np.ndarray:
            value.flags.writeable = False
        slot = self._leaf(value, sig)
        self._constants.add(slot)
        return slot

    def _emit(
        self,
        instruction: Instruction,
        sig: Signature,
        operands: Sequence[int],
        call: Call | None = None,
    ) -> int:
        """A slot computed by ``instruction`` from ``operands`` (folded if they are constant).

        ``call``: the same instruction written as a call (see :mod:`govlang.runtime.inline`).
        """
        if operands and all(slot in self._constants for slot in operands):
            with np.errstate(all="ignore"):
                return self._constant(saturate(instruction(self.slots)), sig)
        slot = self._leaf(None, sig)
        self.steps.append((slot, instruction))
        self._calls.append(call)
        return slot

    def _convert(self, slot: int, base: Base | None) -> int:
        sig = self.signatures[slot]
        if base is None or sig.base == base:
            return slot
        key = ("convert", slot, base)
        if key not in self._keys:
            cast = to_number if base == "number" else to_bool
            self._keys[key] = self._emit(
                closure(cast, [(slot, None)]),
                Signature(base, sig.dims),
                [slot],
                (cast, ((slot, None),)),
            )
        return self._keys[key]

    def _combine(self, apply: Callable[..., Array], operands: list[int], base: Base) -> int:
        dims = canonical_union(self.scope.order, *(self.signatures[s].dims for s in operands))
        fetches = [(s, expansion(self.signatures[s].dims, dims)) for s in operands]
        return self._emit(
            closure(apply, fetches), Signature(base, dims), operands, (apply, tuple(fetches))
        )

    # ------------------------------------------------------------------ nodes

    def _compile_node(self, expr: ir.Expr) -> int:
        if isinstance(expr, ir.Number):
            return self._constant(np.float64(expr.value), Signature("number", ()))
        if isinstance(expr, ir.Boolean):
            return self._constant(np.bool_(expr.value), Signature("bool", ()))
        if isinstance(expr, ir.NameRef):
            return self._name(expr)
        if isinstance(expr, ir.Negate):
            return self._combine(np.negative, [self._operand(expr.operand, "number")], "number")
        if isinstance(expr, ir.Not):
            return self._combine(np.logical_not, [self._operand(expr.operand, "bool")], "bool")
        if isinstance(expr, ir.Binary | ir.Compare | ir.Logic):
            return self._binary(expr)
        if isinstance(expr, ir.IfThenElse):
            return self._if(expr)
        if isinstance(expr, ir.Call):
            return self._call(expr)
        raise OracleError(f"a list cannot be used in an expression{where(expr)}")

    def _operand(self, expr: ir.Expr, base: Base | None) -> int:
        return self._convert(self.compile(expr), base)

    def _binary(self, expr: ir.Binary | ir.Compare | ir.Logic) -> int:
        left, right = self.compile(expr.left), self.compile(expr.right)
        if isinstance(expr, ir.Binary):
            operands = [self._convert(left, "number"), self._convert(right, "number")]
            return self._combine(_ARITH[expr.op], operands, "number")
        if isinstance(expr, ir.Logic):
            operands = [self._convert(left, "bool"), self._convert(right, "bool")]
            return self._combine(_LOGIC[expr.op], operands, "bool")
        both_bool = self.signatures[left].base == self.signatures[right].base == "bool"
        common: Base = "bool" if both_bool else "number"
        operands = [self._convert(left, common), self._convert(right, common)]
        return self._combine(_COMPARE[expr.op], operands, "bool")

    def _if(self, expr: ir.IfThenElse) -> int:
        condition = self._operand(expr.condition, "bool")
        then, otherwise = self.compile(expr.then), self.compile(expr.otherwise)
        both_bool = self.signatures[then].base == self.signatures[otherwise].base == "bool"
        base: Base = "bool" if both_bool else "number"
        operands = [condition, self._convert(then, base), self._convert(otherwise, base)]
        return self._combine(np.where, operands, base)

    def _name(self, expr: ir.NameRef) -> int:
        name = expr.name
        if name in self.scope.monitors:
            return self.monitor(name)
        if name in self.scope.params:
            return self._param(name, self.scope.params[name], expr)
        if name in self.inputs:
            self.used_inputs.add(name)
            return self.inputs[name]
        known = [*self.scope.monitors, *self.scope.params, *self.inputs]
        hint = did_you_mean(name, known)
        raise OracleError(f"unknown name `{name}`{where(expr)}" + (f"; {hint}" if hint else ""))

    def _param(self, name: str, value: ParamValue, expr: ir.NameRef) -> int:
        if isinstance(value, tuple):
            raise OracleError(f"list param `{name}` cannot be used in an expression{where(expr)}")
        if isinstance(value, bool):
            return self._constant(np.bool_(value), Signature("bool", ()))
        return self._constant(np.float64(value), Signature("number", ()))

    def _declared(self, slot: int, decl: ir.MonitorDecl) -> int:
        """Convert a monitor's value to its declared type, broadcasting to declared dims."""
        if decl.type is None:
            return slot
        slot = self._convert(slot, decl.type.base)
        declared = canonical_union(
            self.scope.order, [self.scope.normalise(d) for d in decl.type.dims]
        )
        dims = self.signatures[slot].dims
        if not set(dims) <= set(declared):
            raise OracleError(
                f"monitor `{decl.name}` is declared with dims {list(declared)} but its "
                f"expression has dims {list(dims)}{where(decl)}"
            )
        if dims == declared:
            return slot
        shape = tuple(self.scope.sizes[d] for d in declared)
        index = expansion(dims, declared)
        get = getter(slot, index)
        return self._emit(
            lambda s: broadcast(get(s), shape),
            Signature(decl.type.base, declared),
            [slot],
            (broadcast, ((slot, index), (None, shape))),
        )

    # ------------------------------------------------------------------ calls

    def _call(self, expr: ir.Call) -> int:
        try:
            builtin = fn.lookup(expr.function, len(expr.args), expr.over is not None)
        except fn.BuiltinError as exc:
            raise OracleError(str(exc)) from None
        if isinstance(builtin, fn.Aggregate):
            return self._aggregate(builtin, expr)
        if isinstance(builtin, fn.Elementwise):
            operands = [self._operand(arg, builtin.argument) for arg in expr.args]
            return self._combine(builtin.apply, operands, builtin.result)
        return self._temporal(builtin, expr)

    def _aggregate(self, builtin: fn.Aggregate, expr: ir.Call) -> int:
        operand = self._operand(expr.args[0], builtin.argument)
        sig = self.signatures[operand]
        axis: int | None = None
        kept: tuple[str, ...] = ()
        if expr.over is not None:
            dim = self.scope.normalise(expr.over)
            if dim not in sig.dims:
                raise OracleError(
                    f"`{builtin.name}(... over {expr.over})`{where(expr)}: the operand has no "
                    f"`{dim}` dimension (its dims: {list(sig.dims)})"
                )
            axis = sig.dims.index(dim)
            kept = tuple(d for d in sig.dims if d != dim)
        dims = sig.dims if builtin.keeps_dims else kept
        reduce = builtin.reduce
        return self._emit(
            lambda s: reduce(s[operand], axis),
            Signature(builtin.result, dims),
            [operand],
            (reduce, ((operand, None), (None, axis))),
        )

    def _temporal(self, builtin: fn.Temporal, expr: ir.Call) -> int:
        inner = self._operand(expr.args[0], builtin.argument)
        window = self._window(builtin, expr)
        history = kernels.History(builtin, window, inner)
        self.histories.append(history)
        sig = self.signatures[inner]
        return self._emit(history, Signature(builtin.result or sig.base, sig.dims), ())

    def _window(self, builtin: fn.Temporal, expr: ir.Call) -> int:
        if len(expr.args) < 2:
            assert builtin.default_window is not None
            return builtin.default_window
        try:
            window = constant_value(expr.args[1], self.scope.params)
        except NotConstant as exc:
            raise OracleError(
                f"the window of `{builtin.name}`{where(expr)} must be a constant: {exc.message}"
            ) from None
        if isinstance(window, bool) or not isinstance(window, int):
            raise OracleError(
                f"the window of `{builtin.name}`{where(expr)} must be an int, got {window!r}"
            )
        if not 1 <= window <= fn.MAX_WINDOW:
            raise OracleError(
                f"the window of `{builtin.name}`{where(expr)} must be in [1, {fn.MAX_WINDOW}], "
                f"got {window}"
            )
        return window
