"""Experiments: runs of governed markets, their per-run metrics and the regime statistics.

* :mod:`govlang.experiments.metrics` -- per-run collusion metrics (tiers, excess over Nash,
  ratios to the benchmarks) and :class:`~govlang.experiments.metrics.MetricParams`.
* :mod:`govlang.experiments.enforcement` -- enforcement counts from institutional events.
* :mod:`govlang.experiments.stats` -- comparisons between regimes.
"""
