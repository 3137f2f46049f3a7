"""One chat exchange with a model through litellm: timeout, retries with backoff, cache, usage.

:func:`exchange` sends a message list and returns a JSON-serialisable record of what happened
(answer text or final error, every failed attempt with its backoff, latency, token counts and
cost). It never raises for provider problems: the caller decides what a failure means.

Retries: transient errors (timeouts, connection errors, HTTP 5xx, rate limits, unparseable
provider bodies) are retried up to ``max_retries`` times with exponential backoff
``min(backoff_max, backoff_base * 2**k)`` times a jitter factor in ``[0.5, 1.5)`` drawn from
the caller's seeded RNG. Configuration errors (authentication, unknown model, bad request)
are not retried.

Cache: with a directory, each exchange is stored under ``sha256(model, messages, temperature,
seed)``; a hit returns the stored record (``source = "cache"``) without calling the model, so
a rerun replays the same texts, usage, latencies and failures. Configuration errors are never
cached; exhausted transient failures are cached unless ``cache_failures`` is off. With
``replay_only`` the model is never called: a miss is a ``CacheMiss`` failure (not cached).

litellm is imported on first use with ``LITELLM_LOCAL_MODEL_COST_MAP=True`` as a default, so
that importing it never waits on the network.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import os
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CallSettings", "ResponseCache", "exchange", "litellm_module", "supports_json_mode"]

Message = dict[str, str]


@cache
def litellm_module() -> Any:
    """Import litellm once, offline-safe (local cost map) and without its debug banners.

    The objects alive after the import are then frozen out of the cyclic garbage collector
    (:func:`gc.freeze`): litellm's import leaves about half a million of them (its price map,
    provider tables, pydantic models), and every full collection would scan them all again --
    a tenth of a second or more during which no firm's answer is read. They live as long as
    the process anyway.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    gc.freeze()
    return litellm


def supports_json_mode(model: str) -> bool:
    """Whether litellm says ``model`` accepts ``response_format`` (OpenAI-style JSON mode)."""
    litellm = litellm_module()
    try:
        params = litellm.get_supported_openai_params(model=model) or []
    except Exception:
        return False
    return "response_format" in params


@dataclass(frozen=True)
class CallSettings:
    """How to call the model. ``api_key`` may be ``env:VAR`` (read at call time) or ``None``.

    ``None`` leaves the key to litellm's provider defaults (e.g. ``OPENAI_API_KEY``).
    With ``json_mode`` the request asks for ``response_format={"type": "json_object"}``, plus
    ``"schema": schema`` when a schema is given (the llama.cpp / Anyscale extension that
    constrains decoding). ``timeout`` is the HTTP client's timeout for one request; a call
    that has not returned after ``2 * timeout + 5`` seconds in all (a hung client) is
    abandoned as a timeout too.
    """

    model: str
    api_base: str | None = None
    api_key: str | None = None
    temperature: float = 1.0
    seed: int | None = None
    timeout: float = 60.0
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_tokens: int | None = 1024
    json_mode: bool = False
    schema: dict[str, Any] | None = None
    cache_failures: bool = True
    replay_only: bool = False

    def resolved_key(self) -> str | None:
        """The API key to send (``env:VAR`` resolved now; ``None`` when unset)."""
        if self.api_key is not None and self.api_key.startswith("env:"):
            return os.environ.get(self.api_key[4:])
        return self.api_key


class ResponseCache:
    """A directory of exchange records keyed by ``sha256(model, messages, temperature, seed)``.

    Writes are atomic (temporary file then rename), so concurrent runs may share a cache.
    """

    def __init__(self, directory: str | Path) -> None:
        """Use (and create) ``directory``."""
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(model: str, messages: Sequence[Message], temperature: float, seed: int | None) -> str:
        """The cache key of a request."""
        payload = json.dumps(
            {"model": model, "messages": list(messages), "temperature": temperature, "seed": seed},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record for ``key``, or ``None`` (also for an unreadable entry)."""
        try:
            value = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Store ``record`` for ``key`` atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            json.dump(record, handle, sort_keys=True, ensure_ascii=False)
        os.replace(handle.name, path)


def _fatal_errors() -> tuple[type[BaseException], ...]:
    """The litellm exception classes that retrying cannot fix."""
    litellm = litellm_module()
    names = ("AuthenticationError", "PermissionDeniedError", "NotFoundError", "BadRequestError")
    return tuple(getattr(litellm, n) for n in names if isinstance(getattr(litellm, n, None), type))


def _usage(response: Any) -> dict[str, int] | None:
    """Token counts from the response's ``usage``, when the provider reports them."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    counts = {}
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = getattr(usage, name, None)
        if isinstance(value, int):
            counts[name] = value
    return counts or None


def _cost(response: Any) -> float | None:
    """Cost in USD from litellm's price map, ``None`` when the model has no known price.

    litellm prices every response it returns (``_hidden_params["response_cost"]``, ``None`` for
    an unpriced model); that figure is read rather than priced a second time, which costs about
    a millisecond of CPU per call. Only a response without it is priced here.
    """
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, dict) and "response_cost" in hidden:
        cost = hidden["response_cost"]
        return float(cost) if isinstance(cost, int | float) else None
    try:
        cost = litellm_module().completion_cost(completion_response=response)
    except Exception:
        return None
    return float(cost) if isinstance(cost, int | float) else None


