"""A run path drawn on the institution's diagram, for a run's page, without re-running Graphviz.

``govlang render --path`` lays the diagram out again with the path in it
(:func:`govlang.lang.render.to_dot`). A run's page needs one diagram per agent, for every run of an
experiment, so it lays the diagram out once per institution and process, then marks the path
on a copy of the SVG: Graphviz titles each node group with its node key (``agent.fined``) and
each edge group with ``FROM->TO``, so the path's states and every edge joining two consecutive
distinct states (the same edges as the renderer's overlay) get a bold blue stroke through a
style scoped to the copy's ids, which are prefixed to stay unique in the page.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from govlang.lang.compile import CompiledInstitution
from govlang.lang.render import OVERLAY, RenderError, _run_dot, to_dot

GROUP = re.compile(r'<g id="((?:node|edge)\d+)" class="(node|edge)">\s*<title>([^<]*)</title>')


@lru_cache(maxsize=8)
def diagram_svg(compiled: CompiledInstitution) -> str | None:
    """The institution's diagram as SVG markup (``None`` when Graphviz cannot draw it)."""
    try:
        svg = _run_dot(to_dot(compiled), "svg").decode("utf-8")
    except RenderError:
        return None
    return svg[svg.find("<svg") :]


def path_svg(compiled: CompiledInstitution, path: Sequence[str], prefix: str) -> str | None:
    """The diagram with ``path`` (node keys) marked; its ids prefixed with ``prefix``."""
    svg = diagram_svg(compiled)
    if svg is None:
        return None
    visited = set(path)
    steps = {(a, b) for a, b in itertools.pairwise(path) if a != b}
    nodes, edges = [], []
    for group, kind, title in GROUP.findall(svg):
        name = html.unescape(title)
        if kind == "node" and name in visited:
            nodes.append(f"{prefix}-{group}")
        elif kind == "edge" and tuple(name.split("->", 1)) in steps:
            edges.append(f"{prefix}-{group}")
    marked = re.sub(r'\bid="', f'id="{prefix}-', svg)
    rules = []
    if nodes or edges:
        strokes = ", ".join(f"#{g} path, #{g} polygon, #{g} ellipse" for g in nodes + edges)
        rules.append(f"{strokes} {{ stroke: {OVERLAY}; stroke-width: 3; }}")
    if edges:
        heads = ", ".join(f"#{g} polygon" for g in edges)
        rules.append(f"{heads} {{ fill: {OVERLAY}; }}")
    style = f"<style>{' '.join(rules)}</style>" if rules else ""
    return marked.replace(">", ">" + style, 1) if style else marked
