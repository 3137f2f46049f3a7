"""The attacks of specs/integrity.md on a real results folder, and the keys' safety rules."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govlang.cli import main
from govlang.experiments.logcheck import PROVES, check_log
from govlang.experiments.logkey import PUBLIC_KEY_FILE
from govlang.experiments.runner import ExperimentResult, run_experiment
from govlang.lang.inputs import InputRefused
from govlang.lang.manifest import canonical_json
from govlang.runtime import keystore
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV, entry_mac, entry_signature, line_hash
from govlang.runtime.signing import (
    LogKeyError,
    UnsafeKey,
    fingerprint,
    private_key,
    private_pem,
    public_pem,
)
from govlang.runtime.verify import verify_log

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = """
name = "integrity"
rounds = 8
runs = 1
seed = 11
regimes = ["institutional"]

[institution]
path = "{gov}"

[populations.colluders]
firms = [{{ kind = "colluder" }}, {{ kind = "colluder" }}]

[populations.nash]
firms = [{{ kind = "nash" }}, {{ kind = "nash" }}]
"""


@pytest.fixture
def keys(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh key directory, and no operator key."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    directory = tmp_path_factory.mktemp("keys") / "govlang"
    monkeypatch.setenv("GOVLANG_KEY_DIR", str(directory))
    return directory


def experiment(folder: Path) -> Path:
    path = folder / "integrity.toml"
    path.write_text(EXPERIMENT.format(gov=REPO / "examples" / "cournot_reference.gov"), "utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ExperimentResult, Path]]:
    """A results folder signed with the key of its own key directory."""
    folder = tmp_path_factory.mktemp("integrity")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(KEY_ENV, raising=False)
        patch.delenv(KEY_FILE_ENV, raising=False)
        patch.setenv("GOVLANG_KEY_DIR", str(folder / "keys"))
        yield run_experiment(experiment(folder), folder / "results", quiet=True), folder / "keys"


@pytest.fixture
def results(
    clean: tuple[ExperimentResult, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the clean results, verified by the key that signed them."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("GOVLANG_KEY_DIR", str(clean[1]))
    copy = tmp_path / "results"
    shutil.copytree(clean[0].out_dir, copy)
    return copy


def run_of(results: Path, population: str) -> Path:
    manifest = json.loads((results / "manifest.json").read_text("utf-8"))
    (run,) = [r for r in manifest["runs"] if r["population"] == population]
    return results / "runs" / run["run_id"]


def verify(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().err


def resigned(lines: list[str], key: Ed25519PrivateKey, drop: str = "sanction") -> str:
    """The log without its ``drop`` entries, renumbered, rechained and re-signed with ``key``."""
    out: list[str] = []
    prev = "0" * 64
    kept = [json.loads(line) for line in lines if json.loads(line)["kind"] != drop]
    for seq, entry in enumerate(kept):
        entry.pop("sig", None)  # sealed entries only carry one
        entry.update(seq=seq, prev=prev)
        if entry["kind"] == "header":
            entry["key"] = fingerprint(key)
        if entry["kind"] == "close":
            entry["count"] = seq
        entry["sig"] = entry_signature(key, entry)
        out.append(canonical_json(entry))
        prev = line_hash(out[-1])
    return "".join(line + "\n" for line in out)


def as_key(path: Path) -> Ed25519PrivateKey | None:
    """The file's bytes as key material, or ``None`` when they make no key (a public key)."""
    if not path.is_file() or not path.stat().st_size:
        return None
    try:
        return private_key(path.read_bytes())
    except LogKeyError:
        return None


# ----------------------------------------------------------------------------- the attacks


