"""Completion: the document's names, the built-ins and the language's keywords.

Names come from the last version of the buffer that parsed, so that completing in the middle
of a half-typed line (which does not parse) still offers the states, monitors and params.
"""

from __future__ import annotations

from lsprotocol import types

from govlang.check.functions import FUNCTIONS
from govlang.check.types import BUILTIN_NAMES
from govlang.lsp.index import Index, Symbol, SymbolKind
from govlang.parse import keywords

_ITEM_KIND: dict[SymbolKind, types.CompletionItemKind] = {
    "param": types.CompletionItemKind.Constant,
    "monitor": types.CompletionItemKind.Variable,
    "observable": types.CompletionItemKind.Field,
    "benchmark": types.CompletionItemKind.Field,
    "state": types.CompletionItemKind.EnumMember,
    "rule": types.CompletionItemKind.Module,
    "restore": types.CompletionItemKind.Module,
    "assert": types.CompletionItemKind.Event,
}


def _symbol_item(symbol: Symbol) -> types.CompletionItem:
    detail = symbol.kind if symbol.scope is None else f"{symbol.kind} ({symbol.scope} scope)"
    return types.CompletionItem(
        label=symbol.name, kind=_ITEM_KIND[symbol.kind], detail=detail, sort_text=f"0{symbol.name}"
    )


def completions(index: Index | None) -> list[types.CompletionItem]:
    """Every completion candidate: declared names first, then built-ins, then keywords."""
    items: list[types.CompletionItem] = []
    seen: set[str] = set()
    for symbol in index.symbols if index is not None else []:
        if symbol.name not in seen:
            seen.add(symbol.name)
            items.append(_symbol_item(symbol))
    for name in sorted(BUILTIN_NAMES - seen):
        seen.add(name)
        items.append(
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Variable,
                detail="built-in",
                sort_text=f"1{name}",
            )
        )
    for name, signatures in sorted(FUNCTIONS.items()):
        seen.add(name)
        items.append(
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Function,
                detail=" | ".join(s.usage for s in signatures),
                sort_text=f"2{name}",
            )
        )
    for word in sorted(keywords() - seen):
        items.append(
            types.CompletionItem(
                label=word, kind=types.CompletionItemKind.Keyword, sort_text=f"3{word}"
            )
        )
    return items
