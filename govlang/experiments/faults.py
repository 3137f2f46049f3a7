"""Every fault of a firm's round, as the trace records it.

A round's faults are the exceptions the runner caught (``firms[...].faults``) and, for an LLM
firm, what went wrong inside its decision record: each failed provider attempt (retried or
not), each answer that failed validation, and an internal error of the firm. ``runs.csv``
counts them all and the report shows them with the fallback's reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def firm_faults(firm: Mapping[str, Any]) -> list[dict[str, str]]:
    """The faults of one firm in one trace record (``{"stage": ..., "error": ...}`` each)."""
    found = [dict(fault) for fault in firm.get("faults", ())]
    record = (firm.get("decision") or {}).get("record") or {}
    for exchange in record.get("exchanges", ()):
        for attempt in exchange.get("attempts", ()):
            error = f"{attempt.get('error_type')}: {attempt.get('error')}"
            found.append({"stage": "provider", "error": error})
        if exchange.get("validation_error"):
            found.append({"stage": "answer", "error": str(exchange["validation_error"])})
    if record.get("internal_error"):
        found.append({"stage": "firm", "error": str(record["internal_error"])})
    return found


def fallback_reason(firm: Mapping[str, Any]) -> str:
    """Why the firm's decision fell back (empty when it did not, or the trace does not say)."""
    decision = firm.get("decision") or {}
    record = decision.get("record") or {}
    fallback = record.get("fallback") or {}
    if fallback.get("reason"):
        return str(fallback["reason"])
    return "; ".join(f"{f['stage']}: {f['error']}" for f in firm.get("faults", ()))