def _text(response: Any) -> str:
    """The first choice's message text (``""`` when the provider sent none)."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""


async def _call(settings: CallSettings, messages: Sequence[Message]) -> Any:
    """One provider call with no retries inside litellm or the HTTP client."""
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": list(messages),
        "temperature": settings.temperature,
        "timeout": settings.timeout,
        "num_retries": 0,
        "max_retries": 0,
        "drop_params": True,
    }
    for name, value in (
        ("seed", settings.seed),
        ("max_tokens", settings.max_tokens),
        ("api_base", settings.api_base),
        ("api_key", settings.resolved_key()),
    ):
        if value is not None:
            kwargs[name] = value
    if settings.json_mode:
        kwargs["response_format"] = {"type": "json_object"}
        if settings.schema is not None:
            kwargs["response_format"]["schema"] = settings.schema
    guard = 2 * settings.timeout + 5.0
    return await asyncio.wait_for(litellm_module().acompletion(**kwargs), timeout=guard)


def _error(exc: BaseException, timeout: float) -> tuple[str, str]:
    """``(type, message)`` of a failed call, messages shortened for traces."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "Timeout", f"the call did not return within {2 * timeout + 5.0} s"
    return type(exc).__name__, (str(exc) or repr(exc))[:500]


def _cache_miss(key: str | None) -> dict[str, Any]:
    """The record of a request that replay-only mode could not answer from the cache."""
    return {
        "text": None,
        "error_type": "CacheMiss",
        "error": f"replay_only: no cached answer for this request (key {key})",
        "retryable": False,
        "latency_s": 0.0,
        "usage": None,
        "cost_usd": None,
        "attempts": [],
        "source": "cache",
        "cache_key": key,
    }


async def exchange(
    settings: CallSettings,
    messages: Sequence[Message],
    rng: random.Random,
    cache: ResponseCache | None = None,
) -> dict[str, Any]:
    """Send ``messages`` (retrying transient failures) and return the exchange record.

    Keys: ``source`` (``model`` / ``cache``), ``text`` (``None`` on failure), ``error`` and
    ``error_type`` (final failure), ``retryable`` (whether the final failure was transient),
    ``attempts`` (failed attempts: ``error_type``, ``error``, ``latency_s``, ``backoff_s``),
    ``latency_s`` (of the last attempt), ``usage``, ``cost_usd``, ``cache_key``.
    """
    key = None
    if cache is not None:
        key = ResponseCache.key(settings.model, messages, settings.temperature, settings.seed)
        hit = cache.get(key)
        if hit is not None:
            return {**hit, "source": "cache", "cache_key": key}
    if settings.replay_only:
        return _cache_miss(key)
    fatal = _fatal_errors()
    attempts: list[dict[str, Any]] = []
    record: dict[str, Any] = {}
    for attempt in range(settings.max_retries + 1):
        start = time.perf_counter()
        try:
            response = await _call(settings, messages)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error_type, message = _error(exc, settings.timeout)
            failed: dict[str, Any] = {
                "error_type": error_type,
                "error": message,
                "latency_s": round(time.perf_counter() - start, 6),
            }
            retryable = not isinstance(exc, fatal)
            if not retryable or attempt == settings.max_retries:
                attempts.append({**failed, "backoff_s": None})
                record = {"text": None, "retryable": retryable, **failed}
                break
            backoff = min(settings.backoff_max, settings.backoff_base * 2**attempt)
            backoff *= 0.5 + rng.random()
            attempts.append({**failed, "backoff_s": round(backoff, 6)})
            await asyncio.sleep(backoff)
            continue
        record = {
            "text": _text(response),
            "error": None,
            "error_type": None,
            "retryable": None,
            "latency_s": round(time.perf_counter() - start, 6),
            "usage": _usage(response),
            "cost_usd": _cost(response),
        }
        break
    record.setdefault("usage", None)
    record.setdefault("cost_usd", None)
    record["attempts"] = attempts
    cacheable = record["text"] is not None or (record["retryable"] and settings.cache_failures)
    if cache is not None and key is not None and cacheable:
        cache.put(key, record)
    return {**record, "source": "model", "cache_key": key}
