"""The typed intermediate representation of an institution.

Every node is a frozen pydantic v2 model with ``extra="forbid"``. Names stay names: the
checker resolves them, the compiler binds them. Every node carries a :class:`Span` into its
source, and a declaration the span of its name (``name_span`` and the like, the identifier
token's own span); spans are excluded from serialisation and from equality, so two
institutions that differ only in layout or comments are equal (``parse(format(ir)) == ir``).

Expressions and sanctions are discriminated unions tagged by ``kind``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, InstanceOf, model_validator


class Span(NamedTuple):
    """A region of source text: 1-based lines and columns, 0-based character offsets.

    An immutable named tuple rather than a model or a dataclass: a large file has tens of
    thousands of spans, nodes check them by ``isinstance`` only, and a tuple is the cheapest
    immutable record Python builds.
    """

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    start: int = 0
    end: int = 0


NO_SPAN = Span()


class Node(BaseModel):
    """Base of every IR node: frozen, strict, equal when semantically equal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    span: InstanceOf[Span] = Field(default=NO_SPAN, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        """Compare semantic content only (spans are ignored)."""
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, BaseModel)
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        """Hash the semantic content, consistently with ``__eq__``."""
        return hash(repr(self.model_dump()))


def _span_field() -> Any:
    """A further source span of a node (a name inside it): like ``span``, not semantic."""
    return Field(default=NO_SPAN, exclude=True, repr=False)


def name_or_node(name_span: Span, node: Node) -> Span:
    """``name_span`` where the transform recorded it, else the span of the whole ``node``."""
    return node.span if name_span == NO_SPAN else name_span


# ------------------------------------------------------------------------------- expressions


class Number(Node):
    """A numeric literal. ``is_int`` records whether it was written without a fraction."""

    kind: Literal["number"] = "number"
    value: float
    is_int: bool = False


class Boolean(Node):
    """``true`` or ``false``."""

    kind: Literal["bool"] = "bool"
    value: bool


class NameRef(Node):
    """A reference to a param, monitor or observable (dotted for benchmarks: ``nash.hhi``)."""

    kind: Literal["name"] = "name"
    name: str


class ListLit(Node):
    """A list literal such as ``[0.35, 0.75, 1.0]`` (only for list params and ladders)."""

    kind: Literal["list"] = "list"
    items: tuple[Expr, ...]


class Negate(Node):
    """Arithmetic negation ``-x``."""

    kind: Literal["negate"] = "negate"
    operand: Expr


class Not(Node):
    """Boolean negation ``not x``."""

    kind: Literal["not"] = "not"
    operand: Expr


ArithOp = Literal["+", "-", "*", "/"]
CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp = Literal["and", "or"]


class Binary(Node):
    """Arithmetic ``left op right``."""

    kind: Literal["binary"] = "binary"
    op: ArithOp
    left: Expr
    right: Expr


class Compare(Node):
    """Comparison ``left op right`` (not chainable)."""

    kind: Literal["compare"] = "compare"
    op: CompareOp
    left: Expr
    right: Expr


class Logic(Node):
    """Boolean ``left and right`` / ``left or right``."""

    kind: Literal["logic"] = "logic"
    op: LogicOp
    left: Expr
    right: Expr


class IfThenElse(Node):
    """``if cond then a else b``, evaluated element-wise."""

    kind: Literal["if"] = "if"
    condition: Expr
    then: Expr
    otherwise: Expr


class Call(Node):
    """A built-in function call; ``over`` names the dimension an aggregate reduces."""

    kind: Literal["call"] = "call"
    function: str
    args: tuple[Expr, ...]
    over: str | None = None
    function_span: InstanceOf[Span] = _span_field()
    """The span of the function's name."""
    over_span: InstanceOf[Span] = _span_field()
    """The span of the dimension's name after ``over``."""


Expr = Annotated[
    Number
    | Boolean
    | NameRef
    | ListLit
    | Negate
    | Not
    | Binary
    | Compare
    | Logic
    | IfThenElse
    | Call,
    Field(discriminator="kind"),
]


