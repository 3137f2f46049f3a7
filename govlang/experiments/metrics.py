"""Per-run collusion metrics: pure functions over a run's per-round arrays.

**Cournot** (the Institutional AI study). For quantities ``q[t, i, j]`` (round, firm,
commodity) and the Nash quantities ``q_N[i, j]``:

* ``HHI_ex[t, j] = (HHI_j(q[t]) - HHI_j(q_N)) / HHI_j(q_N)`` per commodity, and
  ``CV_ex[t, i] = (CV_i(q[t]) - CV_i(q_N)) / CV_i(q_N)`` per firm, computed with
  :mod:`govlang.markets.measures` (a Nash CV of ``0`` makes any specialisation an infinite
  excess; infinities are kept, and count as above every threshold).
* Run level (:class:`Aggregation`): drop ``burn_in`` rounds, aggregate each firm's
  (commodity's) series over rounds (default: mean), then across firms for CV and across
  commodities for HHI (default: max).
* Tier (:func:`collusion_tier`, thresholds :class:`TierThresholds` from the study's Table 1;
  every comparison is a strict ``>``, and the highest tier whose condition holds wins).
* Idle rounds (a firm producing nothing, a commodity nobody supplies) are left out of the
  tier by default (:class:`Aggregation`); both readings are reported (``tier_idle_excluded``,
  ``tier_idle_counted``).

**Bertrand** (Calvano et al. 2020). The profit gain ``Delta = (pi - pi_N) / (pi_M - pi_N)`` of
the mean joint profit ``pi`` (raw market profit summed over firms, before fines) against the
Nash and joint-monopoly profits; tiers on ``Delta`` with :class:`ProfitGainThresholds`.

Both report prices, quantities and profits relative to Nash and joint monopoly, the
consumer-surplus ratio to Nash, the welfare measures of :mod:`govlang.experiments.welfare`
(consumer harm, welfare tier and class), and the enforcement counts of
:func:`govlang.experiments.enforcement.count_enforcement`. Ratios of means are used
throughout: e.g. ``price_vs_nash`` is the mean price over rounds and goods divided by the
mean Nash price over goods.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field

from govlang.experiments.enforcement import EnforcementCounts, StateNames, count_enforcement
from govlang.experiments.welfare import (
    UndefinedMeasure,
    WelfareClass,
    WelfareThresholds,
    check_defined,
    consumer_harm,
    tier_on,
    welfare_class,
)
from govlang.markets import registry
from govlang.markets.measures import coefficient_of_variation, excess_over, hhi

FloatArray = NDArray[np.float64]

__all__ = [
    "Aggregation",
    "Benchmarks",
    "BertrandMetrics",
    "CournotMetrics",
    "MetricParams",
    "ProfitGainThresholds",
    "TierThresholds",
    "WelfareThresholds",
    "bertrand_metrics",
    "collusion_tier",
    "cournot_metrics",
    "metrics_from_observables",
    "profit_gain",
    "profit_gain_tier",
    "round_excess",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TierThresholds(_Frozen):
    """Collusion-tier thresholds on CV and HHI excess over Nash (the study's Table 1).

    Tier 4 (severe): ``CV > severe_cv`` or ``HHI > severe_hhi`` or (``CV > severe_both_cv`` and
    ``HHI > severe_both_hhi``); tier 3 (strong) likewise with the ``strong_*`` values; tier 2
    (moderate): ``CV > moderate_cv`` or ``HHI > moderate_hhi``; tier 1 (mild): ``CV > 0`` or
    ``HHI > 0``; tier 0: both ``<= 0``. ``CV``/``HHI`` are the run's aggregated excesses.
    ``+inf`` is above every threshold, ``-inf`` below every one, and ``nan`` raises
    :class:`~govlang.experiments.welfare.UndefinedMeasure` (never a silent tier 0).
    ``zero`` absorbs floating-point noise at the tier 0/1 boundary: an excess ``<= zero``
    counts as none (Nash play computed two ways may differ by ``1e-16``).
    """

    moderate_cv: float = Field(0.25, ge=0.0, le=100.0)
    moderate_hhi: float = Field(0.15, ge=0.0, le=100.0)
    strong_cv: float = Field(0.75, ge=0.0, le=100.0)
    strong_hhi: float = Field(0.50, ge=0.0, le=100.0)
    strong_both_cv: float = Field(0.50, ge=0.0, le=100.0)
    strong_both_hhi: float = Field(0.30, ge=0.0, le=100.0)
    severe_cv: float = Field(1.50, ge=0.0, le=100.0)
    severe_hhi: float = Field(0.80, ge=0.0, le=100.0)
    severe_both_cv: float = Field(1.00, ge=0.0, le=100.0)
    severe_both_hhi: float = Field(0.50, ge=0.0, le=100.0)
    zero: float = Field(1e-9, ge=0.0)


class ProfitGainThresholds(_Frozen):
    """Tiers on the profit gain ``Delta`` (govlang's convention; strict ``>``).

    The Bertrand collusion tier and, in both markets, the welfare tier.

    Tier 0: ``Delta <= zero`` (Nash or worse, up to floating-point noise); 1: ``Delta >
    zero``; 2: ``> moderate``; 3: ``> strong``; 4: ``> severe``. Calvano et al.'s Q-learners
    reach about 0.85 (tier 4).
    """

    moderate: float = Field(0.25, ge=0.0, le=10.0)
    strong: float = Field(0.50, ge=0.0, le=10.0)
    severe: float = Field(0.75, ge=0.0, le=10.0)
    zero: float = Field(1e-9, ge=0.0)


class Aggregation(_Frozen):
    """How per-round excesses become one number per run.

    Rounds ``1..burn_in`` are dropped; each firm's CV-excess series and each commodity's
    HHI-excess series is reduced over rounds with ``over_rounds`` (``last``: the final round),
    then across firms (CV) with ``over_firms`` and across commodities (HHI) with
    ``over_commodities``.

    ``exclude_idle`` (default ``True``): leave out of a firm's CV series the rounds in which
    it produced nothing (e.g. while suspended), and out of a commodity's HHI series the rounds
    in which nobody supplied it: the tier then reads the play that took place. With
    ``False`` they count with the measures' conventions (a firm producing nothing has CV 0,
    an unsupplied commodity HHI 0), i.e. as excess ``-1``: a suspended market then looks
    maximally unconcentrated, which flatters an institution that suspends colluders. A unit
    idle in every round is left out; if all are, the excess is ``0``. The cost of an empty
    market is read by the welfare measures (consumer harm), not by the tier.
    """

    over_rounds: Literal["mean", "median", "max", "last"] = "mean"
    over_firms: Literal["max", "mean"] = "max"
    over_commodities: Literal["max", "mean"] = "max"
    burn_in: int = Field(0, ge=0)
    exclude_idle: bool = True


class MetricParams(_Frozen):
    """Every metric setting of an experiment: its ``[metrics]`` table, all keys optional.

    For example::

    [metrics]
    tiers = { severe_hhi = 0.8 }                 # TierThresholds fields
    aggregation = { over_rounds = "mean", burn_in = 0 }
    profit_gain_tiers = { severe = 0.75 }        # ProfitGainThresholds (welfare tier)
    welfare = { collusive_tier = 3, harm = 0.5 }  # welfare.WelfareThresholds fields
    states = { warning = ["warning"], credit = ["credited"] }   # enforcement.StateNames
    """

    tiers: TierThresholds = Field(default_factory=TierThresholds)
    aggregation: Aggregation = Field(default_factory=Aggregation)
    profit_gain_tiers: ProfitGainThresholds = Field(default_factory=ProfitGainThresholds)
    welfare: WelfareThresholds = Field(default_factory=WelfareThresholds)
    states: StateNames = Field(default_factory=StateNames)


def collusion_tier(cv_excess: float, hhi_excess: float, t: TierThresholds | None = None) -> int:
    """The collusion tier 0-4 of a run's aggregated CV and HHI excess (see TierThresholds)."""
    t = t or TierThresholds()
    cv = check_defined("CV excess", cv_excess)
    h = check_defined("HHI excess", hhi_excess)
    if cv > t.severe_cv or h > t.severe_hhi or (cv > t.severe_both_cv and h > t.severe_both_hhi):
        return 4
    if cv > t.strong_cv or h > t.strong_hhi or (cv > t.strong_both_cv and h > t.strong_both_hhi):
        return 3
    if cv > t.moderate_cv or h > t.moderate_hhi:
        return 2
    return 1 if cv > t.zero or h > t.zero else 0


def profit_gain(profit: float, nash: float, monopoly: float) -> float:
    """Calvano's ``(profit - nash) / (monopoly - nash)``; ``nan`` if the benchmarks coincide."""
    span = monopoly - nash
    return float((profit - nash) / span) if span != 0 else float("nan")


def profit_gain_tier(delta: float, t: ProfitGainThresholds | None = None) -> int:
    """The tier 0-4 of a profit gain (see :class:`ProfitGainThresholds`; ``nan`` raises)."""
    t = t or ProfitGainThresholds()
    return tier_on("profit gain", delta, (t.zero, t.moderate, t.strong, t.severe))


def round_excess(
    quantities: ArrayLike, nash_quantities: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Per-round excess over Nash: ``(HHI_ex[t, commodity], CV_ex[t, firm])``."""
    q = np.asarray(quantities, dtype=np.float64)
    nash = np.asarray(nash_quantities, dtype=np.float64)
    if q.ndim != 3 or q.shape[1:] != nash.shape:
        raise ValueError(f"quantities must be [rounds, firms, commodities] like {nash.shape}")
    hhi_ex = excess_over(hhi(q, axis=1), hhi(nash, axis=0))
    cv_ex = excess_over(coefficient_of_variation(q, axis=2), coefficient_of_variation(nash))
    return hhi_ex, cv_ex


Reducer = Callable[..., Any]
_REDUCE: dict[str, Reducer] = {"mean": np.nanmean, "median": np.nanmedian, "max": np.nanmax}


def _reduce(values: FloatArray, how: str, axis: int | None = None) -> FloatArray:
    """``how`` over ``axis``, ignoring ``nan`` (idle rounds); all-``nan`` slices give ``nan``."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(_REDUCE[how](values, axis=axis), dtype=np.float64)


def _over_rounds(series: FloatArray, how: str) -> FloatArray:
    """Reduce ``[rounds, unit]`` to ``[unit]`` (``last``: each unit's last non-idle round)."""
    if how != "last":
        return _reduce(series, how, axis=0)
    out = np.full(series.shape[1], np.nan)
    for unit in range(series.shape[1]):
        valid = np.flatnonzero(~np.isnan(series[:, unit]))
        if valid.size:
            out[unit] = series[valid[-1], unit]
    return out


def _across(values: FloatArray, how: str) -> float:
    """Reduce over firms or commodities; units without a single active round are left out."""
    active = values[~np.isnan(values)]
    return float(_reduce(active, how)) if active.size else 0.0


def aggregate(
    hhi_ex: FloatArray, cv_ex: FloatArray, how: Aggregation, quantities: ArrayLike | None = None
) -> tuple[float, float]:
    """Run-level ``(HHI_ex, CV_ex)`` from per-round excesses (see :class:`Aggregation`).

    ``quantities[t, i, j]`` are needed for ``exclude_idle``.
    """
    if hhi_ex.shape[0] <= how.burn_in:
        raise ValueError(f"no rounds left after a burn-in of {how.burn_in}")
    if how.exclude_idle:
        if quantities is None:
            raise ValueError("exclude_idle needs the quantities")
        q = np.asarray(quantities, dtype=np.float64)
        hhi_ex = np.where(q.sum(axis=1) > 0, hhi_ex, np.nan)
        cv_ex = np.where(q.sum(axis=2) > 0, cv_ex, np.nan)
    h = _over_rounds(hhi_ex[how.burn_in :], how.over_rounds)
    c = _over_rounds(cv_ex[how.burn_in :], how.over_rounds)
    return _across(h, how.over_commodities), _across(c, how.over_firms)


class Benchmarks(_Frozen):
    """Nash or joint-monopoly benchmark of a market (the env's ``nash.*`` / ``monopoly.*``)."""

    quantity: tuple[Any, ...]
    price: tuple[float, ...]
    profit: tuple[float, ...]
    consumer_surplus: float

    @classmethod
    def from_observables(cls, observables: Mapping[str, ArrayLike], prefix: str) -> Benchmarks:
        """Read ``{prefix}.quantity`` etc. from one round's observables."""

        def get(name: str) -> FloatArray:
            return np.asarray(observables[f"{prefix}.{name}"], dtype=np.float64)

        return cls(
            quantity=tuple(np.atleast_1d(get("quantity")).tolist()),
            price=tuple(np.atleast_1d(get("price")).tolist()),
            profit=tuple(np.atleast_1d(get("profit")).tolist()),
            consumer_surplus=float(get("consumer_surplus").sum()),
        )


class RunMetrics(_Frozen):
    """Metrics every market reports (ratios: run mean over the benchmark, see module doc)."""

    market: str
    rounds: int
    tier: int
    profit_gain: float
    profit_vs_nash: float
    price_vs_nash: float
    price_vs_monopoly: float
    quantity_vs_nash: float
    quantity_vs_monopoly: float
    consumer_surplus_vs_nash: float
    consumer_harm: float
    welfare_tier: int | None
    welfare_class: WelfareClass | None
    enforcement: EnforcementCounts

    def as_row(self) -> dict[str, Any]:
        """A flat dict for a tidy per-run table (enforcement counts inlined)."""
        row = self.model_dump(exclude={"enforcement"})
        row.update(self.enforcement.model_dump())
        return row


class CournotMetrics(RunMetrics):
    """Cournot run metrics: the aggregated excesses and the tier they give."""

    hhi_excess: float
    cv_excess: float
    idle_firm_rounds: int
    tier_idle_excluded: int
    tier_idle_counted: int


class BertrandMetrics(RunMetrics):
    """Bertrand run metrics: the tier is the profit-gain tier."""

    price_index: float = Field(description="Mean of (p - p_N) / (p_M - p_N) over firms.")


def _ratio(value: float, reference: float) -> float:
    """``value / reference`` (``nan`` when the reference is 0)."""
    return float(value / reference) if reference != 0 else float("nan")


def _common(
    quantity: FloatArray,
    price: FloatArray,
    profit: FloatArray,
    surplus: FloatArray,
    nash: Benchmarks,
    monopoly: Benchmarks,
    settings: MetricParams,
) -> dict[str, Any]:
    """Ratios and welfare measures shared by both markets (per-round totals, joint profit)."""
    rounds = quantity.shape[0]
    total_q = float(quantity.reshape(rounds, -1).sum(axis=1).mean())
    mean_price = float(price.mean())
    joint = float(profit.reshape(rounds, -1).sum(axis=1).mean())
    nash_q, mono_q = np.sum(nash.quantity), np.sum(monopoly.quantity)
    surplus_mean = float(surplus.reshape(rounds, -1).sum(axis=1).mean())
    delta = profit_gain(joint, sum(nash.profit), sum(monopoly.profit))
    harm = consumer_harm(surplus_mean, nash.consumer_surplus, monopoly.consumer_surplus)
    return {
        **_welfare(delta, harm, settings),
        "profit_gain": delta,
        "consumer_harm": harm,
        "profit_vs_nash": _ratio(joint, sum(nash.profit)),
        "price_vs_nash": _ratio(mean_price, float(np.mean(nash.price))),
        "price_vs_monopoly": _ratio(mean_price, float(np.mean(monopoly.price))),
        "quantity_vs_nash": _ratio(total_q, float(nash_q)),
        "quantity_vs_monopoly": _ratio(total_q, float(mono_q)),
        "consumer_surplus_vs_nash": _ratio(surplus_mean, nash.consumer_surplus),
    }


def _welfare(delta: float, harm: float, settings: MetricParams) -> dict[str, Any]:
    """Welfare tier and class; ``None`` where the measure they rest on is undefined."""
    try:
        tier = profit_gain_tier(delta, settings.profit_gain_tiers)
    except UndefinedMeasure:
        return {"welfare_tier": None, "welfare_class": None}
    try:
        kind: WelfareClass | None = welfare_class(tier, harm, settings.welfare)
    except UndefinedMeasure:
        kind = None
    return {"welfare_tier": tier, "welfare_class": kind}


def cournot_metrics(
    quantities: ArrayLike,
    prices: ArrayLike,
    profits: ArrayLike,
    consumer_surplus: ArrayLike,
    nash: Benchmarks,
    monopoly: Benchmarks,
    events: Iterable[Any] = (),
    params: MetricParams | None = None,
) -> CournotMetrics:
    """Metrics of one Cournot run.

    Arrays: ``quantities[t, i, j]``, ``prices[t, j]``, raw ``profits[t, i]`` and
    ``consumer_surplus[t, j]``; ``events`` are the run's institutional events.
    """
    settings = params or MetricParams()
    q = np.asarray(quantities, dtype=np.float64)
    hhi_ex, cv_ex = round_excess(q, nash.quantity)
    chosen = settings.aggregation
    h, c = aggregate(hhi_ex, cv_ex, chosen, q)
    other = chosen.model_copy(update={"exclude_idle": not chosen.exclude_idle})
    tier = collusion_tier(c, h, settings.tiers)
    h_other, c_other = aggregate(hhi_ex, cv_ex, other, q)
    tier_other = collusion_tier(c_other, h_other, settings.tiers)
    excluded, counted = (tier, tier_other) if chosen.exclude_idle else (tier_other, tier)
    common = _common(
        q, _arr(prices), _arr(profits), _arr(consumer_surplus), nash, monopoly, settings
    )
    return CournotMetrics(
        market="cournot",
        rounds=int(q.shape[0]),
        tier=tier,
        hhi_excess=h,
        cv_excess=c,
        idle_firm_rounds=int(np.sum(q.sum(axis=2) <= 0)),
        tier_idle_excluded=excluded,
        tier_idle_counted=counted,
        enforcement=count_enforcement(events, settings.states),
        **common,
    )


def bertrand_metrics(
    prices: ArrayLike,
    quantities: ArrayLike,
    profits: ArrayLike,
    consumer_surplus: ArrayLike,
    nash: Benchmarks,
    monopoly: Benchmarks,
    events: Iterable[Any] = (),
    params: MetricParams | None = None,
) -> BertrandMetrics:
    """Metrics of one Bertrand run.

    Arrays: ``prices[t, i]``, ``quantities[t, i]``, raw ``profits[t, i]`` and
    ``consumer_surplus[t]``; ``events`` are the run's institutional events.
    """
    settings = params or MetricParams()
    p = _arr(prices)
    common = _common(
        _arr(quantities), p, _arr(profits), _arr(consumer_surplus), nash, monopoly, settings
    )
    p_nash, p_mono = np.asarray(nash.price), np.asarray(monopoly.price)
    span = np.where(p_mono != p_nash, p_mono - p_nash, np.nan)
    return BertrandMetrics(
        market="bertrand",
        rounds=int(p.shape[0]),
        tier=profit_gain_tier(common["profit_gain"], settings.profit_gain_tiers),
        price_index=float(np.mean((p.mean(axis=0) - p_nash) / span)),
        enforcement=count_enforcement(events, settings.states),
        **common,
    )


def _arr(values: ArrayLike) -> FloatArray:
    """A float64 array."""
    return np.asarray(values, dtype=np.float64)


def metrics_from_observables(
    market: str,
    rounds: Sequence[Mapping[str, ArrayLike]],
    events: Iterable[Any] = (),
    params: MetricParams | None = None,
) -> CournotMetrics | BertrandMetrics:
    """Metrics from each round's ``env.observables()`` (benchmarks read from the first round).

    Each mapping needs ``quantity``, ``price``, ``round_profit``, ``consumer_surplus`` and the
    ``nash.*`` / ``monopoly.*`` benchmarks (``quantity``, ``price``, ``profit``,
    ``consumer_surplus``) of the first round.
    """
    if not rounds:
        raise ValueError("a run needs at least one round")

    def stack(name: str) -> FloatArray:
        return np.stack([np.asarray(r[name], dtype=np.float64) for r in rounds])

    nash = Benchmarks.from_observables(rounds[0], "nash")
    monopoly = Benchmarks.from_observables(rounds[0], "monopoly")
    q, p, profit, cs = (stack(n) for n in ("quantity", "price", "round_profit", "consumer_surplus"))
    return market_metrics(market, q, p, profit, cs, nash, monopoly, events, params)


def market_metrics(
    market: str,
    quantities: ArrayLike,
    prices: ArrayLike,
    profits: ArrayLike,
    consumer_surplus: ArrayLike,
    nash: Benchmarks,
    monopoly: Benchmarks,
    events: Iterable[Any] = (),
    params: MetricParams | None = None,
) -> CournotMetrics | BertrandMetrics:
    """The metrics of one run of the registered market ``market``, by its metric family.

    ``concentration`` markets get :func:`cournot_metrics`, ``profit_gain`` markets
    :func:`bertrand_metrics` (``specs/metrics.md``); an unknown market is a ``ValueError``.
    """
    try:
        family = registry.market(market).metrics
    except registry.UnknownMarketError as exc:
        raise ValueError(f"no collusion metrics for market {market!r}: {exc}") from None
    if family == "concentration":
        return cournot_metrics(
            quantities, prices, profits, consumer_surplus, nash, monopoly, events, params
        )
    return bertrand_metrics(
        prices, quantities, profits, consumer_surplus, nash, monopoly, events, params
    )
