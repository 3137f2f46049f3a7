"""The fake chat-completions server: answers without Nagle delays; its child-process form."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

from govlang.agents.fakeserver import FakeLLMServer, FakeLLMServerProcess, Step


def _chat(connection: http.client.HTTPConnection, path: str) -> tuple[int, str]:
    """Status and answer text of one chat request on a kept-alive ``connection``."""
    body = json.dumps({"model": "fake", "messages": [{"role": "user", "content": "hi"}]})
    connection.request("POST", f"{path}/chat/completions", body)
    response = connection.getresponse()
    completion = json.loads(response.read())
    return response.status, str(completion["choices"][0]["message"]["content"])


def _connection(api_base: str) -> tuple[http.client.HTTPConnection, str]:
    url = urlsplit(api_base)
    assert url.hostname is not None and url.port is not None
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10), url.path


def test_answers_are_sent_with_nagle_off() -> None:
    """Headers and body go out separately: Nagle would hold the body for a delayed ACK."""
    with FakeLLMServer() as server:
        handler = server._handler_class()
        assert handler.disable_nagle_algorithm is True
        connection, path = _connection(server.api_base)
        for _ in range(3):  # one kept-alive connection answers every request
            status, text = _chat(connection, path)
            assert status == 200 and "quantities" in json.loads(text)
        connection.close()
        assert server.requests == 3


def test_the_child_process_server_serves_counts_and_resets() -> None:
    with FakeLLMServerProcess([Step("malformed")], latency=0.0) as server:
        assert server.model == FakeLLMServer.model
        connection, path = _connection(server.api_base)
        status, malformed = _chat(connection, path)
        _, valid = _chat(connection, path)
        connection.close()
        assert status == 200 and "Sure!" in malformed
        assert json.loads(valid)["quantities"] == {"A": 30.0, "B": 20.0}
        assert (server.requests, server.max_in_flight) == (2, 1)
        server.reset_counters()
        assert server.requests == 0
        api_base = server.api_base
    host, port = urlsplit(api_base).hostname, urlsplit(api_base).port
    assert host is not None and port is not None
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        pass
    else:
        raise AssertionError("the child server still listens after stop()")
