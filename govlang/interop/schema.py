"""The accepted manifest schema (``specs/interop.md``): pydantic models, unknown keys refused.

A manifest describes one institution the way the Institutional AI papers do: params with
types and ranges, oracle signals (deterministic monitors), named notices and sanctions, the
states of one scope, rules and their edges (``from``, ``to``, a guard), and assertions.
Expressions (guards, signals, amounts, counts) are strings in govlang's expression syntax;
numbers may be written as numbers. Mappings keep their order, which is the declaration order
of the ``.gov`` file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _value(raw: Any) -> Any:
    """A number or an expression string (booleans only where the field says so)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("expected a number or an expression string")
    return raw


Value = Annotated[int | float | str, BeforeValidator(_value)]
"""A number, or an expression string such as ``fine_floor`` or ``2 * credit_rounds``."""


def _default(raw: Any) -> Any:
    """A param default: a boolean, a number, an expression string, or a list of numbers."""
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, bool) or not isinstance(item, int | float):
                raise ValueError("a list default holds numbers only")
        return raw
    if isinstance(raw, bool | int | float | str):
        return raw
    raise ValueError("expected a boolean, a number, an expression string or a list of numbers")


Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class Model(BaseModel):
    """Base: unknown keys are errors, values are not coerced between types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Meta(Model):
    """``institution``: the institution's name (a govlang name) and description."""

    name: Name
    description: str | None = None


class Observe(Model):
    """One observable the institution reads (``type``: ``number[agent, commodity]``)."""

    type: str
    doc: str | None = None


class Action(Model):
    """Each firm's action space: a type and a closed range."""

    type: str
    range: Annotated[list[Value], Field(min_length=2, max_length=2)]


class Param(Model):
    """A param: type, default, optional closed range, doc."""

    type: Literal["int", "float", "bool", "list[int]", "list[float]"]
    default: Annotated[Any, BeforeValidator(_default)]
    range: Annotated[list[Value], Field(min_length=2, max_length=2)] | None = None
    doc: str | None = None


class Signal(Model):
    """An oracle signal: a deterministic monitor over the trace (``expr`` in govlang syntax)."""

    expr: str
    type: str | None = None
    doc: str | None = None


class FineSpec(Model):
    """A fine: exactly one of ``rate``/``rates`` (of profit) or ``amount``/``amounts`` (fixed).

    ``rates``/``amounts`` make a ladder (a list, or the name of a list param) that steps up on
    each repeat; ``plus``, ``floor`` and ``cap`` adjust the amount; ``to`` is the recipient.
    """

    rate: Value | None = None
    rates: Value | list[Value] | None = None
    amount: Value | None = None
    amounts: Value | list[Value] | None = None
    plus: Value | None = None
    floor: Value | None = None
    cap: Value | None = None
    to: Literal["treasury", "consumers", "others"] = "treasury"

    @model_validator(mode="after")
    def _one_base(self) -> FineSpec:
        given = [k for k in ("rate", "rates", "amount", "amounts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a fine needs exactly one of `rate`, `rates`, `amount`, `amounts`"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class Bound(Model):
    """``cap``/``floor``: the action is bounded at ``at``."""

    at: Value


class Grant(Model):
    """A payment to the firm out of the treasury."""

    amount: Value


class Empty(Model):
    """A sanction without settings (``suspend: {}``)."""


class Sanction(Model):
    """One sanction: a mapping with exactly one key, the kind."""

    fine: FineSpec | None = None
    cap: Bound | None = None
    floor: Bound | None = None
    grant: Grant | None = None
    suspend: Empty | None = None
    exclude: Empty | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Sanction:
        kinds = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a sanction is a mapping with exactly one key: fine, cap, floor, grant, suspend "
                "or exclude" + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        return self

    @property
    def kind(self) -> str:
        """The sanction's kind (its one key)."""
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)


class Credits(Model):
    """``credits earn N per K clean rounds [max M]``."""

    earn: Value
    per: Value
    max: Value | None = None


class State(Model):
    """A standing: label and description (shown to firms), markers, sanctions and notices.

    ``on_enter`` and ``each_round`` list names from ``sanctions`` or ``notices``.
    """

    label: str | None = None
    description: str | None = None
    initial: bool = False
    terminal: bool = False
    on_enter: list[str] = []
    each_round: list[str] = []


class Rule(Model):
    """A rule: ``escalation`` (``rule``) or ``restoration`` (``restore``), and its norm text."""

    kind: Literal["escalation", "restoration"] = "escalation"
    text: str | None = None


class Edge(Model):
    """A transition of a rule: ``from``/``to`` states, a guard, counts, ``then`` effects."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    rule: str
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    guard: str | None = None
    for_rounds: Value | None = None
    after_rounds: Value | None = None
    after_clean_rounds: Value | None = None
    spend_credits: Value | None = None
    cooldown_rounds: Value | None = None
    priority: int = 0
    then: list[str] = []


class Assertion(Model):
    """An assertion the analyser checks: norm text and a property (``never entered(x)``)."""

    text: str | None = None
    scope: Literal["agent", "market"] | None = None
    property: str


class Manifest(Model):
    """A whole manifest (see ``specs/interop.md`` for every key)."""

    version: Literal[1] = 1
    institution: Meta
    observe: dict[str, Observe] = {}
    action: Action | None = None
    params: dict[str, Param] = {}
    signals: dict[str, Signal] = {}
    notices: dict[str, str] = {}
    sanctions: dict[str, Sanction] = {}
    scope: Literal["agent", "market"] = "agent"
    evidence: str | None = None
    credits: Credits | None = None
    states: Annotated[dict[str, State], Field(min_length=1)]
    rules: dict[str, Rule] = {}
    edges: list[Edge] = []
    asserts: dict[str, Assertion] = {}


TOP_LEVEL_KEYS = tuple(Manifest.model_fields)
"""The keys a manifest may have, in the order the specification lists them."""
