"""How long the language tooling takes as institutions grow.

Generates institutions with 10 to 1,000 states (and a 5,000-line one), then times
``check`` (parse + transform + check), ``compile`` and ``render`` (DOT source only, and SVG
through Graphviz for the smaller sizes). The baseline, measured in the same run, is Python's
own parser (``ast.parse``) on a Python file with the same number of lines: the ratio says how
govlang's front end compares with a production parser on input of the same size. The growth
exponent is the slope of log(time) against log(states).

The 5,000-line institution is also checked by the whole command, ``govlang check`` in a new
process (interpreter start-up and imports included), with the parser's grammar cache warm and
cold; the baseline is ``python -m py_compile`` of a Python file with as many lines, also a new
process. The reference institution's command is timed twice: with govlang's modules compiled
to bytecode once and kept (as in an installed package: ``pip`` compiles them), and as the
current environment runs it (with ``PYTHONDONTWRITEBYTECODE`` set, every run compiles every
module it imports from source again).

Run: ``python benchmarks/language_tooling.py`` (add ``--quick`` for a smaller sweep).
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from govlang.lang.check import check
from govlang.lang.compile import compile_institution
from govlang.lang.frontend import parse_text
from govlang.lang.render import render, to_dot


def generated(states: int) -> str:
    """A valid institution with ``states`` per-agent states in an escalation chain."""
    lines = [
        "institution Generated",
        "observe quantity: number[agent, commodity]",
        "observe nash.hhi: number[commodity]",
    ]
    lines += [f"param t{i}: float = {i % 7} in [0, 100]" for i in range(states)]
    lines.append("monitor total: number[agent] = sum(quantity over commodities)")
    lines += [
        f"monitor m{i}: bool[agent] = mean_last(total, {1 + i % 5}) > t{i}" for i in range(states)
    ]
    lines += ["per agent {", "  evidence m0", "  initial state s0"]
    lines += [
        f'  state s{i} "S{i}" {{ on enter: fine 0.1 of profit floor 1 }}' for i in range(1, states)
    ]
    lines.append('  rule R "Escalate." {')
    lines += [f"    s{i - 1} -> s{i} when m{i} for 2 rounds" for i in range(1, states)]
    lines += ["  }", '  restore Q "Restore." {']
    lines += [f"    s{i} -> s0 after 3 clean rounds" for i in range(1, states)]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeats`` timings (seconds): the least disturbed by other processes."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def python_baseline(lines: int) -> float:
    """``ast.parse`` of a Python module with ``lines`` lines of comparable density."""
    source = python_source(lines)
    return best_of(3, lambda: ast.parse(source))


def python_source(lines: int) -> str:
    """A Python module of ``lines`` lines, as dense as a generated institution."""
    return "\n".join(f"v{i} = mean_last(total, {1 + i % 5}) > t{i} and q{i}" for i in range(lines))


def command_seconds(
    command: list[str], repeats: int = 3, base: dict[str, str] | None = None, **env: str
) -> float:
    """The fastest of ``repeats`` wall-clock runs of ``command`` in a new process.

    ``base`` is the environment to start from (this process's by default), ``env`` additions.
    """
    environment = {**(os.environ if base is None else base), **env}

    def run() -> None:
        subprocess.run(command, check=True, capture_output=True, env=environment)

    return best_of(repeats, run)


def bytecode_kept(prefix: Path) -> dict[str, str]:
    """This process's environment, with compiled modules kept under ``prefix`` between runs."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, "PYTHONPYCACHEPREFIX": str(prefix)}


def checked(text: str) -> None:
    document = parse_text(text, "generated.gov")
    problems = [d for d in check(document) if d.is_error]
    if problems:
        raise SystemExit(f"generated institution has errors: {problems[0].message}")


SVG_LIMIT = 30
"""Largest institution drawn with Graphviz: layout time grows steeply with edge labels."""


def measure(states: int, tmp: Path) -> tuple[int, float, float, float, float, float]:
    """(lines, check, compile, DOT, SVG, ast.parse baseline) seconds for one size."""
    text = generated(states)
    document = parse_text(text)
    assert document.institution is not None
    institution = document.institution
    t_check = best_of(3, lambda: checked(text))
    t_compile = best_of(3, lambda: compile_institution(institution))
    compiled = compile_institution(institution)
    t_dot = best_of(3, lambda: to_dot(compiled))
    t_svg = math.nan
    if states <= SVG_LIMIT:
        t_svg = best_of(1, lambda: render(compiled, tmp / f"g{states}.svg"))
    lines = text.count("\n")
    return lines, t_check, t_compile, t_dot, t_svg, python_baseline(lines)


def growth(rows: list[tuple[int, float, float]], column: int) -> float:
    """The slope of log(time in ``column``) against log(states): the growth exponent."""
    xs = [math.log(row[0]) for row in rows]
    ys = [math.log(row[column]) for row in rows]
    return float(statistics.linear_regression(xs, ys).slope)


def check_and_compile(text: str) -> None:
    """Parse, check and compile ``text`` (it must be valid)."""
    document = parse_text(text, "generated.gov")
    assert document.institution is not None
    if any(d.is_error for d in check(document)):
        raise SystemExit("generated institution has errors")
    compile_institution(document.institution)


def reference_command() -> None:
    """``govlang check`` of the reference institution against ``py_compile`` of as many lines."""
    reference = Path(__file__).resolve().parent.parent / "examples" / "cournot_reference.gov"
    n_lines = reference.read_text(encoding="utf-8").count("\n")
    with tempfile.TemporaryDirectory() as tmp:
        py = Path(tmp) / "reference.py"
        py.write_text(python_source(n_lines), encoding="utf-8")
        check_command = [sys.executable, "-m", "govlang", "check", str(reference)]
        kept = bytecode_kept(Path(tmp) / "bytecode")
        command_seconds(check_command, repeats=1, base=kept)  # fills both caches
        t_kept = command_seconds(check_command, repeats=5, base=kept)
        t_check = command_seconds(check_command, repeats=5)
        t_py = command_seconds([sys.executable, "-m", "py_compile", str(py)], repeats=5)
    compiled = "modules compiled every run" if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    print(
        f"`govlang check` of the reference institution ({n_lines} lines), whole command: "
        f"{t_kept:.3f} s with bytecode kept, {t_check:.3f} s as this environment runs it "
        f"{f'({compiled})' if compiled else ''}; `python -m py_compile` of as many Python "
        f"lines: {t_py:.3f} s; ratios {t_kept / t_py:.1f} and {t_check / t_py:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [10, 100, 300] if args.quick else [10, 30, 100, 250, 300, 500, 1000]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print(
        f"{'states':>7} {'lines':>6} {'check s':>9} {'compile s':>10} {'dot s':>8} "
        f"{'svg s':>8} {'ast.parse s':>12} {'check/ast':>10}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for states in sizes:
            row = measure(states, Path(tmp))
            rows.append((states, row[1], row[2]))
            lines, t_check, t_compile, t_dot, t_svg, t_ast = row
            print(
                f"{states:>7} {lines:>6} {t_check:>9.3f} {t_compile:>10.3f} {t_dot:>8.3f} "
                f"{t_svg:>8.3f} {t_ast:>12.4f} {t_check / t_ast:>10.1f}"
            )
    print(f"check time grows as states^{growth(rows, 1):.2f} (1.0 = linear)")
    large = [row for row in rows if row[0] >= 250]
    if len(large) >= 2:
        sizes_text = "/".join(str(row[0]) for row in large)
        print(f"compile time grows as states^{growth(large, 2):.2f} over {sizes_text} states")

    target = generated(1000)  # about 5,000 lines
    n_lines = target.count("\n")
    t_big = best_of(3, lambda: checked(target))
    t_ast = python_baseline(n_lines)
    print(
        f"check of a {n_lines}-line institution: {t_big:.3f} s "
        f"(ast.parse of as many Python lines: {t_ast:.3f} s, ratio {t_big / t_ast:.1f})"
    )
    t_both = best_of(3, lambda: check_and_compile(target))
    print(f"check + compile of the 1,000-state institution, in-process: {t_both:.3f} s")
    reference_command()
    with tempfile.TemporaryDirectory() as tmp:
        gov, py = Path(tmp) / "big.gov", Path(tmp) / "big.py"
        gov.write_text(target, encoding="utf-8")
        py.write_text(python_source(n_lines), encoding="utf-8")
        check_command = [sys.executable, "-m", "govlang", "check", str(gov)]
        command_seconds(check_command, repeats=1)  # fills the grammar cache
        t_warm = command_seconds(check_command)
        t_cold = command_seconds(check_command, GOVLANG_NO_PARSER_CACHE="1")
        t_py = command_seconds([sys.executable, "-m", "py_compile", str(py)])
        t_python = command_seconds([sys.executable, "-c", "pass"])
    print(
        f"`govlang check` of it, whole command: {t_warm:.3f} s (grammar cache cold: "
        f"{t_cold:.3f} s); `python -m py_compile` of as many Python lines: {t_py:.3f} s, "
        f"ratio {t_warm / t_py:.1f}; interpreter start-up alone: {t_python:.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
