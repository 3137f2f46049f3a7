"""The governance log's writer: one serialisation per entry, and its fsync policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from govlang.lang.manifest import canonical_json
from govlang.markets import CournotMarket
from govlang.runtime import log as log_module
from govlang.runtime.govern import govern
from govlang.runtime.log import GENESIS, GovernanceLog, line_hash
from govlang.runtime.signing import fingerprint, private_key
from govlang.runtime.verify import verify_log

from .support import reference

KEY = b"operator-secret"
BODIES: list[dict[str, Any]] = [
    {"kind": "episode", "episode": 1, "seed": None, "regime": "institutional"},
    {"kind": "notice", "round": 3, "detail": {"text": "Ünïcode — text", "to": ["a", "b"]}},
    {"kind": "sanction", "round": 4, "detail": {"amount": np.float64(0.1) + 0.2, "k": np.int64(2)}},
    {"kind": "evidence", "monitors": {"x": np.array([[1.0, -0.0], [2.5, 3.0]]), "y": (1, 2)}},
    {"kind": "blocked", "detail": {"value": float("inf"), "other": float("nan")}},
    {"aaa": 1, "zzz": 2, "sig": "given by the caller", "kind": "odd"},
    {},
]


def test_every_line_is_the_canonical_json_of_its_entry_and_each_write_is_sealed(
    tmp_path: Path,
) -> None:
    log = GovernanceLog.create(tmp_path / "log.jsonl", "d" * 64, "inst", key=KEY)
    log.write(BODIES)
    log.close()
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    public = private_key(KEY).public_key()
    prev = GENESIS
    for seq, line in enumerate(lines):
        entry = json.loads(line)
        assert line == canonical_json(entry)
        assert entry["seq"] == seq and entry["prev"] == prev
        prev = line_hash(line)
        # sealed: the header (a write of its own), the last body of the write, the close
        assert ("sig" in entry) == (seq in (0, len(BODIES), len(BODIES) + 1)), seq
        if "sig" in entry:
            body = {k: v for k, v in entry.items() if k != "sig"}
            public.verify(bytes.fromhex(entry["sig"]), canonical_json(body).encode("utf-8"))
    header = json.loads(lines[0])
    assert header["version"] == 3 and header["key"] == fingerprint(public)
    odd = json.loads(lines[6])
    assert odd["aaa"] == 1 and odd["zzz"] == 2 and "sig" not in odd  # the caller's is dropped
    assert json.loads(lines[5])["detail"] == {"value": "Infinity", "other": "NaN"}
    assert json.loads(lines[4])["monitors"] == {"x": [[1.0, -0.0], [2.5, 3.0]], "y": [1, 2]}


def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(log_module.os, "fsync", lambda fd: calls.append(fd))
    return calls


def rounds_written(path: Path, policy: Any, every: int, rounds: int) -> int:
    log = GovernanceLog.create(path, "d" * 64, "inst", key=KEY).durability(policy, every)
    for number in range(rounds):
        log.write([{"kind": "notice", "round": number + 1}])
        assert path.read_text(encoding="utf-8").count("\n") == number + 2  # on the OS already
    log.close()
    return rounds


@pytest.mark.parametrize(
    ("policy", "every", "expected"),
    [
        ("round", 100, 1 + 10 + 1),  # header, every round, close
        ("batch", 4, 2 + 1),  # after writes 4 and 8 (header included), then close
        ("batch", 100, 1),  # close only: fewer writes than a batch
        ("run", 1, 1),  # close only
    ],
)
def test_fsync_policies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, policy: str, every: int, expected: int
) -> None:
    calls = fsyncs(monkeypatch)
    rounds_written(tmp_path / "log.jsonl", policy, every, 10)
    assert len(calls) == expected


def test_the_default_policy_is_batched_and_logs_verify_under_every_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", KEY.decode())
    compiled = reference()
    calls = fsyncs(monkeypatch)
    env = govern(CournotMarket(), compiled, log=tmp_path / "default.jsonl")
    env.reset(seed=0)
    for _ in range(250):
        if not env.agents:
            env.reset(seed=0)
        env.step({"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])})
    env.close()
    writes = 1 + 5 + 250  # header, one episode entry per 50 rounds, one write per round
    assert len(calls) == writes // log_module.DEFAULT_FSYNC_EVERY + 1
    assert verify_log(tmp_path / "default.jsonl", compiled.manifest).ok
    for policy in log_module.FSYNC_POLICIES:
        path = tmp_path / f"{policy}.jsonl"
        log = GovernanceLog.create(path, compiled.digest, compiled.institution.name)
        env = govern(CournotMarket(), compiled, log=log.durability(policy, 3))
        env.reset(seed=0)
        for _ in range(7):
            env.step({"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])})
        env.close()
        assert verify_log(path, compiled.manifest).ok


def test_a_bad_policy_is_refused(tmp_path: Path) -> None:
    log = GovernanceLog.create(tmp_path / "log.jsonl", "d" * 64, "inst", key=KEY)
    with pytest.raises(ValueError, match="round, batch, run"):
        log.durability("sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 1"):
        log.durability("batch", 0)
    log.close()


def generic_events(log: GovernanceLog, events: Any) -> None:
    """What ``GovernanceLog.events`` must write: each event's JSON body."""
    log.write(event.as_json() for event in events)


