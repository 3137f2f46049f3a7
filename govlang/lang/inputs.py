"""Bounded reads: every file govlang reads has a size limit and must be a regular file.

Without a bound, ``govlang check /dev/zero`` would grow until the kernel killed it, and a FIFO
with no writer would block forever. :func:`read_file` therefore refuses anything that is not
a regular file (devices, FIFOs, sockets) before reading a byte, and stops reading one byte
past the limit of the kind of input (:class:`Limit`); :func:`read_stream` applies the same
limit to standard input. Each limit can be raised (or lowered) through its environment
variable, a number of bytes with an optional ``K``, ``M`` or ``G`` suffix (powers of 1024).
``specs/inputs.md`` lists the limits.

Refusals raise :class:`InputRefused`, an :class:`InputError` that the command line reports
with a hint and exit code 1; other I/O failures (a missing file) stay ``OSError`` for the
caller.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

KIB = 1024
MIB = 1024 * KIB
_CHUNK = 1 * MIB
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "K": KIB, "M": MIB, "G": 1024 * MIB}


class InputError(Exception):
    """A file could not be read (exit code 3 at the command line)."""


class InputRefused(InputError):
    """An input govlang will not read: too large, or not a regular file (exit code 1)."""

    def __init__(self, message: str, hint: str) -> None:
        """``message`` names the input and what is wrong; ``hint`` says what to do."""
        self.message = message
        self.hint = hint
        super().__init__(f"{message}\n  hint: {hint}")


@dataclass(frozen=True)
class Limit:
    """The size limit of one kind of input and the variable that overrides it."""

    what: str
    """What the input is, for messages (``an institution file``)."""
    env: str
    """The environment variable that overrides :attr:`default`."""
    default: int
    """The limit in bytes when :attr:`env` is unset."""

    def bytes(self) -> int:
        """The limit in force: :attr:`env` when set (refused when malformed), else the default."""
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        match = _SIZE.fullmatch(raw)
        if match is None or int(match.group(1)) < 1:
            raise InputRefused(
                f"{self.env}={raw!r}: not a size",
                "give a positive number of bytes, optionally with a K, M or G suffix (e.g. 16M)",
            )
        return int(match.group(1)) * _UNITS[match.group(2).upper()]


GOV = Limit("an institution file", "GOVLANG_MAX_GOV_BYTES", 4 * MIB)
TOML = Limit("an experiment, sweep or schema file", "GOVLANG_MAX_TOML_BYTES", 1 * MIB)
LOG = Limit("a governance log or actions file", "GOVLANG_MAX_LOG_BYTES", 1024 * MIB)
MANIFEST = Limit("a manifest", "GOVLANG_MAX_MANIFEST_BYTES", 16 * MIB)
KEY = Limit("a key file", "GOVLANG_MAX_KEY_BYTES", 4 * KIB)

LIMITS = (GOV, TOML, LOG, MANIFEST, KEY)
"""Every limit, in the order ``specs/inputs.md`` lists them."""


def shown(size: int) -> str:
    """``4 MiB``, ``1 KiB`` or ``123 bytes``."""
    for unit, name in ((1024 * MIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} bytes"


def _suffixed(size: int) -> str:
    """``16M``, ``4K`` or ``123``: a size as :meth:`Limit.bytes` reads it."""
    for unit in ("G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def _too_large(name: str, limit: Limit, cap: int) -> InputRefused:
    return InputRefused(
        f"{name}: larger than {shown(cap)}, the limit for {limit.what}",
        f"if the input is genuine, raise the limit, e.g. {limit.env}={_suffixed(cap * 4)}",
    )


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_special(name: str, mode: int, limit: Limit) -> None:
    """Raise unless ``mode`` is a regular file (``IsADirectoryError`` for a directory)."""
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    if not stat.S_ISREG(mode):
        raise InputRefused(
            f"{name}: is {_kind(mode)}, not a regular file",
            f"pass {limit.what} saved on disk"
            + ("; a .gov stream can be piped into `-`" if limit is GOV else ""),
        )


def read_file(path: str | Path, limit: Limit) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`InputRefused` for a device, FIFO or socket (never opened for a blocking
    read) or a file over the limit, ``IsADirectoryError`` for a directory and ``OSError`` for
    other failures (a missing or unreadable file).
    """
    name = str(path)
    cap = limit.bytes()
    _refuse_special(name, os.stat(path).st_mode, limit)
    # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening does not block.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        _refuse_special(name, info.st_mode, limit)
        if info.st_size > cap:
            raise _too_large(name, limit, cap)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return _bounded(handle, name, limit, cap)
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, name: str, limit: Limit) -> bytes:
    """At most ``limit`` bytes of ``stream`` (standard input); :class:`InputRefused` past it."""
    return _bounded(stream, name, limit, limit.bytes())


def _bounded(stream: BinaryIO, name: str, limit: Limit, cap: int) -> bytes:
    """Read ``stream`` to its end, or raise as soon as it holds more than ``cap`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(_CHUNK, cap + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise _too_large(name, limit, cap)
    return b"".join(chunks)


def read_input(path: str | Path, limit: Limit, kind: str) -> bytes:
    """:func:`read_file`, with a missing, unreadable or directory ``path`` as :class:`InputError`.

    ``kind`` says what the file should have been, for a directory (``a .gov file``).
    """
    try:
        return read_file(path, limit)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not {kind}") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def read_text(path: str | Path, limit: Limit) -> str:
    """:func:`read_file` decoded as UTF-8 (``UnicodeDecodeError`` when it is not)."""
    return read_file(path, limit).decode("utf-8")
