"""Type inference of expressions, with a diagnostic for every ill-typed construct.

:class:`Typer` infers the :class:`~govlang.lang.check.types.ValueType` of an expression bottom-up.
An ill-typed sub-expression is reported once and typed ``None`` ("unknown"), which silences
every check above it: one mistake, one diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from govlang.lang import ir
from govlang.lang.builtins import BUILTINS, MAX_WINDOW, Arg, Builtin, arity_text, needs_over, select
from govlang.lang.check.constants import Constants
from govlang.lang.check.sink import Reporter
from govlang.lang.check.types import BOOL, LIST, NUMBER, Base, DimOrder, ValueType
from govlang.lang.diagnostics import did_you_mean
from govlang.lang.dims import AGENT, plural

Typed = ValueType | None
"""An inferred type, or ``None`` when an error below has already been reported."""

_NEEDS_HINT = {
    ("number", "bool"): "compare it to get a bool, e.g. `{text} > 0`",
    ("bool", "number"): "write `if {text} then 1 else 0` to count a condition as a number",
}


class Typer:
    """Infers expression types against one institution's names and dimensions."""

    def __init__(
        self,
        reporter: Reporter,
        dims: DimOrder,
        types: dict[str, ValueType],
        declared: Mapping[str, str],
        constants: Constants,
    ) -> None:
        self.reporter = reporter
        self.dims = dims
        self.types = types
        """The type of every name known so far (monitors are added as they are inferred)."""
        self.declared = declared
        """Every visible name and what it is (``param``, ``monitor``, ``observable``, ...)."""
        self.constants = constants
        self._rules: dict[type[Any], Callable[[Any], Typed]] = {
            ir.Number: lambda _: NUMBER,
            ir.Boolean: lambda _: BOOL,
            ir.NameRef: self._name,
            ir.ListLit: self._list,
            ir.Negate: self._negate,
            ir.Not: self._not,
            ir.Binary: self._binary,
            ir.Compare: self._compare,
            ir.Logic: self._logic,
            ir.IfThenElse: self._if,
            ir.Call: self._call,
        }

    def infer(self, expr: ir.Expr) -> Typed:
        """The type of ``expr``, reporting every problem inside it."""
        return self._rules[type(expr)](expr)

    # --------------------------------------------------------------------- requirements
    def need(self, typed: Typed, base: Base, expr: ir.Expr, what: str) -> bool:
        """Whether ``typed`` has ``base``; if not, report that ``what`` needs one (GL201)."""
        if typed is None:
            return False
        if typed.base == base:
            return True
        shown = self.reporter.show(expr)
        hint = _NEEDS_HINT.get((typed.base, base), "")
        if typed.base == "list":
            hint = "a list can only be a param's value or a fine ladder"
        article = "an" if base[0] in "aeiou" else "a"
        self.reporter.emit(
            "GL201",
            f"{what} needs {article} {base}, but {shown} is {typed}",
            expr.span,
            hint.format(text=self.reporter.text(expr.span)) or None,
        )
        return False

    def at_scope(self, typed: Typed, expr: ir.Expr, scope: str, what: str) -> Typed:
        """``typed`` as seen from one instance of ``scope`` (``agent`` or ``market``).

        Per agent, the ``agent`` dimension is indexed at the instance's own agent. In the
        market scope a per-agent value is an error (GL208): it must be aggregated.
        """
        if typed is None:
            return None
        if scope == AGENT:
            return typed.without(AGENT)
        if typed.has(AGENT):
            text = self.reporter.text(expr.span) or "..."
            first, second = ("any", "all") if typed.base == "bool" else ("max", "sum")
            self.reporter.emit(
                "GL208",
                f"{what} in the market scope reads the per-agent value {self.reporter.show(expr)}",
                expr.span,
                f"aggregate it over the agents, e.g. `{first}({text} over agents)` or "
                f"`{second}({text} over agents)`",
            )
            return None
        return typed

    # --------------------------------------------------------------------- leaves
    def _name(self, expr: ir.NameRef) -> Typed:
        if expr.name in self.types:
            return self.types[expr.name]
        if expr.name in self.declared:
            return None  # declared, but its type is unknown after an earlier error
        hint = did_you_mean(expr.name, self.declared)
        if expr.name == "action":
            hint = "`action` is available once the action space is declared with `action:`"
        self.reporter.emit(
            "GL101",
            f"undefined name `{expr.name}`",
            expr.span,
            hint or "declare it with `observe NAME: TYPE`, or as a param or a monitor",
        )
        return None

    def _list(self, expr: ir.ListLit) -> Typed:
        for item in expr.items:
            typed = self.infer(item)
            if self.need(typed, "number", item, "a list item") and typed and typed.dims:
                self.reporter.emit(
                    "GL201",
                    f"a list item must be a single number, but {self.reporter.show(item)} "
                    f"is {typed}",
                    item.span,
                )
        return LIST

    # --------------------------------------------------------------------- operators
    def _negate(self, expr: ir.Negate) -> Typed:
        typed = self.infer(expr.operand)
        return typed if self.need(typed, "number", expr.operand, "`-`") else None

    def _not(self, expr: ir.Not) -> Typed:
        typed = self.infer(expr.operand)
        return typed if self.need(typed, "bool", expr.operand, "`not`") else None

    def _operands(self, expr: ir.Binary | ir.Compare | ir.Logic, base: Base) -> list[ValueType]:
        found = []
        for operand in (expr.left, expr.right):
            typed = self.infer(operand)
            if self.need(typed, base, operand, f"`{expr.op}`") and typed is not None:
                found.append(typed)
        return found

    def _binary(self, expr: ir.Binary) -> Typed:
        found = self._operands(expr, "number")
        return self.dims.union("number", found) if len(found) == 2 else None

    def _compare(self, expr: ir.Compare) -> Typed:
        found = self._operands(expr, "number")
        return self.dims.union("bool", found) if len(found) == 2 else None

    def _logic(self, expr: ir.Logic) -> Typed:
        found = self._operands(expr, "bool")
        return self.dims.union("bool", found) if len(found) == 2 else None

    def _if(self, expr: ir.IfThenElse) -> Typed:
        condition = self.infer(expr.condition)
        ok = self.need(condition, "bool", expr.condition, "the condition of `if`")
        then, otherwise = self.infer(expr.then), self.infer(expr.otherwise)
        if not ok or condition is None or then is None or otherwise is None:
            return None
        if then.base == "list" or then.base != otherwise.base:
            culprit = expr.otherwise if then.base != "list" else expr.then
            self.reporter.emit(
                "GL201",
                f"the branches of `if` must both be numbers or both bools, but "
                f"{self.reporter.show(expr.then)} is {then} and "
                f"{self.reporter.show(expr.otherwise)} is {otherwise}",
                culprit.span,
            )
            return None
        return self.dims.union(then.base, (condition, then, otherwise))

    # --------------------------------------------------------------------- calls
    def _call(self, expr: ir.Call) -> Typed:
        if expr.function not in BUILTINS:
            return self._unknown_function(expr)
        signature, fallback = select(expr.function, expr.over is not None)
        if signature is None:
            return self._over_mismatch(expr, fallback)
        if not signature.required <= len(expr.args) <= len(signature.args):
            return self._arity(expr, signature)
        typed = [
            self._arg(expr, kind, arg) for kind, arg in zip(signature.args, expr.args, strict=False)
        ]
        over = self._over_dim(expr)
        if any(t is None for t in typed) or (needs_over(signature) and over is None):
            return None
        args = [t for t in typed if t is not None]
        return self._result(expr, signature, args, over)

    def _infer_all(self, expr: ir.Call) -> None:
        for arg in expr.args:
            self.infer(arg)

    def _unknown_function(self, expr: ir.Call) -> Typed:
        self._infer_all(expr)
        self.reporter.emit(
            "GL103",
            f"unknown function `{expr.function}`",
            ir.name_or_node(expr.function_span, expr),
            did_you_mean(expr.function, BUILTINS)
            or "the built-in functions are listed in specs/language.md",
        )
        return None

    def _over_mismatch(self, expr: ir.Call, fallback: Builtin) -> Typed:
        first = [self.infer(arg) for arg in expr.args][:1]
        name = expr.function
        if expr.over is not None:
            span = ir.name_or_node(expr.over_span, expr)
            message = f"`{name}` is not an aggregate: it takes no `over`"
            self.reporter.emit("GL204", message, span, f"write `{fallback.usage}`")
        else:
            message = f"`{name}` is an aggregate: say which dimension it reduces with `over`"
            self.reporter.emit("GL203", message, expr.span, self._over_hint(expr, first))
        return None

    def _over_hint(self, expr: ir.Call, first: list[Typed]) -> str:
        """``write e.g. `sum(profit over agents)``` from the argument's own dimensions."""
        typed = first[0] if first else None
        dim = plural(typed.dims[0]) if typed is not None and typed.dims else "agents"
        argument = self.reporter.text(expr.args[0].span) if len(expr.args) == 1 else ""
        return f"write e.g. `{expr.function}({argument or 'x'} over {dim})`"

    def _arity(self, expr: ir.Call, signature: Builtin) -> Typed:
        self._infer_all(expr)
        with_over = " with `over`" if needs_over(signature) else ""
        others = [s for s in BUILTINS[expr.function] if s is not signature]
        hint = f"write `{signature.usage}`" + "".join(f" or `{s.usage}`" for s in others)
        self.reporter.emit(
            "GL202",
            f"`{expr.function}`{with_over} takes {arity_text(signature)}, "
            f"but {len(expr.args)} {'is' if len(expr.args) == 1 else 'are'} given",
            expr.span,
            hint,
        )
        return None

    def _arg(self, call: ir.Call, kind: Arg, arg: ir.Expr) -> Typed:
        typed = self.infer(arg)
        if kind == "window":
            return self._window(call, arg, typed)
        if kind == "any":
            return None if typed is None or not self._not_list(typed, arg, call) else typed
        return typed if self.need(typed, kind, arg, f"`{call.function}`") else None

    def _not_list(self, typed: ValueType, arg: ir.Expr, call: ir.Call) -> bool:
        if typed.base != "list":
            return True
        self.reporter.emit(
            "GL201",
            f"`{call.function}` needs a number or a bool, but {self.reporter.show(arg)} is a list",
            arg.span,
            "a list can only be a param's value or a fine ladder",
        )
        return False

    def _window(self, call: ir.Call, arg: ir.Expr, typed: Typed) -> Typed:
        if typed is None:
            return None
        what = f"the window of `{call.function}`"
        value = self.constants.integer(arg, what, "GL206", 1, MAX_WINDOW)
        return NUMBER if value is not None else None

    def _over_dim(self, expr: ir.Call) -> str | None:
        if expr.over is None:
            return None
        dim = self.dims.normalise(expr.over)
        if self.dims.known(dim):
            return dim
        self.reporter.emit(
            "GL104",
            f"unknown dimension `{expr.over}`",
            ir.name_or_node(expr.over_span, expr),
            did_you_mean(expr.over, (*self.dims.order, *(plural(d) for d in self.dims.order)))
            or f"the dimensions are: {', '.join(self.dims.order)}",
        )
        return None

    def _result(
        self, expr: ir.Call, signature: Builtin, args: list[ValueType], over: str | None
    ) -> Typed:
        first = args[0]
        base: Base = first.base if signature.returns == "same" else signature.returns
        if signature.kind == "elementwise":
            return self.dims.union(base, args)
        if signature.kind == "temporal" or over is None:
            return first.with_base(base)
        if not first.has(over):
            return self._missing_dim(expr, first, over)
        return first if signature.kind == "share" else first.without(over).with_base(base)

    def _missing_dim(self, expr: ir.Call, typed: ValueType, over: str) -> Typed:
        argument = self.reporter.show(expr.args[0])
        if typed.dims:
            hint = f"it can be reduced over: {', '.join(typed.dims)}"
        else:
            hint = "it is already a single value: drop the aggregate"
        self.reporter.emit(
            "GL205",
            f"`{expr.function}` cannot reduce {argument} over `{over}`: it is {typed}",
            ir.name_or_node(expr.over_span, expr),
            hint,
        )
        return None

    # --------------------------------------------------------------------- declared types
    def declared_type(self, type_expr: ir.TypeExpr) -> Typed:
        """The type a declaration writes, after checking its dimensions (GL104, GL211)."""
        ok = True
        seen: set[str] = set()
        for dim in type_expr.dims:
            if dim in seen:
                self.reporter.emit(
                    "GL211",
                    f"dimension `{dim}` is listed twice",
                    type_expr.span,
                    "a value has each dimension at most once",
                )
                ok = False
            elif not self.dims.known(dim):
                hint = did_you_mean(dim, self.dims.order)
                hint = hint or f"the dimensions are: {', '.join(self.dims.order)}"
                span = type_expr.dim_span(dim)
                self.reporter.emit("GL104", f"unknown dimension `{dim}`", span, hint)
                ok = False
            seen.add(dim)
        return self.dims.of(type_expr) if ok else None
