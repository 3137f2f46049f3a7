"""Answer a question from the tidy tables: after a fine, does the fined firm raise output.

    python3 -m govlang run examples/reference_offline.toml -o results/reference_offline
    python3 examples/tables_question.py results/reference_offline

For every fine in ``events.parquet`` it looks up, in ``rounds.parquet``, the fined firm's
total output in the round of the fine and in the next round, and prints per population how
often output rose (toward the Nash level, which is above the collusive one) and which
signals held for the fines. The tables' schema is in ``specs/tables.md``.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]


def main(results: Path) -> int:
    """Print the answer for the results folder ``results``; 1 if it has no tables."""
    if not (results / "events.parquet").is_file():
        print(f"{results}: no events.parquet (run an experiment into it first)", file=sys.stderr)
        return 1
    events = pq.read_table(results / "events.parquet").to_pylist()
    rounds = pq.read_table(
        results / "rounds.parquet", columns=["run_id", "round", "agent", "effective"]
    ).to_pylist()
    output = {(r["run_id"], r["round"], r["agent"]): sum(r["effective"]) for r in rounds}
    rose: dict[str, Counter[str]] = defaultdict(Counter)
    signals: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        if e["kind"] != "sanction" or not str(e["sanction"]).startswith("fine"):
            continue
        now = output.get((e["run_id"], e["round"], e["instance"]))
        after = output.get((e["run_id"], e["round"] + 1, e["instance"]))
        if now is None or after is None:
            continue
        rose[e["config"]]["rose" if after > now else "did not rise"] += 1
        signals[e["config"]].update(e["signals"])
    if not rose:
        print("no fines followed by another round")
        return 0
    for config in sorted(rose):
        total = sum(rose[config].values())
        share = rose[config]["rose"] / total
        common = ", ".join(f"{name} {n}" for name, n in signals[config].most_common(3))
        print(f"{config}: {total} fines, output rose the next round after {share:.0%}; {common}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python3 examples/tables_question.py RESULTS", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
