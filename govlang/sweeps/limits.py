"""A sweep's per-provider limits on LLM runs in flight (kept by the run engine).

They live in :mod:`govlang.experiments.engine.limits`; this module keeps their names where
sweeps configure them.
"""

from __future__ import annotations

from govlang.experiments.engine.limits import GATE_NAME, FileSlots, provider_of, ray_gate

__all__ = ["GATE_NAME", "FileSlots", "provider_of", "ray_gate"]
