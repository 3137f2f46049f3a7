"""Diagnostics: every user-facing problem, with a stable code, a position and a hint.

A :class:`Diagnostic` is what every stage reports instead of raising. It renders as

    examples/bad.gov:12:9: error[GL101]: undefined name `warnng`
       12 |   active -> warnng when coordination
          |             ^^^^^^
       = hint: did you mean `warning`?

or as JSON (``--format json``) for tools and editors. The catalogue of codes, each with a
failing example, is ``specs/diagnostics.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from govlang.lang.ir import NO_SPAN, Span

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Source:
    """A source text and the name it is reported under (a path, or ``<stdin>``)."""

    name: str
    text: str
    _line_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        find, at = self.text.find, self.text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = find("\n", at + 1)
        object.__setattr__(self, "_line_starts", tuple(starts))

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its line ending ('' past the end)."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end < 0 else end].rstrip("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a 0-based character offset."""
        import bisect

        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        """A span covering offsets ``[start, end)``."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            start=start,
            end=end,
        )


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an institution."""

    code: str
    message: str
    span: Span = NO_SPAN
    severity: Severity = "error"
    hint: str | None = None
    file: str = "<input>"

    @property
    def is_error(self) -> bool:
        """Whether this diagnostic makes the institution invalid."""
        return self.severity == "error"

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dictionary (positions 1-based, end exclusive)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "hint": self.hint,
        }

    def render(self, source: Source | None = None) -> str:
        """Human-readable form: location, message, the source line underlined, hint."""
        head = (
            f"{self.file}:{self.span.line}:{self.span.column}: "
            f"{self.severity}[{self.code}]: {self.message}"
        )
        lines = [head]
        if source is not None:
            lines.extend(_excerpt(source, self.span))
        if self.hint:
            lines.append(f"   = hint: {self.hint}")
        return "\n".join(lines)


def _excerpt(source: Source, span: Span) -> list[str]:
    """The first source line of ``span`` with the construct underlined by carets."""
    text = source.line_text(span.line)
    if not text and span.line > len(source.text.splitlines()):
        return []
    gutter = f"{span.line:>5} | "
    if span.end_line == span.line:
        width = max(1, span.end_column - span.column)
    else:
        width = max(1, len(text) - span.column + 1)
    visible = text.expandtabs(1)
    pad = " " * (len(gutter) - 2) + "| " + " " * (span.column - 1)
    return [gutter + visible, pad + "^" * min(width, max(1, len(visible) - span.column + 2))]


class GovlangError(Exception):
    """Raised by the public API when an institution has errors; carries every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic], source: Source | None = None):
        self.diagnostics = list(diagnostics)
        self.source = source
        super().__init__(render_all(self.diagnostics, source))


def render_all(diagnostics: Iterable[Diagnostic], source: Source | None = None) -> str:
    """Render several diagnostics, separated by blank lines."""
    return "\n\n".join(d.render(source) for d in diagnostics)


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    """The ``--format json`` document: ``{"diagnostics": [...], "errors": N, "warnings": M}``."""
    items = list(diagnostics)
    return json.dumps(
        {
            "diagnostics": [d.to_json() for d in items],
            "errors": sum(d.severity == "error" for d in items),
            "warnings": sum(d.severity == "warning" for d in items),
        },
        indent=2,
    )


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean `x`?" hint for a misspelt name, or ``None``."""
    import difflib  # only when a name is unknown: most checks never need it

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


def sort_key(diagnostic: Diagnostic) -> tuple[int, int, str]:
    """Order diagnostics by position, then code."""
    return diagnostic.span.start, diagnostic.span.end, diagnostic.code
