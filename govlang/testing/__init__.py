"""Testing helpers for govlang and for code built on it.

:mod:`govlang.testing.strategies` holds the hypothesis strategies: expressions, valid
institutions, and arbitrary or grammar-shaped text for fuzzing the parser. It needs the
``hypothesis`` package (installed with the ``test`` extra).

:mod:`govlang.testing.traces` draws action sequences for any environment's agents and runs
any institution on a synthetic market; :mod:`govlang.testing.invariants` checks what a
governed run promises (``specs/testing.md``) and builds a stateful test of a governed
environment. Their main names are importable from here (importing them needs hypothesis).
"""

from govlang.testing.invariants import (
    Violation,
    assert_institution_invariants,
    check_run_invariants,
    governed_env_machine,
    reproduction,
    run_governed,
)
from govlang.testing.traces import SyntheticMarket, action_sequences, random_traces

__all__ = [
    "SyntheticMarket",
    "Violation",
    "action_sequences",
    "assert_institution_invariants",
    "check_run_invariants",
    "governed_env_machine",
    "random_traces",
    "reproduction",
    "run_governed",
]
