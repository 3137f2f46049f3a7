"""The governance log: contents, keys, flushing, and detection of every kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from govlang.lang.compile import CompiledInstitution
from govlang.lang.manifest import canonical_json
from govlang.markets import CournotMarket
from govlang.runtime.govern import govern
from govlang.runtime.log import (
    GENESIS,
    GovernanceLog,
    LogKeyError,
    entry_signature,
    line_hash,
    load_key,
)
from govlang.runtime.signing import private_key
from govlang.runtime.verify import verify_bytes, verify_log

from .support import compile_text, reference

KEY = "operator-secret"
DIVIDE = {"firm_0": np.array([60.0, 0.0]), "firm_1": np.array([0.0, 60.0])}


@pytest.fixture(autouse=True)
def operator_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVLANG_LOG_KEY", KEY)
    monkeypatch.delenv("GOVLANG_LOG_KEY_FILE", raising=False)


def write_log(path: Path, compiled: CompiledInstitution, rounds: int) -> Path:
    env = govern(CournotMarket(), compiled, log=path)
    env.reset(seed=1)
    for _ in range(rounds):
        env.step(DIVIDE)
    env.close()
    return path


@pytest.fixture(scope="module")
def compiled() -> CompiledInstitution:
    return reference()


@pytest.fixture
def log(tmp_path: Path, compiled: CompiledInstitution) -> Path:
    return write_log(tmp_path / "run.jsonl", compiled, 3)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def verify_lines(lines: list[str], compiled: CompiledInstitution) -> int | None:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    result = verify_bytes(data, compiled.digest, KEY)
    assert result.ok == (result.line is None)
    return result.line


# ----------------------------------------------------------------------------- contents


def test_an_intact_log_verifies(log: Path, compiled: CompiledInstitution) -> None:
    result = verify_log(log, compiled.manifest)
    assert result.ok and result.line is None and str(result).startswith("ok: ")


def test_entries_carry_everything_the_log_must_hold(
    log: Path, compiled: CompiledInstitution
) -> None:
    entries = [json.loads(line) for line in lines_of(log)]
    assert [e["seq"] for e in entries] == list(range(len(entries)))
    assert entries[0]["kind"] == "header" and entries[0]["prev"] == GENESIS
    assert entries[1]["kind"] == "episode" and entries[1]["seed"] == 1
    assert entries[-1] == {**entries[-1], "kind": "close", "count": len(entries) - 1}
    assert all(e["digest"] == compiled.digest for e in entries)
    for before, after in zip(lines_of(log), entries[1:], strict=False):
        assert after["prev"] == line_hash(before)
    # one seal per write: the header, each episode entry, a round's last event, the close
    writes = [e.get("round", f"{e['kind']} {e['seq']}") for e in entries]
    following = [*writes[1:], None]
    last_of_write = [e["seq"] for e, w, n in zip(entries, writes, following, strict=True) if w != n]
    assert [e["seq"] for e in entries if "sig" in e] == last_of_write
    assert len(last_of_write) == 1 + 1 + 3 + 1
    assert all(e["sig"] == entry_signature(private_key(KEY), e) for e in entries if "sig" in e)
    fine = next(e for e in entries if e["kind"] == "sanction")
    assert fine["rule"] == "P2_independent_decision"
    assert fine["edge"] == "P2_independent_decision:warning->fined"
    assert fine["monitors"]["coordination"] is True and "specialised" in fine["monitors"]
    assert fine["rule_span"]["line"] > 0 and fine["span"]["line"] > 0
    assert fine["payoff_before"] == {fine["instance"]: 1800.0}
    assert fine["payoff_after"] == {fine["instance"]: 1170.0}
    kinds = {e["kind"] for e in entries}
    assert {"evidence", "traversal", "sanction", "notice", "blocked"} <= kinds
    assert KEY not in log.read_text(encoding="utf-8")


def test_each_round_is_on_disk_before_the_next_begins(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    env = govern(CournotMarket(), reference(), log=path)
    env.reset(seed=0)
    sizes = []
    for _ in range(3):
        env.step(DIVIDE)
        written = [json.loads(line) for line in lines_of(path)]
        sizes.append(max(e.get("round", 0) for e in written))
    assert sizes == [1, 2, 3]
    assert "no close entry" in verify_log(path, env.compiled.manifest).message  # still open
    env.close()
    assert verify_log(path, env.compiled.manifest).ok


# ----------------------------------------------------------------------------- keys


def test_a_log_needs_a_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOVLANG_LOG_KEY")
    with pytest.raises(LogKeyError, match="GOVLANG_LOG_KEY"):
        govern(CournotMarket(), reference(), log=tmp_path / "x.jsonl")
    assert not (tmp_path / "x.jsonl").exists()


def test_the_key_file_is_read_when_the_variable_is_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GOVLANG_LOG_KEY")
    key_file = tmp_path / "key"
    key_file.write_bytes(b"from-a-file\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("GOVLANG_LOG_KEY_FILE", str(key_file))
    assert load_key() == b"from-a-file"
    path = write_log(tmp_path / "k.jsonl", reference(), 1)
    assert verify_log(path, reference().manifest).ok
    assert not verify_log(path, reference().manifest, KEY).ok
    key_file.write_bytes(b"\n")
    with pytest.raises(LogKeyError, match="empty"):
        load_key()


def test_a_wrong_key_fails_at_the_first_line(log: Path, compiled: CompiledInstitution) -> None:
    result = verify_log(log, compiled.manifest, "not-the-key")
    assert (result.ok, result.line) == (False, 1) and "signed by key" in result.message


def test_a_log_of_another_manifest_is_refused(log: Path, tmp_path: Path) -> None:
    other = reference({"fine_floor": 300.0})
    result = verify_log(log, other.manifest, KEY)
    assert (result.ok, result.line) == (False, 1) and "another institution" in result.message
    manifest = tmp_path / "manifest.json"
    manifest.write_text(reference().manifest_json(), encoding="utf-8")
    assert verify_log(log, manifest, KEY).ok  # the manifest as a file


def test_an_existing_log_is_never_overwritten(log: Path) -> None:
    with pytest.raises(FileExistsError):
        govern(CournotMarket(), reference(), log=log)


# ----------------------------------------------------------------------------- tampering


def test_every_single_entry_edit_is_detected(log: Path, compiled: CompiledInstitution) -> None:
    lines = lines_of(log)
    for i, line in enumerate(lines):
        entry = json.loads(line)
        entry["round"] = entry.get("round", 0) + 1  # a canonical, plausible edit
        edited = [*lines[:i], canonical_json(entry), *lines[i + 1 :]]
        assert verify_lines(edited, compiled) == i + 1
        spaced = [*lines[:i], line.replace(":", ": ", 1), *lines[i + 1 :]]
        assert verify_lines(spaced, compiled) == i + 1


def test_every_insertion_is_detected(log: Path, compiled: CompiledInstitution) -> None:
    lines = lines_of(log)
    forged = json.loads(lines[3])
    forged["sig"] = entry_signature(private_key("attacker"), forged)
    for i in range(len(lines) + 1):
        for j in range(len(lines)):
            inserted = [*lines[:i], lines[j], *lines[i:]]
            # a copy of the entry that already stands at i is the same entry twice: the
            # next line, out of sequence, is the first bad one
            expected = i + 2 if j == i else i + 1
            assert verify_lines(inserted, compiled) == expected, (i, j)
        with_forgery = [*lines[:i], canonical_json(forged), *lines[i:]]
        assert verify_lines(with_forgery, compiled) == i + 1


def test_every_deletion_is_detected(log: Path, compiled: CompiledInstitution) -> None:
    lines = lines_of(log)
    for i in range(len(lines)):
        assert verify_lines([*lines[:i], *lines[i + 1 :]], compiled) == i + 1


def test_every_reordering_is_detected(log: Path, compiled: CompiledInstitution) -> None:
    lines = lines_of(log)
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            swapped = list(lines)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert verify_lines(swapped, compiled) == i + 1, (i, j)


def test_every_truncation_is_detected(tmp_path: Path, compiled: CompiledInstitution) -> None:
    data = write_log(tmp_path / "short.jsonl", compiled, 1).read_bytes()
    newlines = [i for i, byte in enumerate(data) if byte == ord("\n")]
    for size in range(len(data)):
        result = verify_bytes(data[:size], compiled.digest, KEY)
        complete = sum(1 for n in newlines if n < size)
        assert (result.ok, result.line) == (False, complete + 1), size
        assert "truncated" in result.message


def test_appending_after_the_close_entry_is_detected(
    log: Path, compiled: CompiledInstitution
) -> None:
    lines = lines_of(log)
    assert verify_lines([*lines, lines[-1]], compiled) == len(lines) + 1


def test_logs_of_institutions_without_events_verify(tmp_path: Path) -> None:
    text = "institution Empty\n"
    compiled = compile_text(text)
    from .support import EchoEnv

    env = govern(EchoEnv(rounds=2), compiled, log=tmp_path / "empty.jsonl")
    env.reset(seed=0)
    env.step({"a0": np.float64(1), "a1": np.float64(2)})
    env.close()
    assert verify_log(tmp_path / "empty.jsonl", compiled.manifest).ok


def test_a_wrapper_that_cannot_be_built_leaves_no_log(tmp_path: Path) -> None:
    path = tmp_path / "never.jsonl"
    with pytest.raises(ValueError, match="Dict or Text"):
        govern(CournotMarket(), reference(), log=path, notices_in_observations=True)
    assert not path.exists()


def test_an_open_log_of_another_institution_is_refused(tmp_path: Path) -> None:
    other = GovernanceLog.create(tmp_path / "other.jsonl", "sha256:" + "0" * 64, "Other", b"k")
    with pytest.raises(ValueError, match="another institution"):
        govern(CournotMarket(), reference(), log=other)


# ----------------------------------------------------------------------------- seals


def round_of(lines: list[str], number: int) -> list[int]:
    """The 0-based indices of the entries of round ``number`` (one write, sealed by its last)."""
    return [i for i, line in enumerate(lines) if json.loads(line).get("round") == number]


def rechained(lines: list[str]) -> list[str]:
    """``lines`` renumbered and rechained from the first, their signatures left as they are."""
    out: list[str] = []
    for seq, line in enumerate(lines):
        entry = json.loads(line)
        entry.update(seq=seq, prev=line_hash(out[-1]) if out else GENESIS)
        if entry["kind"] == "close":
            entry["count"] = seq
        out.append(canonical_json(entry))
    return out


def test_an_edit_of_an_unsealed_entry_in_the_middle_of_a_round_is_found_at_its_line(
    log: Path, compiled: CompiledInstitution
) -> None:
    lines = lines_of(log)
    entries = round_of(lines, 2)
    assert len(entries) >= 3
    middle = entries[len(entries) // 2]
    entry = json.loads(lines[middle])
    assert "sig" not in entry and "sig" in json.loads(lines[entries[-1]])
    entry["payoff_after"] = {k: v + 1000 for k, v in entry["payoff_after"].items()}
    edited = [*lines[:middle], canonical_json(entry), *lines[middle + 1 :]]
    data = "".join(line + "\n" for line in edited).encode("utf-8")
    result = verify_bytes(data, compiled.digest, KEY)
    assert (result.ok, result.line) == (False, middle + 1)
    assert f"sealed by the signature on line {entries[-1] + 1}" in result.message
    # with the rest of the round rechained to hide the edit, the seal no longer checks
    hidden = [*edited[: entries[-1] + 1]]
    hidden[middle:] = rechained(edited[: entries[-1] + 1])[middle:]
    result = verify_bytes("".join(x + "\n" for x in hidden).encode(), compiled.digest, KEY)
    assert (result.ok, result.line) == (False, entries[-1] + 1)
    assert "signature mismatch" in result.message and f"seals lines {entries[0] + 1}-" in (
        result.message
    )


def test_dropping_a_rounds_sealed_last_entry_is_detected(
    log: Path, compiled: CompiledInstitution
) -> None:
    lines = lines_of(log)
    for number in (1, 2, 3):
        seal = round_of(lines, number)[-1]
        dropped = [*lines[:seal], *lines[seal + 1 :]]
        assert verify_lines(dropped, compiled) == seal + 1  # out of sequence
        # renumbered and rechained: the next seal covers entries it never signed
        forged = rechained(dropped)
        next_seal = next(i for i in range(seal, len(forged)) if "sig" in json.loads(forged[i]))
        assert verify_lines(forged, compiled) == next_seal + 1
        # its signature stripped, so that the next round's seal would cover it: the next
        # line's seal says the stripped line is not the one it follows
        entry = json.loads(lines[seal])
        del entry["sig"]
        stripped = [*lines[:seal], canonical_json(entry), *lines[seal + 1 :]]
        assert verify_lines(stripped, compiled) == seal + 1


def test_the_header_and_the_close_entry_must_be_sealed(
    log: Path, compiled: CompiledInstitution
) -> None:
    lines = lines_of(log)
    for index in (0, len(lines) - 1):
        entry = json.loads(lines[index])
        del entry["sig"]
        unsealed = [*lines[:index], canonical_json(entry), *lines[index + 1 :]]
        data = "".join(line + "\n" for line in unsealed).encode("utf-8")
        result = verify_bytes(data, compiled.digest, KEY)
        assert (result.ok, result.line) == (False, index + 1)
        assert "not sealed" in result.message


def test_a_log_cut_inside_a_round_names_its_unsealed_entries(
    log: Path, compiled: CompiledInstitution
) -> None:
    lines = lines_of(log)
    entries = round_of(lines, 2)
    cut = lines[: entries[-2] + 1]  # the round without its sealed last entry
    data = "".join(line + "\n" for line in cut).encode("utf-8")
    result = verify_bytes(data, compiled.digest, KEY)
    assert (result.ok, result.line) == (False, len(cut) + 1)
    assert "truncated or incomplete" in result.message
    assert f"lines {entries[0] + 1}-{entries[-2] + 1} after the last signature" in result.message
    assert "not sealed" in result.message
    sealed = lines[: entries[-1] + 1]  # the round whole: nothing unsealed to report
    result = verify_bytes("".join(x + "\n" for x in sealed).encode(), compiled.digest, KEY)
    assert (result.ok, result.line) == (False, len(sealed) + 1)
    assert "not sealed" not in result.message


def test_every_splice_of_two_logs_of_the_same_key_is_detected(
    tmp_path: Path, compiled: CompiledInstitution
) -> None:
    first = lines_of(write_log(tmp_path / "a.jsonl", compiled, 3))
    env = govern(CournotMarket(), compiled, log=tmp_path / "b.jsonl")
    env.reset(seed=1)
    for t in range(3):
        env.step(DIVIDE if t != 1 else {**DIVIDE, "firm_0": np.array([50.0, 30.0])})
    env.close()
    second = lines_of(tmp_path / "b.jsonl")
    assert verify_lines(second, compiled) is None and first != second
    same = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    for cut in range(same + 1, min(len(first), len(second))):
        assert verify_lines([*first[:cut], *second[cut:]], compiled) is not None, cut
        assert verify_lines([*second[:cut], *first[cut:]], compiled) is not None, cut


# ----------------------------------------------------------------------------- old formats

SIGNED_V2 = Path(__file__).parent / "fixtures" / "log_v2_signed.jsonl"
"""A log of format version 2 (every entry signed) written by the reference institution, two
rounds of the market divided, signed with ``KEY``."""


def test_a_log_of_format_version_2_still_verifies_and_every_edit_of_it_fails() -> None:
    lines = lines_of(SIGNED_V2)
    entries = [json.loads(line) for line in lines]
    assert entries[0]["version"] == 2 and all("sig" in e for e in entries)
    digest = entries[0]["digest"]

    def bad_line(edited: list[str]) -> int | None:
        data = "".join(line + "\n" for line in edited).encode("utf-8")
        return verify_bytes(data, digest, KEY).line

    result = verify_bytes(SIGNED_V2.read_bytes(), digest, KEY)
    assert result.ok and result.version == 2, result
    for i, entry in enumerate(entries):
        changed = {**entry, "round": entry.get("round", 0) + 1}
        assert bad_line([*lines[:i], canonical_json(changed), *lines[i + 1 :]]) == i + 1
        unsigned = {k: v for k, v in entry.items() if k != "sig"}  # v2: every entry signed
        assert bad_line([*lines[:i], canonical_json(unsigned), *lines[i + 1 :]]) == i + 1
        assert bad_line([*lines[:i], *lines[i + 1 :]]) == i + 1
    assert verify_bytes(SIGNED_V2.read_bytes(), digest, "not-the-key").line == 1
