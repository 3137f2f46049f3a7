"""Verifying a governance log against a manifest (``govlang verify LOG --manifest MANIFEST``).

:func:`verify_log` reads the log line by line and stops at the first bad line. A line is bad
when it is not complete UTF-8 JSON, not in canonical form (edited), of another institution
(its digest is not the manifest's), not authentic (its HMAC does not match: edited, forged or
checked with the wrong key), out of sequence (an entry was inserted, deleted or reordered),
or not chained to the line before it. The first line must be the header; the last must be
the close entry whose count matches; a log without it is reported as truncated or incomplete
at the line after its last.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.lang.inputs import LOG, MANIFEST, read_file, read_text
from govlang.lang.manifest import canonical_json
from govlang.runtime.log import GENESIS, LOG_FORMAT, entry_mac, line_hash, load_key


@dataclass(frozen=True)
class VerifyResult:
    """The verdict: ``ok``, the first bad line (1-based; ``None`` when intact) and why."""

    ok: bool
    line: int | None
    message: str
    entries: int = 0

    def __str__(self) -> str:
        """``ok: ...`` or ``line N: ...``."""
        return f"ok: {self.message}" if self.ok else f"line {self.line}: {self.message}"


class _Bad(Exception):
    """A bad line (internal)."""


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
    key: bytes | str | None = None,
) -> VerifyResult:
    """Verify the log at ``log_path`` against a manifest (path or dict).

    ``key`` defaults to the operator key from the environment (:func:`load_key`, which
    raises :class:`~govlang.runtime.log.LogKeyError` when none is set). Unreadable files raise
    ``OSError``, files over their size limit or not regular
    :class:`~govlang.lang.inputs.InputRefused`; a manifest without a digest raises ``ValueError``.
    """
    digest = manifest_digest(manifest_path_or_dict)
    secret = load_key() if key is None else key
    return verify_bytes(read_file(log_path, LOG), digest, secret)


def verify_bytes(data: bytes, digest: str, key: bytes | str) -> VerifyResult:
    """Verify a whole log held in memory against the manifest ``digest`` with ``key``."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    lines = data.split(b"\n")
    complete = lines[:-1]  # the text after the last newline is an unfinished line
    checker = _Checker(secret, digest)
    for number, raw in enumerate(complete, start=1):
        try:
            checker.line(number, raw)
        except _Bad as bad:
            return VerifyResult(False, number, str(bad), number - 1)
    if lines[-1]:
        number = len(complete) + 1
        return VerifyResult(False, number, "incomplete last line: truncated", len(complete))
    if not checker.closed:
        return VerifyResult(
            False,
            len(complete) + 1,
            "no close entry after the last line: the log is truncated or incomplete",
            len(complete),
        )
    return VerifyResult(True, None, f"{len(complete)} entries intact", len(complete))


class _Checker:
    """Checks lines in order, remembering the chain."""

    def __init__(self, key: bytes, digest: str) -> None:
        self.key = key
        self.digest = digest
        self.prev = GENESIS
        self.closed = False

    def line(self, number: int, raw: bytes) -> None:
        """Check line ``number``; raise :class:`_Bad` with the reason."""
        if self.closed:
            raise _Bad("entry after the close entry: appended after the log was closed")
        entry, text = _parse(raw)
        if number == 1:
            _header(entry)
        if entry.get("digest") != self.digest:
            raise _Bad(
                f"belongs to another institution: digest {entry.get('digest')!r}, "
                f"manifest {self.digest!r}"
            )
        mac = entry.get("hmac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, entry_mac(self.key, entry)):
            raise _Bad("HMAC mismatch: the entry was edited or forged, or the key is wrong")
        if entry.get("seq") != number - 1:
            raise _Bad(
                f"out of sequence: seq {entry.get('seq')!r} where {number - 1} was expected "
                "(an entry was inserted, deleted or reordered)"
            )
        if entry.get("prev") != self.prev:
            raise _Bad("hash chain broken: prev does not match the previous line")
        self.prev = line_hash(text)
        if entry.get("kind") == "close":
            if entry.get("count") != number - 1:
                raise _Bad(f"close entry counts {entry.get('count')!r} entries, not {number - 1}")
            self.closed = True


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
