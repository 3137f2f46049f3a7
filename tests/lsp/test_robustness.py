"""Bad input never stops ``govlang lsp``: every request still gets an answer."""

from __future__ import annotations

import json

import pytest

from tests.lsp.client import LspClient
from tests.lsp.test_server import REFERENCE, uri_of

TEXT_REQUESTS = [
    ("textDocument/hover", {"position": {"line": 0, "character": 0}}),
    ("textDocument/definition", {"position": {"line": 0, "character": 0}}),
    (
        "textDocument/references",
        {"position": {"line": 0, "character": 0}, "context": {"includeDeclaration": True}},
    ),
    ("textDocument/documentSymbol", {}),
    ("textDocument/formatting", {"options": {"tabSize": 2, "insertSpaces": True}}),
    ("textDocument/completion", {"position": {"line": 0, "character": 0}}),
]


def alive(client: LspClient) -> None:
    """The server still answers, with the right diagnostics."""
    assert client.open(uri_of("alive.gov"), REFERENCE) == []


@pytest.mark.parametrize(("method", "params"), TEXT_REQUESTS, ids=[m for m, _ in TEXT_REQUESTS])
def test_requests_about_unknown_documents_get_empty_answers(
    server: LspClient, method: str, params: dict[str, object]
) -> None:
    result = server.result(method, {"textDocument": {"uri": uri_of("never-opened.gov")}, **params})
    assert result in (None, [])
    alive(server)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "institution",
        "}}}}{{{",
        "institution X\nmonitor m = (((((\n",
        "institution X\x00\x01\x02 binary",
        "institution X \ud800\n",
        "\ufeffinstitution X\n",
        "institution X\nparam p: float = 1e999999\n",
        "institution X\n" + "monitor m = " + "(" * 500 + "1" + ")" * 500 + "\n",
        "state active -> -> -> when when",
    ],
    ids=[f"text{i}" for i in range(10)],
)
@pytest.mark.parametrize(("method", "params"), TEXT_REQUESTS, ids=[m for m, _ in TEXT_REQUESTS])
def test_every_request_on_bad_input_is_answered(
    server: LspClient, text: str, method: str, params: dict[str, object]
) -> None:
    uri = uri_of("bad.gov")
    diagnostics = server.open(uri, text)
    assert all(d["code"].startswith("GL") for d in diagnostics)
    if text.strip() != "\ufeffinstitution X":
        assert diagnostics, text
    response = server.request(method, {"textDocument": {"uri": uri}, **params})
    assert "error" not in response, response
    alive(server)


def test_positions_past_the_end_are_clamped(server: LspClient) -> None:
    uri = uri_of("far.gov")
    server.open(uri, REFERENCE)
    for method, params in TEXT_REQUESTS:
        far = {**params}
        if "position" in far:
            far["position"] = {"line": 100000, "character": 100000}
        response = server.request(method, {"textDocument": {"uri": uri}, **far})
        assert "error" not in response, (method, response)
    alive(server)


def test_changes_to_unopened_documents_and_closing_are_harmless(server: LspClient) -> None:
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri_of("ghost.gov"), "version": 2},
            "contentChanges": [{"text": "institution Ghost"}],
        },
    )
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri_of("ghost.gov")}})
    alive(server)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri_of("alive.gov")}})
    assert server.diagnostics(uri_of("alive.gov")) == []
    alive(server)


def test_malformed_messages_do_not_stop_the_server(server: LspClient) -> None:
    body = b"{this is not json"
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    body = json.dumps({"jsonrpc": "2.0", "id": 9999, "method": "textDocument/hover"}).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    # pygls answers neither (the second has no params): it reports each to the user.
    for _ in range(2):
        shown = server.notification("window/showMessage")
        assert shown["type"] == 1
    unknown = server.request("govlang/noSuchMethod", {})
    assert "error" in unknown
    alive(server)


def test_utf16_columns_count_surrogate_pairs(server: LspClient) -> None:
    edge = 'then notice "Warning under P2: coordination evidence this round."'
    assert edge in REFERENCE
    text = REFERENCE.replace(edge, 'then notice "Ünder 😀 review" cooldown nope rounds')
    line = next(i for i, row in enumerate(text.splitlines()) if "😀" in row)
    raw = text.splitlines()[line]
    assert raw.endswith("cooldown nope rounds"), raw
    (found,) = server.open(uri_of("unicode.gov"), text)
    assert found["code"] == "GL101"
    # The emoji is one code point but two UTF-16 code units.
    column = raw.index("nope") + 1
    assert found["range"]["start"] == {"line": line, "character": column}
    assert found["range"]["end"] == {"line": line, "character": column + 4}
    hover = server.result(
        "textDocument/hover",
        {
            "textDocument": {"uri": uri_of("unicode.gov")},
            "position": {"line": line, "character": raw.index("coordination") + 2},
        },
    )
    assert "monitor coordination" in hover["contents"]["value"]


def test_a_buffer_over_the_size_limit_is_refused_with_one_message() -> None:
    client = LspClient(env={"GOVLANG_MAX_GOV_BYTES": "1K"})
    try:
        client.initialize()
        (refused,) = client.open(uri_of("large.gov"), REFERENCE)
        assert "larger than 1 KiB" in refused["message"]
        assert "GOVLANG_MAX_GOV_BYTES" in refused["message"]
        small = "institution Small\n"
        assert client.change(uri_of("large.gov"), small, 2) != [refused]
        assert client.close() == 0
    finally:
        client.kill()


def test_utf8_positions_when_the_client_asks_for_them() -> None:
    client = LspClient()
    try:
        capabilities = {"general": {"positionEncodings": ["utf-8", "utf-16"]}}
        reply = client.initialize(capabilities)
        assert reply["capabilities"]["positionEncoding"] == "utf-8"
        text = 'institution T\nmonitor m: number = 1 "é😀" + 2\n'
        (found,) = client.open(uri_of("utf8.gov"), text)
        assert found["code"] == "GL001"
        line = text.splitlines()[1]
        # Before `+`: 27 code points, 28 UTF-16 code units, 31 bytes of UTF-8.
        assert found["range"]["start"] == {"line": 1, "character": 31}
        assert len(line[: line.index("+")].encode("utf-8")) == 31
        assert client.close() == 0
    finally:
        client.kill()


def test_without_related_information_the_hint_joins_the_message() -> None:
    client = LspClient()
    try:
        client.initialize({"textDocument": {}})
        text = REFERENCE.replace("active -> warning when", "active -> warnng when")
        (found,) = client.open(uri_of("plain.gov"), text)
        assert found["message"] == "undefined state `warnng`\nhint: did you mean `warning`?"
        assert "relatedInformation" not in found
        assert client.close() == 0
    finally:
        client.kill()


def test_a_failing_handler_is_logged_and_answers_its_default() -> None:
    from govlang.lsp.server import guarded

    logged: list[str] = []

    class Recorder:
        def window_log_message(self, params: object) -> None:
            logged.append(getattr(params, "message", ""))

    @guarded([])
    def broken(ls: object, params: object) -> list[int]:
        raise RuntimeError("boom")

    assert broken(Recorder(), None) == []
    assert "broken failed" in logged[0] and "RuntimeError: boom" in logged[0]
