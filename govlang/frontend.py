"""Reading institution files: bytes -> :class:`Source` -> :class:`Document` (IR + comments).

This is the front door every command uses. It never raises on bad *content*: undecodable
bytes, syntax errors and structural problems all come back as diagnostics on the document.
Only I/O failures (a missing file, a directory) raise :class:`InputError`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from lark.exceptions import VisitError
from pydantic import ValidationError

from govlang import ir
from govlang.diagnostics import Diagnostic, Source
from govlang.parse import Comment, ParseResult, parse
from govlang.transform import ToIR

STDIN_NAME = "<stdin>"


class InputError(Exception):
    """A file could not be read (exit code 3 at the command line)."""


@dataclass(frozen=True)
class Document:
    """One parsed institution file: the IR (``None`` after a syntax error) and its comments."""

    source: Source
    institution: ir.Institution | None
    comments: tuple[Comment, ...] = ()
    diagnostics: list[Diagnostic] = field(default_factory=list)


def decode(data: bytes, name: str) -> Source | Diagnostic:
    """Decode UTF-8 bytes (a leading BOM is dropped) or report GL007 at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        source = Source(name, good)
        return Diagnostic(
            "GL007",
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            source.span(len(good), len(good)),
            hint="save the file as UTF-8",
            file=name,
        )
    if "\x00" in text:
        offset = text.index("\x00")
        source = Source(name, text)
        return Diagnostic(
            "GL007",
            "the file contains NUL bytes: it looks binary, not a .gov text file",
            source.span(offset, offset + 1),
            hint="pass a .gov text file",
            file=name,
        )
    return Source(name, text)


def read_bytes(path: str) -> tuple[bytes, str]:
    """Read a file's bytes (``-`` reads standard input); raise :class:`InputError` on failure."""
    if path == "-":
        return sys.stdin.buffer.read(), STDIN_NAME
    try:
        return Path(path).read_bytes(), path
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a .gov file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def parse_source(source: Source) -> Document:
    """Parse and transform ``source`` into a :class:`Document` (no semantic checks)."""
    result = parse(source)
    if not isinstance(result, ParseResult):
        return Document(source, None, (), result)
    builder = ToIR(source)
    try:
        institution = builder.transform(result.tree)
    except VisitError as exc:
        return Document(source, None, result.comments, [_internal(source, exc)])
    assert isinstance(institution, ir.Institution)
    return Document(source, institution, result.comments, list(builder.problems))


def parse_bytes(data: bytes, name: str) -> Document:
    """Decode and parse raw bytes."""
    decoded = decode(data, name)
    if isinstance(decoded, Diagnostic):
        return Document(Source(name, ""), None, (), [decoded])
    return parse_source(decoded)


def parse_text(text: str, name: str = "<input>") -> Document:
    """Parse source text."""
    return parse_source(Source(name, text))


def _internal(source: Source, exc: VisitError) -> Diagnostic:
    """A value the grammar admits but the IR rejects (e.g. a number too large)."""
    original = exc.orig_exc
    message = str(original)
    if isinstance(original, ValidationError):
        message = original.errors()[0]["msg"]
    meta = getattr(exc.obj, "meta", None)
    start = getattr(meta, "start_pos", 0) if meta is not None else 0
    end = getattr(meta, "end_pos", start) if meta is not None else start
    return Diagnostic(
        "GL001",
        f"invalid construct: {message}",
        source.span(start, end),
        file=source.name,
    )
