"""Formatting: the whole buffer replaced by ``govlang fmt``'s canonical layout.

As ``govlang fmt`` does, a buffer that does not parse, or that has an error of the first
stage (codes below GL100), is left alone: no edits.
"""

from __future__ import annotations

from lsprotocol import types

from govlang.lang.fmt import format_document
from govlang.lsp.analysis import Analysis


def formatted_text(analysis: Analysis) -> str | None:
    """The canonical layout of the buffer, or ``None`` when ``govlang fmt`` would refuse it."""
    document = analysis.document
    if document.institution is None or analysis.refused is not None:
        return None
    if any(d.code < "GL100" and d.is_error for d in analysis.diagnostics):
        return None
    return format_document(document)


def format_edits(analysis: Analysis) -> list[types.TextEdit] | None:
    """One edit replacing the buffer by its canonical layout (none when already formatted)."""
    text = formatted_text(analysis)
    if text is None:
        return None
    if text == analysis.text:
        return []
    lines = analysis.lines
    end = types.Position(*lines.position(len(analysis.text)))
    return [types.TextEdit(types.Range(types.Position(0, 0), end), text)]
