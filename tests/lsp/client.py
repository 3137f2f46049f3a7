"""A minimal LSP client for the tests: JSON-RPC with Content-Length framing over pipes.

It spawns ``python -m govlang lsp`` and reads the server's messages on a thread: responses
are matched to requests by id; notifications are queued for :meth:`LspClient.notification`.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


class LspClient:
    """One running server and the conversation with it."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the server runs)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "govlang", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            cwd=ROOT,
            env=env,
        )
        self.next_id = 0
        self.responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # ------------------------------------------------------------------------ framing
    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None
            message = json.loads(stream.read(length))
            if "id" in message and "method" not in message:
                with self.lock:
                    box = self.responses.setdefault(message["id"], queue.Queue())
                box.put(message)
            elif "method" in message and "id" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})
            else:
                self.notifications.put(message)

    # ------------------------------------------------------------------------ messages
    def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and wait for its response (the whole message: result or error)."""
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            box = self.responses.setdefault(ident, queue.Queue())
        self.send({"id": ident, "method": method, "params": params})
        return box.get(timeout=TIMEOUT)

    def result(self, method: str, params: Any = None) -> Any:
        """A request's result (failing the test on an error response)."""
        response = self.request(method, params)
        assert "error" not in response, response
        return response["result"]

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"method": method, "params": params})

    def notification(self, method: str) -> dict[str, Any]:
        """The next notification called ``method`` (others of other names are dropped)."""
        while True:
            message = self.notifications.get(timeout=TIMEOUT)
            if message["method"] == method:
                return message["params"]

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The next diagnostics published for ``uri``."""
        while True:
            params = self.notification("textDocument/publishDiagnostics")
            if params["uri"] == uri:
                return list(params["diagnostics"])

    # ------------------------------------------------------------------------ session
    def initialize(
        self, capabilities: dict[str, Any] | None = None, options: Any = None
    ) -> dict[str, Any]:
        caps = capabilities or {
            "textDocument": {"publishDiagnostics": {"relatedInformation": True}}
        }
        params = {"processId": os.getpid(), "rootUri": ROOT.as_uri(), "capabilities": caps}
        if options is not None:
            params["initializationOptions"] = options
        result = self.result("initialize", params)
        self.notify("initialized", {})
        return dict(result)

    def open(self, uri: str, text: str, version: int = 1) -> list[dict[str, Any]]:
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "govlang",
                    "version": version,
                    "text": text,
                }
            },
        )
        return self.diagnostics(uri)

    def change(self, uri: str, text: str, version: int) -> list[dict[str, Any]]:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )
        return self.diagnostics(uri)

    def close(self) -> int:
        """``shutdown`` then ``exit``; the server's exit code."""
        if self.process.poll() is None:
            self.result("shutdown")
            self.notify("exit")
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()

    def stderr(self) -> str:
        """What the server wrote to its standard error so far."""
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)


def position(text: str, needle: str, occurrence: int = 0, delta: int = 0) -> dict[str, int]:
    """The LSP position of the ``occurrence``-th ``needle`` in ``text`` (plus ``delta`` chars)."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    return {"line": line, "character": at - (text.rfind("\n", 0, at) + 1)}
