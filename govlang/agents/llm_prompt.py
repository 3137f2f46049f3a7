"""Prompts and answers of the LLM firm: template files, rendering, parsing and validation.

Templates are plain text files with ``$name`` placeholders (:class:`string.Template`; write
``$$`` for a literal dollar). The defaults ship in ``govlang/agents/prompts/``; a user's
``prompt_dir`` overrides any of them file by file. The placeholders each file may use are listed
in :data:`TEMPLATE_VARIABLES`; an unknown placeholder is an error when the templates load.

Answers are JSON objects ``{"observations", "plans", "insights", "quantities": {label: float}}``
validated by a pydantic model built for the firm (:func:`answer_model`). Text inside the answer
is only ever data: it is stored, shown back to the same firm as its own notes, and scanned for
prompt-injection phrases (:func:`scan_injection`) so that traces can flag them.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from govlang.agents.base import FirmContext, RoundView
from govlang.runtime.govern import ANNOUNCING

SHOWS_CONSTITUTION = frozenset({"constitutional", *ANNOUNCING})
"""Regimes whose firms are shown a constitution text."""

__all__ = [
    "TEMPLATE_VARIABLES",
    "AnswerError",
    "FirmAnswer",
    "HistoryBlocks",
    "PromptTemplates",
    "answer_format",
    "answer_model",
    "answer_schema",
    "extract_json",
    "parse_answer",
    "render_round",
    "render_system",
    "scan_injection",
]

TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "system.txt": frozenset(
        {"commodities", "labels", "costs", "capacity", "constitution", "answer_format"}
    ),
    "round.txt": frozenset(
        {"round", "notices", "plans", "insights", "window", "history", "labels"}
    ),
    "constitution.txt": frozenset({"constitution_text"}),
    "notices.txt": frozenset({"notice_list", "standing", "rival_standings"}),
    "reprompt.txt": frozenset({"error", "answer_format", "labels", "capacity"}),
}
"""The placeholders each template file may use."""

INJECTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(ignore|disregard|forget)\b.{0,20}\b(previous|prior|above|earlier|all)\b.{0,20}"
        r"\b(instructions?|prompts?|rules?)\b",
        r"\b(system prompt|developer mode|jailbreak|you are now)\b",
        r"\b(os\.system|subprocess|eval\s*\(|exec\s*\(|__import__|rm\s+-rf)",
        r"<\s*/?\s*(script|system|im_start)\b",
    )
)
"""Phrases that mark an answer as a suspected prompt injection (recorded, never acted on)."""


class AnswerError(ValueError):
    """An answer that cannot be used; the message explains why, for the re-prompt."""


@dataclass(frozen=True)
class PromptTemplates:
    """The five prompt templates and where each was read from (a path or ``package``)."""

    system: Template
    round: Template
    constitution: Template
    notices: Template
    reprompt: Template
    sources: Mapping[str, str]

    @classmethod
    def load(cls, prompt_dir: str | Path | None = None) -> Self:
        """Read the templates: files in ``prompt_dir`` override the packaged defaults.

        Raises ``ValueError`` for a template with an invalid or unknown placeholder and
        ``FileNotFoundError`` for a missing ``prompt_dir``.
        """
        override = Path(prompt_dir) if prompt_dir is not None else None
        if override is not None and not override.is_dir():
            raise FileNotFoundError(f"prompt_dir {str(override)!r} is not a directory")
        packaged = resources.files("govlang.agents") / "prompts"
        texts: dict[str, Template] = {}
        sources: dict[str, str] = {}
        for name, allowed in TEMPLATE_VARIABLES.items():
            if override is not None and (override / name).is_file():
                text, sources[name] = (override / name).read_text("utf-8"), str(override / name)
            else:
                text, sources[name] = (packaged / name).read_text("utf-8"), "package"
            template = Template(text)
            if not template.is_valid():
                raise ValueError(f"{sources[name]}: invalid $-placeholder in template {name}")
            unknown = set(template.get_identifiers()) - allowed
            if unknown:
                raise ValueError(
                    f"{sources[name]}: unknown placeholder(s) {sorted(unknown)} in {name}; "
                    f"allowed: {sorted(allowed)}"
                )
            texts[name.removesuffix(".txt")] = template
        return cls(sources=sources, **texts)


def _num(value: Any) -> str:
    """A number for a prompt: at most 2 decimals, no trailing zeros."""
    x = float(value)
    if not math.isfinite(x):
        return str(x)
    text = f"{round(x, 2) + 0.0:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _join(labels: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    quoted = [f"commodity {label}" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def answer_format(labels: Sequence[str]) -> str:
    """The JSON answer skeleton shown to the model."""
    quantities = ", ".join(f'"{label}": <units>' for label in labels)
    return (
        '{"observations": "<text>", "plans": "<text>", "insights": "<text>", '
        f'"quantities": {{{quantities}}}}}'
    )


def answer_schema(labels: Sequence[str], high: float, note_chars: int) -> dict[str, Any]:
    """JSON schema of the answer, for servers that constrain decoding to a schema.

    Text fields are capped at ``note_chars`` characters so that a small model reaches the
    quantities; the capacity is checked on validation (grammar engines ignore numeric bounds).
    """
    text = {"type": "string", "maxLength": note_chars}
    quantity = {"type": "number", "minimum": 0, "maximum": high}
    return {
        "type": "object",
        "properties": {
            "observations": text,
            "plans": text,
            "insights": text,
            "quantities": {
                "type": "object",
                "properties": {label: quantity for label in labels},
                "required": list(labels),
                "additionalProperties": False,
            },
        },
        "required": ["observations", "plans", "insights", "quantities"],
        "additionalProperties": False,
    }


def capacity_of(context: FirmContext) -> float:
    """The firm's total capacity (the action's upper bound when the market states none)."""
    return context.capacity if context.capacity is not None else context.action_high


def render_system(templates: PromptTemplates, context: FirmContext, costs: Sequence[float]) -> str:
    """The system prompt: the firm, its costs and capacity, the rules (if shown), the format."""
    labels = context.action_labels
    constitution = ""
    if context.regime in SHOWS_CONSTITUTION and context.constitution:
        constitution = templates.constitution.substitute(
            constitution_text=context.constitution.strip()
        )
    return templates.system.substitute(
        commodities=_join(labels),
        labels=", ".join(labels),
        costs="\n".join(f"  - {label}: {_num(c)}" for label, c in zip(labels, costs, strict=True)),
        capacity=_num(capacity_of(context)),
        constitution=constitution,
        answer_format=answer_format(labels),
    )


def _round_block(labels: Sequence[str], info: Mapping[str, Any], reward: float | None) -> list[str]:
    """One past round's lines: its profits, then one line per commodity."""
    number = int(info["round"])
    head = (
        f"Round {number}: round profit {_num(info['round_profit'])}, "
        f"cumulative profit {_num(info['cumulative_profit'])}"
    )
    if reward is not None and abs(reward - float(info["round_profit"])) > 1e-9:
        head += f", round profit after institutional sanctions {_num(reward)}"
    lines = [head]
    for j, label in enumerate(labels):
        lines.append(
            f"  {label}: cost {_num(info['costs'][j])}, "
            f"quantity {_num(info['quantities'][j])}, "
            f"market share {_num(100 * float(info['shares'][j]))}%, "
            f"market price {_num(info['prices'][j])}, profit {_num(info['profits'][j])}"
        )
    return lines


