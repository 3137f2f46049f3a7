"""What the client may ask of the checks: an environment and param overrides.

The client passes them as ``initializationOptions`` when it starts the server, in the terms
of ``govlang check --env ... --param ...``::

    {"env": "cournot", "params": ["fine_floor=100", "fine_ladder=[0.5, 1.0]"]}

``env`` is a built-in market (``cournot``, ``bertrand``) or the path of a schema file. A value
that cannot be used is reported to the user and left out; the others still apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from govlang.lang.frontend import InputError
from govlang.lang.params import ParamValue, parse_override
from govlang.lang.schema import EnvironmentSchema


@dataclass(frozen=True)
class Settings:
    """The environment to validate against and the param overrides (``None``/empty: none)."""

    schema: EnvironmentSchema | None = None
    params: dict[str, ParamValue] = field(default_factory=dict)


def read_settings(options: object) -> tuple[Settings, list[str]]:
    """The settings of ``initializationOptions``, and a message for each value left out."""
    if options is None:
        return Settings(), []
    if not isinstance(options, Mapping):
        return Settings(), ["initializationOptions: expected an object with `env`, `params`"]
    problems: list[str] = []
    unknown = sorted(set(options) - {"env", "params"})
    if unknown:
        problems.append(f"initializationOptions: unknown key(s) {', '.join(unknown)}")
    return Settings(_schema(options.get("env"), problems), _params(options, problems)), problems


def _schema(env: object, problems: list[str]) -> EnvironmentSchema | None:
    if env is None or env == "":
        return None
    if not isinstance(env, str):
        problems.append("initializationOptions.env: expected a market name or a schema path")
        return None
    from govlang.channels.talk_env import environment_schema

    try:
        return environment_schema(env)
    except InputError as exc:
        problems.append(f"initializationOptions.env: {exc}")
        return None


def _params(options: Mapping[str, object], problems: list[str]) -> dict[str, ParamValue]:
    raw = options.get("params") or []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        problems.append('initializationOptions.params: expected a list of "NAME=VALUE" strings')
        return {}
    values: dict[str, ParamValue] = {}
    for index, item in enumerate(raw):
        try:
            name, value = parse_override(item)
        except ValueError as exc:
            problems.append(f"initializationOptions.params[{index}]: {exc}")
            continue
        values[name] = value
    return values
