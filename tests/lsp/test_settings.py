"""``initializationOptions``: the environment and params of ``govlang check --env --param``."""

from __future__ import annotations

from govlang.channels.talk_env import environment_schema
from govlang.lang.check import check
from govlang.lang.frontend import parse_text
from tests.lsp.client import ROOT, LspClient
from tests.lsp.test_server import REFERENCE, uri_of

BERTRAND = (ROOT / "examples" / "bertrand_price_watch.gov").read_text()


def started(options: object) -> LspClient:
    client = LspClient()
    client.initialize(options=options)
    return client


def test_env_and_params_give_the_diagnostics_of_check() -> None:
    client = started({"env": "cournot", "params": ["fine_floor=-5"]})
    try:
        schema = environment_schema("cournot")
        for name, text in (("bertrand.gov", BERTRAND), ("reference.gov", REFERENCE)):
            expected = check(parse_text(text, name), schema, {"fine_floor": -5.0})
            published = client.open(uri_of(name), text)
            assert [d["code"] for d in published] == [d.code for d in expected], name
            assert [d["message"] for d in published] == [d.message for d in expected]
        codes = {d["code"] for d in client.open(uri_of("reference.gov"), REFERENCE)}
        assert codes == {"GL221"}  # the param override is outside fine_floor's range
        assert client.close() == 0
    finally:
        client.kill()


def test_unusable_options_are_reported_and_left_out() -> None:
    client = started({"env": "no-such-market", "params": ["oops", "fine_floor=100"], "x": 1})
    try:
        messages = [client.notification("window/showMessage")["message"] for _ in range(3)]
        assert any("unknown key(s) x" in m for m in messages)
        assert any("initializationOptions.env: --env no-such-market" in m for m in messages)
        assert any("initializationOptions.params[0]: expected NAME=VALUE" in m for m in messages)
        # The usable param still applies, and the server works.
        assert client.open(uri_of("reference.gov"), REFERENCE) == []
        assert client.close() == 0
    finally:
        client.kill()


def test_options_of_the_wrong_shape_do_not_stop_the_server() -> None:
    for options in (["env"], {"env": 3, "params": "fine_floor=1"}):
        client = started(options)
        try:
            assert client.notification("window/showMessage")["type"] == 1
            assert client.open(uri_of("reference.gov"), REFERENCE) == []
            assert client.close() == 0
        finally:
            client.kill()
