"""Record a response cache from a real model, so that an LLM experiment replays offline.

    bash .ci/llm-server                                   # the local SmolLM2 server
    python3 examples/record_llm_cache.py examples/reference_llm_replay.toml

Runs the experiment once against the model (``replay_only = true`` in its ``[llm]`` table
turned off, the cache directory it names emptied first), then writes ``recorded.json`` next to the
cache: per run id, the requested actions and the answer texts of every round. A replay of the
experiment (``replay_only = true``) must reproduce them exactly, malformed answers and
fallbacks included (they are part of the recorded run); the test suite checks it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from govlang.experiments.config import ExperimentSpec, load_experiment
from govlang.experiments.run_loop import read_trace
from govlang.experiments.runner import run_experiment


def recorded_runs(results: Path, run_ids: list[str]) -> dict[str, Any]:
    """Per run id: each round's requested actions and each firm's answer texts."""
    out: dict[str, Any] = {}
    for run_id in run_ids:
        rounds = read_trace(results / "runs" / run_id / "trace.jsonl")
        out[run_id] = [
            {
                "requested": r["requested"],
                "answers": {
                    agent: [x["text"] for x in f["decision"]["record"].get("exchanges", [])]
                    for agent, f in sorted(r["firms"].items())
                },
            }
            for r in rounds
        ]
    return out


def main(argv: list[str]) -> int:
    """Record the cache of the experiment file ``argv[0]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("experiment", type=Path)
    args = parser.parse_args(argv)
    spec = load_experiment(args.experiment)
    cache = spec.llm.cache
    if not isinstance(cache, Path):
        print(f"{args.experiment}: [llm] names no cache directory", file=sys.stderr)
        return 1
    shutil.rmtree(cache, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        result = run_experiment(_live(args.experiment), Path(scratch), quiet=True)
        fallbacks = sum(int(r["fallbacks"]) for r in result.table)
        faults = sum(int(r["faults"]) for r in result.table)
        if fallbacks or faults:  # part of the run: replayed exactly, failures included
            print(f"note: {fallbacks} fallback decision(s), {faults} fault(s)", file=sys.stderr)
        recorded = recorded_runs(Path(scratch), [r.run_id for r in result.runs])
    (cache / "recorded.json").write_text(
        json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"recorded {len(recorded)} run(s) into {cache}")
    return 0


def _live(path: Path) -> ExperimentSpec:
    """The experiment with ``replay_only`` off: the model answers and the cache records."""
    text = path.read_text(encoding="utf-8")
    live = re.sub(r"(?m)^replay_only\s*=\s*true", "replay_only = false", text)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".toml", delete=False
    ) as handle:
        handle.write(live)
    try:
        return load_experiment(handle.name)
    finally:
        Path(handle.name).unlink()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
