"""Verifying a governance log against a manifest (``govlang verify LOG --manifest MANIFEST``).

:func:`verify_log` reads the log line by line and stops at the first bad line. A line is bad
when it is not complete UTF-8 JSON, not in canonical form (edited), of another institution
(its digest is not the manifest's), not authentic, out of sequence (an entry was inserted,
deleted or reordered), or not chained to the line before it. The first line must be the
header: signed with the key the verifier trusts (its fingerprint is in the header) and, when
the verifier says which run it expects, bound to that run. The last must be the close entry
whose count matches; a log without it is reported as truncated or incomplete at the line after
its last, naming the entries after the last seal.

Authentic: in a log of format version 3 a signature *seals* its entry and, through the hash
chain, every entry before it; the header and the close entry must be sealed, the others are
covered by the next seal. A signed line whose signature does not check is bad. An unsigned
line is bad when the line after it, itself covered by a seal that checks through an unbroken
chain, records another hash for it (it was edited, inserted or replaced); otherwise a broken
chain is the fault of the later line. Logs of format version 2 must carry a signature on every
line; logs of format version 1 are checked with their HMAC key instead.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from govlang.lang.inputs import LOG, MANIFEST, read_file, read_text
from govlang.lang.manifest import canonical_json
from govlang.runtime.log import (
    GENESIS,
    HMAC_VERSION,
    LOG_FORMAT,
    LOG_VERSION,
    SIGNED_VERSION,
    body_json,
    entry_mac,
    line_hash,
    load_key,
)
from govlang.runtime.signing import fingerprint, private_key, public_raw, signature_ok

VerifyKey = bytes | str | Ed25519PublicKey | Ed25519PrivateKey
"""What a log is checked with: a public key, a private key, or key material (a secret or
PEM) from which the key is made; for a version 1 log, its HMAC secret."""

RUN_FIELDS = ("run_id", "population", "regime", "seed")
"""The fields of a header's ``run`` that bind a log to a run of an experiment."""


@dataclass(frozen=True)
class VerifyResult:
    """The verdict: ``ok``, the first bad line (1-based; ``None`` when intact) and why."""

    ok: bool
    line: int | None
    message: str
    entries: int = 0
    version: int | None = None
    """The log's format version (3: sealed by round; 2: signed entry by entry; 1: HMAC-keyed)."""
    key: str | None = None
    """The fingerprint of the key that checked the log (``ed25519:...``; ``None`` for HMAC)."""
    run: Mapping[str, Any] | None = field(default=None, compare=False)
    """The run the header binds the log to (``None`` when it names none)."""

    def __str__(self) -> str:
        """``ok: ...`` or ``line N: ...``."""
        return f"ok: {self.message}" if self.ok else f"line {self.line}: {self.message}"


