"""The ``govlang lsp`` server: pygls wiring of the editor features, over standard I/O.

Each open buffer is analysed (parsed, checked, indexed) when it is opened or changed, and its
diagnostics are published. Requests are answered from the latest analysis; completion falls
back to the last version that parsed. A request about a document the client never opened
gets an empty answer. No handler lets an exception out: a failure is logged to the client
(``window/logMessage``) and the request gets an empty answer, so bad input never stops the
server.
"""

from __future__ import annotations

import functools
import gc
import traceback
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from govlang.lsp.analysis import Analysis, analyse_text
from govlang.lsp.completion import completions
from govlang.lsp.diagnostics import lsp_diagnostics, span_range
from govlang.lsp.formatting import format_edits
from govlang.lsp.hover import hover_text
from govlang.lsp.index import Index
from govlang.lsp.navigation import definition, document_symbols, references
from govlang.lsp.settings import Settings, read_settings

VERSION = "0.1.0"
F = TypeVar("F", bound=Callable[..., Any])


class GovServer(LanguageServer):
    """A language server that keeps the analysis of every open buffer."""

    def __init__(self) -> None:
        super().__init__(
            "govlang", VERSION, text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.analyses: dict[str, Analysis] = {}
        self.parsed: dict[str, Index] = {}
        self.settings = Settings()

    def encoding(self) -> str:
        """The negotiated position encoding: ``utf-8``, ``utf-16`` or ``utf-32``."""
        chosen = str(getattr(self.workspace, "position_encoding", None) or "utf-16")
        return chosen if chosen in ("utf-8", "utf-32") else "utf-16"

    def related_information(self) -> bool:
        """Whether the client shows a diagnostic's related information."""
        document = self.client_capabilities.text_document
        published = document.publish_diagnostics if document is not None else None
        return bool(published is not None and published.related_information)

    def refresh(self, uri: str, text: str, version: int | None) -> None:
        """Analyse a buffer's new text and publish its diagnostics."""
        analysis = analysed(text, display_name(uri), self.encoding(), self.settings)
        self.analyses[uri] = analysis
        if analysis.index is not None:
            self.parsed[uri] = analysis.index
        found = lsp_diagnostics(analysis, uri, self.related_information())
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
        )

    def forget(self, uri: str) -> None:
        """Drop a closed buffer and clear its diagnostics."""
        self.analyses.pop(uri, None)
        self.parsed.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def offset(self, uri: str, position: types.Position) -> tuple[Analysis, int] | None:
        """The analysis of an open buffer and the offset of ``position`` in it."""
        analysis = self.analyses.get(uri)
        if analysis is None:
            return None
        return analysis, analysis.lines.offset(position.line, position.character)


def analysed(text: str, name: str, encoding: str, settings: Settings) -> Analysis:
    """:func:`analyse_text` with Python's cyclic garbage collector paused.

    As the command line does (:func:`govlang.lang.frontend.collector_paused`): parsing and checking
    allocate many small objects and few cycles, and collections would slow a large file down
    by more than half. The command line pauses the collector only when it runs alone; here the
    other threads are pygls's, which only move messages, so pausing it is as safe.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return analyse_text(text, name, encoding, settings)
    finally:
        if enabled:
            gc.enable()


def display_name(uri: str) -> str:
    """The name diagnostics are reported under: the path of a ``file:`` URI, else the URI."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" and parsed.path else uri


def guarded(default: object) -> Callable[[F], F]:
    """Catch every exception of a handler: log it to the client, answer ``default``."""

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        def run(ls: GovServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception:  # a bug must not stop the server: report it and go on
                message = f"govlang lsp: {handler.__name__} failed\n{traceback.format_exc()}"
                ls.window_log_message(
                    types.LogMessageParams(type=types.MessageType.Error, message=message)
                )
                return default

        return cast(F, run)

    return decorate


def build_server() -> GovServer:
    """A server with every feature registered."""
    server = GovServer()
    _register_sync(server)
    _register_requests(server)
    return server


def _register_sync(server: GovServer) -> None:
    @server.feature(types.INITIALIZE)
    @guarded(None)
    def initialize(ls: GovServer, params: types.InitializeParams) -> None:
        ls.settings, problems = read_settings(params.initialization_options)
        for problem in problems:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"govlang: {problem}")
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(None)
    def did_open(ls: GovServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.refresh(doc.uri, doc.text, doc.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(None)
    def did_change(ls: GovServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in ls.workspace.text_documents:
            return
        text = ls.workspace.get_text_document(uri).source
        ls.refresh(uri, text, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(None)
    def did_close(ls: GovServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)


def _register_requests(server: GovServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(None)
    def hover(ls: GovServer, params: types.HoverParams) -> types.Hover | None:
        located = ls.offset(params.text_document.uri, params.position)
        found = hover_text(*located) if located is not None else None
        if located is None or found is None:
            return None
        text, occurrence = found
        content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
        return types.Hover(contents=content, range=span_range(located[0].lines, occurrence.span))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded([])
    def goto_definition(ls: GovServer, params: types.DefinitionParams) -> list[types.Location]:
        located = ls.offset(params.text_document.uri, params.position)
        return definition(located[0], params.text_document.uri, located[1]) if located else []

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded([])
    def find_references(ls: GovServer, params: types.ReferenceParams) -> list[types.Location]:
        uri = params.text_document.uri
        located = ls.offset(uri, params.position)
        if located is None:
            return []
        analysis, offset = located
        return references(analysis, uri, offset, params.context.include_declaration)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded([])
    def outline(ls: GovServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        analysis = ls.analyses.get(params.text_document.uri)
        return document_symbols(analysis) if analysis is not None else []

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @guarded(None)
    def formatting(
        ls: GovServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit] | None:
        analysis = ls.analyses.get(params.text_document.uri)
        return format_edits(analysis) if analysis is not None else None

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())
    @guarded(None)
    def complete(ls: GovServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        located = ls.offset(uri, params.position)
        if located is None:
            return None
        analysis, offset = located
        before = analysis.text[analysis.lines.offset(params.position.line, 0) : offset]
        items = completions(ls.parsed.get(uri), before)
        return types.CompletionList(is_incomplete=False, items=items)


def main() -> int:
    """Serve over standard input and output until the client says ``exit``."""
    build_server().start_io()
    return 0
