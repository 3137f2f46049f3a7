"""Validating manifest data against the schema; pydantic's errors as positioned problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from govlang.interop import schema as sm
from govlang.interop.problems import InteropError, KeyPath, Problem
from govlang.interop.source import ManifestSource


def validate(source: ManifestSource) -> sm.Manifest:
    """The manifest model of ``source``; every schema problem at once otherwise."""
    if not isinstance(source.data, dict):
        kind = "empty" if source.data is None else type(source.data).__name__
        problem = source.problem((), f"a manifest is a mapping at the top level, got {kind}")
        raise InteropError(source.name, [problem])
    try:
        return sm.Manifest.model_validate(source.data)
    except ValidationError as exc:
        problems = [_schema_problem(source, error) for error in exc.errors()]
        raise InteropError(source.name, problems) from None


def _schema_problem(source: ManifestSource, error: Any) -> Problem:
    path: KeyPath = tuple(part for part in error["loc"] if isinstance(part, str | int))
    path = tuple(_alias(part) for part in path)
    kind, message = error["type"], str(error["msg"]).removeprefix("Value error, ")
    hint = None
    if kind == "extra_forbidden":
        parent = _allowed_keys(path[:-1])
        message = f"unknown key `{path[-1]}`"
        hint = f"the keys allowed here are: {', '.join(parent)}" if parent else None
    elif kind == "missing":
        message = f"`{path[-1]}` is required"
    elif kind == "literal_error":
        message = f"{message}, got {error.get('input')!r}"
    elif kind.endswith("_type"):
        message = f"{message}, got {type(error.get('input')).__name__} {error.get('input')!r}"
    return source.problem(path, message, hint)


def _alias(part: str | int) -> str | int:
    return {"source": "from", "target": "to"}.get(part, part) if isinstance(part, str) else part


_SECTION_MODELS: Mapping[str, type[sm.Model]] = {
    "institution": sm.Meta,
    "observe": sm.Observe,
    "action": sm.Action,
    "params": sm.Param,
    "signals": sm.Signal,
    "sanctions": sm.Sanction,
    "credits": sm.Credits,
    "states": sm.State,
    "rules": sm.Rule,
    "edges": sm.Edge,
    "asserts": sm.Assertion,
}
_NESTED_MODELS: Mapping[str, type[sm.Model]] = {
    "fine": sm.FineSpec,
    "cap": sm.Bound,
    "floor": sm.Bound,
    "grant": sm.Grant,
    "suspend": sm.Empty,
    "exclude": sm.Empty,
}


def _allowed_keys(path: KeyPath) -> list[str]:
    """The keys the model at ``path`` accepts (its aliases, as a manifest writes them)."""
    if not path:
        return list(sm.TOP_LEVEL_KEYS)
    model: type[sm.Model] | None = _SECTION_MODELS.get(str(path[0]))
    if path[0] == "sanctions" and len(path) >= 3:
        model = _NESTED_MODELS.get(str(path[2]))
    if model is None:
        return []
    return [str(_alias(name)) for name in model.model_fields]
