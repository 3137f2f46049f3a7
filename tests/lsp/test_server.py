"""``govlang lsp`` driven over its protocol: every feature, on real institutions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govlang.lang.check import check
from govlang.lang.fmt import format_document
from govlang.lang.frontend import parse_text
from tests.lsp.client import ROOT, LspClient, position

REFERENCE = (ROOT / "examples" / "cournot_reference.gov").read_text()
GOLDEN = ROOT / "tests" / "golden" / "invalid"


def uri_of(name: str) -> str:
    return (Path("/nonexistent/lsp-tests") / name).as_uri()


def at(client: LspClient, method: str, uri: str, where: dict[str, int], **extra: Any) -> Any:
    return client.result(method, {"textDocument": {"uri": uri}, "position": where, **extra})


def test_initialize_advertises_the_features() -> None:
    client = LspClient()
    try:
        capabilities = client.initialize()["capabilities"]
        assert client.close() == 0
    finally:
        client.kill()
    for name in (
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentSymbolProvider",
        "documentFormattingProvider",
        "completionProvider",
    ):
        assert capabilities.get(name, False) not in (False, None), name
    assert capabilities["textDocumentSync"]["openClose"] is True


def test_a_valid_file_has_no_diagnostics(server: LspClient) -> None:
    assert server.open(uri_of("valid.gov"), REFERENCE) == []


def test_a_broken_file_reports_the_code_at_its_line_and_column(server: LspClient) -> None:
    text = REFERENCE.replace("active -> warning when", "active -> warnng when")
    (found,) = server.open(uri_of("broken.gov"), text)
    line = text.splitlines().index(
        "    active -> warnng when coordination then notice "
        '"Warning under P2: coordination evidence this round."'
    )
    assert found["code"] == "GL105"
    assert found["severity"] == 1
    assert found["source"] == "govlang"
    assert found["range"] == {
        "start": {"line": line, "character": 14},
        "end": {"line": line, "character": 20},
    }
    assert found["message"] == "undefined state `warnng`"
    (hint,) = found["relatedInformation"]
    assert hint["message"] == "hint: did you mean `warning`?"
    assert hint["location"]["range"] == found["range"]


def test_did_change_updates_the_diagnostics(server: LspClient) -> None:
    uri = uri_of("changing.gov")
    assert server.open(uri, REFERENCE) == []
    broken = REFERENCE.replace("param fine_floor: float = 200", "param fine_floor: float = ")
    (syntax,) = server.change(uri, broken, 2)
    assert syntax["code"].startswith("GL00")
    assert server.change(uri, REFERENCE, 3) == []


def test_diagnostics_match_govlang_check_on_every_golden_file(server: LspClient) -> None:
    """Same codes, severities, messages and spans as the checker, for each catalogued code."""
    files = sorted(GOLDEN.glob("*.gov"))
    assert len(files) > 50
    severities = {"error": 1, "warning": 2, "note": 3}
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:  # an editor buffer is text: only GL007 is about bytes
            assert path.name.startswith("GL007")
            continue
        expected = check(parse_text(text, path.name))
        published = server.open(uri_of(path.name), text)
        assert len(published) == len(expected), path.name
        for got, want in zip(published, expected, strict=True):
            assert got["code"] == want.code, path.name
            assert got["severity"] == severities[want.severity]
            assert got["message"] == want.message
            start = got["range"]["start"]
            # ASCII files: LSP columns are the checker's columns minus one.
            assert (start["line"] + 1, start["character"] + 1) == (
                want.span.line,
                want.span.column,
            ), path.name
            hints = [r["message"] for r in got.get("relatedInformation") or []]
            assert hints == ([f"hint: {want.hint}"] if want.hint else []), path.name


def test_a_hint_naming_another_line_points_there(server: LspClient) -> None:
    text = (GOLDEN / "GL102_duplicate_declaration.gov").read_text()
    diagnostics = [d for d in server.open(uri_of("dup.gov"), text) if d["code"] == "GL102"]
    (related,) = diagnostics[0]["relatedInformation"]
    assert related["message"] == "hint: the first declaration is on line 2; rename one"
    assert related["location"]["range"]["start"]["line"] == 1
    assert related["location"]["range"]["end"]["character"] == len(text.splitlines()[1].rstrip())


def test_hover_on_a_param_shows_type_range_and_doc(server: LspClient) -> None:
    uri = uri_of("hover.gov")
    server.open(uri, REFERENCE)
    hover = at(server, "textDocument/hover", uri, position(REFERENCE, "floor fine_floor", 0, 6))
    value = hover["contents"]["value"]
    assert "param fine_floor: float = 200 in [0, 100000]" in value
    assert "Smallest fine" in value
    assert hover["range"]["end"]["character"] - hover["range"]["start"]["character"] == 10


def test_hover_on_a_state_shows_its_label(server: LspClient) -> None:
    uri = uri_of("hover-state.gov")
    server.open(uri, REFERENCE)
    hover = at(server, "textDocument/hover", uri, position(REFERENCE, "fined -> suspended"))
    value = hover["contents"]["value"]
    assert "state fined" in value
    assert "**PENALISED**" in value
    assert "on enter: `fine ladder fine_ladder of profit floor fine_floor to treasury`" in value


def test_hover_on_a_monitor_shows_expression_and_type(server: LspClient) -> None:
    uri = uri_of("hover-monitor.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "evidence coordination", 0, len("evidence "))
    value = at(server, "textDocument/hover", uri, where)["contents"]["value"]
    assert "monitor coordination: bool[agent] = " in value
    assert "sync_move or variance_collapse" in value
    assert "monitor of type `bool[agent]`" in value


def test_hover_on_a_builtin_function_shows_its_signatures(server: LspClient) -> None:
    uri = uri_of("hover-function.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "max(cv(quantity")
    value = at(server, "textDocument/hover", uri, where)["contents"]["value"]
    assert "max(x over D)" in value
    assert "max(a, b)" in value


def test_hover_on_a_rule_shows_its_text_and_edges(server: LspClient) -> None:
    uri = uri_of("hover-rule.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "restore R3_credits", 0, len("restore "))
    value = at(server, "textDocument/hover", uri, where)["contents"]["value"]
    assert "*restore rule of the `per agent` scope*" in value
    assert "Credits earned by clean rounds buy a step down" in value
    assert "- `fined -> credited when not coordination spend 1 credits priority 1`" in value


def test_hover_over_nothing_is_null(server: LspClient) -> None:
    uri = uri_of("hover-none.gov")
    server.open(uri, REFERENCE)
    assert at(server, "textDocument/hover", uri, {"line": 0, "character": 3}) is None


def test_definition_of_a_monitor_state_and_param(server: LspClient) -> None:
    uri = uri_of("definition.gov")
    server.open(uri, REFERENCE)
    cases = [
        (("evidence coordination", len("evidence ")), ("monitor coordination", len("monitor "))),
        (("fined -> suspended", 0), ('state fined "', len("state "))),
        (("per credit_rounds", len("per ")), ("param credit_rounds", len("param "))),
    ]
    for (needle, delta), (target, target_delta) in cases:
        where = position(REFERENCE, needle, 0, delta)
        (location,) = at(server, "textDocument/definition", uri, where)
        assert location["uri"] == uri
        assert location["range"]["start"] == position(REFERENCE, target, 0, target_delta), needle


def test_definition_of_a_state_named_in_an_assertion(server: LspClient) -> None:
    uri = uri_of("definition-assert.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "entered(suspended)", 0, len("entered("))
    (location,) = at(server, "textDocument/definition", uri, where)
    assert location["range"]["start"] == position(REFERENCE, "state suspended", 0, 6)


def test_references_of_a_state(server: LspClient) -> None:
    uri = uri_of("references.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "state suspended", 0, 6)
    found = at(server, "textDocument/references", uri, where, context={"includeDeclaration": True})
    lines = [REFERENCE.splitlines()[loc["range"]["start"]["line"]].strip() for loc in found]
    assert len(found) == 6  # the declaration, two edges, three in assertions
    assert lines[0].startswith("state suspended")
    assert sum("-> suspended" in line or line.startswith("suspended ->") for line in lines) == 2
    assert sum(line.startswith("assert A") for line in lines) == 3
    without = at(
        server, "textDocument/references", uri, where, context={"includeDeclaration": False}
    )
    assert without == found[1:]


def test_references_of_a_param(server: LspClient) -> None:
    uri = uri_of("references-param.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "param suspension_streak", 0, 6)
    found = at(server, "textDocument/references", uri, where, context={"includeDeclaration": True})
    assert len(found) == REFERENCE.count("suspension_streak") == 3
    for location in found:
        span = location["range"]
        line = REFERENCE.splitlines()[span["start"]["line"]]
        assert line[span["start"]["character"] : span["end"]["character"]] == "suspension_streak"


def test_references_of_a_rule_is_its_declaration(server: LspClient) -> None:
    uri = uri_of("references-rule.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "restore R1_expiry", 0, len("restore "))
    (found,) = at(
        server, "textDocument/references", uri, where, context={"includeDeclaration": True}
    )
    assert found["range"]["start"] == where
    (definition,) = at(server, "textDocument/definition", uri, where)
    assert definition["range"]["start"] == where


def test_document_symbols_outline_the_institution(server: LspClient) -> None:
    uri = uri_of("symbols.gov")
    server.open(uri, REFERENCE)
    symbols = server.result("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    names = [s["name"] for s in symbols]
    assert names[:2] == ["quantity", "nash.hhi"]
    assert "fine_floor" in names and "coordination" in names and "A3" in names
    (scope,) = [s for s in symbols if s["name"] == "per agent"]
    inner = [c["name"] for c in scope["children"]]
    assert inner[:5] == ["active", "warning", "fined", "credited", "suspended"]
    assert "P2_independent_decision" in inner and "R3_credits" in inner
    for symbol in [*symbols, *scope["children"]]:
        outer, sel = symbol["range"], symbol["selectionRange"]
        assert (outer["start"]["line"], outer["start"]["character"]) <= (
            sel["start"]["line"],
            sel["start"]["character"],
        )


def test_formatting_gives_govlang_fmt_layout(server: LspClient) -> None:
    uri = uri_of("format.gov")
    messy = REFERENCE.replace("param fine_floor: float = 200", "param   fine_floor :float=200")
    messy = messy.replace("  initial state active", "      initial state active")
    server.open(uri, messy)
    (edit,) = server.result(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    assert edit["range"]["start"] == {"line": 0, "character": 0}
    assert edit["newText"] == format_document(parse_text(messy, "format.gov"))
    assert "param fine_floor: float = 200 in" in edit["newText"]
    server.change(uri, edit["newText"], 2)
    again = server.result(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    assert again == []


def test_formatting_leaves_a_file_that_does_not_parse(server: LspClient) -> None:
    uri = uri_of("format-broken.gov")
    server.open(uri, "institution X\nparam p: float = \n")
    result = server.result(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    assert result is None


def test_completion_offers_names_functions_and_keywords(server: LspClient) -> None:
    uri = uri_of("complete.gov")
    server.open(uri, REFERENCE)
    where = position(REFERENCE, "when coordination then", 0, len("when "))
    result = at(server, "textDocument/completion", uri, where)
    labels = {item["label"]: item for item in result["items"]}
    for name in ("coordination", "fine_floor", "suspended", "quantity", "round", "held", "rule"):
        assert name in labels, name
    assert labels["fine_floor"]["detail"] == "param"
    assert labels["suspended"]["detail"] == "state (agent scope)"
    assert labels["rule"]["kind"] == 14  # Keyword


def test_completion_in_a_half_typed_line_keeps_the_names(server: LspClient) -> None:
    uri = uri_of("complete-broken.gov")
    server.open(uri, REFERENCE)
    typing = REFERENCE.replace("  initial state active", "  active -> \n  initial state active")
    diagnostics = server.change(uri, typing, 2)
    assert diagnostics and diagnostics[0]["code"].startswith("GL00")
    result = at(server, "textDocument/completion", uri, position(typing, "active -> ", 0, 10))
    labels = {item["label"] for item in result["items"]}
    assert labels == {"active", "warning", "fined", "credited", "suspended"}


def test_completion_follows_the_word_before_the_cursor(server: LspClient) -> None:
    uri = uri_of("complete-context.gov")
    server.open(uri, REFERENCE)

    def labels(needle: str, delta: int) -> set[str]:
        result = at(server, "textDocument/completion", uri, position(REFERENCE, needle, 0, delta))
        return {item["label"] for item in result["items"]}

    monitors = {
        line.split()[1].rstrip(":")
        for line in REFERENCE.splitlines()
        if line.startswith("monitor ")
    }
    assert labels("evidence coordination", len("evidence ")) == monitors
    assert labels("over commodities)", len("over ")) == {"agents", "commodities"}
    assert labels("param fine_floor", len("param ")) == set()
    assert labels("state warning", len("state ")) == set()


def test_shutdown_and_exit_end_the_process_cleanly() -> None:
    client = LspClient()
    try:
        client.initialize()
        assert client.close() == 0
    finally:
        client.kill()
