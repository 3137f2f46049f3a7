"""The key that signs an experiment's governance logs, and where it came from.

The operator's key (``GOVLANG_LOG_KEY`` or ``GOVLANG_LOG_KEY_FILE``) wins; otherwise the
user's own signing key in the key directory (:mod:`govlang.runtime.keystore`, generated on
first use). The private key is never written into the results: they get the public key,
``log-public-key.pem``, whose fingerprint each run's ``log-key-id`` repeats. A resumed
experiment must be signed by the same key: its recorded fingerprint finds the key in the key
directory, and an operator key with another fingerprint is refused, naming both.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govlang.lang.inputs import KEY, InputRefused, read_file
from govlang.runtime.keystore import DEFAULT_KEY, find_key, key_dir, load_private, user_key
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV, load_key
from govlang.runtime.signing import (
    KeyMaterial,
    LogKeyError,
    fingerprint,
    load_public_pem,
    private_key,
    private_pem,
    public_pem,
)

PUBLIC_KEY_FILE = "log-public-key.pem"
"""In the results folder: the public key that verifies its governance logs."""
LEGACY_KEY_FILE = ".log-key"
"""The HMAC key that results folders of format version 1 logs kept beside them."""
KEY_ID_FILE = "log-key-id"
"""In each run's folder: the fingerprint of the key its governance log was signed with."""


def log_key(out: Path) -> tuple[bytes, str]:
    """The governance logs' key material (PEM) and where it came from (never the key itself).

    Writes ``out/log-public-key.pem`` if it is not there. Raises
    :class:`~govlang.lang.inputs.InputRefused` (exit code 1) when no usable key is found, a key file
    is not private, or the key is not the one that signed the results so far.
    """
    try:
        key, source = _choose(out, recorded_fingerprint(out))
    except LogKeyError as exc:
        raise InputRefused(exc.message, exc.hint or "see specs/integrity.md") from None
    path = out / PUBLIC_KEY_FILE
    if not path.exists():
        _write_atomic(path, public_pem(key))
    return private_pem(key), f"{source} (key {fingerprint(key)})"


def _choose(out: Path, recorded: str | None) -> tuple[Ed25519PrivateKey, str]:
    """The signing key and its source, checked against the results' recorded fingerprint."""
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        which = (
            KEY_ENV if os.environ.get(KEY_ENV) else f"{KEY_FILE_ENV} ({os.environ[KEY_FILE_ENV]})"
        )
        key = private_key(load_key())
        if recorded is not None and fingerprint(key) != recorded:
            raise LogKeyError(
                f"{out}: its logs are signed with key {recorded}, but the operator key from "
                f"{which} is {fingerprint(key)}: resuming would mix signers",
                f"give the key of fingerprint {recorded}, or write to a new results folder",
            )
        return key, f"the operator key from {which}"
    if recorded is None:
        key, where = user_key()
        return key, f"the user's signing key {where}, outside the results"
    found = find_key(recorded)
    if found is None:
        default = key_dir() / DEFAULT_KEY
        mine = fingerprint(load_private(default)) if default.is_file() else None
        raise LogKeyError(
            f"{out}: its logs are signed with key {recorded}, and no key in {key_dir()} has "
            f"that fingerprint" + (f" (the default key there is {mine})" if mine else ""),
            f"set {KEY_FILE_ENV} to the private key of fingerprint {recorded} (or put it in "
            f"{key_dir()}), or write to a new results folder",
        )
    return found[0], f"the user's signing key {found[1]}, outside the results"


def recorded_fingerprint(out: Path) -> str | None:
    """The fingerprint of ``out/log-public-key.pem``, or ``None`` when there is none."""
    path = out / PUBLIC_KEY_FILE
    if not path.is_file():
        return None
    try:
        return fingerprint(load_public_pem(read_file(path, KEY), str(path)))
    except OSError as exc:
        raise LogKeyError(f"{path}: cannot read the public key: {exc.strerror}") from None


def key_id(key: KeyMaterial) -> str:
    """The public name of the key ``key`` (its fingerprint, ``ed25519:...``)."""
    return fingerprint(private_key(key))


def record_key(run_dir: Path, key: KeyMaterial) -> None:
    """Note in ``run_dir`` which key signs its governance log."""
    (run_dir / KEY_ID_FILE).write_text(key_id(key) + "\n", encoding="utf-8")


def key_statement(key: KeyMaterial, key_source: str, run_dirs: list[Path]) -> str:
    """What signed the runs' logs: ``key_source``, and the runs another key signed.

    Results written before logs were signed keep their HMAC-keyed runs (key ids of 16 hex
    digits); the statement lists them, and says that such logs can be re-keyed by anyone who
    can read ``.log-key``.
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
        return key_source
    listed = ", ".join(f"{n} run(s) with key id {k}" for k, n in sorted(other.items()))
    return (
        f"{key_source} for the runs played with it; runs completed earlier with another key "
        f"keep that key's signature: {listed} (HMAC-keyed logs of format version 1 can be "
        f"rewritten by anyone who can read {LEGACY_KEY_FILE})"
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as exc:
        raise LogKeyError(f"{path}: cannot write the public key: {exc.strerror}") from None
