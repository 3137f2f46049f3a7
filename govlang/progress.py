"""Progress bars for long commands (``govlang run``, ``govlang sweep``) on standard error."""

from __future__ import annotations

import sys

import rich.console
import rich.progress


class Progress:
    """A rich display of runs (and, optionally, rounds), off when quiet or not a terminal."""

    def __init__(self, runs: int, rounds_per_run: int | None, quiet: bool) -> None:
        """Prepare a bar for ``runs`` runs, and one for their rounds if ``rounds_per_run``."""
        shown = not quiet and sys.stderr.isatty() and runs > 0
        self.shown = shown
        """Whether the bars are on screen (else nobody needs to hear of rounds)."""
        self._bar = rich.progress.Progress(
            rich.progress.TextColumn("{task.description:<7}"),
            rich.progress.BarColumn(),
            rich.progress.MofNCompleteColumn(),
            rich.progress.TimeElapsedColumn(),
            rich.progress.TimeRemainingColumn(),
            console=rich.console.Console(stderr=True),
            disable=not shown,
        )
        self._runs = self._bar.add_task("runs", total=runs)
        self._rounds = None
        if rounds_per_run is not None:
            self._rounds = self._bar.add_task("rounds", total=runs * rounds_per_run)

    def __enter__(self) -> Progress:
        """Show the bars."""
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Hide the bars."""
        self._bar.stop()

    def rounds(self, count: int) -> None:
        """``count`` more rounds played."""
        if self._rounds is not None:
            self._bar.advance(self._rounds, count)

    def run_done(self, *_: object) -> None:
        """One more run complete (extra arguments, such as the finished run, are ignored)."""
        self._bar.advance(self._runs, 1)
