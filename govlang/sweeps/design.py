"""Designs and plans: the points of a sweep, validated, and the runs they stand for.

:func:`design_points` crosses the listed axes as a grid with the points drawn over the range
axes (grid, random or Latin hypercube, seeded). :func:`plan_sweep` turns every point into an
experiment (one population, one regime, ``replicates`` seeds), validates it -- the ``.gov``
params against their declared types and ranges (:func:`govlang.lang.params.resolve_params`), the
market config, the firms -- and plans its runs with the experiments' content-addressed run
ids, so a sweep shares completed runs with experiments and other sweeps in the same store.
Nothing runs until every point is valid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError
from scipy.stats import qmc

from govlang.agents import FIRM_KINDS
from govlang.agents.llm import LLMFirmOptions
from govlang.api import read_document
from govlang.experiments.config import ExperimentSpec, MarketSpec, _accepted_options
from govlang.experiments.run_loop import institution_of
from govlang.experiments.runs import RunSpec, plan_runs
from govlang.lang.diagnostics import GovlangError
from govlang.lang.params import ParamValue, resolve_params
from govlang.sweeps.config import AxisRange, AxisValue, SweepError, SweepSpec
from govlang.sweeps.talk import talk_of

__all__ = ["Point", "SweepRun", "design_points", "experiment_for", "plan_sweep"]

Point = dict[str, AxisValue]
"""One design point: a value per axis (implicit ``population`` and ``regime`` included)."""

INT_MARKET_FIELDS = ("firms", "commodities")
"""Market axes whose values are whole numbers."""


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its design point (cell), replicate number and run spec."""

    cell: int
    point: Point
    replicate: int
    run: RunSpec


def design_points(spec: SweepSpec, int_axes: Sequence[str] = ()) -> list[Point]:
    """Every point of the sweep, in a stable order (grid axes vary slowest, in file order).

    ``int_axes`` names the range axes whose draws are rounded to whole numbers.
    """
    grid = spec.categorical()
    ranges = spec.ranges()
    draws = _draws(spec, ranges, set(int_axes))
    points: list[Point] = []
    for combo in itertools.product(*grid.values()):
        fixed = dict(zip(grid, combo, strict=True))
        points.extend({**fixed, **draw} for draw in draws)
    unique: list[Point] = []
    for point in points:
        if point not in unique:
            unique.append(point)
    return _widened(unique)


def _widened(points: list[Point]) -> list[Point]:
    """Ints of an axis that also holds floats made floats (one type per table column)."""
    floats = {
        k for p in points for k, v in p.items() if isinstance(v, float) and not isinstance(v, bool)
    }
    return [
        {
            k: (float(v) if k in floats and not isinstance(v, bool | str) else v)
            for k, v in p.items()
        }
        for p in points
    ]


def _draws(spec: SweepSpec, ranges: Mapping[str, AxisRange], ints: set[str]) -> list[Point]:
    """The range axes' values: a grid of ``steps`` each, or ``samples`` random / LHS points."""
    if not ranges:
        return [{}]
    names = list(ranges)
    if spec.design == "grid":
        columns = [_steps(ranges[n]) for n in names]
        rows = [list(c) for c in itertools.product(*columns)]
    else:
        if spec.design == "lhs":
            unit = qmc.LatinHypercube(d=len(names), seed=spec.seed).random(spec.samples)
        else:
            unit = np.random.default_rng(spec.seed).random((spec.samples, len(names)))
        rows = [[_scale(ranges[n], float(u[i])) for i, n in enumerate(names)] for u in unit]
    return [
        {n: (round(v) if n in ints else round(v, 10)) for n, v in zip(names, row, strict=True)}
        for row in rows
    ]


def _steps(axis: AxisRange) -> list[float]:
    """``steps`` evenly (or geometrically) spaced values from low to high."""
    if axis.log:
        return [float(v) for v in np.geomspace(axis.low, axis.high, axis.steps)]
    return [float(v) for v in np.linspace(axis.low, axis.high, axis.steps)]


def _scale(axis: AxisRange, u: float) -> float:
    """A unit draw mapped onto the range (log-uniformly on a log range)."""
    if axis.log:
        return math.exp(math.log(axis.low) + u * (math.log(axis.high) - math.log(axis.low)))
    return axis.low + u * (axis.high - axis.low)


# ---------------------------------------------------------------------------- points to specs


def _market(spec: SweepSpec, point: Point) -> dict[str, Any]:
    """The market overrides of a point (firm count, fields, derived cost structure)."""
    base = spec.base.market
    config: dict[str, Any] = dict(base.config)
    resolved = base.resolved(1)
    fields = {k.split(".", 1)[1]: v for k, v in point.items() if k.startswith("market.")}
    n = int(fields.get("firms", resolved.n_firms))
    costs = np.asarray(resolved.costs, dtype=np.float64)
    mean = float(fields.get("cost_mean", costs.mean()))
    spread = float(fields.get("cost_asymmetry", costs.max() - costs.min()))
    derived = "cost_mean" in fields or "cost_asymmetry" in fields
    if derived or n != resolved.n_firms:
        config["costs"] = _pattern(base.kind, n, _commodities(resolved), mean, spread)
    if n != resolved.n_firms:
        for name in ("capacity", "quality"):
            value = getattr(resolved, name, None)
            if value is not None and name not in fields:
                config[name] = float(np.mean(value))
    config.update({k: v for k, v in fields.items() if k not in ("cost_mean", "cost_asymmetry")})
    return {"kind": base.kind, **config}


def _commodities(config: Any) -> int:
    """The number of commodities (1 for a Bertrand market)."""
    return int(getattr(config, "n_commodities", 1))


