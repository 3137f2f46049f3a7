"""Reference market environments for govlang: Cournot and logit-Bertrand oligopolies.

Both markets are PettingZoo ``ParallelEnv`` s that report their observables in the shape of a
:class:`govlang.lang.schema.EnvironmentSchema` (``schema()``, ``observables()``, ``outcome()``) and
carry Nash and joint-profit ("monopoly") benchmarks computed for any parameters.

* :mod:`govlang.markets.cournot` -- multi-commodity Cournot (the Institutional AI market).
* :mod:`govlang.markets.bertrand` -- logit Bertrand pricing (Calvano et al.; Fish et al.).
* :mod:`govlang.markets.equilibrium` -- Nash and joint-profit solvers.
* :mod:`govlang.markets.measures` -- HHI, CV, dispersion, consumer surplus, excess over a benchmark.
* :mod:`govlang.markets.demand` -- the demand functions.
"""

from govlang.markets.base import MarketEnv
from govlang.markets.bertrand import BertrandConfig, BertrandMarket, bertrand_schema
from govlang.markets.cournot import CournotConfig, CournotMarket, cournot_schema
from govlang.markets.equilibrium import (
    EquilibriumError,
    bertrand_best_response,
    bertrand_joint_optimum,
    bertrand_nash,
    cournot_best_response,
    cournot_joint_optimum,
    cournot_nash,
)
from govlang.markets.measures import (
    coefficient_of_variation,
    dispersion,
    excess_over,
    hhi,
    linear_consumer_surplus,
    logit_consumer_surplus,
    shares,
)

__all__ = [
    "BertrandConfig",
    "BertrandMarket",
    "CournotConfig",
    "CournotMarket",
    "EquilibriumError",
    "MarketEnv",
    "bertrand_best_response",
    "bertrand_joint_optimum",
    "bertrand_nash",
    "bertrand_schema",
    "coefficient_of_variation",
    "cournot_best_response",
    "cournot_joint_optimum",
    "cournot_nash",
    "cournot_schema",
    "dispersion",
    "excess_over",
    "hhi",
    "linear_consumer_surplus",
    "logit_consumer_surplus",
    "shares",
]
