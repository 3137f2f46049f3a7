"""Experiment files: a TOML declaration of market, institution, regimes and populations.

An experiment compares regimes (default: ``ungoverned``, ``constitutional``,
``institutional``) of one institution on one market, for every named *population* (agent
configuration) of firms, ``runs`` times each. Top-level keys: ``name``, ``description``,
``rounds``, ``runs``, ``seed``, ``concurrency``, ``regimes``; tables: ``[market]`` (``kind``;
every other key overrides a field of the market's config), ``[institution]`` (``path``,
relative to the file, and ``params``), ``[populations.NAME]`` (``description``, ``firms``: one
``{ kind = ..., option = ... }`` per market firm), ``[metrics]`` (tier thresholds and
aggregation, :class:`~govlang.experiments.metrics.MetricParams`), ``[llm]`` (defaults for
every ``llm`` firm), ``[constitution]`` (``text`` or ``file``: the text shown under the
constitutional regime), ``[log]`` (when each run's governance log is fsynced,
:class:`LogSpec`) and ``[talk]`` (a channel between the firms,
:class:`~govlang.channels.spec.ChannelSpec`; without it firms cannot talk).
``examples/reference_offline.toml`` is a complete example. Population
names become parts of file names, so they are restricted (:mod:`govlang.experiments.names`,
``specs/inputs.md``).

Every model is frozen pydantic; :func:`load_experiment` turns any problem into an
:class:`ExperimentError` that names the file, the key path and what is wrong (exit code 1), and
a file that cannot be read into :class:`~govlang.lang.frontend.InputError` (exit code 3). The
format is specified in ``specs/experiments.md``.
"""

from __future__ import annotations

import difflib
import inspect
import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from govlang.agents import FIRM_KINDS
from govlang.channels.spec import ChannelSpec
from govlang.experiments.metrics import MetricParams
from govlang.experiments.names import FileName, toml_key
from govlang.lang.frontend import InputError
from govlang.lang.inputs import TOML, read_input
from govlang.lang.params import ParamValue
from govlang.markets import registry
from govlang.runtime.govern import Regime
from govlang.runtime.log import DEFAULT_FSYNC, DEFAULT_FSYNC_EVERY, FsyncPolicy

__all__ = [
    "ConstitutionSpec",
    "ExperimentError",
    "ExperimentSpec",
    "FirmSpec",
    "InstitutionSpec",
    "LLMDefaults",
    "LogSpec",
    "MarketSpec",
    "PopulationSpec",
    "load_experiment",
]

TEXT_BLIND_KINDS = frozenset({"nash", "best_response", "qlearning", "colluder", "random", "talker"})
"""The firm kinds that never read the constitution or notices (a talker reads only messages)."""

MODEL_KINDS = frozenset({"llm"})
"""The firm kinds that call a language model (I/O-bound); every other kind is offline."""

DEFAULT_REGIMES: tuple[Regime, ...] = ("ungoverned", "constitutional", "institutional")
"""The regimes an experiment compares when it names none (the two ablations are opt-in)."""

OFFLINE_SECRET_KEYS = ("api_key",)
"""Firm options that never appear in a manifest or a run id (may hold a secret)."""

RUN_IRRELEVANT_KEYS = ("cache", "api_key", "replay_only")
"""Firm options that do not change what a run is (left out of run ids): a replay is the run."""


