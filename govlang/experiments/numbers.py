"""Numbers as the report's tables and run pages print them."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["table_number"]


def table_number(value: Any, digits: int = 2) -> str:
    """A number for a table (``-`` for missing, ``inf`` spelled out)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