def test_the_clean_results_verify_and_say_what_that_proves(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = verify([str(results)], capsys)
    assert code == 0, err
    assert "2 of 2 run log(s) verified" in err and PROVES in err
    log = run_of(results, "colluders") / "governance.jsonl"
    code, err = verify([str(log)], capsys)
    assert code == 0, err
    recorded = json.loads((results / "manifest.json").read_text())["log_public_key"]
    assert f"signed by key {recorded['fingerprint']}" in err
    assert "population colluders, regime institutional, seed 11" in err


def test_resigning_without_the_sanctions_fails_whatever_key_the_folder_offers(
    results: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = run_of(results, "colluders")
    log = run / "governance.jsonl"
    lines = log.read_text("utf-8").splitlines()
    assert any(json.loads(line)["kind"] == "sanction" for line in lines)
    trusted = tmp_path / "trusted.pem"
    shutil.copy(results / PUBLIC_KEY_FILE, trusted)
    # No file of the results folder holds a private key: each one, used as key material,
    # gives a key of another fingerprint, and so does a key of the attacker's own.
    candidates = [k for p in sorted(results.rglob("*")) if (k := as_key(p)) is not None]
    assert not [p for p in results.rglob("*") if p.is_file() and b"PRIVATE" in p.read_bytes()]
    for key in [*candidates[:5], Ed25519PrivateKey.generate()]:
        log.write_text(resigned(lines, key), "utf-8")
        (results / PUBLIC_KEY_FILE).write_bytes(public_pem(key))  # the attacker's copy too
        (run / "log-key-id").write_text(fingerprint(key) + "\n")
        code, err = verify([str(log)], capsys)
        assert code == 1 and f"{log}:1:" in err, err
        assert "which you neither hold nor named" in err
        code, err = verify([str(log), "--public-key", str(trusted)], capsys)
        assert code == 1 and f"signed by key '{fingerprint(key)}'" in err, err
        code, err = verify([str(results)], capsys)
        assert code == 1 and "1 of 2 run log(s) verified" in err, err


def test_a_clean_log_copied_over_a_colluder_run_fails_naming_the_field(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_run, colluder_run = run_of(results, "nash"), run_of(results, "colluders")
    shutil.copy(clean_run / "governance.jsonl", colluder_run / "governance.jsonl")
    log = colluder_run / "governance.jsonl"
    code, err = verify([str(log)], capsys)
    assert code == 1
    assert f"{log}:1: tampered or incomplete: the log belongs to another run: run_id " in err
    assert f"{clean_run.name!r} in its signed header, {colluder_run.name!r} expected" in err
    code, err = verify([str(log), "--run", clean_run.name], capsys)  # its own run: fine
    assert code == 0, err
    shutil.copy(clean_run / "summary.json", colluder_run / "summary.json")
    code, err = verify([str(log)], capsys)
    assert code == 1 and "inconsistent: its summary.json records run_id" in err, err
    code, err = verify([str(results)], capsys)
    assert code == 1 and "1 of 2 run log(s) verified" in err


def test_each_bound_field_is_checked(results: Path) -> None:
    log = run_of(results, "colluders") / "governance.jsonl"
    key = keystore.find_key(json.loads(log.read_text().splitlines()[0])["key"])
    assert key is not None
    bound = verify_log(log, results / "manifest.json", key[0]).run
    assert bound is not None
    for name, wrong in (("population", "nash"), ("regime", "ungoverned"), ("seed", 12)):
        result = verify_log(log, results / "manifest.json", key[0], {**bound, name: wrong})
        assert (result.ok, result.line) == (False, 1)
        assert f"another run: {name} {bound[name]!r} in its signed header, {wrong!r}" in (
            result.message
        )
    assert verify_log(log, results / "manifest.json", key[0], dict(bound)).ok


def test_a_third_party_verifies_with_the_public_key_only(
    results: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GOVLANG_KEY_DIR", str(tmp_path / "nobody"))  # holds no key at all
    public = tmp_path / "operator.pem"
    shutil.copy(results / PUBLIC_KEY_FILE, public)
    code, err = verify([str(results), "--public-key", str(public)], capsys)
    assert code == 0, err
    assert f"the public key in {public} (given with --public-key)" in err
    code, err = verify([str(results)], capsys)
    assert code == 1 and "pass --public-key" in err
    assert not (tmp_path / "nobody").exists()  # verifying never creates a key


def test_an_hmac_log_of_old_results_verifies_with_a_warning(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = b"0123456789abcdef" * 4
    (results / ".log-key").write_bytes(secret + b"\n")
    (results / ".log-key").chmod(0o600)
    log = run_of(results, "colluders") / "governance.jsonl"
    prev, out = "0" * 64, []
    for line in log.read_text("utf-8").splitlines():
        entry = json.loads(line)
        entry.pop("sig", None)  # sealed entries only carry one
        if entry["kind"] == "header":
            entry = {k: v for k, v in entry.items() if k not in ("key", "run")}
            entry["version"] = 1
        entry["prev"] = prev
        entry["hmac"] = entry_mac(secret, entry)
        out.append(canonical_json(entry))
        prev = line_hash(out[-1])
    log.write_text("".join(line + "\n" for line in out), "utf-8")
    code, err = verify([str(log)], capsys)
    assert code == 0, err
    assert "HMAC key in" in err and "WARNING" in err and "re-key it without trace" in err
    assert "not bound to its run" in err
    (results / ".log-key").write_bytes(b"another key\n")
    code, err = verify([str(log)], capsys)
    assert code == 1 and "HMAC mismatch" in err


# ----------------------------------------------------------------------------- keys


def test_no_private_key_lands_in_the_results(clean: tuple[ExperimentResult, Path]) -> None:
    done, keys = clean
    assert not (done.out_dir / ".log-key").exists()
    files = [p for p in done.out_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if b"PRIVATE KEY" in p.read_bytes()]
    raw = private_pem(keystore.load_private(keys / keystore.DEFAULT_KEY))
    assert not [p for p in files if raw.splitlines()[1] in p.read_bytes()]
    assert oct((keys / keystore.DEFAULT_KEY).stat().st_mode & 0o777) == "0o600"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"


def test_a_key_readable_by_others_is_refused(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keystore.user_key()
    (keys / keystore.DEFAULT_KEY).chmod(0o640)
    path = experiment(tmp_path)
    code = main(["run", str(path), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "accessible to group or others (mode 0640)" in err
    assert f"hint: chmod 600 {keys / keystore.DEFAULT_KEY}" in err and "Traceback" not in err
    (keys / keystore.DEFAULT_KEY).chmod(0o600)
    keys.chmod(0o755)
    with pytest.raises(UnsafeKey, match="the key directory is accessible"):
        keystore.user_key()


def test_an_operator_key_file_must_be_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "operator.pem"
    key.write_bytes(private_pem(Ed25519PrivateKey.generate()))
    key.chmod(0o644)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(key))
    log = tmp_path / "log.jsonl"
    log.write_text('{"kind":"header","version":2}\n', "utf-8")
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"digest": "sha256:00"}', "utf-8")
    code, err = verify([str(log), "--manifest", str(manifest)], capsys)
    assert code == 1 and f"{KEY_FILE_ENV}={key}: the key file is accessible" in err, err
    assert f"hint: chmod 600 {key}" in err


def test_a_key_of_another_user_is_refused(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keystore.user_key()
    monkeypatch.setattr(keystore.os, "getuid", lambda: os.stat(keys).st_uid + 1)
    with pytest.raises(UnsafeKey, match="belongs to user id"):
        keystore.user_key()


def test_raw_and_pem_operator_keys_sign_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govlang.runtime.log import load_key
    from govlang.runtime.signing import RAW_KEY_BYTES

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes_raw()
    assert len(raw) == RAW_KEY_BYTES
    path = tmp_path / "raw.key"
    path.write_bytes(raw)
    path.chmod(0o600)
    from_raw = private_key(load_key({KEY_FILE_ENV: str(path)}))
    path.write_bytes(private_pem(key))
    from_pem = private_key(load_key({KEY_FILE_ENV: str(path)}))
    assert fingerprint(from_raw) == fingerprint(from_pem) == fingerprint(key)
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(LogKeyError, match="not a readable PEM private key"):
        load_key({KEY_FILE_ENV: str(path)})


# ----------------------------------------------------------------------------- resume


def test_resume_finds_the_key_by_fingerprint_and_refuses_another(
    keys: Path, tmp_path: Path
) -> None:
    path = experiment(tmp_path)
    first = run_experiment(path, tmp_path / "out", quiet=True)
    signer = fingerprint(keystore.load_private(keys / keystore.DEFAULT_KEY))
    (first.out_dir / "runs" / first.runs[0].run_id / "summary.json").unlink()  # one to redo
    # The key is moved aside and a new default appears: the recorded fingerprint finds it.
    (keys / keystore.DEFAULT_KEY).rename(keys / "2026-rotated.pem")
    keystore.user_key()
    again = run_experiment(path, tmp_path / "out", quiet=True)
    assert again.executed == (first.runs[0].run_id,)
    log = again.out_dir / "runs" / first.runs[0].run_id / "governance.jsonl"
    assert json.loads(log.read_text().splitlines()[0])["key"] == signer
    assert check_log(log).ok
    # Without the signing key, resuming is refused, naming both fingerprints.
    (keys / "2026-rotated.pem").unlink()
    other = fingerprint(keystore.load_private(keys / keystore.DEFAULT_KEY))
    with pytest.raises(InputRefused) as refused:
        run_experiment(path, tmp_path / "out", quiet=True)
    message = str(refused.value)
    assert signer in message and other in message and "hint: " in message
