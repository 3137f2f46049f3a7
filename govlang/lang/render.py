"""Stage 5: a compiled institution -> a Graphviz diagram (DOT, SVG, PNG, PDF).

Visual language (also in ``specs/artifacts.md``, "Diagram"):

- one cluster per scope, titled "per agent" or "market"; the title of the whole diagram is the
  institution's name and the first 12 hex digits of its semantic digest;
- a state is a rounded box labelled with its name (bold) and its public label; a *sanction
  state* also shows its sanctions in short ("fine 35%/75%/100% of profit, floor 200",
  "suspended", "action capped at 40"), per-round ones marked "each round";
- the **initial** state has a bold border and an entry arrow from a small black point;
- a **terminal** state is a double octagon;
- fill colours: white for plain states, warm colours for sanction states (light orange for
  fines, red for suspension and exclusion, amber for action caps and floors, green for
  grants, the warmest winning);
- **escalation** edges (``rule``) are solid dark red, **restoration** edges (``restore``)
  dashed green; each edge is labelled with its rule id (bold) and its clauses: the guard text
  (symbolic, as written), then the resolved counts ("for 3 rounds", "after 5 clean rounds",
  "spend 1 credit", "cooldown 2 rounds"), "prio N" and its sanctions, wrapped at 28 characters;
- an optional **path overlay** (a run's sequence of node keys such as ``agent.fined``) draws
  the visited states with a bold blue border and every declared edge joining two consecutive
  *distinct* states of the path in bold blue (repeated entries mean the state was kept).

:func:`to_dot` returns the DOT source (made with the ``graphviz`` package, deterministic);
:func:`render` writes DOT, or runs the Graphviz ``dot`` program (found on ``PATH``) for SVG,
PNG (150 dpi) and PDF.
"""

from __future__ import annotations

import html
import itertools
import shutil
import subprocess
import textwrap
from collections.abc import Sequence
from pathlib import Path

import graphviz

from govlang.lang import ir
from govlang.lang.compile import CompiledEdge, CompiledInstitution
from govlang.lang.graph import node_key
from govlang.lang.manifest import SCOPE_TITLES, try_constant
from govlang.lang.unparse import format_expr

FORMATS = ("svg", "png", "pdf", "dot")
WRAP = 28
"""Edge label lines are wrapped at this many characters."""
FONT = "Helvetica"
ESCALATION = "#9b1c1c"
RESTORATION = "#2e7d32"
OVERLAY = "#1d4ed8"
# Fill colour per sanction kind, warmest last: a state takes the warmest of its sanctions.
FILLS = {
    "grant": "#d9f2d9",
    "notice": "#ffffff",
    "action_bound": "#fde68a",
    "fine": "#fdba8c",
    "exclude": "#f28b82",
    "suspend": "#f28b82",
}
PLAIN = "#ffffff"
DOT_TIMEOUT = 60
"""Seconds Graphviz may take to lay out a diagram."""


class RenderError(Exception):
    """The diagram could not be produced: unknown format, Graphviz missing, write failure."""


# ------------------------------------------------------------------------------- DOT


def to_dot(compiled: CompiledInstitution, path_overlay: Sequence[str] | None = None) -> str:
    """The DOT source of the governance graph, with an optional run path drawn in blue."""
    visited, steps = _overlay(compiled, path_overlay or ())
    inst = compiled.institution
    dot = graphviz.Digraph(name=inst.name, engine="dot")
    title = f"<<b>{html.escape(inst.name)}</b>  {compiled.short_digest}>"
    dot.attr(label=title, labelloc="t", fontname=FONT, fontsize="16", rankdir="TB")
    dot.attr(nodesep="0.5", ranksep="0.6")
    dot.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled")
    dot.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")
    for scope in inst.scopes:
        with dot.subgraph(name=f"cluster_{scope.kind}") as cluster:
            cluster.attr(label=SCOPE_TITLES[scope.kind], style="rounded", color="#9ca3af")
            cluster.attr(fontsize="13", labeljust="l", margin="40")
            _states(cluster, compiled, scope, visited)
            # Edges inside the cluster so that their labels stay within its border.
            for edge in compiled.edges:
                if edge.scope == scope.kind:
                    _edge(cluster, compiled, edge, steps)
    return str(dot.source)


