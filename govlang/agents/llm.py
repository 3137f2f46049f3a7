"""The LLM firm (kind ``"llm"``): a firm whose quantities a language model chooses via litellm.

Any litellm model string works (``openai/gpt-4o``, ``anthropic/claude-...``, ``gemini/...``,
``ollama/...``, or ``openai/<alias>`` with ``api_base`` for an OpenAI-compatible server such as
the local llama.cpp server of ``.ci/llm-server``). The prompt follows the Institutional AI
study: each round the firm sees its own market data for the last ``history_window`` rounds
(per commodity: cost, quantity, share, price, profit; its round and cumulative profit -- never
a rival's profit nor the number of rivals), its PLANS and INSIGHTS notes from the last round
(at most :data:`NOTE_LIMIT` characters each) and its capacity; under the constitutional and
institutional regimes the institution's norm text, and under the institutional regime also
this round's notices and its standing. Templates are files (see
:mod:`govlang.agents.llm_prompt`) that ``prompt_dir`` overrides.

A malformed or out-of-range answer is re-prompted (``reprompts`` times) with the validation
error explained; provider errors are retried (see :mod:`govlang.agents.llm_client`). When both
are exhausted the declared ``fallback`` is used and the decision is marked ``fallback=True``;
:meth:`LLMFirm.decide` never raises for a model or provider failure.

``Decision.record`` holds the whole exchange: ``messages`` (the final conversation),
``exchanges`` (one per request: raw text, parsed answer, validation error, failed attempts with
backoff, latency, usage, cost, cache source), ``reprompts``, ``retries``, ``answer``,
``injection`` (suspected prompt-injection phrases found in the answer, recorded only),
``fallback`` (``None`` or rule, action used and reason), ``tokens``, ``cost_usd``,
``latency_s`` (sum of the exchanges' latencies; wall time is the caller's to measure).

With a channel the firm also reads its inbox and may write messages in the same answer
(:mod:`govlang.agents.llm_talk`); ``messages_written`` records them as written.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from govlang.agents.base import Decision, FirmContext, RoundView
from govlang.agents.llm_client import CallSettings, ResponseCache, exchange, supports_json_mode
from govlang.agents.llm_prompt import (
    AnswerError,
    FirmAnswer,
    HistoryBlocks,
    PromptTemplates,
    answer_model,
    answer_quantities,
    answer_schema,
    capacity_of,
    parse_answer,
    render_reprompt,
    render_round,
    render_system,
    scan_injection,
)
from govlang.agents.llm_talk import render_talk, with_messages, written_messages

__all__ = ["LLMFirm", "LLMFirmOptions", "derived_seed"]


NOTE_LIMIT = 2000
"""The most characters of each note (PLANS, INSIGHTS) a firm carries into its next prompt."""


def capped(note: str) -> str:
    """``note`` cut to :data:`NOTE_LIMIT` characters (marked with an ellipsis when cut)."""
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "\u2026"


class LLMFirmOptions(BaseModel):
    """Options of an LLM firm (the keyword options of ``make_firm("llm", ...)``).

    ``seed`` defaults to a per-firm seed derived from the run's seed (:func:`derived_seed`);
    it is sent to providers that accept one, enters the cache key and seeds the retry
    jitter. ``api_key`` may be ``env:VAR`` so that no secret is written in an experiment
    file; ``None`` leaves it to litellm's provider defaults. ``json_mode`` ``None`` asks for
    ``response_format={"type": "json_object"}`` exactly when litellm reports the provider
    supports it. ``json_schema`` adds the answer's JSON schema to that request (text fields
    capped at ``note_chars``): llama.cpp's server then only samples schema-conforming JSON,
    which small local models need; leave it off for providers that reject the extra key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(description="litellm model string, e.g. openai/smollm2.")
    api_base: str | None = Field(None, description="Base URL of the provider's API.")
    api_key: str | None = Field(None, repr=False, description="Key, env:VAR, or None.")
    temperature: float = Field(1.0, ge=0.0, le=2.0, description="Sampling temperature.")
    seed: int | None = Field(None, description="Provider seed; None: the run's seed.")
    timeout: float = Field(60.0, gt=0.0, description="Seconds to wait for one answer.")
    max_retries: int = Field(3, ge=0, description="Retries of a failed provider call.")
    backoff_base: float = Field(1.0, ge=0.0, description="First retry delay before jitter (s).")
    backoff_max: float = Field(30.0, ge=0.0, description="Cap of the retry delay (s).")
    reprompts: int = Field(3, ge=0, description="Re-prompts after a malformed answer.")
    history_window: int = Field(30, ge=0, description="Past rounds shown in the prompt.")
    fallback: Literal["previous", "nash", "zero"] = Field(
        "previous",
        description="Action when no valid answer: the last action (zero in round 1), the "
        "Cournot-Nash quantities, or zero.",
    )
    cache: Path | None = Field(None, description="Response cache directory.")
    cache_failures: bool = Field(True, description="Cache exhausted transient failures too.")
    replay_only: bool = Field(
        False,
        description="Answer from the cache only, never call the model: a miss is a "
        "CacheMiss failure (replays a recorded run offline, and proves it was replayed).",
    )
    prompt_dir: Path | None = Field(None, description="Directory of template overrides.")
    json_mode: bool | None = Field(None, description="Request JSON mode; None: if supported.")
    json_schema: bool = Field(
        False,
        description='Send the answer schema as response_format {"type": "json_object", '
        '"schema": ...} (llama.cpp servers constrain decoding with it); implies json_mode.',
    )
    note_chars: int = Field(500, ge=1, description="Cap on each text field in the schema.")
    max_tokens: int | None = Field(1024, ge=1, description="Cap on answer tokens.")


