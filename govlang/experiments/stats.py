"""Regime comparisons: confidence intervals, effect sizes and tests (scipy).

Conventions:

* **Mean CI** (:func:`mean_ci`): Student-t, ``mean +- t_{(1+level)/2, n-1} s / sqrt(n)`` with
  the sample SD (``ddof=1``); or a percentile bootstrap of the mean from a seeded
  ``numpy.random.Generator``. One value gives an unbounded interval ``(-inf, inf)``.
* **Incidence** (:func:`wilson_interval`): the Wilson score interval of a proportion.
* **Cohen's d** (:func:`cohens_d`): ``(mean(a) - mean(b)) / s_pooled`` with
  ``s_pooled = sqrt(((n_a - 1) s_a^2 + (n_b - 1) s_b^2) / (n_a + n_b - 2))``; positive when
  ``a`` is larger (pass the baseline first, e.g. ungoverned vs institutional tiers, to get a
  positive d for an improvement). Zero pooled SD: ``0`` for equal means, else ``+-inf``.
* **Welch's t-test** (:func:`welch_test`): ``scipy.stats.ttest_ind(equal_var=False)``. When
  both groups have zero variance the test statistic is undefined; the result is then explicit
  (``statistic = +-inf`` and ``p = 0`` on the side of the difference, ``p = 1`` otherwise; for
  equal constants ``statistic = 0``, ``p = 1``) and ``degenerate`` is set.
* **Paired sign-flip permutation test** (:func:`sign_flip_test`) across agent configurations:
  the statistic is the mean of per-configuration mean differences ``d_k``; under the null each
  ``d_k`` is symmetric about 0, so its sign is flipped. Exact enumeration of all ``2^K`` sign
  vectors for ``K <= exact_max`` (default 20): ``p = #{T* >= T} / 2^K`` (``greater``),
  ``#{T* <= T} / 2^K`` (``less``), ``#{|T*| >= |T|} / 2^K`` (``two-sided``); otherwise
  ``resamples`` seeded Monte Carlo draws with ``p = (1 + #) / (1 + resamples)``. With six
  configurations that all improve, the exact one-sided p is ``1/64`` and the two-sided p is
  ``2/64 = 0.03125`` (the reference study's figure).
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict

FloatArray = NDArray[np.float64]


def _sps() -> ModuleType:
    """``scipy.stats``, imported on first use (run workers never compare regimes)."""
    return importlib.import_module("scipy.stats")


Alternative = Literal["two-sided", "greater", "less"]

__all__ = [
    "Comparison",
    "MeanCI",
    "PermutationResult",
    "Proportion",
    "RegimeSummary",
    "WelchResult",
    "cohens_d",
    "compare_regimes",
    "mean_ci",
    "sign_flip_test",
    "summarize_regime",
    "tier_distribution",
    "welch_test",
    "wilson_interval",
]

TIERS = (0, 1, 2, 3, 4)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeanCI(_Frozen):
    """A mean with its confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    level: float
    method: Literal["t", "bootstrap"]


class Proportion(_Frozen):
    """A proportion ``count / n`` with its Wilson interval."""

    count: int
    n: int
    estimate: float
    low: float
    high: float
    level: float


class WelchResult(_Frozen):
    """Welch's unequal-variance t-test of ``mean(a) - mean(b)``."""

    statistic: float
    p_value: float
    df: float
    mean_difference: float
    alternative: Alternative
    degenerate: bool = False


class PermutationResult(_Frozen):
    """A paired sign-flip permutation test over configurations."""

    statistic: float
    p_value: float
    n: int
    alternative: Alternative
    method: Literal["exact", "monte-carlo"]
    permutations: int


