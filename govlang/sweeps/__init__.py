"""Structural sensitivity analysis: sweeps over institution, market and population structure.

``govlang sweep SWEEP.toml -o RESULTS/`` (:func:`govlang.sweeps.run.run_sweep`) plans the
runs of a sweep file (:mod:`~govlang.sweeps.config`, :mod:`~govlang.sweeps.design`), plays
the missing ones on a local process pool or a Ray cluster (:mod:`govlang.experiments.engine`),
and writes a tidy table, per-cell aggregates (:mod:`~govlang.sweeps.aggregate`), plots
(:mod:`~govlang.sweeps.plots`) and a summary of thresholds (:mod:`~govlang.sweeps.summary`).
"""