class HistoryBlocks:
    """The lines of each past round in a firm's round prompts, formatted once per run.

    A past round's lines depend only on its market info and the firm's mediated reward for it,
    neither of which changes once the round is over, while the prompt shows the last
    ``history_window`` rounds every round: without this each block is formatted up to that
    many times. Blocks are keyed by round number and reward, so use one instance per firm
    and run (a new run starts a new instance).
    """

    def __init__(self, labels: Sequence[str]) -> None:
        """Blocks for a firm choosing the commodities ``labels``."""
        self.labels = tuple(labels)
        self._blocks: dict[tuple[int, float | None], list[str]] = {}

    def lines(
        self, history: Sequence[Mapping[str, Any]], rewards: Mapping[int, float]
    ) -> list[str]:
        """The lines of the rounds of ``history``, in order."""
        lines: list[str] = []
        for info in history:
            number = int(info["round"])
            key = (number, rewards.get(number))
            block = self._blocks.get(key)
            if block is None:
                block = self._blocks[key] = _round_block(self.labels, info, key[1])
            lines.extend(block)
        return lines


def render_round(
    templates: PromptTemplates,
    context: FirmContext,
    view: RoundView,
    notes: Mapping[str, str],
    window: int,
    rewards: Mapping[int, float],
    blocks: HistoryBlocks | None = None,
) -> str:
    """The round prompt: notices (announcing regimes), notes and the last ``window`` rounds.

    ``blocks`` keeps the firm's formatted past rounds from one round to the next (the prompt
    is the same with or without it).
    """
    history = list(view.history)[-window:] if window > 0 else []
    if history:
        first, last = int(history[0]["round"]), int(history[-1]["round"])
        span = f"round {first}" if first == last else f"rounds {first} to {last}"
        blocks = blocks if blocks is not None else HistoryBlocks(context.action_labels)
        lines = blocks.lines(history, rewards)
    else:
        span, lines = "no rounds played yet", ["(none)"]
    notices = ""
    if context.regime in ANNOUNCING:
        notice_list = "\n".join(f"- {n}" for n in view.notices) or "- (no notices)"
        rivals = ", ".join(f"{a}: {label}" for a, label in sorted(view.standings.items()))
        notices = templates.notices.substitute(
            notice_list=notice_list,
            standing=view.standing or "(not stated)",
            rival_standings=rivals or "(not stated)",
        )
    return templates.round.substitute(
        round=view.round,
        notices=notices,
        plans=notes.get("plans") or "(none yet)",
        insights=notes.get("insights") or "(none yet)",
        window=span,
        history="\n".join(lines),
        labels=", ".join(context.action_labels),
    )


