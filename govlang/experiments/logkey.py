"""The key that signs an experiment's governance logs, and where it came from.

The operator's key (``GOVLANG_LOG_KEY`` or ``GOVLANG_LOG_KEY_FILE``) wins; otherwise each
results directory gets its own random key in ``.log-key`` (mode 0600), reused when the
experiment resumes and never written into a report.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from govlang.frontend import InputError
from govlang.inputs import KEY, read_file
from govlang.runtime.log import KEY_ENV, KEY_FILE_ENV, LogKeyError, load_key

KEY_FILE = ".log-key"


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