class ExperimentError(Exception):
    """An invalid experiment: every problem as ``(key path, message)`` (exit code 1)."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        """``source`` names the file (or ``<spec>``); ``problems`` are (key path, message)."""
        self.source = source
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        """One line per problem: ``file: key.path: message``."""
        return "\n".join(
            f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}"
            for key, message in self.problems
        )


class _Frozen(BaseModel):
    """Base of every experiment model: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class FirmSpec(_Frozen):
    """One firm of a population: its kind and the keyword options of its factory.

    In TOML the options sit next to the kind: ``{ kind = "colluder", tolerance = 0.1 }``.
    """

    kind: str = Field(description="A key of govlang.agents.FIRM_KINDS.")
    options: dict[str, Any] = Field(default_factory=dict, description="Factory options.")

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        """Collect every key but ``kind`` into ``options`` (flat TOML form)."""
        if isinstance(data, Mapping) and "options" not in data:
            return {
                "kind": data.get("kind"),
                "options": {k: v for k, v in data.items() if k != "kind"},
            }
        return data

    @model_validator(mode="after")
    def _known(self) -> Self:
        """The kind must be registered; the options must be accepted by its factory."""
        if self.kind not in FIRM_KINDS:
            close = difflib.get_close_matches(self.kind, FIRM_KINDS, n=2)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(
                f"unknown firm kind {self.kind!r}{hint} (known: {', '.join(sorted(FIRM_KINDS))})"
            )
        _check_options(self.kind, {k: v for k, v in self.options.items() if k != "cache"})
        return self

    def identity(self) -> dict[str, Any]:
        """The kind and the options that change what the firm does (for run ids)."""
        kept = {k: v for k, v in self.options.items() if k not in RUN_IRRELEVANT_KEYS}
        return {"kind": self.kind, "options": kept}

    def public(self) -> dict[str, Any]:
        """The spec for manifests and reports (secrets redacted)."""
        shown = {
            k: ("<redacted>" if k in OFFLINE_SECRET_KEYS and not str(v).startswith("env:") else v)
            for k, v in self.options.items()
        }
        return {"kind": self.kind, **{k: _plain(v) for k, v in shown.items()}}


def _check_options(kind: str, options: dict[str, Any]) -> None:
    """Build the firm once to validate its options; explain an unknown option."""
    factory = FIRM_KINDS[kind]
    accepted = _accepted_options(factory)
    for name in options:
        if accepted is not None and name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{kind}: unknown option {name!r}{hint}")
    try:
        factory(**options)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{kind}: {where}: {first['msg']}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{kind}: {exc}") from None


def _accepted_options(factory: Any) -> list[str] | None:
    """The keyword options a factory names explicitly (``None`` when it takes ``**options``)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return [p.name for p in parameters]


class PopulationSpec(_Frozen):
    """A named agent configuration: one firm spec per market firm (heterogeneous allowed)."""

    description: str = Field("", description="What the population represents.")
    firms: tuple[FirmSpec, ...] = Field(min_length=1, description="One spec per firm, in order.")

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind of each firm."""
        return tuple(f.kind for f in self.firms)

    @property
    def reads_text(self) -> bool:
        """Whether some firm may read the constitution and notices (not a text-blind kind)."""
        return any(kind not in TEXT_BLIND_KINDS for kind in self.kinds)


class MarketSpec(_Frozen):
    """The market: its kind and overrides of its config (every key but ``kind`` in TOML)."""

    kind: str = Field("cournot", description="A registered market (govlang.markets.registry).")
    config: dict[str, Any] = Field(default_factory=dict, description="Config overrides.")

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        """Collect every key but ``kind`` into ``config`` (flat TOML form)."""
        if isinstance(data, Mapping) and "config" not in data:
            return {
                "kind": data.get("kind", "cournot"),
                "config": {k: v for k, v in data.items() if k != "kind"},
            }
        return data

    @field_validator("kind")
    @classmethod
    def _registered(cls, kind: str) -> str:
        """The kind must name a registered market."""
        registry.market(kind)
        return kind

    @model_validator(mode="after")
    def _valid(self) -> Self:
        """The overrides must make a valid config; the horizon is the experiment's."""
        if "max_rounds" in self.config:
            raise ValueError("max_rounds: set the experiment's `rounds` instead")
        self.resolved(1)
        return self

    def resolved(self, rounds: int) -> Any:
        """The validated market config (its registered config model) with ``rounds`` rounds."""
        config = registry.market(self.kind).config
        return config.model_validate({**self.config, "max_rounds": rounds})

    def n_firms(self) -> int:
        """The number of firms of the market."""
        return int(self.resolved(1).n_firms)


