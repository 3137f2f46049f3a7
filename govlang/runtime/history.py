"""The rounds a governed env remembers: bounded, and read without copying.

:class:`History` keeps the last ``limit`` rounds of the current episode (every round when
``limit`` is ``None``), so that memory does not grow with the episode's length.
:meth:`History.view` gives them as a :class:`RoundsView`: an immutable sequence made in
constant time, like a tuple snapshot (later rounds never show up in it) but without copying.

Rounds are appended to a list; once it holds ``2 * limit`` rounds its older half is dropped
by starting a new list, so an existing view, which holds the old list, never changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from govlang.runtime.events import RoundTrace

DEFAULT_HISTORY = 1000
"""Rounds a governed env remembers by default (``govern(..., history=...)``)."""


class RoundsView(Sequence[RoundTrace]):
    """Rounds ``start`` to ``stop`` of a list that only ever grows at its end (read-only)."""

    __slots__ = ("_rounds", "_start", "_stop")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, rounds: list[RoundTrace], start: int, stop: int) -> None:
        """View ``rounds[start:stop]``."""
        self._rounds, self._start, self._stop = rounds, start, stop

    def __len__(self) -> int:
        """The number of rounds."""
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> RoundTrace: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RoundTrace, ...]: ...

    def __getitem__(self, index: int | slice) -> RoundTrace | tuple[RoundTrace, ...]:
        """One round (negative indices count from the end), or a slice as a tuple."""
        if isinstance(index, slice):
            return tuple(self._rounds[self._start : self._stop][index])
        size = self._stop - self._start
        if not -size <= index < size:
            raise IndexError("history index out of range")
        return self._rounds[self._start + index % size]

    def __iter__(self) -> Iterator[RoundTrace]:
        """The rounds, oldest first."""
        rounds = self._rounds
        for i in range(self._start, self._stop):
            yield rounds[i]

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence (a tuple, a list, another view) of the same rounds."""
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        """Like the tuple of its rounds."""
        return f"RoundsView({tuple(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (and deep-copied) as the tuple of its rounds."""
        return tuple, (tuple(self),)


class History:
    """The last ``limit`` rounds of an episode (all of them if ``limit`` is ``None``)."""

    def __init__(self, limit: int | None = DEFAULT_HISTORY) -> None:
        """An empty history; ``limit`` must be at least 1 (or ``None``)."""
        if limit is not None and limit < 1:
            raise ValueError(f"history must keep at least one round (or None: all), not {limit}")
        self.limit = limit
        self._rounds: list[RoundTrace] = []

    def append(self, trace: RoundTrace) -> None:
        """Remember one more round (forgetting the oldest beyond the limit)."""
        rounds, limit = self._rounds, self.limit
        if limit is not None and len(rounds) >= 2 * limit:
            self._rounds = rounds = rounds[-limit:]  # a new list: views keep the old one
        rounds.append(trace)

    def clear(self) -> None:
        """Forget every round (a new episode), leaving existing views as they were."""
        self._rounds = []

    def view(self) -> RoundsView:
        """The remembered rounds, oldest first (at most ``limit``), without copying."""
        rounds = self._rounds
        stop = len(rounds)
        start = 0 if self.limit is None else max(0, stop - self.limit)
        return RoundsView(rounds, start, stop)

    @property
    def last(self) -> RoundTrace | None:
        """The last round, if any."""
        return self._rounds[-1] if self._rounds else None
