r"""The canonical printer: IR -> ``.gov`` text, comments preserved.

Expressions, sanctions, edges and assertions print through :mod:`govlang.lang.unparse`.

Canonical layout (:func:`format_institution`, :func:`format_document`):

- the header ``institution NAME "doc"``; then, each group separated by one blank line, the
  ``observe`` declarations, the ``action:`` declaration, the params, the monitors, and the
  scopes (``per agent`` before ``market``); declarations keep their source order in a group;
- after the scopes, one blank line, then the ``assert`` declarations in source order, one per
  line (:func:`format_assert`);
- inside a scope (2-space indentation): ``evidence`` and ``credits``, then the states, then
  the ``rule`` / ``restore`` blocks in source order, one blank line between these groups;
- a state prints ``initial``/``terminal`` markers, name, label, description and, when it has
  sanctions, a ``{ ... }`` body with one ``on enter:`` line per entry sanction followed by one
  ``on each round:`` line per per-round sanction;
- one edge per line, clauses in the order ``when``, ``for``, ``after ... rounds``,
  ``after ... clean rounds``, ``spend``, ``cooldown``, ``priority`` (omitted when 0),
  ``then ...``; fines always name their recipient (``to treasury``);
- lines are not wrapped, except a monitor whose one-line form exceeds 100 characters: its
  doc string moves to a continuation line (4-space indentation); if the rest is still longer
  than 100 characters and the expression is an ``or`` (else ``and``) chain, it also breaks
  before each top-level operator, with the same continuation indentation;
- strings are re-escaped (``\"``, ``\\``, ``\n``, ``\t``); lines are joined by ``\n`` and
  the text ends with one newline.

:func:`format_document` keeps every comment. An own-line comment stays before the line it
preceded (a declaration, state, ``on ...:`` line, edge, or the closing ``}`` of its block) and
moves with it; an end-of-line comment trails the line it ended. A comment inside a construct
spanning several lines (a multi-line expression) moves before that construct. A blank line
the source had before a declaration or a comment is kept (at most one), except right after
an opening ``{`` or at the top of the file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from govlang.lang import ir
from govlang.lang.diagnostics import GovlangError, Source
from govlang.lang.frontend import Document
from govlang.lang.parse import Comment
from govlang.lang.unparse import (
    expr_level,
    format_assert,
    format_doc,
    format_edge,
    format_expr,
    format_operand,
    format_sanction,
    format_string,
    format_type,
)

# ------------------------------------------------------------------------------- declarations


def _observe(decl: ir.ObserveDecl) -> str:
    return f"observe {decl.name}: {format_type(decl.type)}{format_doc(decl.doc)}"


def _action(decl: ir.ActionDecl) -> str:
    bounds = f"[{format_expr(decl.low)}, {format_expr(decl.high)}]"
    return f"action: {format_type(decl.type)} in {bounds}"


def _param(decl: ir.ParamDecl) -> str:
    text = f"param {decl.name}: {decl.type} = {format_expr(decl.default)}"
    if decl.low is not None and decl.high is not None:  # the grammar has no half-open range
        text += f" in [{format_expr(decl.low)}, {format_expr(decl.high)}]"
    return text + format_doc(decl.doc)


def _monitor(decl: ir.MonitorDecl) -> list[str]:
    """A monitor on one line, or, when longer than :data:`MAX_LINE`, broken (see module doc)."""
    head = f"monitor {decl.name}{': ' + format_type(decl.type) if decl.type is not None else ''} = "
    line = head + format_expr(decl.expr)
    if len(line + format_doc(decl.doc)) <= MAX_LINE:
        return [line + format_doc(decl.doc)]
    doc = [f"    {format_string(decl.doc)}"] if decl.doc is not None else []
    top = decl.expr
    if len(line) <= MAX_LINE or not isinstance(top, ir.Logic):
        return [line, *doc]
    operands: list[ir.Expr] = []
    rest: ir.Expr = top
    while isinstance(rest, ir.Logic) and rest.op == top.op:
        operands.append(rest.right)
        rest = rest.left
    level = expr_level(top)
    lines = [head + format_operand(rest, level)]
    lines += [f"    {top.op} {format_operand(o, level + 1)}" for o in reversed(operands)]
    return lines + doc


MAX_LINE = 100
"""Longest one-line monitor before it is broken before its top-level ``or``/``and``."""


def _credits(policy: ir.CreditPolicy) -> str:
    text = f"credits earn {format_expr(policy.earn)} per {format_expr(policy.per)} clean rounds"
    return text + (f" max {format_expr(policy.max)}" if policy.max is not None else "")


def _state_head(state: ir.StateDecl) -> str:
    markers = ("initial " if state.initial else "") + ("terminal " if state.terminal else "")
    return f"{markers}state {state.name}{format_doc(state.label)}{format_doc(state.description)}"


# ------------------------------------------------------------------------------- the printer

Key = tuple[str, int]
"""Identifies one printed line: ``("node", id(node))``, ``("close", id(node))`` for a ``}``."""

_ROOT: Key = ("node", 0)
_END: Key = ("close", 0)


def _key(node: object) -> Key:
    return ("node", id(node))


def _close(key: Key) -> Key:
    return ("close", key[1])


@dataclass(frozen=True)
class _Note:
    """A comment to re-emit, and whether a blank line preceded it."""

    text: str
    blank: bool


@dataclass
class _Notes:
    """Where the comments of a document go."""

    leading: dict[Key, list[_Note]] = field(default_factory=dict)
    trailing: dict[Key, list[str]] = field(default_factory=dict)
    blank: set[Key] = field(default_factory=set)


class _Printer:
    """Accumulates output lines, placing comments and blank lines."""

    def __init__(self, notes: _Notes) -> None:
        self.lines: list[str] = []
        self.notes = notes
        self.opened = True  # at the top of the file or right after "{": no blank line

    def blank(self) -> None:
        if not self.opened and self.lines and self.lines[-1]:
            self.lines.append("")

    def emit(self, key: Key, lines: list[str], indent: int, *, opens: bool = False) -> None:
        pad = "  " * indent
        notes_pad = "  " * (indent + 1) if key[0] == "close" and key != _END else pad
        for note in self.notes.leading.get(key, []):
            if note.blank:
                self.blank()
            self.lines.append(notes_pad + note.text)
            self.opened = False
        if not lines:
            return
        if key in self.notes.blank:
            self.blank()
        text = [pad + line for line in lines]
        if key in self.notes.trailing:
            text[-1] += "  " + " ".join(self.notes.trailing[key])
        self.lines.extend(text)
        self.opened = opens

    def close(self, node: object, indent: int) -> None:
        self.emit(_close(_key(node)), ["}"], indent)


def _render(inst: ir.Institution, notes: _Notes) -> str:
    printer = _Printer(notes)
    header = f"institution {inst.name}{format_doc(inst.doc)}"
    printer.emit(_key(inst), [header], 0)
    groups: list[list[tuple[object, list[str]]]] = [
        [(o, [_observe(o)]) for o in inst.observes],
        [(inst.action, [_action(inst.action)])] if inst.action is not None else [],
        [(p, [_param(p)]) for p in inst.params],
        [(m, _monitor(m)) for m in inst.monitors],
    ]
    for group in (g for g in groups if g):
        printer.blank()
        for node, lines in group:
            printer.emit(_key(node), lines, 0)
    for scope in sorted(inst.scopes, key=lambda scope: scope.kind != "agent"):
        printer.blank()
        _scope(printer, scope)
    if inst.asserts:
        printer.blank()
    for decl in inst.asserts:
        printer.emit(_key(decl), [format_assert(decl)], 0)
    printer.emit(_END, [], 0)
    return "\n".join(printer.lines) + "\n"


def _scope(printer: _Printer, scope: ir.ScopeDecl) -> None:
    printer.emit(
        _key(scope), ["per agent {" if scope.kind == "agent" else "market {"], 0, opens=True
    )
    if scope.evidence is not None:
        printer.emit(("evidence", id(scope)), [f"evidence {scope.evidence}"], 1)
    if scope.credits is not None:
        printer.emit(_key(scope.credits), [_credits(scope.credits)], 1)
    if scope.states:
        printer.blank()
    for state in scope.states:
        _state(printer, state)
    if scope.rules:
        printer.blank()
    for rule in scope.rules:
        printer.emit(
            _key(rule), [f"{rule.kind} {rule.id}{format_doc(rule.text)} {{"], 1, opens=True
        )
        for edge in rule.edges:
            printer.emit(_key(edge), [format_edge(edge)], 2)
        printer.close(rule, 1)
    printer.close(scope, 0)


def _state(printer: _Printer, state: ir.StateDecl) -> None:
    sanctions = [("on enter: ", s) for s in state.on_enter]
    sanctions += [("on each round: ", s) for s in state.on_round]
    if not sanctions:
        printer.emit(_key(state), [_state_head(state)], 1)
        return
    printer.emit(_key(state), [_state_head(state) + " {"], 1, opens=True)
    for prefix, sanction in sanctions:
        printer.emit(_key(sanction), [prefix + format_sanction(sanction)], 2)
    printer.close(state, 1)


def format_institution(inst: ir.Institution) -> str:
    """The canonical text of ``inst`` (see the module docstring for the layout)."""
    return _render(inst, _Notes())


# ------------------------------------------------------------------------------- comments

Pos = tuple[int, int]
_FAR: Pos = (1 << 62, 0)
_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


@dataclass
class _Unit:
    """A printed line (a leaf) or block (children set) and where it stood in the source."""

    key: Key
    start: Pos
    end: Pos
    children: list[_Unit] | None = None
    starts: list[Pos] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.children is not None:
            self.children.sort(key=lambda child: child.start)
            self.starts = [child.start for child in self.children]


def format_document(doc: Document) -> str:
    """The canonical text of a parsed document, every comment kept.

    Raises :class:`~govlang.lang.diagnostics.GovlangError` when the document has syntax or
    structural errors (formatting it would lose what the parser could not represent).
    """
    if doc.institution is None or any(d.is_error for d in doc.diagnostics):
        raise GovlangError(doc.diagnostics, doc.source)
    root = _tree(doc.institution, doc.source)
    notes = _Notes()
    for comment in doc.comments:
        _place(notes, root, comment, doc.source)
    _mark_blanks(notes, root, doc.source)
    return _render(doc.institution, notes)


def _masked(text: str) -> str:
    """``text`` with comments blanked and string contents replaced (lengths kept)."""

    def mask(match: re.Match[str]) -> str:
        token = match.group()
        return " " * len(token) if token[0] == "#" else '"' + "x" * (len(token) - 2) + '"'

    return _TOKENS.sub(mask, text)


def _unit(node: ir.Node, children: list[_Unit] | None = None) -> _Unit:
    span = node.span
    start, end = (span.line, span.column), (span.end_line, span.end_column)
    return _Unit(_key(node), start, end, children)


def _found(key: Key, source: Source, pattern: str, start: int, end: int) -> _Unit:
    """The unit of a construct the IR keeps no span for, located by ``pattern``."""
    match = re.compile(pattern).search(_masked(source.text), start, end)
    first, last = (match.start(), match.end()) if match else (start, start)
    return _Unit(key, source.position(first), source.position(last))


def _tree(inst: ir.Institution, source: Source) -> _Unit:
    span = inst.span
    header = _found(_key(inst), source, r'institution\s+\w+(?:\s*"x*")?', span.start, span.end)
    kids = [header, *map(_unit, inst.observes), *map(_unit, inst.params)]
    kids += [_unit(inst.action)] if inst.action is not None else []
    kids += [*map(_unit, inst.monitors), *(_scope_unit(s, source) for s in inst.scopes)]
    kids += map(_unit, inst.asserts)
    return _Unit(_ROOT, (0, 0), _FAR, kids)


def _scope_unit(scope: ir.ScopeDecl, source: Source) -> _Unit:
    kids: list[_Unit] = []
    if scope.evidence is not None:
        pattern = rf"\bevidence\s+{re.escape(scope.evidence)}\b"
        span = scope.span
        kids.append(_found(("evidence", id(scope)), source, pattern, span.start, span.end))
    kids += [_unit(scope.credits)] if scope.credits is not None else []
    for state in scope.states:
        sanctions = [_unit(s) for s in (*state.on_enter, *state.on_round)]
        kids.append(_unit(state, sanctions or None))
    kids += [_unit(rule, [_unit(e) for e in rule.edges]) for rule in scope.rules]
    return _unit(scope, kids)


def _place(notes: _Notes, root: _Unit, comment: Comment, source: Source) -> None:
    """Attach one comment to the line it belongs to (see the module docstring)."""
    pos = (comment.line, comment.column)
    line_above = source.line_text(comment.line - 1) if comment.line > 1 else "x"
    note = _Note(comment.text.rstrip(), comment.own_line and not line_above.strip())
    unit, index = root, 0
    while unit.children is not None:
        index = bisect.bisect_right(unit.starts, pos)  # children[index - 1] starts before pos
        before = unit.children[index - 1] if index else None
        if before is None or before.end <= pos:
            break
        if before.children is None:  # inside a multi-line construct: move before it
            notes.leading.setdefault(before.key, []).append(note)
            return
        unit = before
    assert unit.children is not None
    ended = unit.children[index - 1] if index else None
    if not comment.own_line and ended is not None and ended.end[0] == comment.line:
        key = ended.key if ended.children is None else _close(ended.key)
        notes.trailing.setdefault(key, []).append(note.text)
    elif not comment.own_line and unit is not root and unit.start[0] == comment.line:
        notes.trailing.setdefault(unit.key, []).append(note.text)
    else:
        after = unit.children[index].key if index < len(unit.children) else _close(unit.key)
        notes.leading.setdefault(after, []).append(note)


def _mark_blanks(notes: _Notes, unit: _Unit, source: Source) -> None:
    """Remember which lines had a blank line before them (first on their line only)."""
    line, column = unit.start
    first_on_line = not source.line_text(line)[: column - 1].strip()
    if line > 1 and first_on_line and not source.line_text(line - 1).strip():
        notes.blank.add(unit.key)
    for child in unit.children or []:
        _mark_blanks(notes, child, source)
