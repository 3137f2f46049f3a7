"""The typed intermediate representation of an institution.

Every node is a frozen record built with keyword arguments. Names stay names: the checker
resolves them, the compiler binds them. Every node carries a :class:`Span` into its source,
and a declaration the span of its name (``name_span`` and the like, the identifier token's
own span); spans (the fields called ``span`` or ending in ``_span`` or ``_spans``) are left
out of equality, hashing, ``repr`` and dumps, so two institutions that differ only in layout
or comments are equal (``parse(format(ir)) == ir``).

Expressions and sanctions are unions tagged by ``kind``, a class constant. Building a node
stores what the IR keeps canonically (a list given for a tuple field as a tuple, a ``float``
field as a float); :meth:`Node.model_validate` builds a node from plain data (a dump, JSON)
and checks every field, refusing wrong kinds, wrong types and unknown keys.

The node classes are plain slotted classes whose ``__init__`` is generated, for all of them
at once, when this module is imported: much cheaper to import than a model library or
dataclasses, and as cheap to build, compare and hash as hand-written code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from typing import Any, ClassVar, Literal, NamedTuple, Self, dataclass_transform


class Span(NamedTuple):
    """A region of source text: 1-based lines and columns, 0-based character offsets.

    An immutable named tuple rather than a node: a large file has tens of thousands of
    spans, and a tuple is the cheapest immutable record Python builds.
    """

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    start: int = 0
    end: int = 0


NO_SPAN = Span()

_MISSING: Any = object()
"""The default of a field that has none (it must be given)."""


class NodeField(NamedTuple):
    """One field of a node class, as :attr:`Node.model_fields` describes it."""

    name: str
    annotation: str
    """The type, as written in the class (a string: this module postpones annotations)."""
    default: Any
    """The default value (the ``kind`` of a tagged node is its constant value)."""
    required: bool
    """Whether the field must be given (it has no default)."""
    semantic: bool
    """Whether the field is dumped and compared (every field but a span)."""
    tag: bool = False
    """Whether the field is the class's constant ``kind`` (not an argument)."""


def is_span_field(name: str) -> bool:
    """Whether the field called ``name`` holds source spans (which carry no meaning)."""
    return name == "span" or name.endswith(("_span", "_spans"))


