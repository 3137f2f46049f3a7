"""Completion: the document's names, the built-ins and the language's keywords.

Names come from the last version of the buffer that parsed, so that completing in the middle
of a half-typed line (which does not parse) still offers the states, monitors and params.
The word before the cursor narrows the offer: after ``->`` the states, after ``evidence``
the monitors, after ``over`` the dimensions (as plurals); after a keyword that declares a
name (``param``, ``monitor``, ``state``, ...) nothing, since the name is new.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lsprotocol import types

from govlang.lang.builtins import BUILTINS
from govlang.lang.check.types import BUILTIN_NAMES
from govlang.lang.dims import plural
from govlang.lang.parse import keywords
from govlang.lsp.index import Index, Symbol, SymbolKind

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
_NEW_NAME = frozenset(
    {"institution", "param", "monitor", "observe", "state", "rule", "restore", "assert"}
)
_BEFORE = re.compile(r"(->|[A-Za-z_][A-Za-z0-9_]*)\s+[A-Za-z0-9_.]*$")


def _symbol_item(symbol: Symbol) -> types.CompletionItem:
    detail = symbol.kind if symbol.scope is None else f"{symbol.kind} ({symbol.scope} scope)"
    return types.CompletionItem(
        label=symbol.name, kind=_ITEM_KIND[symbol.kind], detail=detail, sort_text=f"0{symbol.name}"
    )


def _named(index: Index | None, kinds: Collection[str]) -> list[types.CompletionItem]:
    """One item per distinct name of the given kinds."""
    seen: set[str] = set()
    items = []
    for symbol in index.symbols if index is not None else []:
        if symbol.kind in kinds and symbol.name not in seen:
            seen.add(symbol.name)
            items.append(_symbol_item(symbol))
    return items


def completions(index: Index | None, before: str = "") -> list[types.CompletionItem]:
    """The candidates at a cursor with ``before`` the text of its line up to it."""
    found = _BEFORE.search(before)
    word = found.group(1) if found is not None else ""
    if word == "->":
        return _named(index, {"state"})
    if word == "evidence":
        return _named(index, {"monitor"})
    if word == "over":
        dims = index.dims if index is not None else ("agent",)
        return [
            types.CompletionItem(
                label=plural(dim), kind=types.CompletionItemKind.Unit, detail=f"dimension {dim}"
            )
            for dim in dims
        ]
    if word in _NEW_NAME:
        return []
    return everything(index)


def everything(index: Index | None) -> list[types.CompletionItem]:
    """Every candidate: declared names first, then built-ins, then functions, then keywords."""
    kinds = set(_ITEM_KIND) - {"rule", "restore", "assert"}
    items = _named(index, kinds)
    seen = {item.label for item in items}
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
    for name, signatures in sorted(BUILTINS.items()):
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