def _overlay(
    compiled: CompiledInstitution, path: Sequence[str]
) -> tuple[set[str], set[tuple[str, str]]]:
    """The visited nodes and the (from, to) node pairs stepped along ``path``."""
    unknown = [key for key in path if key not in compiled.governance]
    if unknown:
        known = ", ".join(sorted(compiled.governance.nodes()))
        raise RenderError(f"path overlay: no state `{unknown[0]}` (states: {known})")
    steps = {(a, b) for a, b in itertools.pairwise(path) if a != b}
    return set(path), steps


def _states(
    graph: graphviz.Digraph, compiled: CompiledInstitution, scope: ir.ScopeDecl, visited: set[str]
) -> None:
    for state in scope.states:
        key = node_key(scope.kind, state.name)
        attrs = {"label": _state_label(compiled, state), "fillcolor": _fill(state)}
        if state.terminal:
            attrs.update(shape="doubleoctagon", style="filled")
        if state.initial:
            attrs["penwidth"] = "2.5"
            entry = f"{scope.kind}.__entry__"
            graph.node(entry, label="", shape="point", width="0.12", style="filled")
            graph.edge(entry, key, color="black", arrowsize="0.7")
        if key in visited:
            attrs.update(color=OVERLAY, penwidth="3")
        graph.node(key, **attrs)


def _state_label(compiled: CompiledInstitution, state: ir.StateDecl) -> str:
    lines = [f"<b>{html.escape(state.name)}</b>"]
    if state.label:
        lines.append(html.escape(state.label))
    summaries = [sanction_summary(s, compiled) for s in state.on_enter]
    summaries += [_each_round(sanction_summary(s, compiled), s) for s in state.on_round]
    for summary in summaries:
        for line in _wrap_parts(summary.split(", "), WRAP + 6):
            lines.append(f'<font point-size="9">{html.escape(line)}</font>')
    return "<" + "<br/>".join(lines) + ">"


def _each_round(summary: str, sanction: ir.Sanction) -> str:
    """Mark per-round money and bounds; suspension and exclusion are standings already."""
    return summary if sanction.kind in ("suspend", "exclude") else summary + ", each round"


