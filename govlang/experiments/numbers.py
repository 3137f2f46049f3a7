"""Numbers as the report's tables and run pages print them."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["flat_numbers", "table_number"]


def table_number(value: Any, digits: int = 2) -> str:
    """A number for a table (``-`` for missing, ``inf`` spelled out)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def flat_numbers(value: Any) -> list[float]:
    """An action (a number, ``None`` or a nested list of numbers) as a flat list of floats."""
    if isinstance(value, list):
        return [x for item in value for x in flat_numbers(item)]
    return [] if value is None else [float(value)]
