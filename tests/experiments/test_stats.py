"""Regime statistics against scipy and hand calculations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from govlang.experiments.stats import (
    cohens_d,
    compare_regimes,
    mean_ci,
    sign_flip_test,
    summarize_regime,
    tier_distribution,
    welch_test,
    wilson_interval,
)

# ------------------------------------------------------------------------------- mean CI


def test_t_interval_matches_scipy() -> None:
    x = np.array([3.0, 4.0, 2.0, 4.0, 1.0, 3.0, 4.0])
    ci = mean_ci(x, 0.95)
    low, high = sps.t.interval(0.95, x.size - 1, loc=x.mean(), scale=sps.sem(x))
    assert (ci.mean, ci.n, ci.method) == (pytest.approx(x.mean()), 7, "t")
    assert ci.low == pytest.approx(low) and ci.high == pytest.approx(high)
    ci90 = mean_ci(x, 0.90)
    assert ci.low < ci90.low < ci90.high < ci.high


def test_t_interval_by_hand() -> None:
    # x = (1, 3): mean 2, s = sqrt(2), sem = 1, t_{0.975, 1} = 12.7062
    ci = mean_ci([1.0, 3.0])
    assert ci.low == pytest.approx(2 - 12.7062047, rel=1e-6)
    assert ci.high == pytest.approx(2 + 12.7062047, rel=1e-6)


def test_degenerate_intervals_are_explicit() -> None:
    flat = mean_ci([4, 4, 4])
    assert (flat.low, flat.mean, flat.high) == (4.0, 4.0, 4.0)
    single = mean_ci([2])
    assert single.low == -math.inf and single.high == math.inf and single.mean == 2.0
    with pytest.raises(ValueError, match="at least 1"):
        mean_ci([])
    with pytest.raises(ValueError, match="finite"):
        mean_ci([1.0, float("nan")])


def test_bootstrap_interval_is_seeded_and_sensible() -> None:
    x = np.random.default_rng(3).normal(2.0, 1.0, size=200)
    boot = mean_ci(x, method="bootstrap", seed=1)
    assert boot == mean_ci(x, method="bootstrap", seed=1)
    assert boot != mean_ci(x, method="bootstrap", seed=2)
    t = mean_ci(x)
    assert boot.method == "bootstrap"
    assert boot.low < x.mean() < boot.high
    assert boot.low == pytest.approx(t.low, abs=0.03)
    assert boot.high == pytest.approx(t.high, abs=0.03)


# --------------------------------------------------------------------- incidence, tiers


@pytest.mark.parametrize(("count", "n"), [(0, 10), (45, 90), (5, 90), (40, 90), (90, 90), (1, 1)])
def test_wilson_matches_scipy(count: int, n: int) -> None:
    got = wilson_interval(count, n)
    ci = sps.binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert got.low == pytest.approx(ci.low, abs=1e-12)
    assert got.high == pytest.approx(ci.high, abs=1e-12)
    assert got.estimate == pytest.approx(count / n)


def test_wilson_by_hand() -> None:
    # 0 of n: [0, z^2 / (n + z^2)]
    z2 = 1.959963984540054**2
    got = wilson_interval(0, 10)
    assert got.low == 0.0 and got.high == pytest.approx(z2 / (10 + z2))
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_tier_distribution() -> None:
    assert tier_distribution([4, 4, 3, 0]) == {0: 1, 1: 0, 2: 0, 3: 1, 4: 2}
    assert tier_distribution([]) == dict.fromkeys(range(5), 0)
    with pytest.raises(ValueError, match="0-4"):
        tier_distribution([5])


def test_regime_summary_reference_shape() -> None:
    tiers = [4] * 45 + [3] * 30 + [2] * 15  # 90 runs, half severe
    s = summarize_regime(tiers)
    assert s.runs == 90
    assert s.severe.count == 45 and s.severe.estimate == 0.5
    assert s.distribution == {0: 0, 1: 0, 2: 15, 3: 30, 4: 45}
    assert s.mean_tier.mean == pytest.approx((4 * 45 + 3 * 30 + 2 * 15) / 90)
    assert s.mean_tier.low < s.mean_tier.mean < s.mean_tier.high


# ------------------------------------------------------------------------- Cohen's d


def test_cohens_d_by_hand() -> None:
    # means 3 and 1.5; variances 2/3 and 1/3; pooled (3 * 2/3 + 3 * 1/3) / 6 = 1/2
    assert cohens_d([3, 4, 3, 2], [1, 2, 2, 1]) == pytest.approx(1.5 / math.sqrt(0.5))
    assert cohens_d([1, 2, 2, 1], [3, 4, 3, 2]) == pytest.approx(-1.5 / math.sqrt(0.5))


def test_cohens_d_zero_spread() -> None:
    assert cohens_d([2, 2], [2, 2]) == 0.0
    assert cohens_d([3, 3], [1, 1]) == math.inf
    assert cohens_d([1, 1], [3, 3, 3]) == -math.inf
    assert cohens_d([5], [1, 2]) == pytest.approx(3.5 / math.sqrt(0.5))
    with pytest.raises(ValueError):
        cohens_d([1], [2])


# ----------------------------------------------------------------------------- Welch


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy(alternative: str) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(3.0, 1.0, 30), rng.normal(2.5, 2.0, 25)
    got = welch_test(a, b, alternative)  # type: ignore[arg-type]
    ref = sps.ttest_ind(a, b, equal_var=False, alternative=alternative)
    assert got.statistic == pytest.approx(ref.statistic)
    assert got.p_value == pytest.approx(ref.pvalue)
    assert got.df == pytest.approx(ref.df)
    assert got.mean_difference == pytest.approx(a.mean() - b.mean())
    assert not got.degenerate


def test_welch_df_by_hand() -> None:
    # a = (1, 2, 3): var 1, n 3; b = (2, 4, 6, 8): var 20/3, n 4
    va, vb = 1 / 3, (20 / 3) / 4
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 3)
    got = welch_test([1, 2, 3], [2, 4, 6, 8])
    assert got.df == pytest.approx(df)
    assert got.statistic == pytest.approx((2 - 5) / math.sqrt(va + vb))


def test_welch_with_one_constant_group_is_finite() -> None:
    # b = (1, 2, 3, 1): mean 1.75, variance 2.75 / 3; a's variance 0, so df = n_b - 1 = 3
    got = welch_test([2, 2, 2, 2], [1, 2, 3, 1])
    t = 0.25 / math.sqrt(2.75 / 3 / 4)
    assert got.statistic == pytest.approx(t)
    assert got.df == pytest.approx(3.0)
    assert got.p_value == pytest.approx(2 * sps.t.sf(t, 3))


@pytest.mark.parametrize(
    ("a", "b", "alternative", "statistic", "p"),
    [
        ([3, 3, 3], [1, 1], "two-sided", math.inf, 0.0),
        ([3, 3, 3], [1, 1], "greater", math.inf, 0.0),
        ([3, 3, 3], [1, 1], "less", math.inf, 1.0),
        ([1, 1], [3, 3, 3], "less", -math.inf, 0.0),
        ([1, 1], [3, 3, 3], "greater", -math.inf, 1.0),
        ([2, 2], [2, 2], "two-sided", 0.0, 1.0),
    ],
)
def test_welch_with_two_constant_groups_is_explicit(
    a: list[float], b: list[float], alternative: str, statistic: float, p: float
) -> None:
    got = welch_test(a, b, alternative)  # type: ignore[arg-type]
    assert got.degenerate
    assert got.statistic == statistic and got.p_value == p
    assert not math.isnan(got.df)


def test_welch_needs_two_values_per_group() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        welch_test([1], [1, 2])


# ------------------------------------------------------------------------- sign flip


def test_reference_figure_six_of_six_configurations() -> None:
    d = [1.1, 0.9, 1.6, 1.4, 0.8, 1.9]  # every configuration improved
    one = sign_flip_test(d, "greater")
    assert one.p_value == 1 / 64 == 0.015625
    assert (one.method, one.permutations, one.n) == ("exact", 64, 6)
    assert sign_flip_test(d, "two-sided").p_value == 0.03125
    assert sign_flip_test(d, "less").p_value == 1.0


def test_sign_flip_by_hand() -> None:
    # d = (1, -2, 3): sums over the 8 sign vectors are 6, 0, 2, -4, 4, -2, 0, -6; observed 2.
    d = [1.0, -2.0, 3.0]
    assert sign_flip_test(d, "greater").p_value == 3 / 8  # 6, 2, 4
    assert sign_flip_test(d, "less").p_value == 6 / 8
    assert sign_flip_test(d, "two-sided").p_value == 6 / 8  # |s| >= 2: all but the zeros


def brute_force(d: np.ndarray, alternative: str) -> float:
    observed = d.mean()
    hits = 0
    signs = list(itertools.product((1, -1), repeat=d.size))
    for s in signs:
        t = float(np.dot(s, d)) / d.size
        if alternative == "greater":
            hits += t >= observed - 1e-12
        elif alternative == "less":
            hits += t <= observed + 1e-12
        else:
            hits += abs(t) >= abs(observed) - 1e-12
    return hits / len(signs)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_exact_enumeration_matches_brute_force(alternative: str) -> None:
    d = np.random.default_rng(4).normal(0.3, 1.0, size=9)
    got = sign_flip_test(d, alternative)  # type: ignore[arg-type]
    assert got.p_value == pytest.approx(brute_force(d, alternative))


def test_monte_carlo_above_the_exact_limit() -> None:
    d = np.random.default_rng(5).normal(0.2, 1.0, size=21)
    mc = sign_flip_test(d, "greater", resamples=20_000, seed=3)
    assert mc.method == "monte-carlo" and mc.permutations == 20_000
    assert mc == sign_flip_test(d, "greater", resamples=20_000, seed=3)
    exact = sign_flip_test(d, "greater", exact_max=21)
    assert exact.method == "exact" and exact.permutations == 2**21
    assert mc.p_value == pytest.approx(exact.p_value, abs=0.01)
    # 30 improvements: no random sign vector reaches the observed mean (chance 2^-30), and the
    # Monte Carlo p is (1 + 0) / (1 + 1000), never 0: the observed labelling counts once.
    assert sign_flip_test(np.ones(30), "greater", resamples=1000).p_value == 1 / 1001


def test_exact_max_is_a_parameter() -> None:
    assert sign_flip_test([1, 2, 3], exact_max=2, resamples=500).method == "monte-carlo"


# --------------------------------------------------------------------------- comparison


def test_compare_regimes() -> None:
    configs = [f"pair{k}" for k in range(6)]
    ungoverned = {c: [4, 4, 3, 4, 3] for c in configs}
    institutional = {c: [2, 1, 2, 3, 1] for c in configs}
    result = compare_regimes(ungoverned, institutional)
    a = np.array([4, 4, 3, 4, 3] * 6, dtype=float)
    b = np.array([2, 1, 2, 3, 1] * 6, dtype=float)
    assert result.cohens_d == pytest.approx(cohens_d(a, b))
    assert result.welch.p_value == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)
    assert result.improved == 6
    assert result.differences == {c: pytest.approx(1.8) for c in configs}
    assert result.sign_flip.p_value == 0.03125
    with pytest.raises(ValueError, match="same"):
        compare_regimes(ungoverned, {"other": [1]})
