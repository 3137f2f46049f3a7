"""Valid institutions, drawn one declaration at a time (see :func:`institution`).

The construction keeps every checker rule by design: each dimension is carried by a number
observable; params have in-range defaults (int params are valid windows and counts); monitors
read only what is declared before them; each scope has one initial state, free of sanctions,
from which every state is reached by a ``rule`` edge; every sanction state that is not
terminal has a ``restore`` edge back to the initial state; terminal states have no outgoing
edges; action constraints stand only under ``on each round:``, with values inside the action
space; ``after ... clean rounds`` and ``credits`` come with ``evidence``, ``spend`` with
``credits``; and a last rule reads any param or monitor nothing else reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

from hypothesis import strategies as st

from govlang.lang import ir
from govlang.lang.graph import is_sanction_state
from govlang.testing._typed import (
    AGENT,
    BOOL,
    Env,
    Kind,
    count,
    expression,
    integer,
    literal,
    scalar,
)

DIM_POOL = ("commodity", "region", "good", "product")
SUFFIX = st.text(alphabet="abcxyz_019", max_size=3)
"""The random tail of a generated name (its head is a role prefix and an index)."""


def institution(env: Env) -> ir.Institution:
    """A valid institution (``env.strings`` draws its docs, labels and notice texts)."""
    draw = env.draw
    observes = _observes(env)
    action = _action(env)
    params = [_param(env, i) for i in range(env.between(0, 5))]
    monitors = [_monitor(env, f"m{i}") for i in range(env.between(0, 4))]
    kinds = env.pick([(AGENT,), ("market",), (AGENT, "market")])
    scopes = [_scope(env, kind) for kind in kinds]
    scopes[0] = _use_everything(env, params, [*monitors, *env.extra_monitors], scopes)
    return ir.Institution(
        name="I" + draw(SUFFIX),
        doc=env.maybe_text(),
        observes=tuple(observes),
        action=action,
        params=tuple(params),
        monitors=(*monitors, *env.extra_monitors),
        scopes=tuple(scopes),
    )


# ------------------------------------------------------------------------------- declarations


def _observes(env: Env) -> list[ir.ObserveDecl]:
    env.dims.extend(env.some(DIM_POOL, 2))
    found = [_observe(env, i, "number", dim) for i, dim in enumerate(env.dims)]
    for i in range(len(found), len(found) + env.between(0, 3)):
        found.append(_observe(env, i, env.pick(["number", "bool"]), None))
    return env.shuffled(found)


def _observe(env: Env, index: int, base: str, dim: str | None) -> ir.ObserveDecl:
    """An observable; ``dim``, when given, is among its dimensions."""
    draw = env.draw
    dims = env.some(env.all_dims(), 2)
    dims = list(dict.fromkeys([dim, *dims] if dim else dims))
    name = env.pick([f"o{index}", f"nash.o{index}"]) + draw(SUFFIX)
    type_ = ir.TypeExpr(base="bool" if base == "bool" else "number", dims=tuple(dims))
    env.declare(name, Kind(type_.base, frozenset(dims)))
    return ir.ObserveDecl(name=name, type=type_, doc=env.maybe_text())


def _action(env: Env) -> ir.ActionDecl | None:
    if not env.flip():
        return None
    dims = tuple(env.some(env.dims, len(env.dims)))
    low, high = env.pick([0, 0, -1, -10]), env.between(1, 1000)
    env.action_range = (low, high)
    env.declare("action", Kind("number", frozenset({AGENT, *dims})))
    type_ = ir.TypeExpr(base="number", dims=dims)
    return ir.ActionDecl(type=type_, low=integer(low), high=integer(high))


def _param(env: Env, index: int) -> ir.ParamDecl:
    """A param of a random type, its default inside its (optional) range."""
    draw = env.draw
    name = f"p{index}" + draw(SUFFIX)
    kinds: list[ir.ParamType] = ["int", "float", "bool", "list[float]", "list[int]"]
    kind = env.pick(kinds)
    if kind == "bool":
        env.declare(name, BOOL)
        return ir.ParamDecl(name=name, type="bool", default=ir.Boolean(value=env.flip()))
    default: ir.Expr
    if kind.startswith("list"):
        env.ladders.append(name)
        items = [_rate(env, kind == "list[int]") for _ in range(env.between(1, 4))]
        default, low, high = ir.ListLit(items=tuple(items)), integer(0), integer(1)
    elif kind == "int":
        value = env.between(1, 20)
        default, low, high = integer(value), integer(1), integer(env.between(value, 1000))
        env.windows.append(name)
    else:
        number = literal(env)
        low = ir.Number(value=number.value - env.between(0, 100))
        high = ir.Number(value=number.value + env.between(0, 100))
        default = number
        if low.value >= 0:
            env.amounts.append(name)
    if kind != "list[float]" and kind != "list[int]":
        env.declare(name, Kind("number"))
    ranged = env.flip() or kind.startswith("list")
    return ir.ParamDecl(
        name=name,
        type=kind,
        default=default,
        low=low if ranged else None,
        high=high if ranged else None,
    )


def _rate(env: Env, whole: bool) -> ir.Number:
    if whole:
        return integer(env.between(0, 1))
    return literal(env, 0, 1)


def _monitor(env: Env, name: str, kind: Kind | None = None) -> ir.MonitorDecl:
    """A monitor of ``kind`` (random when not given), its type written or not."""
    if kind is None:
        dims = env.some(env.all_dims(), 2)
        kind = Kind(env.pick(["number", "bool"]), frozenset(dims))
    expr = expression(env, kind, env.between(0, 3))
    declared = None
    if env.flip():
        written = tuple(env.shuffled(sorted(kind.dims)))
        declared = ir.TypeExpr(base="bool" if kind.base == "bool" else "number", dims=written)
    env.declare(name, kind)
    return ir.MonitorDecl(name=name, type=declared, expr=expr, doc=env.maybe_text())


# ------------------------------------------------------------------------------- sanctions


def _amount(env: Env) -> ir.Expr:
    if bool(env.amounts) and env.flip():
        return ir.NameRef(name=env.pick(env.amounts))
    return literal(env, 0, 1000)


def _fine(env: Env) -> ir.Fine:
    ladder = env.flip()
    if ladder and bool(env.ladders) and env.flip():
        amount: ir.Expr = ir.NameRef(name=env.pick(env.ladders))
    elif ladder:
        amount = ir.ListLit(items=tuple(_rate(env, False) for _ in range(env.between(1, 3))))
    else:
        amount = _amount(env)
    parts = {part: _amount(env) if env.flip() else None for part in ("plus", "floor", "cap")}
    recipients: list[ir.Recipient] = ["treasury", "consumers", "others"]
    recipient = env.pick(recipients)
    of_profit = env.flip()
    return ir.Fine(
        ladder=ladder,
        amount=amount,
        of_profit=of_profit,
        recipient=recipient,
        plus=parts["plus"],
        floor=parts["floor"],
        cap=parts["cap"],
    )


def _sanction(env: Env, constrain: bool) -> ir.Sanction:
    """A notice, fine or grant; with ``constrain``, possibly an action constraint."""
    options = ["notice", "fine", "grant"]
    if constrain and env.action_range is not None:
        options += ["cap", "floor", "suspend", "exclude"]
    choice = env.pick(options)
    if choice == "notice":
        return ir.Notice(text=env.text())
    if choice == "fine":
        return _fine(env)
    if choice == "grant":
        return ir.Grant(amount=_amount(env))
    if choice in ("cap", "floor"):
        assert env.action_range is not None
        value = literal(env, *env.action_range)
        return ir.ActionBound(bound="cap" if choice == "cap" else "floor", value=value)
    return ir.Suspend() if choice == "suspend" else ir.Exclude()


# ------------------------------------------------------------------------------- scopes


def _scope(env: Env, kind: str) -> ir.ScopeDecl:
    """A scope: evidence, credits, states, and the rules joining them."""
    evidence = None
    if env.flip():
        evidence = f"m{100 + len(env.extra_monitors)}"
        env.extra_monitors.append(_monitor(env, evidence, _condition_kind(env, kind)))
    credits = None
    if evidence is not None and env.flip():
        maximum = count(env) if env.flip() else None
        credits = ir.CreditPolicy(earn=count(env), per=count(env, 1), max=maximum)
    states = _states(env)
    edges = _edges(env, states)
    rules: list[ir.RuleDecl] = []
    for rule_kind in ("rule", "restore"):
        pairs = [pair for pair, k in edges if k == rule_kind]
        rules += _rules(env, rule_kind, pairs, kind, evidence is not None, credits)
    return ir.ScopeDecl(
        kind="agent" if kind == AGENT else "market",
        evidence=evidence,
        credits=credits,
        states=tuple(states),
        rules=tuple(env.shuffled(rules)),
    )


def _condition_kind(env: Env, scope: str) -> Kind:
    """A guard's type: a bool, per agent in the ``per agent`` scope (or not)."""
    per_agent = scope == AGENT and env.flip()
    return Kind("bool", frozenset({AGENT}) if per_agent else frozenset())