def _values(values: ArrayLike, least: int = 1) -> FloatArray:
    """A 1-d float array with at least ``least`` finite values."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < least:
        raise ValueError(f"need at least {least} value(s), got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    return x


def mean_ci(
    values: ArrayLike,
    level: float = 0.95,
    method: Literal["t", "bootstrap"] = "t",
    *,
    resamples: int = 10_000,
    seed: int = 0,
) -> MeanCI:
    """The mean of ``values`` with a ``level`` confidence interval (module docstring)."""
    x = _values(values)
    mean = float(x.mean())
    if x.size == 1:
        return MeanCI(mean=mean, low=-math.inf, high=math.inf, n=1, level=level, method=method)
    if method == "t":
        half = float(_sps().t.ppf((1 + level) / 2, x.size - 1)) * float(x.std(ddof=1))
        half /= math.sqrt(x.size)
        low, high = mean - half, mean + half
    else:
        rng = np.random.default_rng(seed)
        means = rng.choice(x, size=(resamples, x.size), replace=True).mean(axis=1)
        low, high = (float(q) for q in np.quantile(means, [(1 - level) / 2, (1 + level) / 2]))
    return MeanCI(mean=mean, low=low, high=high, n=int(x.size), level=level, method=method)


def wilson_interval(count: int, n: int, level: float = 0.95) -> Proportion:
    """The Wilson score interval of ``count`` successes out of ``n``."""
    if n < 1 or not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n and n >= 1, got count={count}, n={n}")
    z = float(_sps().norm.ppf((1 + level) / 2))
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Proportion(
        count=count,
        n=n,
        estimate=p,
        low=max(0.0, centre - half),
        high=min(1.0, centre + half),
        level=level,
    )


def tier_distribution(tiers: Sequence[int]) -> dict[int, int]:
    """How many runs reached each tier 0-4 (every tier present, possibly 0)."""
    unknown = sorted({int(t) for t in tiers} - set(TIERS))
    if unknown:
        raise ValueError(f"tiers must be 0-4, got {unknown}")
    return {tier: sum(1 for t in tiers if int(t) == tier) for tier in TIERS}


def cohens_d(a: ArrayLike, b: ArrayLike) -> float:
    """Cohen's d of ``a`` over ``b`` with the pooled SD (module docstring)."""
    x, y = _values(a), _values(b)
    if x.size + y.size < 3:
        raise ValueError("Cohen's d needs at least three values in total")
    pooled = ((x.size - 1) * x.var(ddof=1 if x.size > 1 else 0)) + (
        (y.size - 1) * y.var(ddof=1 if y.size > 1 else 0)
    )
    sd = math.sqrt(pooled / (x.size + y.size - 2))
    diff = float(x.mean() - y.mean())
    if sd == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / sd


def welch_test(a: ArrayLike, b: ArrayLike, alternative: Alternative = "two-sided") -> WelchResult:
    """Welch's t-test of ``mean(a) - mean(b)`` (module docstring; two values per group)."""
    x, y = _values(a, 2), _values(b, 2)
    diff = float(x.mean() - y.mean())
    if x.var() == 0.0 and y.var() == 0.0:
        return _degenerate_welch(diff, alternative, float(x.size + y.size - 2))
    with warnings.catch_warnings():
        # scipy reports an exactly constant group as "catastrophic cancellation"; it is not.
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = _sps().ttest_ind(x, y, equal_var=False, alternative=alternative)
    return WelchResult(
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=float(result.df),
        mean_difference=diff,
        alternative=alternative,
    )


def _degenerate_welch(diff: float, alternative: Alternative, df: float) -> WelchResult:
    """The explicit result for two constant groups."""
    statistic = 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    if diff == 0.0:
        p = 1.0
    elif alternative == "two-sided":
        p = 0.0
    else:
        p = 0.0 if (diff > 0) == (alternative == "greater") else 1.0
    return WelchResult(
        statistic=statistic,
        p_value=p,
        df=df,
        mean_difference=diff,
        alternative=alternative,
        degenerate=True,
    )


def _exceed(stats: FloatArray, observed: float, alternative: Alternative) -> int:
    """How many permuted statistics are at least as extreme as ``observed`` (ties count)."""
    tol = 1e-12 * max(1.0, abs(observed))
    if alternative == "greater":
        return int(np.sum(stats >= observed - tol))
    if alternative == "less":
        return int(np.sum(stats <= observed + tol))
    return int(np.sum(np.abs(stats) >= abs(observed) - tol))


