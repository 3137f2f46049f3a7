"""One round of a :class:`~govlang.runtime.program.Program` as a single generated function.

Running the program instruction by instruction costs a loop iteration, a closure call and a
slot fetch per instruction on top of the numpy operation, and on the oracle's tiny arrays that
overhead is as large as the arithmetic. :func:`straight_line` generates (once per program
size) one function whose body is the instructions written out in order, each calling its
operation directly on the slots it reads::

    def run(s):
        k = 0
        try:
            s[12] = f0(s[3], s[5][e0_1])
            k = 1
            s[13] = f1(s)
            ...
        except FloatingPointError:
            return k
        return -1

It computes exactly what the instructions compute (the same operations on the same operands,
in the same order) and returns the index of the instruction that raised
``FloatingPointError``, or ``-1``, so that the caller can finish the round saturating.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from govlang.runtime.values import Expansion, Instruction, Slots

Argument = tuple[int, Expansion | None] | tuple[None, Any]
"""An operand: ``(slot, expansion)`` reads a slot (expanded if given), ``(None, v)`` is ``v``."""

Call = tuple[Callable[..., Any], tuple[Argument, ...]]
"""An instruction written as ``function(*arguments)``."""

Runner = Callable[[Slots], int]


def straight_line(steps: Sequence[tuple[int, Instruction]], calls: Sequence[Call | None]) -> Runner:
    """The function running every instruction of ``steps`` in order (see the module docstring).

    ``calls[n]`` is instruction ``n`` written as a call, or ``None`` to call the instruction
    itself with the slots.
    """
    namespace: dict[str, Any] = {}
    lines = ["def run(s):", "    k = 0", "    try:"]
    for n, ((slot, instruction), call) in enumerate(zip(steps, calls, strict=True)):
        if n:
            lines.append(f"        k = {n}")
        if call is None:
            namespace[f"f{n}"] = instruction
            lines.append(f"        s[{slot}] = f{n}(s)")
            continue
        function, arguments = call
        namespace[f"f{n}"] = function
        texts = []
        for j, (read, extra) in enumerate(arguments):
            name = f"e{n}_{j}"
            if read is None:
                namespace[name] = extra
                texts.append(name)
            elif extra is None:
                texts.append(f"s[{read}]")
            else:
                namespace[name] = extra
                texts.append(f"s[{read}][{name}]")
        lines.append(f"        s[{slot}] = f{n}({', '.join(texts)})")
    if not steps:
        lines.append("        pass")
    lines += ["    except FloatingPointError:", "        return k", "    return -1"]
    exec(compile("\n".join(lines), "<govlang oracle round>", "exec"), namespace)
    runner: Runner = namespace["run"]
    return runner
