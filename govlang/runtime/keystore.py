"""Private key files: safe reading, and the user's own signing keys (``specs/integrity.md``).

A file that holds private key material must belong to the current user and be readable by
nobody else (no group or other permission bits): :func:`read_private` refuses any other file
with the reason and the command that fixes it. When no operator key is given, ``govlang run``
signs with the user's key in the **key directory**: ``$GOVLANG_KEY_DIR`` when set, else
``$XDG_STATE_HOME/govlang``, else ``~/.local/state/govlang``. It is created with mode 0700; the
key, ``log-signing-key.pem``, with mode 0600. Never inside a results folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govlang.lang.inputs import KEY, read_file
from govlang.runtime.signing import LogKeyError, UnsafeKey, fingerprint, private_key, private_pem

KEY_DIR_ENV = "GOVLANG_KEY_DIR"
DEFAULT_KEY = "log-signing-key.pem"


def key_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The user's key directory (it may not exist yet)."""
    env = os.environ if environ is None else environ
    if env.get(KEY_DIR_ENV):
        return Path(env[KEY_DIR_ENV])
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "govlang"
    return Path(env.get("HOME") or Path.home()) / ".local" / "state" / "govlang"


def check_private(path: Path, info: os.stat_result, what: str = "key file") -> None:
    """Refuse a private ``what`` that another user owns or that group or others may access."""
    if info.st_uid != os.getuid():
        raise UnsafeKey(
            f"{path}: the {what} belongs to user id {info.st_uid}, not to you ({os.getuid()}): "
            "refusing a private key someone else controls",
            "use a key file of your own (or set GOVLANG_KEY_DIR to a directory of your own)",
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        fix = "700" if stat.S_ISDIR(info.st_mode) else "600"
        raise UnsafeKey(
            f"{path}: the {what} is accessible to group or others (mode {mode:04o}): "
            "anyone who can read it can sign logs as you",
            f"chmod {fix} {path}",
        )


def read_private(path: str | Path) -> bytes:
    """The bytes of a private key file, after checking it is a regular file that is yours alone.

    Raises :class:`~govlang.lang.inputs.InputRefused` for a device, FIFO or oversized file,
    ``OSError`` when it cannot be read, :class:`LogKeyError` when it is not private.
    """
    data = read_file(path, KEY)
    check_private(Path(path), os.stat(path))
    return data


def _ensure_dir(directory: Path) -> None:
    """Create the key directory (mode 0700) or check the existing one."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as exc:
        raise LogKeyError(f"{directory}: cannot create the key directory: {exc.strerror}") from None
    check_private(directory, info, "key directory")


def user_key(environ: Mapping[str, str] | None = None) -> tuple[Ed25519PrivateKey, Path]:
    """The user's signing key and its file, generated (0600, in a 0700 directory) if missing."""
    directory = key_dir(environ)
    _ensure_dir(directory)
    path = directory / DEFAULT_KEY
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise LogKeyError(f"{path}: cannot create the signing key: {exc.strerror}") from None
    else:
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem(Ed25519PrivateKey.generate()))
    return load_private(path), path


def find_key(
    wanted: str, environ: Mapping[str, str] | None = None
) -> tuple[Ed25519PrivateKey, Path] | None:
    """The key of fingerprint ``wanted`` among the ``*.pem`` files of the key directory."""
    directory = key_dir(environ)
    if not directory.is_dir():
        return None
    check_private(directory, directory.stat(), "key directory")
    for path in sorted(directory.glob("*.pem")):
        key = load_private(path)
        if fingerprint(key) == wanted:
            return key, path
    return None


def load_private(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file ``path``, checked to be private."""
    try:
        data = read_private(path)
    except OSError as exc:
        raise LogKeyError(f"{path}: cannot read the signing key: {exc.strerror or exc}") from None
    if not data.lstrip().startswith(b"-----BEGIN"):
        raise LogKeyError(f"{path}: not a PEM private key (-----BEGIN PRIVATE KEY-----)")
    try:
        return private_key(data)
    except LogKeyError as exc:
        raise exc.prefixed(f"{path}: ") from None
