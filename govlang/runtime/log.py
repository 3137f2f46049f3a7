"""The governance log: append-only JSONL, hash-chained and signed (``specs/artifacts.md``).

One entry per line, in canonical JSON (keys sorted, no insignificant whitespace; see
:func:`govlang.lang.manifest.canonical_json`). Every entry carries

``seq``      its 0-based position in the log;
``digest``   the manifest's semantic digest (the institution's identity);
``prev``     the SHA-256 (hex) of the previous line's bytes (64 zeros for the header);
``sig``      on the last entry of each write only (the header, an episode entry, the last
             event of a round, the close entry): the Ed25519 signature (hex) of the
             canonical JSON of the entry without ``sig`` (:mod:`govlang.runtime.signing`).
             It *seals* the entry and, since each entry holds the hash of the one before,
             every entry before it: one signature per round, checked with the public key
             alone;

and a ``kind``: ``header`` (first line: format, version, institution name, the fingerprint of
the signing key and the run it records), ``episode`` (a reset: episode number, seed,
regime), one of the event kinds of :mod:`govlang.runtime.events` (round, scope, instance, rule,
edge, monitors, spans, detail, payoffs before/after), and ``close`` (last line: ``count``, the
number of entries before it). A log without its close entry is incomplete: a crash or a
truncation. Logs of format version 2 carried ``sig`` on every entry, and logs of format
version 1 an ``hmac`` (HMAC-SHA256) instead; both still verify (:func:`entry_mac` computes the
latter). Entries are serialised by :mod:`govlang.runtime.canonical`, an event straight from its
fields; the verifier re-serialises every line with
:func:`~govlang.lang.manifest.canonical_json` and refuses any that differs.

The key comes from the environment variable ``GOVLANG_LOG_KEY`` (an operator secret, its UTF-8
bytes, from which the Ed25519 key is derived) or, if that is unset, from the file named by
``GOVLANG_LOG_KEY_FILE`` (an Ed25519 private key in PEM or as 32 raw bytes, or a secret; at
most :data:`govlang.lang.inputs.KEY` bytes, a regular file that is yours and readable by you
alone). The private key is never written anywhere by the log.

Durability (:data:`FsyncPolicy`): every round's entries are written to the operating system
before ``step()`` returns, so a crash of the process loses at most the round in flight. How
often they are also ``fsync``ed to the disk, which an operating-system crash or a power loss
needs, is :meth:`GovernanceLog.durability`'s policy: ``batch`` (the default: every
:data:`DEFAULT_FSYNC_EVERY` rounds, in a background thread so that the rounds go on while the
disk works, and at close; a power loss can lose up to that many rounds and those played
during the fsync),
``round`` (after every round: it loses at most the round in flight) or ``run`` (at close only:
it can lose the whole run). A log that lost entries lacks its close entry (and maybe more) and
fails verification as incomplete, whatever the policy; the rounds it kept whole are sealed and
still check, and entries after the last seal (a round cut short) are reported as unsealed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govlang.lang.manifest import canonical_json
from govlang.runtime.canonical import canonical, json_ready, string_json, value_json
from govlang.runtime.events import Event, MonitorView
from govlang.runtime.keystore import read_private
from govlang.runtime.signing import (
    KeyMaterial,
    LogKeyError,
    fingerprint,
    parse_key_file,
    private_key,
    sign,
)

__all__ = ["GovernanceLog", "LogKeyError", "entry_mac", "entry_signature", "load_key"]

LOG_FORMAT = "govlang.log"
LOG_VERSION = 3
"""The format version written: one signature seals each write (a round's entries)."""
SIGNED_VERSION = 2
"""The format version of logs signed entry by entry (verifiable, no longer written)."""
HMAC_VERSION = 1
"""The format version of logs keyed with HMAC-SHA256 (verifiable, no longer written)."""
KEY_ENV = "GOVLANG_LOG_KEY"
KEY_FILE_ENV = "GOVLANG_LOG_KEY_FILE"
GENESIS = "0" * 64
"""The ``prev`` of the header entry."""

FsyncPolicy = Literal["round", "batch", "run"]
"""When written entries are ``fsync``ed: every round, every few rounds, or at close only."""
FSYNC_POLICIES: tuple[FsyncPolicy, ...] = ("round", "batch", "run")
DEFAULT_FSYNC: FsyncPolicy = "batch"
DEFAULT_FSYNC_EVERY = 100
"""Rounds (writes) between two ``fsync`` calls under the ``batch`` policy."""


def load_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The operator key from ``GOVLANG_LOG_KEY`` or the file named by ``GOVLANG_LOG_KEY_FILE``.

    The key *material* (:func:`govlang.runtime.signing.private_key` makes the key of it): the
    variable's secret, or the file's PEM (a raw 32-byte key is returned as PEM) or secret.
    """
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        return env[KEY_ENV].encode("utf-8")
    path = env.get(KEY_FILE_ENV)
    if not path:
        raise LogKeyError(
            f"a governance log needs an operator key: set {KEY_ENV} to the key, or "
            f"{KEY_FILE_ENV} to the path of a file holding it"
        )
    try:
        data = read_private(path)
    except OSError as exc:
        raise LogKeyError(f"{KEY_FILE_ENV}={path}: cannot read the key file: {exc}") from None
    except LogKeyError as exc:
        raise exc.prefixed(f"{KEY_FILE_ENV}=") from None
    try:
        return parse_key_file(data)
    except LogKeyError as exc:
        raise exc.prefixed(f"{KEY_FILE_ENV}={path}: ") from None


def line_hash(line: str) -> str:
    """The SHA-256 (hex) of a log line's UTF-8 bytes, without its newline."""
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def body_json(entry: Mapping[str, Any], field: str = "sig") -> str:
    """The canonical JSON of ``entry`` without its authenticator ``field`` (what is signed)."""
    return canonical_json({k: v for k, v in entry.items() if k != field})


def entry_signature(key: Ed25519PrivateKey, entry: Mapping[str, Any]) -> str:
    """The Ed25519 signature (hex) of the canonical JSON of ``entry`` without its ``sig``."""
    return sign(key, body_json(entry))


def entry_mac(key: bytes, entry: Mapping[str, Any]) -> str:
    """The HMAC-SHA256 (hex) of ``entry`` without its ``hmac`` field (format version 1)."""
    text = body_json(entry, "hmac")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _object(before: str, after: str, signature: str | None = None) -> str:
    """A JSON object from its members before ``sig`` (never empty), ``sig`` and after it."""
    middle = "" if signature is None else f',"sig":"{signature}"'  # hex: nothing to escape
    return "{" + before + middle + ("," + after if after else "") + "}"


class _BackgroundSyncs:
    """The ``batch`` policy's fsyncs, each in a thread of its own, so the round loop goes on.

    ``os.fsync`` releases the GIL: the disk works while the next rounds are played. A failed
    fsync is raised by the log's next write (or its close).
    """

    def __init__(self) -> None:
        self._running: list[threading.Thread] = []
        self._error: OSError | None = None

    def start(self, fd: int) -> None:
        """Start ``os.fsync(fd)`` in the background."""
        self._running = [t for t in self._running if t.is_alive()]
        thread = threading.Thread(target=self._sync, args=(fd,), name="govlang-log-fsync")
        thread.daemon = True  # an unclosed log must not keep the process alive
        thread.start()
        self._running.append(thread)

    def _sync(self, fd: int) -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            self._error = exc

    def wait(self, *, raising: bool = True) -> None:
        """Wait for every fsync started; raise the first failure (unless not ``raising``)."""
        for thread in self._running:
            thread.join()
        self._running = []
        if raising:
            self.check()

    def check(self) -> None:
        """Raise the failure of a background fsync, if one failed."""
        error, self._error = self._error, None
        if error is not None:
            raise error


class GovernanceLog:
    """An open governance log. Create it with :meth:`create`; :meth:`close` it to complete it."""

    _fsync: FsyncPolicy = DEFAULT_FSYNC
    _every: int = DEFAULT_FSYNC_EVERY
    _unsynced: int = 0
    """Writes since the last fsync."""

    def __init__(self, handle: IO[str], key: Ed25519PrivateKey, digest: str) -> None:
        """Wrap an open text file (use :meth:`create` instead)."""
        self._handle = handle
        self._key = key
        self.digest = digest
        self._digest_json = string_json(digest)
        self.count = 0
        self._prev = GENESIS
        self.closed = False
        self._syncs = _BackgroundSyncs()

    @classmethod
    def create(
        cls,
        path: str | Path,
        digest: str,
        institution: str,
        key: KeyMaterial | None = None,
        run: Mapping[str, Any] | None = None,
    ) -> GovernanceLog:
        """Create a new log at ``path`` (it must not exist) and write its header.

        ``key``: the signing key or its material (:func:`govlang.runtime.signing.private_key`),
        by default :func:`load_key`'s; a missing or unusable key raises :class:`LogKeyError`
        before any file is created. ``run``: what the header binds the log to (``run_id``,
        ``population``, ``regime``, ``seed`` for a run of an experiment), ``null`` otherwise.
        """
        signer = private_key(load_key() if key is None else key)
        handle = Path(path).open("x", encoding="utf-8", newline="\n")  # noqa: SIM115 (kept open)
        log = cls(handle, signer, digest)
        header = {
            "kind": "header",
            "format": LOG_FORMAT,
            "version": LOG_VERSION,
            "name": institution,
            "key": fingerprint(signer),
            "run": None if run is None else dict(run),
        }
        log.write([header])
        return log

    def durability(self, policy: FsyncPolicy, every: int = DEFAULT_FSYNC_EVERY) -> GovernanceLog:
        """Choose when entries are fsynced (see the module docstring); returns the log.

        ``every``: the writes (rounds) between two fsyncs under ``batch``. Under ``round``,
        entries already written (the header) are fsynced now.
        """
        if policy not in FSYNC_POLICIES:
            raise ValueError(f"fsync policy must be one of {', '.join(FSYNC_POLICIES)}")
        if every < 1:
            raise ValueError(f"fsync every {every} rounds: need a whole number >= 1")
        self._fsync, self._every = policy, every
        if policy == "round" and self._unsynced and not self.closed:
            self._handle.flush()
            self._syncs.wait()
            os.fsync(self._handle.fileno())
            self._unsynced = 0
        return self

    def write(self, bodies: Iterable[Mapping[str, Any]], *, sync: bool = False) -> None:
        """Append one entry per body, the last one sealed, and flush; fsync as the policy says.

        ``sync``: fsync now, whatever the policy. A caller's ``seq``, ``digest``, ``prev`` and
        ``sig`` are replaced by the log's own.
        """
        self._append([self._body_members(body) for body in bodies], sync)

    def episode(self, number: int, seed: int | None, regime: str) -> None:
        """Record the start of an episode (an entry sealed on its own)."""
        self.write([{"kind": "episode", "episode": number, "seed": seed, "regime": regime}])

    def events(self, events: Iterable[Event]) -> None:
        """Record a round's events, one entry each, written together and sealed by the last.

        The same as ``write(event.as_json() for event in events)``, byte for byte, made
        from the events' fields directly; the monitors that several events of the round show
        at the same instance are serialised once.
        """
        monitors: dict[tuple[int, tuple[str, ...]], str] = {}
        self._append([partial(self._event_members, event, monitors) for event in events], False)

    def close(self) -> None:
        """Write the close entry (sealed) and close the file (idempotent)."""
        if self.closed:
            return
        try:
            self.write([{"kind": "close", "count": self.count}], sync=True)
        finally:
            self._syncs.wait(raising=False)  # the descriptor must outlive every fsync of it
        self.closed = True
        self._handle.close()

    def _append(self, members: Sequence[Callable[[], tuple[str, str]]], sync: bool) -> None:
        """Chain one entry per maker of its members, seal the last, write and flush them."""
        if self.closed:
            raise ValueError("the governance log is closed")
        self._syncs.check()
        last = len(members) - 1
        lines = []
        for index, make in enumerate(members):
            before, after = make()  # reads the chain: seq and prev of this entry
            if index == last:
                line = _object(before, after, sign(self._key, _object(before, after)))
            else:
                line = _object(before, after)
            self._prev = line_hash(line)
            self.count += 1
            lines.append(line + "\n")
        if lines:  # a round without events writes nothing (but counts for the fsync policy)
            self._handle.write("".join(lines))
            self._handle.flush()
        self._unsynced += 1
        if sync or self._fsync == "round":
            self._syncs.wait()
            os.fsync(self._handle.fileno())
            self._unsynced = 0
        elif self._fsync == "batch" and self._unsynced >= self._every:
            self._syncs.start(self._handle.fileno())
            self._unsynced = 0

    def _body_members(self, body: Mapping[str, Any]) -> Callable[[], tuple[str, str]]:
        """The maker of a body's entry: its canonical members before ``sig`` and after it."""
        ready = json_ready(body)

        def members() -> tuple[str, str]:
            fields = {**ready, "seq": self.count, "digest": self.digest, "prev": self._prev}
            before = canonical({k: v for k, v in fields.items() if k < "sig"})[1:-1]
            after = canonical({k: v for k, v in fields.items() if k > "sig"})[1:-1]
            return before, after

        return members

    def _event_members(
        self, event: Event, seen: dict[tuple[int, tuple[str, ...]], str]
    ) -> tuple[str, str]:
        """An event's entry as its canonical members before ``sig`` and after it.

        The keys of :meth:`Event.as_json` and the chain's, in sorted order. ``seen``: the
        monitors already serialised this round, by what their view reads.
        """
        view = event.monitors
        if type(view) is MonitorView:
            reading = view.reading()
            monitors = seen.get(reading)
            if monitors is None:
                monitors = seen[reading] = canonical(view.as_dict())
        else:
            monitors = canonical(dict(view))
        before = (
            f'"detail":{canonical(event.detail)},"digest":{self._digest_json},'
            f'"edge":{value_json(event.edge)},"instance":{value_json(event.instance)},'
            f'"kind":{value_json(event.kind)},"monitors":{monitors},'
            f'"payoff_after":{value_json(event.payoff_after)},'
            f'"payoff_before":{value_json(event.payoff_before)},'
            f'"prev":"{self._prev}","round":{value_json(event.round)},'
            f'"rule":{value_json(event.rule)},"rule_span":{value_json(event.rule_span)},'
            f'"scope":{value_json(event.scope)},"seq":{self.count}'
        )
        return before, f'"span":{value_json(event.span)}'