def rebuild_models() -> None:
    """Resolve the forward references of the recursive expression models.

    Done as soon as :data:`Expr` exists, before any model that holds an expression is
    declared: those then reuse the expression schemas instead of each building its own copy
    (which made importing this module several times slower).
    """
    namespace: dict[str, Any] = {"Expr": Expr}
    for model in (ListLit, Negate, Not, Binary, Compare, Logic, IfThenElse, Call):
        model.model_rebuild(_types_namespace=namespace)


rebuild_models()


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr`` (none for a literal or a name)."""
    if isinstance(expr, Negate | Not):
        return (expr.operand,)
    if isinstance(expr, Binary | Compare | Logic):
        return (expr.left, expr.right)
    if isinstance(expr, IfThenElse):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, ListLit):
        return expr.items
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """``expr`` and all its sub-expressions, outermost first (iterative: no recursion limit)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def names(expr: Expr) -> Iterator[NameRef]:
    """Every name ``expr`` reads, outermost first."""
    return (node for node in walk(expr) if isinstance(node, NameRef))


# ------------------------------------------------------------------------------- declarations


class TypeExpr(Node):
    """A value type: a base type and the dimensions it is indexed by (``number[agent]``)."""

    base: Literal["number", "bool"]
    dims: tuple[str, ...] = ()
    dim_spans: tuple[InstanceOf[Span], ...] = Field(default=(), exclude=True, repr=False)
    """The span of each dimension's name, as ``dims`` lists them."""

    def dim_span(self, dim: str) -> Span:
        """The span of the first ``dim`` in the brackets (the whole type's if not recorded)."""
        if dim in self.dims and len(self.dim_spans) == len(self.dims):
            return name_or_node(self.dim_spans[self.dims.index(dim)], self)
        return self.span


class ObserveDecl(Node):
    """``observe NAME: TYPE``: an observable or benchmark the institution reads."""

    name: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the (dotted) name."""
    type: TypeExpr
    doc: str | None = None


class ActionDecl(Node):
    """``action: TYPE in [low, high]``: each agent's action space."""

    type: TypeExpr
    low: Expr
    high: Expr


ParamType = Literal["int", "float", "bool", "list[int]", "list[float]"]


class ParamDecl(Node):
    """``param NAME: TYPE = default [in [lo, hi]] ["doc"]``."""

    name: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the name."""
    type: ParamType
    default: Expr
    low: Expr | None = None
    high: Expr | None = None
    doc: str | None = None


class MonitorDecl(Node):
    """``monitor NAME [: TYPE] = expr ["doc"]``: deterministic evidence from the trace."""

    name: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the name."""
    type: TypeExpr | None = None
    expr: Expr
    doc: str | None = None


# ------------------------------------------------------------------------------- sanctions

Recipient = Literal["treasury", "consumers", "others"]


class Notice(Node):
    """A public notice (a warning): text only, no money, no constraint."""

    kind: Literal["notice"] = "notice"
    text: str


class Fine(Node):
    """A fine: ``rate`` (or a ladder of rates) of the round's profit and/or a fixed amount.

    ``fine = clamp(rate * max(profit, 0) + plus, floor, cap)`` when ``of_profit``; otherwise
    ``rate`` is itself the amount. A ladder steps up on each repeat for the same instance.
    """

    kind: Literal["fine"] = "fine"
    ladder: bool = False
    amount: Expr
    of_profit: bool = False
    plus: Expr | None = None
    floor: Expr | None = None
    cap: Expr | None = None
    recipient: Recipient = "treasury"


class Grant(Node):
    """A payment to the agent out of the treasury (limited to the treasury's balance)."""

    kind: Literal["grant"] = "grant"
    amount: Expr


class ActionBound(Node):
    """``cap action at X`` (bound = "cap") or ``floor action at X`` (bound = "floor")."""

    kind: Literal["action_bound"] = "action_bound"
    bound: Literal["cap", "floor"]
    value: Expr


class Suspend(Node):
    """Suspension: the agent's action is forced to zero; it still observes and decides."""

    kind: Literal["suspend"] = "suspend"


class Exclude(Node):
    """Exclusion: the agent is not asked to act; its action is forced to zero."""

    kind: Literal["exclude"] = "exclude"


Sanction = Annotated[
    Notice | Fine | Grant | ActionBound | Suspend | Exclude, Field(discriminator="kind")
]