def _states(env: Env) -> list[ir.StateDecl]:
    draw = env.draw
    states = []
    for i in range(env.between(1, 5)):
        label = env.maybe_text()
        description = env.maybe_text() if label is not None else None
        enter = [_sanction(env, False) for _ in range(env.between(0, 2))]
        each = [_sanction(env, True) for _ in range(env.between(0, 2))]
        if i == 0:  # the initial state is in good standing
            enter = [s for s in enter if isinstance(s, ir.Notice | ir.Grant)]
            each = [s for s in each if isinstance(s, ir.Notice | ir.Grant)]
        state = ir.StateDecl(
            name=f"s{i}" + draw(SUFFIX),
            initial=i == 0,
            terminal=i > 0 and env.between(0, 4) == 0,
            label=label,
            description=description,
            on_enter=tuple(enter),
            on_round=tuple(each),
        )
        states.append(state)
    return states


Pair = tuple[str, str]


def _edges(env: Env, states: list[ir.StateDecl]) -> list[tuple[Pair, str]]:
    """Edges (source, target) and their rule kind: reachability, restoration and extras."""
    open_ = [s.name for s in states if not s.terminal]
    edges: list[tuple[Pair, str]] = []
    for i, state in enumerate(states[1:], start=1):
        source = env.pick([s.name for s in states[:i] if not s.terminal])
        edges.append(((source, state.name), "rule"))
        if is_sanction_state(state) and not state.terminal:
            edges.append(((state.name, states[0].name), "restore"))
    for _ in range(env.between(0, 3)):
        pair = (env.pick(open_), env.pick([s.name for s in states]))
        edges.append((pair, env.pick(["rule", "restore"])))
    return edges