@dataclass_transform(kw_only_default=True, frozen_default=True)
class _NodeType(type):
    """The metaclass of IR nodes: slots from the annotated fields, defaults kept aside."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _NodeType:
        annotations: dict[str, str] = namespace.get("__annotations__", {})
        own: list[NodeField] = []
        for field_name, annotation in annotations.items():
            text = str(annotation)
            tag = text.startswith("ClassVar[Literal[")
            if text.startswith("ClassVar[") and not tag:
                continue
            default = (
                namespace.get(field_name, _MISSING) if tag else namespace.pop(field_name, _MISSING)
            )
            own.append(
                NodeField(
                    field_name,
                    text,
                    default,
                    default is _MISSING,
                    not is_span_field(field_name),
                    tag,
                )
            )
        namespace["__slots__"] = tuple(f.name for f in own if not f.tag)
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        inherited = [
            f for base in reversed(cls.__mro__[1:]) for f in base.__dict__.get("_own_fields", ())
        ]
        cls._own_fields = tuple(own)  # type: ignore[attr-defined]
        cls.model_fields = {f.name: f for f in (*inherited, *own)}  # type: ignore[attr-defined]
        return cls


class Node(metaclass=_NodeType):
    """Base of every IR node: frozen, keyword-built, equal when semantically equal.

    Equality and hashing compare the semantic fields (everything but spans) as a tuple, so
    a node is a cheap dictionary key. The ``model_*`` methods give the IR the small model API
    the rest of govlang uses: dumps to plain data, copies with changes, and validation of
    plain data.
    """

    model_fields: ClassVar[Mapping[str, NodeField]]
    """Every field of the node class, in declaration order (``span`` first, then ``kind``)."""
    semantic_fields: ClassVar[tuple[str, ...]] = ()
    """The fields that dumps hold: all but the spans."""
    node_fields: ClassVar[tuple[str, ...]] = ()
    """The fields that may hold nodes (a node, ``None`` or a tuple of nodes), for walks."""
    _key: ClassVar[attrgetter[object]]
    """The semantic field values but ``kind`` (a constant of the class), for ``==`` and hashes."""

    span: Span = NO_SPAN

    def __eq__(self, other: object) -> bool:
        """Compare semantic content only (spans are ignored)."""
        if other.__class__ is self.__class__:
            return bool(self._key(self) == self._key(other))
        return NotImplemented

    def __hash__(self) -> int:
        """Hash the semantic content, consistently with ``__eq__``."""
        return hash(self._key(self))

    def __repr__(self) -> str:
        """``Name(field=value, ...)`` over the semantic fields."""
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.semantic_fields)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        """Refuse: nodes are immutable (use :meth:`model_copy`)."""
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        """Refuse: nodes are immutable."""
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def __copy__(self) -> Self:
        """The node itself: it is immutable, and so is everything it holds."""
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        """The node itself: it is immutable, and so is everything it holds."""
        return self

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as the class and the values of every field (spans included)."""
        return (_restore, (type(self), self._field_values()))

    def _field_values(self) -> dict[str, Any]:
        """Every field that is an argument, by name."""
        return {f.name: getattr(self, f.name) for f in self.model_fields.values() if not f.tag}

    def model_dump(
        self, *, mode: Literal["python", "json"] = "python", exclude: set[str] | None = None
    ) -> dict[str, Any]:
        """The semantic content as plain data: nested nodes as dicts, spans left out.

        ``mode="json"`` gives lists for tuples (everything else is already plain);
        ``exclude`` leaves out top-level fields by name.
        """
        as_list = mode == "json"
        names = self.semantic_fields
        if exclude:
            names = tuple(name for name in names if name not in exclude)
        return {name: _dump(getattr(self, name), as_list) for name in names}

    def model_dump_json(self) -> str:
        """The semantic content as compact JSON text (non-finite numbers as ``null``)."""
        import json

        return json.dumps(_finite(self.model_dump(mode="json")), separators=(",", ":"))

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy of the node with the fields in ``update`` replaced (spans kept)."""
        values = self._field_values()
        values.update(update or {})
        return type(self)(**values)

    @classmethod
    def model_validate(cls, data: object) -> Self:
        """A node of this class built from plain data (or a node), every field checked.

        Nested nodes may be given as dicts (tagged ones by their ``kind``) or as nodes,
        tuples as lists. Raises :class:`~govlang.lang.ir_data.IRValidationError` (a
        ``ValueError``) that lists every problem with its location.
        """
        from govlang.lang.ir_data import validate

        return validate(cls, data)


def _restore(cls: type[Node], values: dict[str, Any]) -> Node:
    """A node rebuilt from its pickled field values."""
    return cls(**values)


def _dump(value: object, as_list: bool) -> object:
    """``value`` as plain data (see :meth:`Node.model_dump`)."""
    if isinstance(value, Node):
        return {name: _dump(getattr(value, name), as_list) for name in value.semantic_fields}
    if type(value) is tuple:
        items = [_dump(item, as_list) for item in value]
        return items if as_list else tuple(items)
    return value


def _finite(value: object) -> object:
    """``value`` with every infinite or NaN float replaced by ``None`` (JSON has neither)."""
    if isinstance(value, float):
        return value if value - value == 0.0 else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def name_or_node(name_span: Span, node: Node) -> Span:
    """``name_span`` where the transform recorded it, else the span of the whole ``node``."""
    return node.span if name_span == NO_SPAN else name_span


# ------------------------------------------------------------------------------- expressions


class Number(Node):
    """A numeric literal. ``is_int`` records whether it was written without a fraction."""

    kind: ClassVar[Literal["number"]] = "number"
    value: float
    is_int: bool = False


class Boolean(Node):
    """``true`` or ``false``."""

    kind: ClassVar[Literal["bool"]] = "bool"
    value: bool


class NameRef(Node):
    """A reference to a param, monitor or observable (dotted for benchmarks: ``nash.hhi``)."""

    kind: ClassVar[Literal["name"]] = "name"
    name: str


class ListLit(Node):
    """A list literal such as ``[0.35, 0.75, 1.0]`` (only for list params and ladders)."""

    kind: ClassVar[Literal["list"]] = "list"
    items: tuple[Expr, ...]


class Negate(Node):
    """Arithmetic negation ``-x``."""

    kind: ClassVar[Literal["negate"]] = "negate"
    operand: Expr


class Not(Node):
    """Boolean negation ``not x``."""

    kind: ClassVar[Literal["not"]] = "not"
    operand: Expr


ArithOp = Literal["+", "-", "*", "/"]
CompareOp = Literal["<", "<=", ">", ">=", "==", "!="]
LogicOp = Literal["and", "or"]


class Binary(Node):
    """Arithmetic ``left op right``."""

    kind: ClassVar[Literal["binary"]] = "binary"
    op: ArithOp
    left: Expr
    right: Expr


class Compare(Node):
    """Comparison ``left op right`` (not chainable)."""

    kind: ClassVar[Literal["compare"]] = "compare"
    op: CompareOp
    left: Expr
    right: Expr


class Logic(Node):
    """Boolean ``left and right`` / ``left or right``."""

    kind: ClassVar[Literal["logic"]] = "logic"
    op: LogicOp
    left: Expr
    right: Expr


class IfThenElse(Node):
    """``if cond then a else b``, evaluated element-wise."""

    kind: ClassVar[Literal["if"]] = "if"
    condition: Expr
    then: Expr
    otherwise: Expr


class Call(Node):
    """A built-in function call; ``over`` names the dimension an aggregate reduces."""

    kind: ClassVar[Literal["call"]] = "call"
    function: str
    args: tuple[Expr, ...]
    over: str | None = None
    function_span: Span = NO_SPAN
    """The span of the function's name."""
    over_span: Span = NO_SPAN
    """The span of the dimension's name after ``over``."""


