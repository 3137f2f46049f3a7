from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from govlang.cli import main
from govlang.experiments.engine import LocalExecutor, RayExecutor
from govlang.experiments.engine.limits import FileSlots
from govlang.experiments.logkey import KEY_ID_FILE
from govlang.sweeps.run import run_sweep


def test_pool_and_ray_give_identical_tables(small_sweep: Path, tmp_path: Path) -> None:
    try:
        ray = importlib.import_module("ray")
    except ImportError as exc:  # CI installs the `test` extra, which includes ray
        pytest.fail(f"ray is not installed ({exc}); pip install 'govlang[test]'")
    pool = run_sweep(small_sweep, tmp_path / "pool", LocalExecutor(2), plots=False, quiet=True)
    assert len(pool.rows) == 8 and len(pool.executed) == 8
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = run_sweep(small_sweep, tmp_path / "ray", RayExecutor(), plots=False, quiet=True)
    finally:
        ray.shutdown()
    assert len(on_ray.executed) == 8
    for name in ("sweep_runs.csv", "sweep_cells.csv"):
        assert (tmp_path / "pool" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes()
    for run_id in pool.executed:  # governance logs differ: each store has its own log key
        here = tmp_path / "pool" / "runs" / run_id / "trace.jsonl"
        assert (
            here.read_bytes() == (tmp_path / "ray" / "runs" / run_id / "trace.jsonl").read_bytes()
        )
    for store in ("pool", "ray"):  # every run says which key signed its log, as `run`'s do
        for run_id in pool.executed:
            folder = tmp_path / store / "runs" / run_id
            header = json.loads((folder / "governance.jsonl").read_text("utf-8").splitlines()[0])
            assert (folder / KEY_ID_FILE).read_text("utf-8").strip() == header["key"]


def test_resume_reuses_complete_runs_and_replays_missing_ones(
    small_sweep: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run_sweep(small_sweep, out, LocalExecutor(1), plots=False, quiet=True)
    table = (out / "sweep_runs.csv").read_bytes()
    (out / "runs" / first.executed[0] / "summary.json").unlink()
    second = run_sweep(small_sweep, out, LocalExecutor(1), quiet=True)
    assert second.executed == (first.executed[0],)
    assert len(second.reused) == 7
    assert (out / "sweep_runs.csv").read_bytes() == table
    assert any((out / "plots").glob("line_param_suspension_streak.png"))
    assert "param.suspension_streak" in (out / "summary.md").read_text()


def test_cli_sweep_writes_the_outputs(small_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    assert main(["sweep", str(small_sweep), "-o", str(out), "--workers", "1", "-q"]) == 0
    for name in ("sweep_runs.csv", "sweep_runs.parquet", "sweep_cells.csv", "summary.md"):
        assert (out / name).is_file()
    assert main(["sweep", str(small_sweep), "-o", str(out), "--address", "x"]) == 2


def test_file_slots_bound_concurrency(tmp_path: Path) -> None:
    first = FileSlots(tmp_path, "openai", 1)
    assert first.acquire() == 0
    second = FileSlots(tmp_path, "openai", 2)
    assert second.acquire() == 1  # slot 0 is held by `first`
    third = FileSlots(tmp_path, "openai", 2, poll=0.01)
    with pytest.raises(TimeoutError):
        third.acquire(timeout=0.05)
    first.release()
    assert third.acquire() == 0
