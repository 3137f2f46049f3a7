"""The runtime: evaluating and enforcing an institution around a PettingZoo environment."""

from govlang.runtime.oracle import Oracle
from govlang.runtime.values import OracleError, Value

__all__ = ["Oracle", "OracleError", "Value"]
