"""One editor buffer, parsed and checked exactly as ``govlang check`` does, and indexed.

:func:`analyse_text` never raises on bad content: a text that does not parse has its syntax
diagnostics and no index; a text over the size limit of institution files is not parsed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from govlang.lang.check import ValueType, check, infer_types
from govlang.lang.diagnostics import Diagnostic, Source
from govlang.lang.frontend import Document, decode, parse_source
from govlang.lang.inputs import GOV, InputRefused, shown
from govlang.lsp.index import Index, build_index
from govlang.lsp.positions import Lines
from govlang.lsp.settings import Settings


@dataclass(frozen=True)
class TooLarge:
    """A buffer over the institution-file size limit: not parsed, one message."""

    message: str


@dataclass
class Analysis:
    """A buffer's text, its document, every diagnostic and (when it parsed) its index."""

    text: str
    document: Document
    diagnostics: list[Diagnostic]
    lines: Lines
    index: Index | None
    refused: TooLarge | None = None

    @functools.cached_property
    def monitor_types(self) -> dict[str, ValueType]:
        """The type of every monitor whose type could be established."""
        if self.document.institution is None:
            return {}
        return infer_types(self.document.institution)


def analyse_text(
    text: str, name: str, encoding: str = "utf-16", settings: Settings | None = None
) -> Analysis:
    """Parse, check and index ``text`` (reported under ``name``), as ``settings`` ask."""
    settings = settings or Settings()
    lines = Lines(text, encoding)
    refused = _refused(text, name)
    if refused is not None:
        return Analysis(text, Document(Source(name, ""), None), [], lines, None, refused)
    document = _parse(text, name)
    diagnostics = check(document, settings.schema, settings.params or None)
    index = None
    if document.institution is not None:
        index = build_index(document.institution)
    return Analysis(text, document, diagnostics, lines, index)


def _parse(text: str, name: str) -> Document:
    """Parse as ``govlang check`` reads a file: NUL bytes and lone surrogates are GL007.

    A leading byte-order mark (which ``govlang check`` drops) reads as a space, so that
    positions stay those of the buffer.
    """
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    decoded = decode(text.encode("utf-8", "surrogatepass"), name)
    if isinstance(decoded, Diagnostic):
        return Document(Source(name, ""), None, (), [decoded])
    return parse_source(decoded)


def _refused(text: str, name: str) -> TooLarge | None:
    """Why ``text`` is not parsed (larger than ``GOVLANG_MAX_GOV_BYTES``), or ``None``."""
    try:
        limit = GOV.bytes()
    except InputRefused as exc:
        return TooLarge(f"{exc}")
    if len(text) <= limit // 4 or len(text.encode("utf-8", "surrogatepass")) <= limit:
        return None
    return TooLarge(
        f"{name}: larger than {shown(limit)}, the limit for {GOV.what}; not checked "
        f"(raise {GOV.env} to check it)"
    )