def _wrap_parts(parts: list[str], width: int) -> list[str]:
    """Join comma-separated parts into lines of at most ``width`` characters (where possible)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += ", " + part
        else:
            lines.extend(textwrap.wrap(part, width=width) or [part])
    return lines


def _fill(state: ir.StateDecl) -> str:
    ranked = list(FILLS)
    kinds = [s.kind for s in (*state.on_enter, *state.on_round)]
    warmest = max(kinds, key=ranked.index, default=None)
    return PLAIN if warmest is None else FILLS[warmest]


def _edge(
    graph: graphviz.Digraph,
    compiled: CompiledInstitution,
    edge: CompiledEdge,
    steps: set[tuple[str, str]],
) -> None:
    tail, head = node_key(edge.scope, edge.source), node_key(edge.scope, edge.target)
    colour = ESCALATION if edge.kind == "escalation" else RESTORATION
    attrs = {"color": colour, "fontcolor": colour, "label": _edge_label(compiled, edge)}
    if edge.kind == "restoration":
        attrs["style"] = "dashed"
    if (tail, head) in steps:
        attrs.update(color=OVERLAY, penwidth="3", style="bold")
    graph.edge(tail, head, **attrs)


def _edge_label(compiled: CompiledInstitution, edge: CompiledEdge) -> str:
    lines = [f"<b>{html.escape(edge.rule.id)}</b>"]
    for clause in edge_clauses(compiled, edge):
        lines.extend(html.escape(w) for w in textwrap.wrap(clause, width=WRAP) or [clause])
    # A borderless padded table keeps the text clear of the edge's own line.
    cell = "<br/>".join(lines)
    return f'<<table border="0" cellpadding="3" cellspacing="0"><tr><td>{cell}</td></tr></table>>'


def edge_clauses(compiled: CompiledInstitution, edge: CompiledEdge) -> list[str]:
    """The clauses of an edge as diagram text: guard, resolved counts, priority, sanctions."""
    clauses = [] if edge.edge.guard is None else [f"when {format_expr(edge.edge.guard)}"]
    counts = (
        (edge.persistence, "for {} rounds"),
        (edge.dwell, "after {} rounds"),
        (edge.clean, "after {} clean rounds"),
        (edge.credits, "spend {} credits"),
        (edge.cooldown, "cooldown {} rounds"),
    )
    for value, template in counts:
        if value is not None:
            text = template.format(value)
            clauses.append(
                text.replace(" rounds", " round").replace(" credits", " credit")
                if value == 1
                else text
            )
    if edge.priority:
        clauses.append(f"prio {edge.priority}")
    clauses += [f"then {sanction_summary(s, compiled)}" for s in edge.edge.sanctions]
    return clauses


# ------------------------------------------------------------------------------- sanctions


def sanction_summary(sanction: ir.Sanction, compiled: CompiledInstitution) -> str:
    """A sanction in a few words, with its values after param overrides.

    ``fine 35%/75%/100% of profit, floor 200``, ``fine 500 to others`` (the treasury is not
    named), ``suspended``,
    ``excluded``, ``action capped at 40``, ``action floored at 5``, ``grant 100``,
    ``notice``. Values that are not constant are shown as written.
    """
    if isinstance(sanction, ir.Fine):
        return _fine_summary(sanction, compiled)
    if isinstance(sanction, ir.ActionBound):
        verb = "capped" if sanction.bound == "cap" else "floored"
        return f"action {verb} at {_amount(sanction.value, compiled)}"
    if isinstance(sanction, ir.Grant):
        return f"grant {_amount(sanction.amount, compiled)}"
    return {"notice": "notice", "suspend": "suspended", "exclude": "excluded"}[sanction.kind]


def _fine_summary(fine: ir.Fine, compiled: CompiledInstitution) -> str:
    rate = _amount(fine.amount, compiled, percent=fine.of_profit)
    head = f"fine {rate}" + (" of profit" if fine.of_profit else "")
    head += f" + {_amount(fine.plus, compiled)}" if fine.plus is not None else ""
    head += f" to {fine.recipient}" if fine.recipient != "treasury" else ""
    parts = [head]
    for word in ("floor", "cap"):
        value = getattr(fine, word)
        if value is not None:
            parts.append(f"{word} {_amount(value, compiled)}")
    return ", ".join(parts)


def _amount(expr: ir.Expr, compiled: CompiledInstitution, percent: bool = False) -> str:
    value = try_constant(expr, compiled.params)
    if value is None or isinstance(value, bool):
        return format_expr(expr)
    items = value if isinstance(value, tuple) else (value,)
    return "/".join(_number(v * 100) + "%" if percent else _number(v) for v in items)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


# ------------------------------------------------------------------------------- files


def render(
    compiled: CompiledInstitution,
    output: Path,
    fmt: str | None = None,
    path_overlay: Sequence[str] | None = None,
) -> Path:
    """Write the diagram to ``output``; the format comes from ``fmt`` or the file suffix.

    ``path_overlay``: a run's node keys, drawn as in :func:`to_dot`.

    ``dot`` writes the DOT source; ``svg``, ``png`` and ``pdf`` run Graphviz ``dot``.
    Raises :class:`RenderError` for an unknown format, a missing ``dot`` program, a
    Graphviz failure or an output that cannot be written. Returns ``output``.
    """
    fmt = (fmt or output.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise RenderError(
            f"{output}: unknown diagram format `{fmt or '(none)'}`; use one of "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    source = to_dot(compiled, path_overlay)
    data = source.encode("utf-8") if fmt == "dot" else _run_dot(source, fmt)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as exc:
        raise RenderError(f"{output}: cannot write: {exc.strerror or exc}") from None
    return output


def _run_dot(source: str, fmt: str) -> bytes:
    """Lay out ``source`` with the Graphviz ``dot`` program into ``fmt`` (PNG at 150 dpi)."""
    program = shutil.which("dot")
    if program is None:
        raise RenderError(
            "the Graphviz `dot` program is not on PATH; install Graphviz "
            "(`apt-get install graphviz`; macOS: `brew install graphviz`) or render to .dot"
        )
    command = [program, f"-T{fmt}", *(["-Gdpi=150"] if fmt == "png" else [])]
    try:
        done = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"the Graphviz `dot` program could not be run: {exc}") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz `dot` failed (exit {done.returncode}): {stderr}")
    return done.stdout
