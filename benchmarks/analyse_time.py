"""How long ``govlang analyse`` takes: the reference institution and generated large ones.

Times the whole analysis as the command line runs it (parse, check, compile, structural checks,
the model check of every scope with P1-P4 and the assertions), best of a few runs, on

- ``examples/cournot_reference.gov`` (and the same with three assertions added);
- a generated per-agent institution with 200 states (and 50, 100 for the trend): an escalation
  chain with guards of three monitors, some ``for 2 rounds``, a sanction every third state, and
  a way back from each state (to the initial state after clean rounds, or one step down);
- the language tooling benchmark's 200-state chain, whose 200 distinct guards exceed the
  model checker's atom limit: only the structural checks run (GL616).

Run: ``python benchmarks/analyse_time.py`` (``--quick``: fewer repeats).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from govlang.analyse import AnalysisReport, analyse
from govlang.lang.frontend import parse_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "cournot_reference.gov"
ASSERTIONS = """
assert A1 "No suspension without evidence": never entered(suspended) unless held(coordination, 5)
assert A2 "Fined firms leave sanctions": fined leads to active within 20 rounds while clean
assert A3 "Suspension is possible": reachable suspended
"""


def generated(states: int) -> str:
    """A valid, analysable institution with ``states`` per-agent states."""
    lines = [
        "institution Generated",
        "action: number in [0, 100]",
        "observe price: number",
        "param limit: float = 60 in [0, 100]",
        "monitor high: bool[agent] = action > limit",
        "monitor rich: bool[agent] = reward > 1000",
        "monitor dear: bool = price > 10",
        "monitor flagged: bool[agent] = high or rich",
        "per agent {",
        "  evidence flagged",
        "  initial state s0",
    ]
    for i in range(1, states):
        body = " { on enter: fine 0.1 of profit floor 1 }" if i % 3 == 0 else ""
        lines.append(f"  state s{i}{body}")
    lines.append('  rule R "Escalate." {')
    for i in range(1, states):
        guard = ("high", "rich", "flagged")[i % 3]
        lines.append(f"    s{i - 1} -> s{i} when {guard}" + (" for 2 rounds" if i % 4 == 0 else ""))
    lines += ["  }", '  restore Q "Restore." {']
    for i in range(1, states):
        back = "s0 after 3 clean rounds" if i % 2 else f"s{i - 1} after 2 clean rounds"
        lines.append(f"    s{i} -> {back}")
        if i % 5 == 0:
            lines.append(f"    s{i} -> s{i - 1} when dear after 1 rounds priority 1")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def chain(states: int) -> str:
    """The language tooling benchmark's institution: one monitor (and atom) per state."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from language_tooling import generated as tooling

    return tooling(states)


def best_of(repeats: int, action: Callable[[], AnalysisReport]) -> tuple[float, AnalysisReport]:
    """The fastest of ``repeats`` timings (seconds) and the last result."""
    timings, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    assert result is not None
    return min(timings), result


def measure(name: str, text: str, repeats: int, bound: int) -> None:
    """Time one institution and print one line about it."""
    seconds, report = best_of(repeats, lambda: analyse(parse_text(text, name), bound))
    for scope in report.scopes:
        explored = "exhausted" if scope.exhausted else "bounded"
        size = f"{scope.configurations} configurations, depth {scope.rounds}, {explored}"
        if scope.skipped:
            size = f"behaviour skipped ({scope.skipped})"
        verdicts = ", ".join(
            f"{p.id} {p.status}" + (f" B={p.rounds}" if p.rounds is not None else "")
            for p in report.properties
            if p.scope == scope.kind
        )
        print(f"{name:<34} {seconds * 1000:9.1f} ms  {size}; {verdicts}")


def main(argv: list[str] | None = None) -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per measurement")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 5
    reference = REFERENCE.read_text(encoding="utf-8")
    print(f"{'institution':<34} {'time':>12}  state space; verdicts")
    measure("cournot_reference.gov", reference, repeats, 200)
    measure("cournot_reference.gov + 3 asserts", reference + ASSERTIONS, repeats, 200)
    for states in (50, 100, 200):
        measure(f"generated, {states} states (bound 1000)", generated(states), repeats, 1000)
    measure("generated, 200 states (bound 200)", generated(200), repeats, 200)
    measure("tooling chain, 200 states", chain(200), max(1, repeats // 2), 200)


if __name__ == "__main__":
    main()
