"""How long `govlang view` takes to open results of 10 runs and of 10,000 runs, in one run.

    python benchmarks/viewer_open.py [--small 10] [--large 10000] [--repeat 5]

Opening is what the browser does first: GET the page, ``/api/runs`` and ``/api/signals``
over HTTP from a fresh server. Both results folders are synthetic (``runs.parquet`` and
``events.parquet`` rows shaped as ``govlang run`` writes them; each run's own tables are
never read when the page opens, so none are written). Opening one run reads only that run's
tables and is timed on a run folder made by the real runner. Printed: medians and the ratio
large / small (the runs list itself is linear in the number of runs; what must not grow is
everything else).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

from govlang.viewer import serve


def results(folder: Path, runs: int) -> Path:
    """A synthetic results folder of ``runs`` runs (runs and events tables only)."""
    folder.mkdir(parents=True)
    rows: list[dict[str, Any]] = [
        {
            "config": f"pop{i % 7}",
            "firms": "colluder+colluder",
            "regime": ("ungoverned", "constitutional", "institutional")[i % 3],
            "run_index": i // 21,
            "seed": 1 + i // 21,
            "run_id": f"{i:016x}",
            "rounds": 50,
            "tier": i % 5,
            "welfare_class": "collusive" if i % 2 else "restricted",
            "profit_gain": 0.5,
            "consumer_surplus_vs_nash": 0.8,
            "fines": i % 4,
            "suspensions": 0,
        }
        for i in range(runs)
    ]
    pq.write_table(pa.Table.from_pylist(rows), folder / "runs.parquet")
    events = [
        {"run_id": r["run_id"], "kind": "sanction", "signals": ["coordination", "high_hhi"]}
        for r in rows
        if r["regime"] == "institutional"
    ]
    pq.write_table(pa.Table.from_pylist(events), folder / "events.parquet")
    return folder


def open_once(folder: Path) -> float:
    """Seconds to start a server on ``folder`` and fetch the page, runs and signals.

    Stopping the server (up to its 0.5 s poll interval) is not timed.
    """
    started = time.perf_counter()
    server = serve(folder, 0, open_browser=False)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for path in ("/", "/api/runs", "/api/signals"):
            with urllib.request.urlopen(base + path, timeout=60) as response:
                response.read()
        return time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Time both folders alternately and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = results(Path(tmp) / "small", args.small)
        large = results(Path(tmp) / "large", args.large)
        times: dict[Path, list[float]] = {small: [], large: []}
        for _ in range(args.repeat):
            for folder in (small, large):
                times[folder].append(open_once(folder))
        a, b = statistics.median(times[small]), statistics.median(times[large])
        print(f"open {args.small:>6} runs: {1000 * a:8.1f} ms (median of {args.repeat})")
        print(f"open {args.large:>6} runs: {1000 * b:8.1f} ms")
        print(f"ratio large / small: {b / a:.2f}")


if __name__ == "__main__":
    main()
