"""Problems found in an interop input: where (key path, line, column), what, and a hint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]
"""A key path into a manifest: mapping keys and list indices, outermost first."""


def format_path(path: KeyPath) -> str:
    """``edges[2].guard``; keys that are not plain words are quoted (``observe["nash.hhi"]``)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f'["{part}"]'
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One problem of an input file; ``line``/``column`` are 1-based (0: not known)."""

    path: KeyPath
    message: str
    hint: str | None = None
    line: int = 0
    column: int = 0

    def render(self, file: str) -> str:
        """``FILE:LINE:COL: error: at `KEY.PATH`: MESSAGE`` and an indented hint line."""
        where = f"{file}:{self.line}:{self.column}" if self.line else file
        at = f"at `{format_path(self.path)}`: " if self.path else ""
        text = f"{where}: error: {at}{self.message}"
        return text + (f"\n  = hint: {self.hint}" if self.hint else "")


class InteropError(Exception):
    """An input interop cannot use: every problem found, rendered against ``file``."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        """Keep the problems (at least one) of ``file``."""
        super().__init__(file)
        self.file = file
        self.problems = list(problems)

    def __str__(self) -> str:
        """All problems, one block each."""
        return "\n".join(p.render(self.file) for p in self.problems)


def known(names: Sequence[str] | set[str], what: str) -> str:
    """A hint listing what exists: ``the states are: active, fined``."""
    listed = ", ".join(sorted(names)) if names else "(none)"
    return f"the {what} are: {listed}"