class _Bad(Exception):
    """A bad line (internal): the one being checked, or the ``line`` named."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def manifest_digest(manifest: str | Path | Mapping[str, Any]) -> str:
    """The semantic digest of a manifest given as a dict or as the path of its JSON file."""
    if isinstance(manifest, Mapping):
        data: Any = manifest
    else:
        data = json.loads(read_text(manifest, MANIFEST))
    digest = data.get("digest") if isinstance(data, Mapping) else None
    if not isinstance(digest, str) or not digest:
        raise ValueError(
            f"{manifest if not isinstance(manifest, Mapping) else 'manifest'}: no digest"
        )
    return digest


def verify_log(
    log_path: str | Path,
    manifest_path_or_dict: str | Path | Mapping[str, Any],
    key: VerifyKey | None = None,
    run: Mapping[str, Any] | None = None,
) -> VerifyResult:
    """Verify the log at ``log_path`` against a manifest (path or dict).

    ``key`` defaults to the operator key from the environment (:func:`load_key`, which
    raises :class:`~govlang.runtime.log.LogKeyError` when none is set). ``run``: the run the
    log must be bound to (any of :data:`RUN_FIELDS`), or ``None`` not to check. Unreadable
    files raise ``OSError``, files over their size limit or not regular
    :class:`~govlang.lang.inputs.InputRefused`; a manifest without a digest raises ``ValueError``.
    """
    digest = manifest_digest(manifest_path_or_dict)
    secret = load_key() if key is None else key
    return verify_bytes(read_file(log_path, LOG), digest, secret, run)


def read_header(data: bytes) -> dict[str, Any] | None:
    """The first line of a log as a JSON object (unchecked), or ``None`` when it is not one."""
    first = data.split(b"\n", 1)[0]
    try:
        entry = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def verify_bytes(
    data: bytes, digest: str, key: VerifyKey, run: Mapping[str, Any] | None = None
) -> VerifyResult:
    """Verify a whole log held in memory against the manifest ``digest`` with ``key``."""
    lines = data.split(b"\n")
    complete = lines[:-1]  # the text after the last newline is an unfinished line
    checker = _Checker(key, digest, run, complete)

    def result(ok: bool, line: int | None, message: str, entries: int) -> VerifyResult:
        return VerifyResult(ok, line, message, entries, checker.version, checker.key, checker.run)

    for number, raw in enumerate(complete, start=1):
        try:
            checker.line(number, raw)
        except _Bad as bad:
            line = number if bad.line is None else bad.line
            return result(False, line, str(bad), line - 1)
    unsealed = checker.unsealed(len(complete))
    if lines[-1]:
        message = "incomplete last line: truncated" + unsealed
        return result(False, len(complete) + 1, message, len(complete))
    if not checker.closed:
        return result(
            False,
            len(complete) + 1,
            "no close entry after the last line: the log is truncated or incomplete" + unsealed,
            len(complete),
        )
    return result(True, None, f"{len(complete)} entries intact", len(complete))


class _Checker:
    """Checks lines in order, remembering the chain and the entries no seal covers yet."""

    def __init__(
        self,
        key: VerifyKey,
        digest: str,
        run: Mapping[str, Any] | None,
        lines: Sequence[bytes],
    ) -> None:
        self.given = key
        self.digest = digest
        self.expected_run = run
        self.lines = lines
        """Every complete line: an unsigned line is judged by the seal after it."""
        self.prev = GENESIS
        self.closed = False
        self.open_from: int | None = None
        """The first line after the last seal (``None`` when the last line read is sealed)."""
        self.version: int | None = None
        self.key: str | None = None
        self.run: Mapping[str, Any] | None = None
        self.public = b""
        self.secret = b""

    def line(self, number: int, raw: bytes) -> None:
        """Check line ``number``; raise :class:`_Bad` with the reason."""
        if self.closed:
            raise _Bad("entry after the close entry: appended after the log was closed")
        entry, text = _parse(raw)
        if number == 1:
            _header(entry)
            self._keys(entry)
        if entry.get("digest") != self.digest:
            raise _Bad(
                f"belongs to another institution: digest {entry.get('digest')!r}, "
                f"manifest {self.digest!r}"
            )
        sealed = self._authentic(number, entry)
        if number == 1 and self.version in (SIGNED_VERSION, LOG_VERSION):
            self._bound(entry)
        if entry.get("seq") != number - 1:
            raise _Bad(
                f"out of sequence: seq {entry.get('seq')!r} where {number - 1} was expected "
                "(an entry was inserted, deleted or reordered)"
            )
        if entry.get("prev") != self.prev:
            self._broken(number)
        self._advance(number, entry, text, sealed)

    def _advance(self, number: int, entry: Mapping[str, Any], text: str, sealed: bool) -> None:
        """Take in the good line ``number``: the chain, the unsealed lines, the close entry."""
        self.prev = line_hash(text)
        if sealed:
            self.open_from = None
        elif self.open_from is None:
            self.open_from = number
        if entry.get("kind") == "close":
            if entry.get("count") != number - 1:
                raise _Bad(f"close entry counts {entry.get('count')!r} entries, not {number - 1}")
            self.closed = True

    def unsealed(self, last: int) -> str:
        """What the verdict on a log ending at line ``last`` adds about its unsealed entries."""
        first = self.open_from
        if first is None:
            return ""
        lines = f"line {first}" if first == last else f"lines {first}-{last}"
        return f"; {lines} after the last signature are not sealed, so not verified"

    def _broken(self, number: int) -> None:
        """Line ``number`` does not chain to the line before it: say which line is bad."""
        seal = self._seal_of(number) if self.open_from is not None else None
        if seal is None:
            raise _Bad("hash chain broken: prev does not match the previous line")
        raise _Bad(
            f"not authentic: line {number}, sealed by the signature on line {seal}, records "
            "another hash for this entry (edited, inserted or replaced)",
            number - 1,
        )

    def _seal_of(self, number: int) -> int | None:
        """The line whose valid signature covers line ``number`` through an unbroken chain."""
        prev: str | None = None
        for later in range(number, len(self.lines) + 1):
            try:
                entry, text = _parse(self.lines[later - 1])
            except _Bad:
                return None
            if prev is not None and entry.get("prev") != prev:
                return None
            if "sig" in entry:
                return later if self._signed(entry) else None
            prev = line_hash(text)
        return None

    def _keys(self, header: Mapping[str, Any]) -> None:
        """Take the format version from the header and prepare the key it needs."""
        self.version = header.get("version") if type(header.get("version")) is int else None
        given = self.given
        if self.version == HMAC_VERSION:
            if isinstance(given, Ed25519PublicKey | Ed25519PrivateKey):
                raise _Bad(
                    "an HMAC-keyed log (format version 1) is checked with its HMAC key, "
                    "not an Ed25519 key"
                )
            self.secret = given.encode("utf-8") if isinstance(given, str) else given
            return
        if self.version not in (SIGNED_VERSION, LOG_VERSION):
            raise _Bad(f"unknown log format version {header.get('version')!r}")
        public = given if isinstance(given, Ed25519PublicKey) else private_key(given)
        self.key = fingerprint(public)
        self.public = public_raw(public)
        if header.get("key") != self.key:
            raise _Bad(
                f"signed by key {header.get('key')!r}, not by the key used to verify "
                f"({self.key}): another signer, or a re-signed log"
            )

    def _authentic(self, number: int, entry: Mapping[str, Any]) -> bool:
        """Check the entry's authenticator; whether it is sealed (else a later seal covers it)."""
        if self.version == HMAC_VERSION:
            mac = entry.get("hmac")
            if not isinstance(mac, str) or not hmac.compare_digest(
                mac, entry_mac(self.secret, entry)
            ):
                raise _Bad("HMAC mismatch: the entry was edited or forged, or the key is wrong")
            return True
        if self.version == LOG_VERSION and "sig" not in entry:
            if entry.get("kind") in ("header", "close"):
                raise _Bad(f"the {entry.get('kind')} entry is not sealed: it carries no signature")
            return False
        if not self._signed(entry):
            covers = self.open_from
            raise _Bad(
                "signature mismatch: the entry was edited or forged, or signed with another key"
                + ("" if covers is None else f" (it seals lines {covers}-{number})")
            )
        return True

    def _signed(self, entry: Mapping[str, Any]) -> bool:
        """Whether the entry's ``sig`` signs it under the public key."""
        return signature_ok(self.public, body_json(entry), entry.get("sig"))

    def _bound(self, header: Mapping[str, Any]) -> None:
        """Check that the header binds the log to the expected run."""
        recorded = header.get("run")
        self.run = recorded if isinstance(recorded, dict) else None
        if self.expected_run is None:
            return
        if self.run is None:
            raise _Bad("the header binds the log to no run, but a run of an experiment is expected")
        for name, wanted in self.expected_run.items():
            if self.run.get(name) != wanted:
                raise _Bad(
                    f"the log belongs to another run: {name} {self.run.get(name)!r} in its "
                    f"signed header, {wanted!r} expected (a log copied from another run)"
                )


def _parse(raw: bytes) -> tuple[dict[str, Any], str]:
    """A line as a JSON object and its text; raise :class:`_Bad` if it is not canonical JSON."""
    try:
        text = raw.decode("utf-8")
        entry = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise _Bad("not a JSON entry") from None
    if not isinstance(entry, dict):
        raise _Bad("not a JSON object")
    if canonical_json(entry) != text:
        raise _Bad("not in canonical form: the line was edited")
    return entry, text


def _header(entry: Mapping[str, Any]) -> None:
    """Require the header entry."""
    if entry.get("kind") != "header" or entry.get("format") != LOG_FORMAT:
        raise _Bad("the first line is not a govlang log header: missing or moved header")