class InstitutionSpec(_Frozen):
    """The institution: a ``.gov`` file (relative to the experiment file) and param overrides."""

    path: Path = Field(description="The .gov file.")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="Param overrides.")


class ConstitutionSpec(_Frozen):
    """The constitution shown under the ``constitutional`` regime (``[constitution]`` in TOML).

    Exactly one of ``text`` (inline) and ``file`` (a UTF-8 text file, relative to the
    experiment file; :func:`load_experiment` reads it into ``text`` and records the path in
    ``source``). Without this table the constitutional regime shows the institution's own
    constitution, generated from its rules (``specs/artifacts.md``).
    """

    text: str | None = Field(None, description="The constitution, inline.")
    file: Path | None = Field(None, description="A UTF-8 file holding the constitution.")
    source: str = Field("inline", description="Where the text came from (set when loading).")

    @model_validator(mode="after")
    def _one(self) -> Self:
        """Exactly one of ``text`` and ``file``; a text must say something."""
        if (self.text is None) == (self.file is None):
            raise ValueError("give exactly one of `text` (inline) and `file` (a path)")
        if self.text is not None and not self.text.strip():
            raise ValueError("text: the constitution is empty")
        return self


class LogSpec(_Frozen):
    """When each run's governance log is fsynced (``[log]`` in TOML).

    ``fsync``: ``batch`` (default: every ``fsync_every`` rounds and at the end of the run),
    ``round`` (after every round) or ``run`` (at the end only). Every round's entries reach
    the operating system before the next round whatever the policy, so a crash of the run
    loses at most the round in flight; an operating-system crash or a power loss can lose the
    rounds since the last fsync (the log then fails verification as incomplete). The policy
    changes no byte of any log or result.
    """

    fsync: FsyncPolicy = Field(DEFAULT_FSYNC, description="round, batch or run.")
    fsync_every: int = Field(
        DEFAULT_FSYNC_EVERY, ge=1, le=1_000_000, description="Rounds between fsyncs (batch)."
    )


class LLMDefaults(_Frozen):
    """Defaults for every firm of kind ``llm`` (a firm's own options win).

    Each field is the :class:`~govlang.agents.llm.LLMFirmOptions` option of the same name.
    ``cache``: the response cache directory (relative to the experiment file); unset means
    ``RESULTS/llm-cache``, ``false`` disables caching.
    """

    model: str | None = None
    api_base: str | None = None
    api_key: str | None = Field(None, repr=False)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    timeout: float | None = Field(None, gt=0.0)
    max_retries: int | None = Field(None, ge=0)
    max_tokens: int | None = Field(None, ge=1)
    json_schema: bool | None = None
    note_chars: int | None = Field(None, ge=1)
    replay_only: bool | None = None
    cache: Path | Literal[False] | None = None

    def options(self) -> dict[str, Any]:
        """The defaults that are set, as firm options (``cache`` excluded)."""
        return self.model_dump(exclude_none=True, exclude={"cache"})