def derived_seed(run_seed: int, agent: str) -> int:
    """A per-firm seed from the run's seed, so that two firms never share a sampling seed."""
    digest = hashlib.sha256(f"govlang-llm:{run_seed}:{agent}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class LLMFirm:
    """A firm played by a language model; see the module docstring for prompt and record."""

    name = "llm"

    def __init__(self, **options: Any) -> None:
        """Validate ``options`` (:class:`LLMFirmOptions`) and load the prompt templates."""
        self.options = LLMFirmOptions.model_validate(options)
        self.templates = PromptTemplates.load(self.options.prompt_dir)
        self._cache = ResponseCache(self.options.cache) if self.options.cache else None
        self._context: FirmContext | None = None

    # ------------------------------------------------------------------ protocol

    def reset(self, context: FirmContext) -> None:
        """Start a run: build the answer model, the system prompt and the fallback action."""
        if not context.action_labels:
            raise ValueError(
                f"the LLM firm chooses quantities per commodity; market {context.market!r} has "
                "a scalar action"
            )
        opts = self.options
        labels = context.action_labels
        self._context = context
        self._labels = labels
        self._answer_model = answer_model(labels, capacity_of(context), context.action_high)
        costs = context.market_config.get("costs")
        if costs is None:
            raise ValueError("the LLM firm needs the market's costs (FirmContext.market_config)")
        self._system = render_system(self.templates, context, costs[context.index])
        seed = opts.seed if opts.seed is not None else derived_seed(context.seed, context.agent)
        json_mode = opts.json_mode
        if json_mode is None:
            json_mode = opts.json_schema or supports_json_mode(opts.model)
        schema = None
        if opts.json_schema:
            json_mode = True
            schema = answer_schema(labels, context.action_high, opts.note_chars)
            if context.talk is not None:
                schema = with_messages(schema, context.talk)
        self._settings = CallSettings(
            model=opts.model,
            api_base=opts.api_base,
            api_key=opts.api_key,
            temperature=opts.temperature,
            seed=seed,
            timeout=opts.timeout,
            max_retries=opts.max_retries,
            backoff_base=opts.backoff_base,
            backoff_max=opts.backoff_max,
            max_tokens=opts.max_tokens,
            json_mode=json_mode,
            schema=schema,
            cache_failures=opts.cache_failures,
            replay_only=opts.replay_only,
        )
        self._rng = random.Random(f"govlang-llm:{seed}:{context.agent}")
        self._notes: dict[str, str] = {"plans": "", "insights": ""}
        self._last_action: np.ndarray[Any, np.dtype[np.float64]] | None = None
        self._rewards: dict[int, float] = {}
        self._blocks = HistoryBlocks(labels)
        self._nash = self._nash_action(context) if opts.fallback == "nash" else None

    async def decide(self, view: RoundView) -> Decision:
        """Ask the model for this round's quantities; fall back (recorded) if it cannot answer."""
        context = self._require_context()
        user = render_round(
            self.templates,
            context,
            view,
            self._notes,
            self.options.history_window,
            self._rewards,
            self._blocks,
        )
        if context.talk is not None:
            user += "\n" + render_talk(context.talk, view.inbox)
        messages = [{"role": "system", "content": self._system}, {"role": "user", "content": user}]
        record: dict[str, Any] = {
            "kind": "llm",
            "model": self.options.model,
            "round": view.round,
            "regime": context.regime,
            "settings": {
                "temperature": self._settings.temperature,
                "seed": self._settings.seed,
                "json_mode": self._settings.json_mode,
                "json_schema": self._settings.schema is not None,
            },
            "messages": messages,
            "exchanges": [],
            "reprompts": 0,
            "retries": 0,
            "answer": None,
            "injection": [],
            "fallback": None,
        }
        try:
            answer = await self._converse(messages, record)
        except Exception as exc:  # a bug must not lose the round: record it and fall back
            record["internal_error"] = f"{type(exc).__name__}: {exc}"
            answer = None
            record["fallback_reason"] = f"internal error: {record['internal_error']}"
        self._summarise(record)
        if answer is None:
            return self._fallback(record)
        action = np.array(answer_quantities(answer, self._labels), dtype=np.float64)
        self._notes = {"plans": capped(answer.plans), "insights": capped(answer.insights)}
        self._last_action = action
        written = written_messages(record["exchanges"][-1].get("parsed"))
        if context.talk is not None:
            record["messages_written"] = list(written)
        return Decision(
            action=action,
            reasoning=answer.observations,
            notes=dict(self._notes),
            fallback=False,
            record=record,
            messages=written if context.talk is not None else (),
        )

    def observe_outcome(self, info: Mapping[str, Any], reward: float) -> None:
        """Remember the mediated reward (shown next to the market profit when they differ)."""
        if "round" in info:
            self._rewards[int(info["round"])] = float(reward)

    # ------------------------------------------------------------------ internals

    def _require_context(self) -> FirmContext:
        if self._context is None:
            raise RuntimeError("LLMFirm.decide() called before reset()")
        return self._context

    async def _converse(
        self, messages: list[dict[str, str]], record: dict[str, Any]
    ) -> FirmAnswer | None:
        """Exchange until a valid answer or until re-prompts / retries run out."""
        context = self._require_context()
        for turn in range(self.options.reprompts + 1):
            result = await exchange(self._settings, messages, self._rng, self._cache)
            result["n_messages"] = len(messages)
            record["exchanges"].append(result)
            text = result["text"]
            if text is None:
                record["fallback_reason"] = (
                    f"provider error after {len(result['attempts'])} attempt(s): "
                    f"{result['error_type']}: {result['error']}"
                )
                return None
            try:
                data, answer = parse_answer(text, self._answer_model, self._labels)
            except AnswerError as error:
                result["parsed"], result["validation_error"] = None, str(error)
                record["injection"].extend(scan_injection(text))
                if turn == self.options.reprompts:
                    record["fallback_reason"] = (
                        f"no valid answer after {turn} re-prompt(s); last error: {error}"
                    )
                    return None
                messages.append({"role": "assistant", "content": text})
                messages.append(
                    {
                        "role": "user",
                        "content": render_reprompt(self.templates, context, str(error)),
                    }
                )
                record["reprompts"] += 1
                continue
            result["parsed"], result["validation_error"] = data, None
            record["injection"].extend(scan_injection(data))
            record["answer"] = answer.model_dump(by_alias=True)
            return answer
        return None  # pragma: no cover - the loop always returns

    def _summarise(self, record: dict[str, Any]) -> None:
        """Totals over the exchanges: retries, tokens, cost, latency."""
        exchanges = record["exchanges"]
        record["retries"] = sum(
            len(x["attempts"]) - (1 if x["text"] is None else 0) for x in exchanges
        )
        usages = [x["usage"] for x in exchanges if x.get("usage")]
        tokens: dict[str, int | None] = {}
        for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            values = [u[name] for u in usages if name in u]
            tokens[name] = sum(values) if values else None
        record["tokens"] = tokens
        costs = [x.get("cost_usd") for x in exchanges if x["text"] is not None]
        known = bool(costs) and all(c is not None for c in costs)
        record["cost_usd"] = sum(c for c in costs if c is not None) if known else None
        record["latency_s"] = round(sum(x.get("latency_s") or 0.0 for x in exchanges), 6)
        record["cache_hits"] = sum(1 for x in exchanges if x["source"] == "cache")

    def _fallback(self, record: dict[str, Any]) -> Decision:
        """The declared fallback action, recorded with the reason it was needed."""
        rule = self.options.fallback
        size = len(self._labels)
        if rule == "previous" and self._last_action is not None:
            action, used = self._last_action.copy(), "previous action"
        elif rule == "nash" and self._nash is not None:
            action, used = self._nash.copy(), "Cournot-Nash quantities"
        else:
            action = np.zeros(size, dtype=np.float64)
            used = "zero" if rule == "zero" else "zero (no previous action yet)"
        reason = record.pop("fallback_reason", "no valid answer")
        record["fallback"] = {"rule": rule, "used": used, "reason": reason}
        record["fallback_action"] = action.tolist()
        self._last_action = action
        return Decision(
            action=action,
            reasoning="",
            notes=dict(self._notes),
            fallback=True,
            record=record,
        )

    @staticmethod
    def _nash_action(context: FirmContext) -> np.ndarray[Any, np.dtype[np.float64]]:
        """The firm's row of the Cournot-Nash quantities of the context's market."""
        from govlang.markets.equilibrium import cournot_nash

        config = context.market_config
        if context.market != "cournot" or not all(
            k in config for k in ("alpha", "beta", "costs", "capacity")
        ):
            raise ValueError("fallback='nash' needs a Cournot market config in the FirmContext")
        nash = cournot_nash(config["alpha"], config["beta"], config["costs"], config["capacity"])
        return np.asarray(nash[context.index], dtype=np.float64)
