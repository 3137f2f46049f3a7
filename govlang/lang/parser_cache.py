"""The parser's tables on disk, in JSON: loading a cache file can never run code.

Building the LALR tables takes several times longer than loading them, so the analysed
grammar is kept between runs. Lark's own cache is a pickle, and unpickling a planted file
runs whatever it says; this cache is plain JSON instead (Lark's serialised form, with tuples
and non-string keys tagged), read only when

* the directory and the file belong to the current user and nobody else may write to them,
  and the file is a regular file (not a link, device or FIFO) of at most 16 MiB;
* its header names this cache format and the key of this grammar and Lark version;
* the SHA-256 of its body matches the header (a truncated or edited file is rebuilt).

Anything else, including a file from another Lark version whose structure differs, is
ignored and the tables are rebuilt; the cache never makes parsing fail.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

FORMAT = "govlang.parser-cache/1"
MAX_BYTES = 16 * 1024 * 1024
_CLASS = "$class"
_TUPLE = "$tuple"
_ITEMS = "$items"
_RUNTIME_OPTIONS = ("lexer_callbacks",)
"""Options given again at load time (they hold live objects), never written."""


def cache_key(grammar: str) -> str:
    """What a cache file must have been built from: this grammar, Lark version and format."""
    return hashlib.sha256(f"{FORMAT}\0{grammar}\0{lark.__version__}".encode()).hexdigest()


def cache_directory() -> Path | None:
    """The user's own cache directory for govlang (created 0700), or ``None`` if unusable.

    ``$XDG_CACHE_HOME/govlang`` or ``~/.cache/govlang``; ``None`` when it cannot be created
    or used, or is not owned by the user or writable by others.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base) / "govlang"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or not _private(info):
        return None
    if not os.access(directory, os.W_OK | os.R_OK | os.X_OK):
        return None
    return directory


def _private(info: os.stat_result) -> bool:
    """Owned by the current user and writable by nobody else."""
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


# ------------------------------------------------------------------------- saving


def save(path: Path, key: str, parser: Lark, classes: Mapping[str, type]) -> None:
    """Write ``parser``'s tables to ``path`` (atomically, mode 0600); errors are ignored.

    ``classes`` names the classes the tables refer to (the custom lexer), written by name.
    """
    try:
        body = _encode_tables(parser, {cls: name for name, cls in classes.items()})
    except (TypeError, ValueError):  # something not serialisable: no cache
        return
    header = json.dumps({"format": FORMAT, "key": key, "sha256": _digest(body)})
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".parser-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(header + "\n" + body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return


def _encode_tables(parser: Lark, names: Mapping[type, str]) -> str:
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in _RUNTIME_OPTIONS}
    return json.dumps(_encode({"data": data, "memo": memo}, names), separators=(",", ":"))


def _encode(value: Any, names: Mapping[type, str]) -> Any:
    """JSON-ready ``value``: tuples, non-string keys and known classes tagged."""
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v, names) for k, v in value.items()}
        return {_ITEMS: [[_encode(k, names), _encode(v, names)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(v, names) for v in value]}
    if isinstance(value, list):
        return [_encode(v, names) for v in value]
    if isinstance(value, type):
        if value not in names:
            raise TypeError(f"cannot cache a reference to {value!r}")
        return {_CLASS: names[value]}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------- loading


def load(path: Path, key: str, classes: Mapping[str, type], **options: Any) -> Lark | None:
    """The parser cached at ``path``, or ``None`` when it is absent, foreign or damaged.

    ``classes`` are the only classes a cache may name; ``options`` are Lark's load-time
    options (``lexer_callbacks``).
    """
    text = _read_private(path)
    if text is None:
        return None
    header_line, _, body = text.partition("\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        return None
    expected = {"format": FORMAT, "key": key, "sha256": _digest(body)}
    if header != expected:
        return None
    try:
        tables = json.loads(body, object_hook=_decoder(classes))
        restore: Callable[..., Lark] = Lark._load_from_dict  # Lark's loader of its tables
        parser = restore(tables["data"], tables["memo"], **options)
    except Exception:  # a cache that does not fit this Lark is rebuilt, never fatal
        return None
    return parser if isinstance(parser, Lark) else None


def _read_private(path: Path) -> str | None:
    """The file's text if it is a private regular file of the user under a private folder."""
    try:
        folder = path.parent.lstat()
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and _private(info) and _private(folder)):
            return None
        if info.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decoder(classes: Mapping[str, type]) -> Callable[[dict[str, Any]], Any]:
    """The JSON object hook undoing :func:`_encode` (unknown class names are refused)."""

    def hook(obj: dict[str, Any]) -> Any:
        if len(obj) == 1:
            if _TUPLE in obj:
                return tuple(obj[_TUPLE])
            if _ITEMS in obj:
                return {k: v for k, v in obj[_ITEMS]}
            if _CLASS in obj:
                return classes[obj[_CLASS]]  # KeyError: not a class this cache may name
        return obj

    return hook
