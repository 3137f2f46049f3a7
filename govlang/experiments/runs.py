"""The runs of an experiment: what defines one run, its content-addressed id, and the plan.

A :class:`RunSpec` is everything a worker needs to play one run; :func:`plan_runs` lists every
run of an experiment (populations x regimes x runs). ``govlang run`` (:mod:`.runner`) and
``govlang sweep`` (:mod:`govlang.sweeps`) play the same specs, and every module that reads a
run's files takes its spec from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govlang.channels.spec import ChannelSpec
from govlang.experiments.config import ExperimentSpec, FirmSpec
from govlang.experiments.names import FileName
from govlang.lang.manifest import canonical_json
from govlang.lang.params import ParamValue
from govlang.runtime.canonical import plain
from govlang.runtime.govern import Regime
from govlang.runtime.log import DEFAULT_FSYNC, DEFAULT_FSYNC_EVERY, FsyncPolicy

__all__ = ["RunSpec", "plan_runs", "run_id"]


class RunSpec(BaseModel):
    """One run: a population under a regime with a seed; everything a worker needs.

    ``run_id`` is content-addressed (:func:`run_id`), so equal runs of different experiments
    share their results directory entry.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="Names the run's folder.")
    population: FileName
    regime: Regime
    index: int = Field(description="Run number k within its condition (seed = base + k).")
    seed: int
    rounds: int
    market_kind: str
    market_config: dict[str, Any]
    firms: tuple[FirmSpec, ...]
    institution_path: Path
    institution_params: dict[str, ParamValue]
    digest: str = Field(description="The institution's semantic digest.")
    constitution: str | None = Field(
        None, description="The experiment's constitution text (constitutional runs only)."
    )
    log_fsync: FsyncPolicy = Field(DEFAULT_FSYNC, description="The log's fsync policy.")
    log_fsync_every: int = Field(DEFAULT_FSYNC_EVERY, description="Rounds between fsyncs.")
    talk: ChannelSpec | None = Field(None, description="The firms' channel (None: no talk).")


def run_id(
    digest: str,
    market: Mapping[str, Any],
    firms: Sequence[FirmSpec],
    seed: int,
    regime: str,
    rounds: int,
    constitution: str | None = None,
    talk: ChannelSpec | None = None,
) -> str:
    """The first 16 hex digits of SHA-256 over the canonical JSON of what defines a run.

    ``constitution`` (a user-supplied text) and ``talk`` (a channel) enter only when given,
    so runs that show the institution's own text, and runs without talk, keep their ids.
    """
    content: dict[str, Any] = {
        "institution": digest,
        "market": dict(market),
        "firms": [f.identity() for f in firms],
        "seed": seed,
        "regime": regime,
        "rounds": rounds,
    }
    if constitution is not None:
        content["constitution"] = constitution
    if talk is not None:
        content["talk"] = talk.identity()
    return hashlib.sha256(canonical_json(plain(content)).encode("utf-8")).hexdigest()[:16]


def plan_runs(spec: ExperimentSpec, digest: str, llm_cache: Path | None) -> list[RunSpec]:
    """Every run of the experiment: populations x regimes x runs, in that nesting order.

    ``digest`` is the compiled institution's; ``llm_cache`` is the response cache directory
    given to ``llm`` firms that do not name one (``None``: no cache).
    """
    config = spec.market.resolved(spec.rounds)
    market = {"kind": spec.market.kind, "config": config.model_dump(mode="json")}
    runs = []
    for name, population in spec.populations.items():
        firms = tuple(_with_cache(f, llm_cache) for f in population.firms)
        for regime in spec.regimes:
            text = _constitution(spec, regime)
            for k in range(spec.runs):
                seed = spec.seed + k
                runs.append(
                    RunSpec(
                        run_id=run_id(
                            digest, market, firms, seed, regime, spec.rounds, text, spec.talk
                        ),
                        population=name,
                        regime=regime,
                        index=k,
                        seed=seed,
                        rounds=spec.rounds,
                        market_kind=spec.market.kind,
                        market_config=market["config"],
                        firms=firms,
                        institution_path=spec.institution.path,
                        institution_params=spec.institution.params,
                        digest=digest,
                        constitution=text,
                        log_fsync=spec.log.fsync,
                        log_fsync_every=spec.log.fsync_every,
                        talk=spec.talk,
                    )
                )
    return runs


def _constitution(spec: ExperimentSpec, regime: str) -> str | None:
    """The experiment's own constitution text for a run of ``regime`` (constitutional only)."""
    if regime != "constitutional" or spec.constitution is None:
        return None
    return spec.constitution.text


def _with_cache(firm: FirmSpec, cache: Path | None) -> FirmSpec:
    """An ``llm`` firm with the default cache directory unless it names one."""
    if firm.kind != "llm" or cache is None or "cache" in firm.options:
        return firm
    return FirmSpec(kind=firm.kind, options={**firm.options, "cache": cache})