Expr = (
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
    | Call
)
"""An expression: a union tagged by ``kind``."""


def _no_children(expr: Expr) -> tuple[Expr, ...]:
    return ()


def _operand(expr: Negate | Not) -> tuple[Expr, ...]:
    return (expr.operand,)


_CHILDREN: dict[type[Node], Callable[[Any], tuple[Expr, ...]]] = {
    Number: _no_children,
    Boolean: _no_children,
    NameRef: _no_children,
    ListLit: attrgetter("items"),
    Negate: _operand,
    Not: _operand,
    Binary: attrgetter("left", "right"),
    Compare: attrgetter("left", "right"),
    Logic: attrgetter("left", "right"),
    IfThenElse: attrgetter("condition", "then", "otherwise"),
    Call: attrgetter("args"),
}
"""How to read the sub-expressions of each kind of expression (a tuple, in order)."""


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr`` (none for a literal or a name)."""
    return _CHILDREN.get(type(expr), _no_children)(expr)


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
    dim_spans: tuple[Span, ...] = ()
    """The span of each dimension's name, as ``dims`` lists them."""

    def dim_span(self, dim: str) -> Span:
        """The span of the first ``dim`` in the brackets (the whole type's if not recorded)."""
        if dim in self.dims and len(self.dim_spans) == len(self.dims):
            return name_or_node(self.dim_spans[self.dims.index(dim)], self)
        return self.span


class ObserveDecl(Node):
    """``observe NAME: TYPE``: an observable or benchmark the institution reads."""

    name: str
    name_span: Span = NO_SPAN
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
    name_span: Span = NO_SPAN
    """The span of the name."""
    type: ParamType
    default: Expr
    low: Expr | None = None
    high: Expr | None = None
    doc: str | None = None


class MonitorDecl(Node):
    """``monitor NAME [: TYPE] = expr ["doc"]``: deterministic evidence from the trace."""

    name: str
    name_span: Span = NO_SPAN
    """The span of the name."""
    type: TypeExpr | None = None
    expr: Expr
    doc: str | None = None


# ------------------------------------------------------------------------------- sanctions

Recipient = Literal["treasury", "consumers", "others"]


class Notice(Node):
    """A public notice (a warning): text only, no money, no constraint."""

    kind: ClassVar[Literal["notice"]] = "notice"
    text: str


class Fine(Node):
    """A fine: ``rate`` (or a ladder of rates) of the round's profit and/or a fixed amount.

    ``fine = clamp(rate * max(profit, 0) + plus, floor, cap)`` when ``of_profit``; otherwise
    ``rate`` is itself the amount. A ladder steps up on each repeat for the same instance.
    """

    kind: ClassVar[Literal["fine"]] = "fine"
    ladder: bool = False
    amount: Expr
    of_profit: bool = False
    plus: Expr | None = None
    floor: Expr | None = None
    cap: Expr | None = None
    recipient: Recipient = "treasury"


class Grant(Node):
    """A payment to the agent out of the treasury (limited to the treasury's balance)."""

    kind: ClassVar[Literal["grant"]] = "grant"
    amount: Expr


class ActionBound(Node):
    """``cap action at X`` (bound = "cap") or ``floor action at X`` (bound = "floor")."""

    kind: ClassVar[Literal["action_bound"]] = "action_bound"
    bound: Literal["cap", "floor"]
    value: Expr


class Suspend(Node):
    """Suspension: the agent's action is forced to zero; it still observes and decides."""

    kind: ClassVar[Literal["suspend"]] = "suspend"