def _rules(
    env: Env,
    kind: str,
    pairs: list[Pair],
    scope: str,
    clean: bool,
    credits: ir.CreditPolicy | None,
) -> list[ir.RuleDecl]:
    """Spread ``pairs`` over one or two rules of ``kind``, each pair at most once per rule."""
    draw = env.draw
    groups: list[dict[Pair, ir.Edge]] = [{} for _ in range(env.between(1, 2))]
    for pair in pairs:
        group = groups[env.between(0, len(groups) - 1)]
        if pair not in group:
            group[pair] = _edge(env, pair, scope, clean, credits is not None)
    rules = []
    for group in (g for g in groups if g):
        env.rules += 1
        rule_id = f"R{env.rules}" + draw(SUFFIX)
        text = env.maybe_text()
        rule_kind: Literal["rule", "restore"] = "rule" if kind == "rule" else "restore"
        rules.append(
            ir.RuleDecl(kind=rule_kind, id=rule_id, text=text, edges=tuple(group.values()))
        )
    return rules


def _edge(env: Env, pair: Pair, scope: str, clean: bool, credits: bool) -> ir.Edge:
    """An edge with random clauses, at least one of them a trigger."""

    def maybe(make: Callable[[], ir.Expr]) -> ir.Expr | None:
        return make() if env.flip() else None

    guard = maybe(lambda: expression(env, _condition_kind(env, scope), env.between(0, 2)))
    dwell = maybe(lambda: count(env))
    after_clean = maybe(lambda: count(env)) if clean else None
    spend = maybe(lambda: count(env)) if credits else None
    if all(e is None for e in (guard, dwell, after_clean, spend)):
        guard = expression(env, _condition_kind(env, scope), 0)
    persistence = maybe(lambda: count(env)) if guard is not None else None
    return ir.Edge(
        source=pair[0],
        target=pair[1],
        guard=guard,
        persistence=persistence,
        dwell=dwell,
        clean=after_clean,
        credits=spend,
        cooldown=maybe(lambda: count(env)),
        priority=env.between(-3, 3),
        sanctions=tuple(_sanction(env, False) for _ in range(env.between(0, 2))),
    )


