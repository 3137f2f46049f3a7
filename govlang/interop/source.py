"""Reading a manifest file (YAML or JSON) into plain data, with the position of every key.

The data comes from :func:`yaml.safe_load` (or :func:`json.loads` for ``.json``); the
positions come from composing the same text into YAML nodes, so a problem found later (a bad
value, an unknown state) can still be reported at ``file:line:column``. A key given twice in
one mapping is an error: a loader would silently keep the last one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govlang.interop.problems import InteropError, KeyPath, Problem
from govlang.lang.inputs import GOV, read_input


@dataclass(frozen=True)
class ManifestSource:
    """A manifest's data, its text and where each key path starts (1-based line, column)."""

    name: str
    text: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: KeyPath) -> tuple[int, int]:
        """The position of ``path``, or of its nearest enclosing key that has one."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: KeyPath, message: str, hint: str | None = None) -> Problem:
        """A :class:`Problem` at ``path``, positioned."""
        line, column = self.at(path)
        return Problem(path, message, hint, line, column)


def read_manifest(path: str) -> ManifestSource:
    """Read and parse ``path``; raise :class:`InteropError` on a syntax error or a repeated key.

    I/O failures raise :class:`~govlang.lang.inputs.InputError`.
    """
    data = read_input(path, GOV, "a manifest file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = Problem((), f"the file is not UTF-8 text (byte {exc.start})", "save it as UTF-8")
        raise InteropError(path, [problem]) from None
    return parse_manifest(text, path)


def parse_manifest(text: str, name: str) -> ManifestSource:
    """Parse manifest text (JSON when ``name`` ends in ``.json``, YAML otherwise)."""
    if Path(name).suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problem = Problem((), f"invalid JSON: {exc.msg}", None, exc.lineno, exc.colno)
            raise InteropError(name, [problem]) from None
    else:
        data = None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if data is None:
            data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        if data is not None:  # valid JSON that YAML cannot read (tabs): no positions, no error
            return ManifestSource(name, text, data)
        if isinstance(exc, yaml.MarkedYAMLError):
            raise InteropError(name, [_yaml_problem(exc)]) from None
        raise InteropError(name, [Problem((), f"invalid YAML: {exc}")]) from None
    positions: dict[KeyPath, tuple[int, int]] = {}
    repeated: list[Problem] = []
    if node is not None:
        _walk(node, (), positions, repeated)
    if repeated:
        raise InteropError(name, repeated)
    return ManifestSource(name, text, data, positions)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    return Problem((), f"invalid YAML: {what or 'cannot parse'}", None, line, column)


def _walk(
    node: yaml.Node,
    path: KeyPath,
    positions: dict[KeyPath, tuple[int, int]],
    repeated: list[Problem],
) -> None:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                message = f"the key `{key}` is given twice in this mapping"
                hint = "give each key once (a YAML loader would silently keep the last)"
                repeated.append(Problem((*path, key), message, hint, line, column))
            seen.add(key)
            _walk(value_node, (*path, key), positions, repeated)
            positions[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            value_at = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            positions[(*path, key, "<value>")] = value_at
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), positions, repeated)
