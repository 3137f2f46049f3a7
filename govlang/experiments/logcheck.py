"""``govlang verify``: check governance logs with a trusted key and bind them to their runs.

:func:`check_log` verifies one log (:func:`govlang.runtime.verify.verify_bytes`) and says what
the verdict proves. The key it trusts, in this order: the public key given
(``--public-key``), the operator key (``GOVLANG_LOG_KEY`` / ``GOVLANG_LOG_KEY_FILE``), or the
user's own key of the fingerprint the log names (the key directory). The log's copy of the
public key in the results folder is never trusted by itself: whoever can write the folder
can replace it together with the log. Against an experiment's ``manifest.json`` the log must be
bound to its run: the header's run id, population, regime and seed must be those the manifest
(and the run folder's ``summary.json``) record for the folder the log is in.
:func:`check_results` checks every run of a results folder. ``specs/integrity.md`` is the
threat model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.lang.inputs import KEY, LOG, MANIFEST, read_file, read_text
from govlang.runtime.keystore import find_key, read_private
from govlang.runtime.log import HMAC_VERSION, KEY_ENV, KEY_FILE_ENV, load_key
from govlang.runtime.signing import LogKeyError, load_public_pem, private_key
from govlang.runtime.verify import RUN_FIELDS, VerifyKey, VerifyResult, read_header, verify_bytes

from .logkey import LEGACY_KEY_FILE

PROVES = (
    "this proves the log was written by the holder of that private key and not modified "
    "since; it does not prove the private key stayed secret"
)
BOUND = "  each bound to its run (run id, population, regime, seed) and the manifest's institution"
HMAC_WARNING = (
    "WARNING: this log is HMAC-keyed (format version 1): anyone who can read its key, which "
    "such results keep beside the logs in .log-key, can rewrite the log and re-key it without "
    "trace, so this check shows only that the log agrees with that key; re-run the experiment "
    "for signed logs"
)


@dataclass(frozen=True)
class Check:
    """The verdict on one log and the lines that explain it."""

    ok: bool
    lines: tuple[str, ...]


def check_log(
    log: Path,
    manifest: Path | None = None,
    run_id: str | None = None,
    public_key: Path | None = None,
) -> Check:
    """Verify ``log`` against ``manifest`` (by default its results folder's ``manifest.json``).

    Raises :class:`LogKeyError` for an unusable key, ``OSError`` or
    :class:`~govlang.lang.inputs.InputError` for unreadable files, ``ValueError`` for a manifest
    that cannot be used.
    """
    manifest = manifest or _results_manifest(log)
    data = json.loads(read_text(manifest, MANIFEST))
    if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
        raise ValueError(f"{manifest}: not a manifest (no digest)")
    raw = read_file(log, LOG)
    header = read_header(raw) or {}
    expected, problem = _expected_run(log, data, run_id)
    if problem:
        return Check(False, (f"{log}:1: {problem}",))
    key, source = _trusted_key(log, manifest, header, public_key)
    if key is None:
        return Check(False, (f"{log}:1: {source}",))
    legacy = header.get("version") == HMAC_VERSION
    result = verify_bytes(raw, data["digest"], key, None if legacy else expected)
    return Check(result.ok, _explain(log, result, source, expected, legacy))


def check_results(results: Path, public_key: Path | None = None) -> Check:
    """Verify the log of every run ``results/manifest.json`` lists; ok when all are."""
    manifest = results / "manifest.json"
    data = json.loads(read_text(manifest, MANIFEST))
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list):
        raise ValueError(f"{manifest}: not the manifest of an experiment's results (no runs)")
    lines: list[str] = []
    said: dict[str, None] = {}  # what the verified logs prove, each statement once
    good = 0
    for run in runs:
        log = results / "runs" / str(run.get("run_id") if isinstance(run, dict) else run)
        log = log / "governance.jsonl"
        if not log.is_file():
            lines.append(f"{log}: missing: the run has no governance log")
            continue
        one = check_log(log, manifest, None, public_key)
        good += one.ok
        if not one.ok:
            lines.extend(one.lines)
            continue
        for line in one.lines[1:]:
            said.setdefault(BOUND if line.startswith("  bound to run") else line)
    lines.append(f"{results}: {good} of {len(runs)} run log(s) verified")
    return Check(good == len(runs), (*lines, *said))


def _results_manifest(log: Path) -> Path:
    """``RESULTS/manifest.json`` for a log at ``RESULTS/runs/RUN_ID/governance.jsonl``."""
    folder = log.resolve().parent
    if folder.parent.name == "runs" and (folder.parent.parent / "manifest.json").is_file():
        return folder.parent.parent / "manifest.json"
    raise ValueError(
        f"{log}: not in a results folder's runs/<run_id>/; give the manifest with --manifest"
    )


def _expected_run(
    log: Path, manifest: Mapping[str, Any], run_id: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The run the log must be bound to (experiment manifests only), or why none fits."""
    if manifest.get("format") != "govlang.experiment":
        return None, None
    wanted = run_id or log.resolve().parent.name
    runs = {str(r.get("run_id")): r for r in manifest.get("runs", []) if isinstance(r, dict)}
    if wanted not in runs:
        return None, (
            f"the log's run {wanted!r} (its folder, or --run) is not a run of this experiment's "
            "manifest; pass --run RUN_ID to name the run the log should be"
        )
    expected = {name: runs[wanted].get(name) for name in RUN_FIELDS}
    summary = log.parent / "summary.json"
    if run_id is None and summary.is_file():
        recorded = json.loads(read_text(summary, MANIFEST)).get("run", {})
        for name in RUN_FIELDS:
            if recorded.get(name) != expected[name]:
                return None, (
                    f"the run folder is inconsistent: its summary.json records {name} "
                    f"{recorded.get(name)!r}, the manifest {expected[name]!r}"
                )
    return expected, None


def _trusted_key(
    log: Path, manifest: Path, header: Mapping[str, Any], public_key: Path | None
) -> tuple[VerifyKey | None, str]:
    """The key to verify with and what it is, or ``None`` and why there is none to trust."""
    operator = os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)
    which = KEY_ENV if os.environ.get(KEY_ENV) else KEY_FILE_ENV
    if header.get("version") == HMAC_VERSION:
        if operator:
            return load_key(), f"the operator's HMAC key from {which}"
        legacy = manifest.parent / LEGACY_KEY_FILE
        if legacy.is_file():
            return read_private(legacy).rstrip(b"\r\n"), f"the HMAC key in {legacy}"
        return None, (
            f"an HMAC-keyed log (format version 1) needs its key: set {KEY_FILE_ENV} to the "
            f"results' {LEGACY_KEY_FILE}"
        )
    if public_key is not None:
        return (
            load_public_pem(read_file(public_key, KEY), str(public_key)),
            f"the public key in {public_key} (given with --public-key)",
        )
    if operator:
        return private_key(load_key()), f"the operator key from {which}"
    named = header.get("key")
    found = find_key(named) if isinstance(named, str) else None
    if found is not None:
        return found[0], f"your signing key {found[1]}"
    return None, (
        f"signed by key {named!r}, which you neither hold nor named: the signatures alone "
        "prove nothing about who wrote the log, since whoever can write the results can "
        "replace the log and its log-public-key.pem together; pass --public-key with the "
        "operator's public key (the results' own log-public-key.pem only if you trust that "
        f"copy), or set {KEY_ENV} / {KEY_FILE_ENV} to the operator key"
    )


def _explain(
    log: Path,
    result: VerifyResult,
    source: str,
    expected: Mapping[str, Any] | None,
    legacy: bool,
) -> tuple[str, ...]:
    """The lines that state the verdict and what it proves."""
    if not result.ok:
        return (f"{log}:{result.line}: tampered or incomplete: {result.message}",)
    lines = [f"{log}: ok: {result.message}"]
    if legacy:
        unbound = "  not bound to its run: a format version 1 header names none"
        return (*lines, f"  checked with {source}", unbound, f"  {HMAC_WARNING}")
    lines.append(f"  signed by key {result.key} ({source})")
    run = result.run
    if expected is not None and run is not None:
        lines.append(
            f"  bound to run {run.get('run_id')} (population {run.get('population')}, regime "
            f"{run.get('regime')}, seed {run.get('seed')}) of the manifest's institution"
        )
    elif run is not None:
        lines.append(f"  its header names run {run.get('run_id')} (not checked: no experiment)")
    lines.append(f"  {PROVES}")
    return tuple(lines)


__all__ = ["PROVES", "Check", "LogKeyError", "check_log", "check_results"]
