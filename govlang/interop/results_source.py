"""Reading a results folder written by ``govlang run``: its manifest, runs, traces and logs.

A results folder has ``manifest.json`` (format ``govlang.experiment``) and ``runs/<run_id>/``
with ``summary.json`` (written last: only complete runs count), ``trace.jsonl`` and
``governance.jsonl`` (``specs/artifacts.md``). Anything else is refused with
:class:`ExportError`, which says what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govlang.runtime.log import line_hash


class ExportError(Exception):
    """An input ``export-sft`` cannot use, or a selection that is empty (exit 1)."""


@dataclass(frozen=True)
class LogLine:
    """One governance-log entry: its ``seq``, the SHA-256 of its line and its fields."""

    seq: int
    hash: str
    entry: Mapping[str, Any]


@dataclass(frozen=True)
class RunData:
    """One complete run of a results folder."""

    folder: Path
    summary: Mapping[str, Any]

    @property
    def run_id(self) -> str:
        """The run's id (its folder name)."""
        return str(self.summary["run_id"])

    @property
    def spec(self) -> Mapping[str, Any]:
        """The run spec as ``summary.json`` records it (secrets redacted)."""
        spec: Mapping[str, Any] = self.summary["run"]
        return spec

    @property
    def tier(self) -> int | None:
        """The run's collusion tier (``specs/metrics.md``), or ``None`` (Bertrand, no tier)."""
        tier = self.summary.get("metrics", {}).get("tier")
        return int(tier) if tier is not None else None

    def trace(self) -> Iterator[dict[str, Any]]:
        """The round records of the run's trace, in order."""
        path = self.folder / "trace.jsonl"
        try:
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        yield _loads(line, path, number)
        except OSError as exc:
            raise ExportError(f"{path}: cannot read: {exc.strerror}") from None

    def log(self) -> list[LogLine]:
        """Every entry of the run's governance log (empty when there is none)."""
        path = self.folder / "governance.jsonl"
        if not path.is_file():
            return []
        found = []
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, 1):
                line = raw.rstrip("\n")
                if line:
                    entry = _loads(line, path, number)
                    found.append(LogLine(int(entry["seq"]), line_hash(line), entry))
        return found


@dataclass(frozen=True)
class Results:
    """A results folder: its experiment manifest and its complete runs, in plan order."""

    folder: Path
    manifest: Mapping[str, Any]
    runs: list[RunData]

    @property
    def experiment(self) -> str:
        """The experiment's name."""
        return str(self.manifest.get("experiment", {}).get("name", self.folder.name))


def open_results(folder: str | Path) -> Results:
    """Read a results folder; :class:`ExportError` when it is not one or has no complete run."""
    root = Path(folder)
    manifest_path = root / "manifest.json"
    if not root.is_dir():
        raise ExportError(f"{root}: no such results folder (write one with `govlang run`)")
    if not manifest_path.is_file() or not (root / "runs").is_dir():
        raise ExportError(
            f"{root}: not a results folder: expected manifest.json and runs/ "
            "(written by `govlang run EXPERIMENT.toml -o RESULTS`)"
        )
    manifest = _json(manifest_path)
    if manifest.get("format") != "govlang.experiment":
        raise ExportError(
            f"{manifest_path}: not an experiment manifest (format "
            f"{manifest.get('format')!r}, expected 'govlang.experiment')"
        )
    runs = []
    for entry in manifest.get("runs", []):
        folder_of_run = root / "runs" / str(entry["run_id"])
        if (folder_of_run / "summary.json").is_file():
            runs.append(RunData(folder_of_run, _json(folder_of_run / "summary.json")))
    if not runs:
        raise ExportError(f"{root}: no complete run (no runs/*/summary.json): nothing to export")
    return Results(root, manifest, runs)


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: expected a JSON object")
    return data


def _loads(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{number}:{exc.colno}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}:{number}: expected a JSON object")
    return data
