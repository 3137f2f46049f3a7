"""Sweep files: a base experiment and the axes along which its structure is varied.

A sweep file is TOML::

    name = "fine-rate"
    base = "reference_offline.toml"    # an experiment file, relative to this one
    populations = ["colluders"]        # base populations to cross (default: all of them)
    regimes = ["institutional"]        # regimes to cross (default: the base experiment's)
    replicates = 5                     # seeds per cell: base seed + 0 .. replicates-1
    rounds = 30                        # the horizon (default: the base experiment's)
    design = "grid"                    # grid | random | lhs
    samples = 16                       # points drawn by random / lhs
    seed = 0                           # seed of the random / lhs draw
    severe_level = 0.5                 # summary: severe incidence that counts as "present"
    tier_level = 2.0                   # summary: mean tier that counts as "present"
    collusive_level = 0.5              # summary: welfare-collusive share that counts as "present"
    harm_level = 0.5                   # summary: mean consumer harm that counts as "present"

    [axes]
    "param.fine_floor" = [0, 100, 200, 400]                    # listed values
    "param.suspension_streak" = { low = 1, high = 10, steps = 4 }   # a range

    [limits]                           # LLM runs in flight at once, per provider
    openai = 2

Axis names: ``param.NAME`` (a param of the ``.gov``; its declared type and range are checked
with :func:`govlang.lang.params.resolve_params` before anything runs), ``market.FIELD`` (a field of
the market's config: ``alpha``, ``beta``, ``capacity``, ``firms``, ...), the derived market axes
``market.cost_mean`` and ``market.cost_asymmetry`` (costs ``mean -/+ asymmetry / 2`` in the
reference's checkerboard pattern; the reference is mean 45, asymmetry 10), ``population`` (names
of base populations), ``firms.OPTION`` (an option set on every firm whose kind accepts it, e.g.
``firms.history_window`` or ``firms.model``), ``firm.I.kind`` / ``firm.I.OPTION`` (firm ``I``
alone), ``rounds``, ``regime``, and the channel axes ``talk`` (``off``, ``private``,
``monitored``) and ``talk.FIELD`` (``topology``, ``visibility``, ``messages``, ``chars``,
``hub``; :mod:`govlang.sweeps.talk`).

Listed values are crossed as a grid by every design; ranges are sampled: ``grid`` takes
``steps`` evenly spaced values (``log = true``: geometrically), ``random`` draws ``samples``
points uniformly, ``lhs`` a Latin hypercube (:mod:`scipy.stats.qmc`) of ``samples`` points.
Int params and int market fields are rounded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from govlang.experiments.config import ExperimentError, ExperimentSpec, load_experiment
from govlang.experiments.names import FileName, toml_key
from govlang.lang.frontend import InputError
from govlang.lang.inputs import TOML, read_text
from govlang.sweeps.talk import check_talk_axis

__all__ = ["AxisRange", "SweepError", "SweepSpec", "load_sweep"]

AxisValue = int | float | bool | str
"""One value of an axis."""

MARKET_DERIVED = ("cost_mean", "cost_asymmetry")
"""Market axes computed into the cost matrix rather than set as a config field."""


class SweepError(ExperimentError):
    """An invalid sweep: every problem as ``(key path, message)`` (exit code 1)."""


class AxisRange(BaseModel):
    """A numeric range of an axis: sampled by random / LHS, ``steps`` values on a grid."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float = Field(description="Smallest value.")
    high: float = Field(description="Largest value.")
    steps: int = Field(5, ge=2, le=1000, description="Grid values (grid design only).")
    log: bool = Field(False, description="Geometric spacing / log-uniform draws (low > 0).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        """``low < high``; ``low > 0`` on a log scale."""
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self


class SweepSpec(BaseModel):
    """A whole sweep (the programmatic twin of a sweep file); ``base`` is loaded already."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field("sweep", min_length=1, description="Short name for reports.")
    description: str = Field("", description="What the sweep asks.")
    base: ExperimentSpec = Field(description="The experiment whose structure is varied.")
    populations: tuple[str, ...] = Field((), description="Base populations (empty: all).")
    regimes: tuple[str, ...] = Field((), description="Regimes (empty: the base's).")
    replicates: int = Field(3, ge=1, le=10_000, description="Seeds per cell.")
    rounds: int | None = Field(None, ge=1, le=100_000, description="Horizon (None: base's).")
    design: Literal["grid", "random", "lhs"] = Field("grid", description="Sampling design.")
    samples: int = Field(16, ge=1, le=100_000, description="Points drawn by random / lhs.")
    seed: int = Field(0, ge=0, description="Seed of the random / lhs draw.")
    severe_level: float = Field(0.5, ge=0.0, le=1.0, description="Severe incidence level.")
    tier_level: float = Field(2.0, ge=0.0, le=5.0, description="Mean tier level.")
    collusive_level: float = Field(
        0.5, ge=0.0, le=1.0, description="Welfare-collusive share level."
    )
    harm_level: float = Field(0.5, ge=0.0, le=10.0, description="Mean consumer harm level.")
    axes: dict[str, tuple[AxisValue, ...] | AxisRange] = Field(default_factory=dict)
    limits: dict[FileName, int] = Field(
        default_factory=dict, description="LLM runs per provider (names its lock files)."
    )

    @model_validator(mode="before")
    @classmethod
    def _implicit(cls, data: Any) -> Any:
        """Fill ``populations`` and ``regimes`` from the base when they are not given."""
        if not isinstance(data, Mapping) or not isinstance(data.get("base"), ExperimentSpec):
            return data
        base: ExperimentSpec = data["base"]
        data = dict(data)
        data["populations"] = tuple(data.get("populations") or base.populations)
        data["regimes"] = tuple(data.get("regimes") or base.regimes)
        return data

    @model_validator(mode="after")
    def _known(self) -> Self:
        """Axis names, populations and regimes must be known; lists must be non-empty."""
        for name in self.populations:
            if name not in self.base.populations:
                known = ", ".join(self.base.populations)
                raise ValueError(f"populations: {name!r} is not a base population ({known})")
        for name, axis in self.axes.items():
            _check_axis(name, axis, self.base)
        if "population" in self.axes and self.populations != tuple(self.base.populations):
            raise ValueError("give populations either as the `population` axis or at top level")
        for name, limit in self.limits.items():
            if limit < 1:
                raise ValueError(f"limits.{name}: must be at least 1, got {limit}")
        return self

    @property
    def horizon(self) -> int:
        """Rounds per run unless a ``rounds`` axis says otherwise."""
        return self.rounds if self.rounds is not None else self.base.rounds

    def categorical(self) -> dict[str, tuple[AxisValue, ...]]:
        """The axes crossed as a grid by every design (implicit population and regime first)."""
        out: dict[str, tuple[AxisValue, ...]] = {}
        if "population" not in self.axes:
            out["population"] = self.populations
        if "regime" not in self.axes:
            out["regime"] = self.regimes
        out.update({k: v for k, v in self.axes.items() if isinstance(v, tuple)})
        return out

    def ranges(self) -> dict[str, AxisRange]:
        """The axes sampled by the design."""
        return {k: v for k, v in self.axes.items() if isinstance(v, AxisRange)}


def _check_axis(name: str, axis: tuple[AxisValue, ...] | AxisRange, base: ExperimentSpec) -> None:
    """Refuse an unknown axis name, an empty list, or values of the wrong kind."""
    if isinstance(axis, tuple) and not axis:
        raise ValueError(f"axes.{name}: no values")
    head, _, rest = name.partition(".")
    if name in ("population", "regime", "rounds"):
        if isinstance(axis, AxisRange) and name != "rounds":
            raise ValueError(f"axes.{name}: list the values (a range is numeric)")
        if name == "population":
            missing = [v for v in axis if v not in base.populations]
            if missing:
                raise ValueError(f"axes.population: unknown population(s) {missing}")
        return
    if head == "param" and rest:
        return  # checked against the institution's declarations when the sweep is planned
    if head == "market" and rest:
        _check_market_axis(name, rest, base)
        return
    if head == "talk":
        check_talk_axis(name, axis)
        return
    if _firm_axis(name):
        return
    raise ValueError(
        f"axes.{name}: unknown axis (param.NAME, market.FIELD, population, firms.OPTION, "
        "firm.I.kind, firm.I.OPTION, rounds, regime, talk, talk.FIELD)"
    )


def _firm_axis(name: str) -> bool:
    """Whether ``name`` is ``firms.OPTION``, ``firm.I.kind`` or ``firm.I.OPTION``."""
    parts = name.split(".")
    if parts[0] == "firms":
        return len(parts) > 1 and bool(parts[1])
    return parts[0] == "firm" and len(parts) == 3 and parts[1].isdigit()


def _check_market_axis(name: str, field: str, base: ExperimentSpec) -> None:
    """A market axis must name a config field (not the horizon) or a derived cost axis."""
    fields = type(base.market.resolved(1)).model_fields
    if field not in fields and field not in MARKET_DERIVED:
        raise ValueError(f"axes.{name}: no market field {field!r} ({', '.join(fields)})")
    if field == "max_rounds":
        raise ValueError(f"axes.{name}: use the `rounds` axis")


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file and its base experiment (paths relative to the file).

    Raises :class:`~govlang.lang.frontend.InputError` for unreadable files and :class:`SweepError`
    (or the base's :class:`~govlang.experiments.config.ExperimentError`) for invalid ones.
    """
    file = Path(path)
    try:
        data = tomllib.loads(read_text(file, TOML))
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SweepError(str(file), [("", f"not a TOML file: {exc}")]) from None
    base_path = data.get("base")
    if not isinstance(base_path, str):
        raise SweepError(str(file), [("base", "required: the path of an experiment file")])
    data["base"] = load_experiment(file.parent / base_path)
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(str(file), _problems(exc)) from None


def _problems(exc: ValidationError) -> Sequence[tuple[str, str]]:
    """Pydantic errors as (key path, message)."""
    out = []
    for error in exc.errors():
        parts = [str(p) for p in error["loc"] if not str(p).startswith("function-")]
        loc = ".".join(toml_key(p) for p in parts if p != "[key]")
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        out.append((loc, message))
    return out