# ------------------------------------------------------------------------------- usage


def _read(expr: ir.Expr) -> Iterator[str]:
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.NameRef):
            yield node.name
        stack.extend(ir.children(node))


def _scope_exprs(scope: ir.ScopeDecl) -> Iterator[ir.Expr]:
    if scope.evidence is not None:
        yield ir.NameRef(name=scope.evidence)
    sanctions = [s for state in scope.states for s in (*state.on_enter, *state.on_round)]
    for rule in scope.rules:
        for edge in rule.edges:
            sanctions += edge.sanctions
            yield from (e for e in (edge.guard, edge.persistence, edge.dwell) if e is not None)
            yield from (e for e in (edge.clean, edge.credits, edge.cooldown) if e is not None)
    for sanction in sanctions:
        if isinstance(sanction, ir.Fine):
            parts = (sanction.amount, sanction.plus, sanction.floor, sanction.cap)
            yield from (e for e in parts if e is not None)
        elif isinstance(sanction, ir.Grant):
            yield sanction.amount
        elif isinstance(sanction, ir.ActionBound):
            yield sanction.value
    if scope.credits is not None:
        policy = scope.credits
        yield from (e for e in (policy.earn, policy.per, policy.max) if e is not None)


def _use_everything(
    env: Env, params: list[ir.ParamDecl], monitors: list[ir.MonitorDecl], scopes: list[ir.ScopeDecl]
) -> ir.ScopeDecl:
    """The first scope, with a last rule reading every param and monitor nothing else reads."""
    exprs = [m.expr for m in monitors] + [e for scope in scopes for e in _scope_exprs(scope)]
    used = {name for expr in exprs for name in _read(expr)}
    declared = [p.name for p in params] + [m.name for m in monitors]
    unused = [name for name in declared if name not in used]
    if not unused:
        return scopes[0]
    ladders = [name for name in unused if name in env.ladders]
    values = [name for name in unused if name not in env.ladders]
    numbers = [scalar(env, n) for n in values if env.names[n].base == "number"]
    bools = [scalar(env, n) for n in values if env.names[n].base == "bool"]
    guard: ir.Expr = ir.Boolean(value=True)
    if numbers or bools:
        total = numbers[0] if numbers else None
        for term in numbers[1:]:
            assert total is not None  # numbers has a first term
            total = ir.Binary(op="+", left=total, right=term)
        parts = bools + ([ir.Compare(op=">=", left=total, right=integer(0))] if total else [])
        condition = parts[0]
        for part in parts[1:]:
            condition = ir.Logic(op="or", left=condition, right=part)
        name = f"m{100 + len(env.extra_monitors)}"
        env.extra_monitors.append(ir.MonitorDecl(name=name, expr=condition))
        guard = ir.NameRef(name=name)
    fines = tuple(ir.Fine(ladder=True, amount=ir.NameRef(name=n), of_profit=True) for n in ladders)
    home = scopes[0].states[0].name
    edge = ir.Edge(source=home, target=home, guard=guard, sanctions=fines)
    env.rules += 1
    rule = ir.RuleDecl(kind="rule", id=f"R{env.rules}_all", edges=(edge,))
    return scopes[0].model_copy(update={"rules": (*scopes[0].rules, rule)})
