"""Pool workers end with their parent, and a Ctrl-C never shows a worker's traceback.

The defects: every ``kill -9`` of a run left its process-pool workers running forever, and a
Ctrl-C while workers were starting printed their import tracebacks. The kill tests start a
command whose runs take long enough to catch the workers busy, kill it with SIGKILL and
expect every worker gone within a few seconds; workers that outlive the check are killed,
so a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "cournot_reference.gov"
GRACE_S = 5.0

EXPERIMENT = """
rounds = ROUNDS
runs = 2
concurrency = 2
regimes = ["institutional"]
[institution]
path = "ref.gov"
[populations.nash]
firms = [{ kind = "nash" }, { kind = "nash" }]
"""

SWEEP = """
base = "exp.toml"
[axes]
"market.cost_mean" = [40.0, 50.0]
"""


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def is_worker(pid: int) -> bool:
    """A multiprocessing spawn child that is a pool worker (not the resource tracker)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in command and b"resource_tracker" not in command


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def busy_workers(pid: int, count: int, timeout: float = 120.0) -> list[int]:
    """Wait until ``pid`` has ``count`` pool workers that have used CPU time; return them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [w for w in children(pid) if is_worker(w)]
        if len(workers) >= count and all(_cpu_ticks(w) > 50 for w in workers):
            return workers
        time.sleep(0.1)
    raise AssertionError(f"no {count} busy workers within {timeout} s")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def kill_and_watch(command: list[str], cwd: Path) -> list[int]:
    """Start ``command``, kill -9 it once its 2 workers are busy; the workers still alive."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "GOVLANG_LOG_KEY": "k"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        workers = busy_workers(process.pid, 2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + GRACE_S
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        return [w for w in workers if alive(w)]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    (tmp_path / "exp.toml").write_text(EXPERIMENT.replace("ROUNDS", "100000"), encoding="utf-8")
    (tmp_path / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return tmp_path


def test_run_workers_end_with_a_killed_parent(folder: Path) -> None:
    command = [sys.executable, "-m", "govlang", "run", "exp.toml", "-o", "out", "-q"]
    assert kill_and_watch(command, folder) == []


def test_sweep_workers_end_with_a_killed_parent(folder: Path) -> None:
    command = [
        sys.executable, "-m", "govlang", "sweep", "sweep.toml", "-o", "out", "-q", "--workers", "2"
    ]  # fmt: skip
    assert kill_and_watch(command, folder) == []


def test_ctrl_c_while_workers_start_is_one_clean_message(tmp_path: Path) -> None:
    """SIGINT to the whole process group (as a terminal sends it) while workers import."""
    shutil.copy(REFERENCE, tmp_path / "ref.gov")
    (tmp_path / "exp.toml").write_text(EXPERIMENT.replace("ROUNDS", "300"), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "govlang", "run", "exp.toml", "-o", "out", "-q"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "GOVLANG_LOG_KEY": "k"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2:
            assert time.monotonic() < deadline, "the workers never started"
            workers = [w for w in children(process.pid) if is_worker(w)]
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.endswith("govlang: interrupted\n")
    assert not [w for w in workers if alive(w)]


WATCHED = """
import sys, time
import govlang.workers as workers
if sys.argv[2] == "watch":
    workers._pdeathsig = lambda: False  # as where prctl is unavailable
workers.die_with_parent(int(sys.argv[1]))
print("ready", flush=True)
time.sleep(120)
"""

MIDDLE = """
import os, subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2]])
print(worker.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("mode", ["watch", "prctl"])
def test_a_worker_ends_with_its_parent_with_or_without_prctl(mode: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    middle = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, WATCHED, mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    worker = 0
    try:
        assert middle.stdout is not None
        worker = int(middle.stdout.readline())
        assert middle.stdout.readline() == "ready\n"
        middle.kill()
        middle.wait(timeout=30)
        deadline = time.monotonic() + GRACE_S
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(worker)
    finally:
        if middle.poll() is None:
            middle.kill()
            middle.wait()
        if worker and alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_a_worker_whose_parent_is_already_gone_exits_at_once() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WATCHED, str(os.getpid() + 10**6), "watch"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