# ------------------------------------------------------------------------------- graph


class StateDecl(Node):
    """An institutional standing within a scope."""

    name: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the name."""
    initial: bool = False
    terminal: bool = False
    label: str | None = None
    description: str | None = None
    on_enter: tuple[Sanction, ...] = ()
    on_round: tuple[Sanction, ...] = ()

    @model_validator(mode="after")
    def _description_needs_a_label(self) -> StateDecl:
        """The syntax writes a description after a label, so one cannot stand alone."""
        if self.description is not None and self.label is None:
            raise ValueError("a state's description needs a label (the label is written first)")
        return self


class Edge(Node):
    """A declared transition ``source -> target`` owned by a rule, with its clauses.

    ``guard``: ``when``; ``persistence``: the guard must hold ``for k rounds``;
    ``dwell``: ``after k rounds`` in the source state; ``clean``: ``after k clean rounds``;
    ``credits``: ``spend k credits``; ``cooldown``: rounds before this edge may fire again;
    ``priority``: larger is tried first; ``sanctions``: ``then ...`` effects of traversal.
    """

    source: str
    target: str
    source_span: InstanceOf[Span] = _span_field()
    """The span of the source state's name."""
    target_span: InstanceOf[Span] = _span_field()
    """The span of the target state's name."""
    guard: Expr | None = None
    persistence: Expr | None = None
    dwell: Expr | None = None
    clean: Expr | None = None
    credits: Expr | None = None
    cooldown: Expr | None = None
    priority: int = 0
    sanctions: tuple[Sanction, ...] = ()


class RuleDecl(Node):
    """A rule (escalation) or a restore rule (restoration), with an id and norm text."""

    kind: Literal["rule", "restore"]
    id: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the id."""
    text: str | None = None
    edges: tuple[Edge, ...] = ()


class CreditPolicy(Node):
    """``credits earn N per K clean rounds [max M]``."""

    earn: Expr
    per: Expr
    max: Expr | None = None


class ScopeDecl(Node):
    """A scope block: one instance per agent (``per agent``) or one for the market."""

    kind: Literal["agent", "market"]
    evidence: str | None = None
    evidence_span: InstanceOf[Span] = _span_field()
    """The span of the name after ``evidence``."""
    credits: CreditPolicy | None = None
    states: tuple[StateDecl, ...] = ()
    rules: tuple[RuleDecl, ...] = ()


PropertyForm = Literal["never", "always", "reachable", "leads_to"]


class AssertDecl(Node):
    """``assert ID ["text"] [per agent | market]: PROPERTY``: a property the analyser checks.

    ``form`` says which property: ``never condition [unless unless]``, ``always condition``,
    ``reachable condition``, or ``condition leads to target within within rounds [while
    during]``. ``scope`` is the scope whose instances the property is about (``None``: the
    scope of the states it names). Assertions never change what the institution does.
    """

    id: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the id."""
    text: str | None = None
    scope: Literal["agent", "market"] | None = None
    form: PropertyForm
    condition: Expr
    unless: Expr | None = None
    target: Expr | None = None
    within: Expr | None = None
    during: Expr | None = None


class Institution(Node):
    """A whole ``.gov`` file."""

    name: str
    name_span: InstanceOf[Span] = _span_field()
    """The span of the name after ``institution``."""
    doc: str | None = None
    observes: tuple[ObserveDecl, ...] = ()
    action: ActionDecl | None = None
    params: tuple[ParamDecl, ...] = ()
    monitors: tuple[MonitorDecl, ...] = ()
    scopes: tuple[ScopeDecl, ...] = ()
    asserts: tuple[AssertDecl, ...] = ()

    def param(self, name: str) -> ParamDecl | None:
        """The param called ``name``, or ``None``."""
        return next((p for p in self.params if p.name == name), None)

    def monitor(self, name: str) -> MonitorDecl | None:
        """The monitor called ``name``, or ``None``."""
        return next((m for m in self.monitors if m.name == name), None)

    def observable(self, name: str) -> ObserveDecl | None:
        """The observe declaration called ``name``, or ``None``."""
        return next((o for o in self.observes if o.name == name), None)
