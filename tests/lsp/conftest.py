"""A running ``govlang lsp`` server per test module, initialised, shut down at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lsp.client import LspClient


@pytest.fixture(scope="module")
def server() -> Iterator[LspClient]:
    client = LspClient()
    client.initialize()
    try:
        yield client
    finally:
        try:
            code = client.close()
        finally:
            client.kill()
        assert code == 0, client.stderr()