def test_events_are_written_byte_for_byte_as_their_json_bodies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from govlang.runtime.events import Event, MonitorView

    source = {"m": np.float64(0.5), "row": [1.0, np.int64(2)], "grid": np.eye(2), "odd": "é\n"}
    shared = MonitorView(source, ("m", "row", "grid"))
    events = [
        Event("evidence", 1, "agent", "a0", monitors=shared, detail={"monitor": "m"}),
        Event(
            "sanction",
            np.int64(1),  # type: ignore[arg-type]
            "agent",
            "a0",
            "R1",
            "R1:ok->fined",
            MonitorView(source, ("m", "row", "grid")),  # same reading, another view
            {"line": 1, "column": 2, "end_line": 3, "end_column": 4},
            {"line": 5, "column": 1, "end_line": 9, "end_column": 2},
            {"amount": np.float64(12.5), "ladder": (0.35, 0.75), 3: "int key", "inf": np.inf},
            {"a0": np.float64(100.0)},
            {"a0": 87.5},
        ),
        Event("notice", 1, monitors=MonitorView(source, ("odd", "missing")), detail={"t": "ü"}),
        Event("blocked", 1, "market", "market", monitors={"plain": [1, 2]}, detail={}),
    ]
    paths = {}
    for name in ("fast", "generic"):
        paths[name] = tmp_path / f"{name}.jsonl"
        log = GovernanceLog.create(paths[name], "d" * 64, "inst", key=KEY)
        if name == "generic":
            monkeypatch.setattr(GovernanceLog, "events", generic_events)
        log.events(events)
        log.events(events[1:2])
        log.events([])
        log.close()
    assert paths["fast"].read_bytes() == paths["generic"].read_bytes()


def test_a_governed_run_logs_its_events_as_their_json_bodies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", KEY.decode())
    compiled = reference()
    plays = [([60.0, 0.0], [0.0, 60.0]), ([45.0, 10.0], [20.0, 50.0]), ([50.0, 30.0], [20.0, 40.0])]
    for name in ("fast", "generic"):
        if name == "generic":
            monkeypatch.setattr(GovernanceLog, "events", generic_events)
        env = govern(CournotMarket(), compiled, log=tmp_path / f"{name}.jsonl")
        env.reset(seed=0)
        for t in range(60):
            if not env.agents:
                env.reset(seed=0)
            first, second = plays[(t // 4) % 3]
            env.step({"firm_0": np.array(first), "firm_1": np.array(second)})
        env.close()
    fast = (tmp_path / "fast.jsonl").read_bytes()
    assert fast == (tmp_path / "generic.jsonl").read_bytes()
    kinds = {json.loads(line)["kind"] for line in fast.splitlines()}
    assert {"evidence", "traversal", "restoration", "sanction", "notice", "blocked"} <= kinds


def test_a_failed_background_fsync_is_raised_by_the_next_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    log = GovernanceLog.create(tmp_path / "log.jsonl", "d" * 64, "inst", key=KEY)
    log.durability("batch", 2)
    monkeypatch.setattr(log_module.os, "fsync", failing)
    log.write([{"kind": "notice", "round": 1}])  # the second write: its fsync starts, fails
    log._syncs.wait(raising=False)  # let it finish (its failure is kept for the next write)
    with pytest.raises(OSError, match="Input/output error"):
        log.write([{"kind": "notice", "round": 2}])
    monkeypatch.undo()
    log.close()  # the write that raised wrote nothing: header, round 1, close
    result = verify_log(tmp_path / "log.jsonl", {"digest": "d" * 64}, KEY.decode())
    assert result.ok and result.entries == 3, result
