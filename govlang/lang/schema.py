"""Environment schemas: what a governed environment lets an institution observe.

An :class:`EnvironmentSchema` names the dimensions of an environment (``agent`` always,
``commodity`` for a multi-commodity market, ...), the observables it reports every round with
their types, the benchmarks it computes (dotted names such as ``nash.hhi``) and its action
space. The checker validates an institution's ``observe`` and ``action`` declarations against a
schema before anything runs; the runtime reads observables in exactly this shape.

Array convention: an observable with dims ``("agent", "commodity")`` is a numpy array of shape
``(len(agents), len(commodities))`` with axes in the declared order, agents ordered as the
environment's ``possible_agents``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from govlang.lang.inputs import TOML, read_text

AGENT_DIM = "agent"

BaseType = Literal["number", "bool"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ObservableSpec(_Frozen):
    """One observable (or benchmark) an environment reports."""

    name: str = Field(description="Identifier, dotted for benchmarks (``nash.hhi``).")
    type: BaseType = "number"
    dims: tuple[str, ...] = ()
    description: str = ""


class ActionSpec(_Frozen):
    """The per-agent action space: a box over ``dims`` with bounds ``[low, high]``."""

    dims: tuple[str, ...] = ()
    low: float = 0.0
    high: float = float("inf")


class EnvironmentSchema(_Frozen):
    """Everything an institution may read from an environment."""

    name: str
    dimensions: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Labels of each non-agent dimension, e.g. {'commodity': ('A', 'B')}.",
    )
    observables: tuple[ObservableSpec, ...] = ()
    action: ActionSpec | None = None

    def lookup(self, name: str) -> ObservableSpec | None:
        """Return the observable called ``name``, or ``None``."""
        for spec in self.observables:
            if spec.name == name:
                return spec
        return None

    def names(self) -> list[str]:
        """All observable names, in declaration order."""
        return [spec.name for spec in self.observables]


class SchemaError(Exception):
    """A schema file could not be read or is malformed."""


def load_schema(path: Path) -> EnvironmentSchema:
    """Read a schema from a ``.json`` or ``.toml`` file.

    Raises :class:`SchemaError` (never a pydantic or parser exception) on a bad file.
    """
    try:
        text = read_text(path, TOML)
    except OSError as exc:
        raise SchemaError(f"cannot read schema {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise SchemaError(f"{path}: not valid {path.suffix.lstrip('.') or 'json'}: {exc}") from exc
    try:
        return EnvironmentSchema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise SchemaError(f"{path}: {where}: {first['msg']}") from exc
