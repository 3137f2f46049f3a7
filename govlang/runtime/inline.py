"""One round of a :class:`~govlang.runtime.program.Program` as a single generated function.

Running the program instruction by instruction costs a loop iteration, a closure call and a
slot fetch per instruction on top of the numpy operation, and on the oracle's tiny arrays that
overhead is as large as the arithmetic. :class:`StraightLine` generates (once per program
size) one function whose body is the instructions written out in order, each calling its
operation directly on the slots it reads::

    def run(s):
        k = 0
        try:
            a0 = s[3]; a1 = s[5]
            if a0 is not p[0] or a1 is not p[1]:
                p[0] = a0; p[1] = a1
                s[12] = f0(a0, a1[e0_1])
            k = 1
            s[13] = f1(s)
            ...
        except FloatingPointError:
            return k
        return -1

An instruction written as a call is a pure function of its operands, and slot values are never
modified in place, so when every operand is the very object it was last round the slot still
holds the result and the call is skipped (constants, and observables that did not change,
such as the market's equilibrium benchmarks, keep their objects from round to round). Other
instructions (temporal operators, which record history) run every round. The function
computes what the instructions compute, in the same order, and returns the index of the
instruction that raised ``FloatingPointError``, or ``-1``, so that the caller can finish the
round saturating (and then :meth:`StraightLine.forget` what was last computed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from govlang.runtime.values import Expansion, Instruction, Slots

Argument = tuple[int, Expansion | None] | tuple[None, Any]
"""An operand: ``(slot, expansion)`` reads a slot (expanded if given), ``(None, v)`` is ``v``."""

Call = tuple[Callable[..., Any], tuple[Argument, ...]]
"""An instruction written as a pure function call ``function(*arguments)``."""

_UNSEEN = object()


class StraightLine:
    """Runs every instruction of a program in order (see the module docstring)."""

    def __init__(self, steps: Sequence[tuple[int, Instruction]], calls: Sequence[Call | None]):
        """Generate the function for ``steps``; ``calls[n]``: step ``n`` as a call, or ``None``.

        A ``None`` call runs the instruction itself with the slots, every round.
        """
        self.size = len(steps)
        namespace: dict[str, Any] = {}
        lines = ["def run(s):", "    k = 0", "    try:"]
        seen = 0
        for n, ((slot, instruction), call) in enumerate(zip(steps, calls, strict=True)):
            if n:
                lines.append(f"        k = {n}")
            namespace[f"f{n}"] = instruction if call is None else call[0]
            if call is None:
                lines.append(f"        s[{slot}] = f{n}(s)")
                continue
            reads: list[tuple[str, int]] = []
            texts: list[str] = []
            for j, (read, extra) in enumerate(call[1]):
                name = f"e{n}_{j}"
                if read is None:
                    namespace[name] = extra
                    texts.append(name)
                    continue
                local = f"a{len(reads)}"
                reads.append((local, read))
                if extra is None:
                    texts.append(local)
                else:
                    namespace[name] = extra
                    texts.append(f"{local}[{name}]")
            compute = f"s[{slot}] = f{n}({', '.join(texts)})"
            if not reads:
                lines.append(f"        {compute}")
                continue
            lines.append("        " + "; ".join(f"{local} = s[{read}]" for local, read in reads))
            memo = [(local, seen + i) for i, (local, _) in enumerate(reads)]
            seen += len(reads)
            changed = " or ".join(f"{local} is not p[{i}]" for local, i in memo)
            lines.append(f"        if {changed}:")
            lines.append("            " + "; ".join(f"p[{i}] = {local}" for local, i in memo))
            lines.append(f"            {compute}")
        if not steps:
            lines.append("        pass")
        lines += ["    except FloatingPointError:", "        return k", "    return -1"]
        self._memo: list[Any] = [_UNSEEN] * seen
        namespace["p"] = self._memo
        exec(compile("\n".join(lines), "<govlang oracle round>", "exec"), namespace)
        self._run: Callable[[Slots], int] = namespace["run"]

    def __call__(self, slots: Slots) -> int:
        """Run every instruction; the index of the one that overflowed, or ``-1``."""
        return self._run(slots)

    def forget(self) -> None:
        """Forget the operands last seen: every call runs next time (after slots were set)."""
        memo = self._memo
        for i in range(len(memo)):
            memo[i] = _UNSEEN
