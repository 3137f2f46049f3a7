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


def test_every_line_is_the_canonical_json_of_its_entry_with_its_signature(
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
        body = {k: v for k, v in entry.items() if k != "sig"}
        public.verify(bytes.fromhex(entry["sig"]), canonical_json(body).encode("utf-8"))
        assert entry["seq"] == seq and entry["prev"] == prev
        prev = line_hash(line)
    header = json.loads(lines[0])
    assert header["version"] == 2 and header["key"] == fingerprint(public)
    odd = json.loads(lines[6])
    assert odd["aaa"] == 1 and odd["zzz"] == 2 and odd["sig"] != "given by the caller"
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