def render_reprompt(templates: PromptTemplates, context: FirmContext, error: str) -> str:
    """The follow-up message explaining why the last answer could not be used."""
    return templates.reprompt.substitute(
        error=error,
        answer_format=answer_format(context.action_labels),
        labels=", ".join(context.action_labels),
        capacity=_num(capacity_of(context)),
    )


# ------------------------------------------------------------------------ answers


class FirmAnswer(BaseModel):
    """Base of the per-firm answer models: the three free-text fields (stored as text).

    Missing notes become ``""``; non-text notes (a list, an object) are kept as their JSON
    text. Unknown top-level keys are ignored; ``quantities`` is added by :func:`answer_model`.
    """

    model_config = ConfigDict(extra="ignore")

    observations: str = ""
    plans: str = ""
    insights: str = ""

    @field_validator("observations", "plans", "insights", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> str:
        """Keep any JSON value as text."""
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value)


def answer_model(labels: Sequence[str], capacity: float, high: float) -> type[FirmAnswer]:
    """Pydantic model of a valid answer: one quantity per label in ``[0, high]``, sum <= capacity.

    Quantity keys must be exactly ``labels``; values finite numbers (numeric strings accepted).
    Models are built once per ``(labels, capacity, high)`` and shared: building one costs
    several milliseconds, paid otherwise by every firm of every run.
    """
    return _answer_model(tuple(labels), float(capacity), float(high))


@functools.lru_cache(maxsize=256)
def _answer_model(labels: tuple[str, ...], capacity: float, high: float) -> type[FirmAnswer]:
    """:func:`answer_model`, built once per distinct argument."""
    tolerance = 1e-9 * max(1.0, capacity)

    def within_capacity(self: BaseModel) -> BaseModel:
        total = sum(float(v) for v in self.model_dump().values())
        if total > capacity + tolerance:
            raise ValueError(
                f"the quantities sum to {_num(total)}, above the capacity {_num(capacity)}"
            )
        return self

    fields: dict[str, Any] = {
        f"q{i}": (float, Field(alias=label, ge=0.0, le=high, allow_inf_nan=False))
        for i, label in enumerate(labels)
    }
    validators: dict[str, Any] = {"within_capacity": model_validator(mode="after")(within_capacity)}
    quantities = create_model(
        "Quantities", __config__=ConfigDict(extra="forbid"), __validators__=validators, **fields
    )
    model: type[FirmAnswer] = create_model(
        "Answer", __base__=FirmAnswer, quantities=(quantities, ...)
    )
    return model


_FENCE = re.compile(r"```[A-Za-z]*\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``, looking inside code fences first."""
    decoder = json.JSONDecoder()
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for match in re.finditer(r"\{", candidate):
            try:
                value, _ = decoder.raw_decode(candidate, match.start())
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise AnswerError("the answer contains no complete JSON object")


def _explain(error: ValidationError, labels: Sequence[str]) -> str:
    """A short, model-readable account of a validation error."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "answer"
        if item["type"] == "extra_forbidden":
            parts.append(f"{where}: unknown commodity (use exactly {', '.join(labels)})")
        else:
            parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_answer(
    text: str, model: type[FirmAnswer], labels: Sequence[str]
) -> tuple[dict[str, Any], FirmAnswer]:
    """Parse and validate an answer; returns the raw JSON object and the validated answer.

    Raises :class:`AnswerError` explaining what is wrong (for the re-prompt).
    """
    data = extract_json(text)
    try:
        return data, model.model_validate(data)
    except ValidationError as error:
        raise AnswerError(_explain(error, labels)) from None


def answer_quantities(answer: FirmAnswer, labels: Sequence[str]) -> list[float]:
    """The validated quantities in label order."""
    quantities: BaseModel = getattr(answer, "quantities")  # noqa: B009
    values = quantities.model_dump()
    return [float(values[f"q{i}"]) for i in range(len(labels))]


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    """Every string leaf of a JSON value with its dotted path."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{path}[{i}]")]
    return []


def scan_injection(data: Any) -> list[dict[str, str]]:
    """Suspected prompt-injection phrases in a parsed answer (or raw text), for the record."""
    found = []
    for path, text in _strings(data, ""):
        for pattern in INJECTION_PATTERNS:
            match = pattern.search(text)
            if match:
                found.append({"field": path or "text", "match": match.group(0)})
    return found
