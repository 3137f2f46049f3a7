"""How long ``govlang lsp`` takes to answer as institutions grow.

Generates institutions with 10 to 1,000 states (as ``language_tooling.py`` does), opens each
in a real ``govlang lsp`` process and times, over the protocol: an edit until its diagnostics
arrive (``didChange`` -> ``publishDiagnostics``), a hover, a find-references on the first
state and a formatting request. The baseline, measured in the same run, is the checker itself
in this process (``check(parse_text(text))``): the ratio of the edit round trip to it is the
server's overhead (indexing, conversion to the protocol, JSON, pipes).

Run: ``PYTHONPATH=. python benchmarks/lsp_latency.py`` (add ``--quick`` for a smaller sweep).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from benchmarks.language_tooling import generated
from govlang.lang.check import check
from govlang.lang.frontend import parse_text
from tests.lsp.client import LspClient, position


def timed(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``action`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def baseline(states: int, repeat: int) -> float:
    """The checker on the same text in this process, in milliseconds.

    Measured before the client starts its reader thread: with a second thread running, the
    front end leaves the garbage collector on, which would make the baseline slower.
    """
    text = generated(states)
    return timed(lambda: check(parse_text(text, "g.gov")), repeat)


def measure(client: LspClient, states: int, repeat: int) -> dict[str, float]:
    """The times of one size over the protocol, in milliseconds."""
    text = generated(states)
    uri = f"file:///bench/generated_{states}.gov"
    client.open(uri, text)
    version = iter(range(2, 10_000))
    edited = text.replace("institution Generated", "institution Generated2")

    def edit() -> None:
        client.change(uri, edited if next(version) % 2 else text, next(version))

    where = position(text, "initial state s0", 0, len("initial state "))

    def ask(method: str, **extra: object) -> Callable[[], object]:
        return lambda: client.result(
            method, {"textDocument": {"uri": uri}, "position": where, **extra}
        )

    return {
        "edit -> diagnostics": timed(edit, repeat),
        "hover": timed(ask("textDocument/hover"), repeat),
        "references": timed(
            ask("textDocument/references", context={"includeDeclaration": True}), repeat
        ),
        "formatting": timed(
            lambda: client.result(
                "textDocument/formatting",
                {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
            ),
            repeat,
        ),
    }


def main() -> None:
    """Print one row per size: times in milliseconds and the edit's ratio to the checker."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 and 100 states only")
    args = parser.parse_args()
    sizes = (10, 100) if args.quick else (10, 100, 1000)
    repeats = {states: 5 if states >= 1000 else 15 for states in sizes}
    base = {states: baseline(states, repeats[states]) for states in sizes}
    client = LspClient()
    try:
        client.initialize()
        print("| states | check ms | edit->diagnostics ms | ratio | hover ms | refs ms | fmt ms |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for states in sizes:
            row = measure(client, states, repeats[states])
            edit = row["edit -> diagnostics"]
            print(
                f"| {states} | {base[states]:.1f} | {edit:.1f} | {edit / base[states]:.2f} | "
                f"{row['hover']:.1f} | {row['references']:.1f} | {row['formatting']:.1f} |"
            )
        client.close()
    finally:
        client.kill()


if __name__ == "__main__":
    main()
