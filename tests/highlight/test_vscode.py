"""The VS Code extension folder: its manifest names files that exist, and it starts the server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.test_repository_gov_files import ROOT

EXTENSION = ROOT / "grammars" / "vscode"
GRAMMAR = ROOT / "grammars" / "govlang.tmLanguage.json"


def manifest() -> dict[str, object]:
    return dict(json.loads((EXTENSION / "package.json").read_text(encoding="utf-8")))


def test_package_json_references_files_that_exist() -> None:
    package = manifest()
    contributes = package["contributes"]
    assert isinstance(contributes, dict)
    referenced = [package["main"]]
    referenced += [language["configuration"] for language in contributes["languages"]]
    referenced += [grammar["path"] for grammar in contributes["grammars"]]
    for relative in referenced:
        assert isinstance(relative, str)
        path = (EXTENSION / relative).resolve()
        assert path.is_file(), relative
        assert path.is_relative_to(ROOT)
    (grammar,) = contributes["grammars"]
    assert (EXTENSION / grammar["path"]).resolve() == GRAMMAR.resolve()


def test_languages_grammar_and_activation_agree() -> None:
    package = manifest()
    contributes = package["contributes"]
    assert isinstance(contributes, dict)
    (language,) = contributes["languages"]
    (grammar,) = contributes["grammars"]
    assert language["extensions"] == [".gov"]
    assert grammar["language"] == language["id"]
    textmate = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    assert grammar["scopeName"] == textmate["scopeName"] == "source.govlang"
    assert package["activationEvents"] == [f"onLanguage:{language['id']}"]
    assert "vscode-languageclient" in package["dependencies"]  # type: ignore[operator]


def test_language_configuration_has_comments_and_brackets() -> None:
    config = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in config["brackets"] and ["[", "]"] in config["brackets"]


HARNESS = r"""
const Module = require("module");
const started = [];
const stubs = {
  vscode: {
    workspace: {
      getConfiguration: (section) => ({ get: (key, fallback) => fallback }),
    },
  },
  "vscode-languageclient/node": {
    TransportKind: { stdio: 0, ipc: 1 },
    LanguageClient: class {
      constructor(id, name, server, options) {
        started.push({ id, name, server, options });
      }
      start() { return Promise.resolve("started"); }
      stop() { return Promise.resolve("stopped"); }
      dispose() {}
    },
  },
};
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request in stubs) return stubs[request];
  return load.apply(this, arguments);
};
const extension = require(process.argv[2]);
const context = { subscriptions: [] };
Promise.resolve(extension.activate(context)).then(async (state) => {
  const stopped = await extension.deactivate();
  const subscriptions = context.subscriptions.length;
  console.log(JSON.stringify({ started, state, stopped, subscriptions }));
});
"""


def test_extension_starts_govlang_lsp_over_stdio(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed to load the extension (.ci/install installs it)"
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    package = manifest()
    run = subprocess.run(
        [node, str(harness), str(EXTENSION / str(package["main"]))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    (client,) = result["started"]
    settings = package["contributes"]["configuration"]["properties"]  # type: ignore[index]
    assert client["server"] == {
        "command": settings["govlang.server.command"]["default"],
        "args": settings["govlang.server.args"]["default"],
        "transport": 0,
    }
    assert client["server"]["command"] == "govlang" and client["server"]["args"] == ["lsp"]
    assert client["options"]["initializationOptions"] == {
        "env": settings["govlang.env"]["default"],
        "params": settings["govlang.params"]["default"],
    }
    selectors = client["options"]["documentSelector"]
    assert {"scheme": "file", "language": "govlang"} in selectors
    assert result["state"] == "started" and result["stopped"] == "stopped"
    assert result["subscriptions"] == 1