def _pattern(kind: str, n: int, m: int, mean: float, spread: float) -> Any:
    """Costs ``mean -/+ spread/2`` in a checkerboard over (firm, commodity) (reference: 45, 10)."""
    half = spread / 2
    if kind == "bertrand":
        return [mean + (half if i % 2 else -half) for i in range(n)]
    return [[mean + (half if (i + j) % 2 else -half) for j in range(m)] for i in range(n)]


def _firms(spec: SweepSpec, point: Point, n: int) -> list[dict[str, Any]]:
    """The population's firms for ``n`` market firms (cycled), with the firm axes applied."""
    population = spec.base.populations[str(point["population"])]
    firms = [population.firms[i % len(population.firms)] for i in range(n)]
    out = []
    for i, firm in enumerate(firms):
        kind, options = firm.kind, dict(firm.options)
        own = {k.split(".", 2)[2]: v for k, v in point.items() if k.startswith(f"firm.{i}.")}
        if "kind" in own and own["kind"] != kind:
            kind, options = str(own["kind"]), {}
        for key, value in point.items():
            if key.startswith("firms.") and _accepts(kind, key.split(".", 1)[1]):
                options[key.split(".", 1)[1]] = value
        options.update({k: v for k, v in own.items() if k != "kind"})
        out.append({"kind": kind, **options})
    return out


def _accepts(kind: str, option: str) -> bool:
    """Whether firms of ``kind`` take ``option`` (checked by building one with it unset)."""
    accepted = _accepted_options(FIRM_KINDS[kind])
    if accepted is None and kind == "llm":
        return option in LLMFirmOptions.model_fields
    return accepted is None or option in accepted


def experiment_for(spec: SweepSpec, point: Point) -> ExperimentSpec:
    """The single-condition experiment of a design point (raises ``ValueError`` if invalid)."""
    base = spec.base
    market = _market(spec, point)
    n = MarketSpec.model_validate(market).n_firms()
    params = dict(base.institution.params)
    params.update({k[6:]: v for k, v in point.items() if k.startswith("param.")})  # type: ignore[misc]
    data = {
        "name": f"{spec.name}",
        "description": spec.description,
        "rounds": int(point.get("rounds", spec.horizon)),
        "runs": spec.replicates,
        "seed": base.seed,
        "concurrency": 1,
        "regimes": [point["regime"]],
        "market": market,
        "institution": {"path": base.institution.path, "params": params},
        "populations": {str(point["population"]): {"firms": _firms(spec, point, n)}},
        "metrics": base.metrics,
        "llm": base.llm,
        "constitution": base.constitution,
        "talk": talk_of(base.talk, point),
    }
    return ExperimentSpec.model_validate(data)


def _check_params(spec: SweepSpec, points: Sequence[Point]) -> list[tuple[str, str]]:
    """Every param value of every point against the institution's declarations."""
    path = spec.base.institution.path
    document, _ = read_document(path)
    if document.institution is None:
        return [("base", f"{path}: no institution")]
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for point in points:
        params = {k[6:]: v for k, v in point.items() if k.startswith("param.")}
        overrides: dict[str, ParamValue] = {**spec.base.institution.params, **params}  # type: ignore[dict-item]
        _, diagnostics = resolve_params(document.institution, overrides, str(path))
        for d in diagnostics:
            if d.is_error and d.message not in seen:
                seen.add(d.message)
                problems.append((f"axes.param.{_param_of(d.message)}", f"{d.code}: {d.message}"))
    return problems


def _param_of(message: str) -> str:
    """The param name quoted in a params diagnostic (``name`` or --param name=...)."""
    if "`" in message:
        return message.split("`")[1].split("=")[0].strip()
    return message.split("--param ", 1)[-1].split("=")[0]


def _int_axes(spec: SweepSpec) -> list[str]:
    """The range axes whose values must be whole numbers (int params, counts, rounds)."""
    document, _ = read_document(spec.base.institution.path)
    declared = {p.name: p.type for p in document.institution.params} if document.institution else {}
    out = ["rounds", *(f"market.{f}" for f in INT_MARKET_FIELDS)]
    out += [f"param.{n}" for n, t in declared.items() if t == "int"]
    return [a for a in spec.ranges() if a in out or a.endswith(".history_window")]


def plan_sweep(spec: SweepSpec, llm_cache: Path | None, source: str = "<sweep>") -> list[SweepRun]:
    """Every run of the sweep, cell by cell; :class:`SweepError` lists every invalid point."""
    points = design_points(spec, _int_axes(spec))
    problems = _check_params(spec, points)
    if problems:
        raise SweepError(source, problems)
    planned: list[SweepRun] = []
    for cell, point in enumerate(points):
        try:
            experiment = experiment_for(spec, point)
        except (ValidationError, ValueError) as exc:
            problems.append((_where(point), _first_error(exc)))
            continue
        try:
            digest = institution_of(experiment).digest
        except GovlangError as exc:  # e.g. GL414: the institution reads a channel turned off
            problems.append((_where(point), _diagnostic(exc)))
            continue
        cache = experiment.llm.cache if experiment.llm.cache is not None else llm_cache
        runs = plan_runs(experiment, digest, cache or None)
        planned.extend(SweepRun(cell, point, r.index, r) for r in runs)
    if problems:
        raise SweepError(source, problems)
    return planned


def _diagnostic(exc: GovlangError) -> str:
    """The first diagnostic of an institution that does not check for a point."""
    if not exc.diagnostics:
        return str(exc)
    first = exc.diagnostics[0]
    return f"{first.code}: {first.message}"


def _where(point: Point) -> str:
    """A point written as ``axis=value, ...`` for error messages."""
    return "point " + ", ".join(f"{k}={v}" for k, v in point.items())


def _first_error(exc: Exception) -> str:
    """The first readable message of a validation error."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"
    return str(exc)
