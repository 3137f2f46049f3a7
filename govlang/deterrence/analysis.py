"""The deterrence analysis of one institution on one market.

Every pattern, its played outcomes, its verdict and its minimum deterring fine.

:func:`assess` is the entry point (``govlang deterrence`` prints its :class:`Assessment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govlang.deterrence.market import FloatArray, Market
from govlang.deterrence.patterns import FirmEconomics, Pattern, economics, patterns
from govlang.deterrence.play import Played, Strategy, play
from govlang.deterrence.search import (
    Deterred,
    FineParams,
    Threshold,
    compile_scaled,
    fine_params,
    ladder_overrides,
    min_scale,
    outside_range,
    scaled_overrides,
)
from govlang.deterrence.verdict import Outcome, Verdict, outcome, verdict, weights
from govlang.lang import ir
from govlang.lang.compile import CompiledInstitution
from govlang.lang.params import ParamValue

COLLUDING: tuple[Strategy, Strategy] = ("persistent", "evasive")

__all__ = ["Assessment", "MinimumFine", "PatternAssessment", "assess"]


@dataclass(frozen=True)
class MinimumFine:
    """The smallest fine that deters a pattern, by scale and by ladder step."""

    params: FineParams
    values: Mapping[str, ParamValue]
    """The current values of the scaled params (the scale multiplies these)."""
    persistent: Threshold | None
    evasive: Threshold | None
    outside: tuple[str, ...]
    """Scaled params whose deterring value lies outside their declared range."""
    ladder_step: int | None
    """The smallest rung to start every ladder at that deters (``None``: none does)."""
    ladder_rates: Mapping[str, list[float]] | None

    def at(self, scale: float) -> dict[str, ParamValue]:
        """The scaled params' values at ``scale``."""
        return scaled_overrides(self.values, self.params.scaled, scale)

    @property
    def scale(self) -> float | None:
        """The smallest scale deterring both strategies (``None``: none found)."""
        found = [self.persistent, self.evasive]
        if any(t is None or t.scale is None for t in found):
            return None
        return max(t.scale for t in found if t is not None and t.scale is not None)


@dataclass(frozen=True)
class PatternAssessment:
    """One pattern: its economics, its played outcomes, its verdict and minimum fine."""

    pattern: Pattern
    economics: tuple[FirmEconomics, ...]
    persistent: Outcome
    evasive: Outcome
    verdict: Verdict
    minimum: MinimumFine | None


@dataclass(frozen=True)
class Assessment:
    """The whole analysis."""

    institution: str
    digest: str
    market: Market
    horizon: int
    discount: float
    patterns: tuple[PatternAssessment, ...]
    skipped: tuple[Pattern, ...]

    @property
    def undeterred(self) -> tuple[PatternAssessment, ...]:
        """The patterns the institution cannot deter."""
        return tuple(p for p in self.patterns if p.verdict.kind == "cannot_deter")


def assess(
    compiled: CompiledInstitution,
    market: Market,
    horizon: int,
    discount: float,
    search: bool = True,
) -> Assessment:
    """Play every applicable pattern through ``compiled``; ``search`` the minimum fine."""
    w = weights(horizon, discount)
    done, skipped = [], []
    for pattern in patterns(market):
        if pattern.actions is None:
            skipped.append(pattern)
            continue
        done.append(_pattern(compiled, market, pattern, horizon, w, search))
    return Assessment(
        compiled.institution.name,
        compiled.digest,
        market,
        horizon,
        discount,
        tuple(done),
        tuple(skipped),
    )


def _pattern(
    compiled: CompiledInstitution,
    market: Market,
    pattern: Pattern,
    horizon: int,
    w: FloatArray,
    search: bool,
) -> PatternAssessment:
    assert pattern.actions is not None
    econ = economics(market, pattern.actions)
    outcomes = _outcomes(compiled, market, pattern, econ, horizon, w)
    persistent, evasive = outcomes
    found = verdict(econ, persistent, evasive)
    minimum = None
    if search and found.kind != "no_rent":
        minimum = _minimum(compiled, market, pattern, econ, horizon, w)
    return PatternAssessment(pattern, econ, persistent, evasive, found, minimum)


def _outcomes(
    compiled: CompiledInstitution,
    market: Market,
    pattern: Pattern,
    econ: tuple[FirmEconomics, ...],
    horizon: int,
    w: FloatArray,
) -> tuple[Outcome, Outcome]:
    """The persistent and evasive outcomes of ``pattern`` under ``compiled``."""
    assert pattern.actions is not None
    compete = play(compiled, market, pattern.actions, "compete", horizon)
    runs: list[Played] = [play(compiled, market, pattern.actions, s, horizon) for s in COLLUDING]
    persistent, evasive = (outcome(r, compete, econ, pattern.actions, w) for r in runs)
    return persistent, evasive


def _minimum(
    compiled: CompiledInstitution,
    market: Market,
    pattern: Pattern,
    econ: tuple[FirmEconomics, ...],
    horizon: int,
    w: FloatArray,
) -> MinimumFine:
    """Search the scale and the ladder step that deter ``pattern``."""
    assert pattern.actions is not None
    actions = pattern.actions
    institution, params = compiled.institution, dict(compiled.params)
    found = fine_params(institution)

    def tester(strategy: Strategy) -> Deterred:
        def deterred(candidate: CompiledInstitution) -> tuple[bool, bool]:
            compete = play(candidate, market, actions, "compete", horizon)
            run = play(candidate, market, actions, strategy, horizon)
            result = outcome(run, compete, econ, actions, w)
            return result.deterred, any(f.fines > 0 for f in result.firms)

        return deterred

    thresholds: list[Threshold | None] = [None, None]
    outside: tuple[str, ...] = ()
    if found.scaled:
        thresholds = [min_scale(institution, params, found.scaled, tester(s)) for s in COLLUDING]
        scales = [t.scale for t in thresholds if t is not None and t.scale is not None]
        if len(scales) == 2:
            at_scale = scaled_overrides(params, found.scaled, max(scales))
            outside = tuple(outside_range(institution, at_scale, found.scaled))
    step, rates = _ladder(institution, params, found, market, pattern, econ, horizon, w)
    current = {name: params[name] for name in found.scaled}
    return MinimumFine(found, current, thresholds[0], thresholds[1], outside, step, rates)


def _ladder(
    institution: ir.Institution,
    params: dict[str, ParamValue],
    found: FineParams,
    market: Market,
    pattern: Pattern,
    econ: tuple[FirmEconomics, ...],
    horizon: int,
    w: FloatArray,
) -> tuple[int | None, dict[str, list[float]] | None]:
    """The smallest rung every ladder could start at for the pattern to be deterred."""
    step = 0
    while found.ladders:
        overrides = ladder_overrides(params, found.ladders, step)
        if overrides is None:
            return None, None
        candidate = compile_scaled(institution, overrides, (), 1.0)
        persistent, evasive = _outcomes(candidate, market, pattern, econ, horizon, w)
        if persistent.deterred and evasive.deterred:
            return step, {name: _floats(overrides[name]) for name in found.ladders}
        step += 1
    return None, None


def _floats(value: ParamValue) -> list[float]:
    assert isinstance(value, tuple)
    return [float(v) for v in value]