def _all_sign_means(d: FloatArray) -> FloatArray:
    """The mean of ``s * d`` for every sign vector ``s`` (``2^K`` values, built by doubling)."""
    sums = np.zeros(1)
    for value in d:
        sums = np.concatenate([sums + value, sums - value])
    return np.asarray(sums / d.size, dtype=np.float64)


def _sampled_sign_means(d: FloatArray, resamples: int, seed: int) -> FloatArray:
    """Means of ``s * d`` for ``resamples`` random sign vectors (seeded; drawn in chunks)."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, resamples, 10_000):
        size = min(10_000, resamples - start)
        signs = rng.choice(np.array([1.0, -1.0]), size=(size, d.size))
        out.append(signs @ d / d.size)
    return np.concatenate(out)


def sign_flip_test(
    differences: ArrayLike,
    alternative: Alternative = "two-sided",
    *,
    exact_max: int = 20,
    resamples: int = 100_000,
    seed: int = 0,
) -> PermutationResult:
    """Paired sign-flip permutation test of per-configuration differences (module docstring)."""
    d = _values(differences)
    observed = float(d.mean())
    if d.size <= exact_max:
        means = _all_sign_means(d)
        p = _exceed(means, observed, alternative) / means.size
        method: Literal["exact", "monte-carlo"] = "exact"
    else:
        means = _sampled_sign_means(d, resamples, seed)
        p = (1 + _exceed(means, observed, alternative)) / (1 + resamples)
        method = "monte-carlo"
    return PermutationResult(
        statistic=observed,
        p_value=float(p),
        n=int(d.size),
        alternative=alternative,
        method=method,
        permutations=int(means.size),
    )


class RegimeSummary(_Frozen):
    """One regime's tiers: mean with CI, distribution, severe incidence."""

    runs: int
    mean_tier: MeanCI
    distribution: dict[int, int]
    severe: Proportion


def summarize_regime(
    tiers: Sequence[int],
    level: float = 0.95,
    method: Literal["t", "bootstrap"] = "t",
    *,
    severe_tier: int = 4,
    seed: int = 0,
) -> RegimeSummary:
    """Summarise one regime's run tiers (severe = at ``severe_tier`` or above)."""
    severe = sum(1 for t in tiers if t >= severe_tier)
    return RegimeSummary(
        runs=len(tiers),
        mean_tier=mean_ci(tiers, level, method, seed=seed),
        distribution=tier_distribution(tiers),
        severe=wilson_interval(severe, len(tiers), level),
    )


class Comparison(_Frozen):
    """Baseline vs treatment: effect size, Welch's test and the paired sign-flip test.

    ``differences`` maps each configuration to ``mean(baseline) - mean(treatment)``;
    ``improved`` counts configurations where it is positive.
    """

    cohens_d: float
    welch: WelchResult
    differences: dict[str, float]
    improved: int
    sign_flip: PermutationResult


def compare_regimes(
    baseline: Mapping[str, Sequence[float]],
    treatment: Mapping[str, Sequence[float]],
    alternative: Alternative = "two-sided",
    *,
    seed: int = 0,
) -> Comparison:
    """Compare two regimes given each configuration's run values (e.g. tiers) per regime.

    Pooled over configurations for Cohen's d and Welch's test (``baseline - treatment``);
    paired by configuration for the sign-flip test. Both mappings need the same keys.
    """
    if set(baseline) != set(treatment) or not baseline:
        raise ValueError("baseline and treatment need the same, non-empty configurations")
    names = sorted(baseline)
    diffs = {k: float(np.mean(baseline[k]) - np.mean(treatment[k])) for k in names}
    a = np.concatenate([np.asarray(baseline[k], dtype=np.float64) for k in names])
    b = np.concatenate([np.asarray(treatment[k], dtype=np.float64) for k in names])
    return Comparison(
        cohens_d=cohens_d(a, b),
        welch=welch_test(a, b, alternative),
        differences=diffs,
        improved=sum(1 for v in diffs.values() if v > 0),
        sign_flip=sign_flip_test(list(diffs.values()), alternative, seed=seed),
    )
