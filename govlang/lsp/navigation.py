"""Go to definition, find references and the document's outline (document symbols)."""

from __future__ import annotations

from lsprotocol import types

from govlang.lang import ir
from govlang.lang.check.locate import header_span
from govlang.lsp.analysis import Analysis
from govlang.lsp.diagnostics import span_range
from govlang.lsp.index import Symbol, SymbolKind

_SYMBOL_KIND: dict[SymbolKind, types.SymbolKind] = {
    "param": types.SymbolKind.Constant,
    "monitor": types.SymbolKind.Variable,
    "observable": types.SymbolKind.Field,
    "benchmark": types.SymbolKind.Field,
    "state": types.SymbolKind.EnumMember,
    "rule": types.SymbolKind.Function,
    "restore": types.SymbolKind.Function,
    "assert": types.SymbolKind.Event,
}


def definition(analysis: Analysis, uri: str, offset: int) -> list[types.Location]:
    """Where the name at ``offset`` is declared (the first declaration); empty if nowhere."""
    index = analysis.index
    found = index.at(offset) if index is not None else None
    if index is None or found is None:
        return []
    symbols = index.definitions(found.key)[:1]
    return [types.Location(uri, span_range(analysis.lines, s.span)) for s in symbols]


def references(
    analysis: Analysis, uri: str, offset: int, include_declaration: bool
) -> list[types.Location]:
    """Every place the name at ``offset`` stands, in source order."""
    index = analysis.index
    found = index.at(offset) if index is not None else None
    if index is None or found is None:
        return []
    uses = index.uses(found.key, include_declaration)
    return [types.Location(uri, span_range(analysis.lines, o.span)) for o in uses]


def _symbol(analysis: Analysis, symbol: Symbol) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=symbol.name,
        kind=_SYMBOL_KIND[symbol.kind],
        range=span_range(analysis.lines, symbol.node.span),
        selection_range=span_range(analysis.lines, symbol.span),
        detail=symbol.kind,
    )


def document_symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    """The outline: declarations at the top level, states and rules inside their scope."""
    index, document = analysis.index, analysis.document
    if index is None or document.institution is None:
        return []
    outline: list[types.DocumentSymbol] = []
    scoped: dict[str, list[types.DocumentSymbol]] = {}
    for symbol in index.symbols:
        if symbol.scope is None:
            outline.append(_symbol(analysis, symbol))
        else:
            scoped.setdefault(symbol.scope, []).append(_symbol(analysis, symbol))
    for scope in document.institution.scopes:
        outline.append(_scope(analysis, scope, scoped.get(scope.kind, [])))
    outline.sort(key=lambda s: (s.range.start.line, s.range.start.character))
    return outline


def _scope(
    analysis: Analysis, scope: ir.ScopeDecl, children: list[types.DocumentSymbol]
) -> types.DocumentSymbol:
    head = header_span(analysis.document.source, scope.span)
    children = [c for c in children if _inside(c.range, span_range(analysis.lines, scope.span))]
    return types.DocumentSymbol(
        name="per agent" if scope.kind == "agent" else "market",
        kind=types.SymbolKind.Namespace,
        range=span_range(analysis.lines, scope.span),
        selection_range=span_range(analysis.lines, head),
        detail="scope",
        children=children,
    )


def _inside(inner: types.Range, outer: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(outer.start) <= key(inner.start) and key(inner.end) <= key(outer.end)