class Exclude(Node):
    """Exclusion: the agent is not asked to act; its action is forced to zero."""

    kind: ClassVar[Literal["exclude"]] = "exclude"


Sanction = Notice | Fine | Grant | ActionBound | Suspend | Exclude
"""A sanction: a union tagged by ``kind``."""


# ------------------------------------------------------------------------------- graph


class StateDecl(Node):
    """An institutional standing within a scope."""

    name: str
    name_span: Span = NO_SPAN
    """The span of the name."""
    initial: bool = False
    terminal: bool = False
    label: str | None = None
    description: str | None = None
    on_enter: tuple[Sanction, ...] = ()
    on_round: tuple[Sanction, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a description without a label: the syntax writes the label first."""
        if self.description is not None and self.label is None:
            raise ValueError("a state's description needs a label (the label is written first)")


class Edge(Node):
    """A declared transition ``source -> target`` owned by a rule, with its clauses.

    ``guard``: ``when``; ``persistence``: the guard must hold ``for k rounds``;
    ``dwell``: ``after k rounds`` in the source state; ``clean``: ``after k clean rounds``;
    ``credits``: ``spend k credits``; ``cooldown``: rounds before this edge may fire again;
    ``priority``: larger is tried first; ``sanctions``: ``then ...`` effects of traversal.
    """

    source: str
    target: str
    source_span: Span = NO_SPAN
    """The span of the source state's name."""
    target_span: Span = NO_SPAN
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
    name_span: Span = NO_SPAN
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
    evidence_span: Span = NO_SPAN
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
    name_span: Span = NO_SPAN
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
    name_span: Span = NO_SPAN
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


# ------------------------------------------------------------------------------- construction


def _node_classes(base: type[Node]) -> Iterator[type[Node]]:
    """``base`` and every node class derived from it."""
    yield base
    for sub in base.__subclasses__():
        yield from _node_classes(sub)


def _init_source(cls: type[Node], defaults: dict[str, object]) -> str:
    """The source of ``cls.__init__``: each field stored, converted where the IR says so.

    A tuple field stores any sequence as a tuple, a ``float`` field any number as a float;
    a class's own ``__post_init__`` (a check across fields) runs last. The default of each
    field goes into ``defaults`` under the name the source uses for it.
    """
    params, body = [], []
    for f in cls.model_fields.values():
        if f.tag:
            continue
        if f.required:
            params.append(f.name)
        else:
            default = f"{cls.__name__}__{f.name}"
            defaults[default] = f.default
            params.append(f"{f.name}={default}")
        value = f.name
        if f.annotation.startswith("tuple["):
            value = f"{f.name} if {f.name}.__class__ is tuple else tuple({f.name})"
        elif f.annotation == "float":
            value = f"{f.name} if {f.name}.__class__ is float else float({f.name})"
        body.append(f"    _set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    signature = ", ".join(["self", "*", *params]) if params else "self"
    return f"def {cls.__name__}__init__({signature}) -> None:\n" + "\n".join(body or ["    pass"])


def _build_node_classes() -> None:
    """Give every node class its ``__init__`` (compiled in one go), key and dumped fields."""
    classes = list(_node_classes(Node))
    namespace: dict[str, object] = {"_set": object.__setattr__}
    source = "\n\n".join(_init_source(cls, namespace) for cls in classes)
    exec(compile(source, f"<{__name__} constructors>", "exec"), namespace)
    for cls in classes:
        init: Any = namespace[f"{cls.__name__}__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__doc__ = f"Build a :class:`{cls.__name__}` (keyword arguments only)."
        type.__setattr__(cls, "__init__", init)
        fields = cls.model_fields.values()
        type.__setattr__(cls, "semantic_fields", tuple(f.name for f in fields if f.semantic))
        compared = [f.name for f in fields if f.semantic and not f.tag] or ["__class__"]
        type.__setattr__(cls, "_key", attrgetter(*compared))
        held = tuple(f.name for f in fields if f.semantic and _holds_nodes(f.annotation))
        type.__setattr__(cls, "node_fields", held)


_NODE_TYPE_NAMES = frozenset(cls.__name__ for cls in _node_classes(Node)) | {"Expr", "Sanction"}


def _holds_nodes(annotation: str) -> bool:
    """Whether a field of type ``annotation`` may hold nodes (it names a node type)."""
    words = annotation.replace("[", " ").replace("]", " ").replace("|", " ").replace(",", " ")
    return any(word in _NODE_TYPE_NAMES for word in words.split())


_build_node_classes()
