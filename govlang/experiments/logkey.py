"""The key that signs an experiment's governance logs, and where it came from.

The operator's key (``GOVLANG_LOG_KEY`` or ``GOVLANG_LOG_KEY_FILE``) wins; otherwise each
results directory gets its own random key in ``.log-key`` (mode 0600), reused when the
experiment resumes and never written into a report.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from govlang.lang.frontend import InputError
from govlang.lang.inputs import KEY, read_file
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV, LogKeyError, load_key

KEY_FILE = ".log-key"
KEY_ID_FILE = "log-key-id"
"""In each run's folder: the identifier of the key its governance log was signed with."""


def log_key(out: Path) -> tuple[bytes, str]:
    """The governance logs' key and where it came from (never the key itself).

    ``GOVLANG_LOG_KEY`` or ``GOVLANG_LOG_KEY_FILE`` when set; otherwise ``out/.log-key``,
    created with 32 random bytes (hex) and mode 0600 unless it exists.
    """
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        which = (
            KEY_ENV if os.environ.get(KEY_ENV) else f"{KEY_FILE_ENV} ({os.environ[KEY_FILE_ENV]})"
        )
        try:
            return load_key(), f"the operator key from {which}"
        except LogKeyError as exc:
            raise InputError(str(exc)) from None
    path = out / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise InputError(f"{path}: cannot create the log key: {exc.strerror}") from None
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    try:
        key = read_file(path, KEY).rstrip(b"\r\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the log key: {exc.strerror}") from None
    return key, f"a key generated for these results in {KEY_FILE} (mode 0600, not in reports)"


def key_id(key: bytes) -> str:
    """A public identifier of ``key`` (16 hex digits of a domain-separated SHA-256).

    It names which key signed a log without revealing the key.
    """
    return hashlib.sha256(b"govlang log key id\0" + key).hexdigest()[:16]


def record_key(run_dir: Path, key: bytes) -> None:
    """Note in ``run_dir`` which key signs its governance log."""
    (run_dir / KEY_ID_FILE).write_text(key_id(key) + "\n", encoding="utf-8")


def key_statement(key: bytes, key_source: str, run_dirs: list[Path]) -> str:
    """What signed the runs' logs: ``key_source``, and the runs a different key signed.

    A resumed experiment keeps the runs completed earlier; if the key has changed since, their
    logs are signed with the earlier key, and the statement says so with that key's id.
    """
    current = key_id(key)
    other: dict[str, int] = {}
    for run_dir in run_dirs:
        try:
            found = (run_dir / KEY_ID_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            found = "unknown"
        if found != current:
            other[found] = other.get(found, 0) + 1
    if not other:
        return f"{key_source} (key id {current})"
    listed = ", ".join(f"{n} run(s) with key id {k}" for k, n in sorted(other.items()))
    return (
        f"{key_source} (key id {current}) for the runs played with it; runs completed earlier "
        f"with another key keep that key's signature: {listed}"
    )