class ExperimentSpec(_Frozen):
    """A whole experiment (the programmatic twin of an experiment file).

    Paths are taken as given; :func:`load_experiment` makes them relative to the file.
    """

    name: str = Field("experiment", min_length=1, description="Short name for reports.")
    description: str = Field("", description="What the experiment asks.")
    rounds: int = Field(50, ge=1, le=100_000, description="Rounds per run.")
    runs: int = Field(10, ge=1, le=10_000, description="Runs per (population, regime).")
    seed: int = Field(0, ge=0, description="Run k of every condition uses seed + k.")
    concurrency: int = Field(1, ge=1, le=256, description="Runs executed concurrently.")
    regimes: tuple[Regime, ...] = Field(
        DEFAULT_REGIMES, min_length=1, description="Regimes to compare."
    )
    market: MarketSpec = Field(default_factory=MarketSpec)
    institution: InstitutionSpec
    populations: dict[FileName, PopulationSpec] = Field(
        min_length=1, description="Named populations (each name becomes part of file names)."
    )
    metrics: MetricParams = Field(default_factory=MetricParams)
    llm: LLMDefaults = Field(default_factory=LLMDefaults)
    constitution: ConstitutionSpec | None = Field(
        None, description="The constitutional regime's text (default: the institution's)."
    )
    log: LogSpec = Field(default_factory=LogSpec)
    talk: ChannelSpec | None = Field(
        None, description="A channel between the firms (default: none, they cannot talk)."
    )

    @model_validator(mode="before")
    @classmethod
    def _llm_defaults(cls, data: Any) -> Any:
        """Fill ``[llm]`` defaults into every ``llm`` firm before the firms are validated."""
        if not isinstance(data, Mapping):
            return data
        try:
            defaults = LLMDefaults.model_validate(data.get("llm", {})).options()
        except ValidationError:  # reported by the field's own validation
            return data
        populations = data.get("populations")
        if isinstance(populations, Mapping):
            data = {
                **data,
                "populations": {k: _with_llm(v, defaults) for k, v in populations.items()},
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Regimes distinct; each population has one firm per market firm; no two identical."""
        if len(set(self.regimes)) != len(self.regimes):
            raise ValueError(f"regimes: listed twice in {list(self.regimes)}")
        n = self.market.n_firms()
        for name, population in self.populations.items():
            if len(population.firms) != n:
                raise ValueError(
                    f"populations.{name}: {len(population.firms)} firms, but the market has {n}"
                    " (set market.firms, or give one spec per firm)"
                )
        if self.talk is not None:
            try:
                self.talk.check_firms(n)
            except ValueError as exc:
                raise ValueError(f"talk.{exc}") from None
        seen: dict[str, str] = {}
        for name, population in self.populations.items():
            key = repr([f.identity() for f in population.firms])
            if key in seen:
                raise ValueError(f"populations.{name}: identical to populations.{seen[key]}")
            seen[key] = name
        return self

    @property
    def offline(self) -> bool:
        """Whether no firm calls a language model (every run is CPU-bound)."""
        return not any(f.kind in MODEL_KINDS for p in self.populations.values() for f in p.firms)


def _with_llm(population: Any, defaults: Mapping[str, Any]) -> Any:
    """``population`` with ``defaults`` under every ``llm`` firm's own options."""
    if not isinstance(population, Mapping) or not isinstance(population.get("firms"), list | tuple):
        return population
    firms = [
        {**defaults, **firm} if isinstance(firm, Mapping) and firm.get("kind") == "llm" else firm
        for firm in population["firms"]
    ]
    return {**population, "firms": firms}


def _plain(value: Any) -> Any:
    """Paths as strings; everything else unchanged (JSON-ready firm options)."""
    return str(value) if isinstance(value, Path) else value


# ---------------------------------------------------------------------------- loading


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read, parse and validate an experiment file; paths become relative to its folder.

    Raises :class:`~govlang.lang.frontend.InputError` when the file (or the institution it names)
    cannot be read, and :class:`ExperimentError` for anything invalid.
    """
    file = Path(path)
    data = _read_toml(file)
    base = file.parent
    data = _relative_paths(data, base)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(str(file), _problems(exc)) from None
    institution = spec.institution.path
    if not institution.is_file():
        raise InputError(f"{file}: institution.path: no such file: {institution}")
    if spec.constitution is not None and spec.constitution.file is not None:
        text = _read_constitution(file, spec.constitution.file)
        read = ConstitutionSpec(text=text, source=str(spec.constitution.file))
        spec = spec.model_copy(update={"constitution": read})
    return spec


MAX_CONSTITUTION_BYTES = 1_000_000
"""The largest constitution file read (a constitution is prose for a prompt, not data)."""


def _read_constitution(experiment: Path, path: Path) -> str:
    """The text of a constitution file; an :class:`ExperimentError` at ``constitution.file``."""

    def fail(message: str) -> ExperimentError:
        return ExperimentError(str(experiment), [("constitution.file", message)])

    if not path.exists():
        raise fail(f"no such file: {path} (paths are relative to the experiment file)")
    if not path.is_file():
        raise fail(f"not a regular file: {path}")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONSTITUTION_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_CONSTITUTION_BYTES:
        raise fail(f"{path} is larger than {MAX_CONSTITUTION_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    if not text.strip():
        raise fail(f"{path} is empty")
    return text


def _read_toml(file: Path) -> dict[str, Any]:
    """The parsed TOML document (syntax errors are experiment errors, I/O errors input errors)."""
    data = read_input(file, TOML, "an experiment file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExperimentError(str(file), [("", f"not UTF-8 text: {exc.reason}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(str(file), [("", f"TOML syntax: {exc}")]) from None


def _relative_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Resolve the institution path and the LLM cache directory against ``base``."""
    data = dict(data)
    institution = data.get("institution")
    if isinstance(institution, dict) and isinstance(institution.get("path"), str):
        data["institution"] = {**institution, "path": base / institution["path"]}
    constitution = data.get("constitution")
    if isinstance(constitution, dict) and isinstance(constitution.get("file"), str):
        data["constitution"] = {**constitution, "file": base / constitution["file"]}
    llm = data.get("llm")
    if isinstance(llm, dict) and isinstance(llm.get("cache"), str):
        data["llm"] = {**llm, "cache": base / llm["cache"]}
    return data


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Pydantic errors as (key path, readable message); echoes of item errors left out."""
    errors = exc.errors()
    problems = []
    for error in errors:
        if error["type"] == "too_short" and any(_inside(e["loc"], error["loc"]) for e in errors):
            continue
        skipped = ("options", "config", "function-after", "[key]")
        loc = [str(p) for p in error["loc"] if p not in skipped]
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _key_hint(loc)
        elif error["type"] == "literal_error":
            message = f"{message}, got {error.get('input')!r}" + _literal_hint(error)
        problems.append((_key_path(loc), message))
    return problems


def _literal_hint(error: Any) -> str:
    """A did-you-mean hint for a misspelt choice (a regime, a market kind)."""
    choices = re.findall(r"'([^']+)'", str(error.get("ctx", {}).get("expected", "")))
    close = difflib.get_close_matches(str(error.get("input")), choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _inside(loc: tuple[Any, ...], outer: tuple[Any, ...]) -> bool:
    """Whether ``loc`` lies strictly inside ``outer`` (an item of a list that is too short)."""
    return len(loc) > len(outer) and tuple(loc[: len(outer)]) == tuple(outer)


def _key_path(loc: Sequence[str]) -> str:
    """``populations.colluders.firms[0].kind`` from pydantic's location tuple.

    Keys that TOML would quote are quoted: ``populations."../x"``.
    """
    out = ""
    for part in loc:
        key = toml_key(part)
        out += f"[{part}]" if part.isdigit() else (f".{key}" if out else key)
    return out


def _key_hint(loc: Sequence[str]) -> str:
    """A did-you-mean hint for an unknown top-level or table key."""
    fields: Mapping[str, Any] = ExperimentSpec.model_fields
    for part in loc[:-1]:
        annotation = getattr(fields.get(part), "annotation", None)
        models = [annotation, *typing.get_args(annotation)]  # ``X | None`` tables too
        fields = next((m.model_fields for m in models if hasattr(m, "model_fields")), {})
    close = difflib.get_close_matches(loc[-1], list(fields), n=1) if loc else []
    return f"; did you mean {close[0]!r}?" if close else ""
