"""Replay from files: recorded actions through an institution file on a registered market.

The actions format and the governed replay itself are :mod:`govlang.runtime.replay`'s; this
front end reads the files, builds a fresh market from the registry
(:mod:`govlang.markets.registry`) and checks the institution against its schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govlang.api import load
from govlang.lang.params import ParamValue
from govlang.markets import registry
from govlang.runtime.replay import ReplayError, ReplayResult, read_actions, replay_actions

__all__ = ["make_market", "replay"]


def make_market(name: str, rounds: int) -> Any:
    """A fresh registered market (default configuration) lasting at least ``rounds`` rounds."""
    try:
        return registry.market(name).make(rounds=rounds)
    except registry.UnknownMarketError as exc:
        raise ReplayError(str(exc)) from None


def replay(
    institution_path: str | Path,
    actions_path: str | Path,
    market: str = "cournot",
    params: Mapping[str, ParamValue] | None = None,
    seed: int | None = 0,
    log: str | Path | None = None,
) -> ReplayResult:
    """Replay the actions file through the institution file on a fresh registered market.

    Raises :class:`~govlang.lang.diagnostics.GovlangError` if the institution has errors (checked
    against the market's schema), :class:`ReplayError` for a bad actions file or market, and
    :class:`~govlang.lang.frontend.InputError` / ``OSError`` for unreadable files.
    """
    actions = read_actions(actions_path)
    env = make_market(market, len(actions))
    compiled = load(institution_path, params=params, schema=env.schema())
    return replay_actions(compiled, env, actions, seed, log, market)
