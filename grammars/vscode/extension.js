// The govlang extension: .gov highlighting comes from package.json's grammar; everything else
// (diagnostics, hover, definition, references, outline, formatting, completion) from the
// language server, `govlang lsp`, started here over standard input and output.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("govlang");
  const command = settings.get("server.command", "govlang");
  const args = settings.get("server.args", ["lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  const options = {
    initializationOptions: {
      env: settings.get("env", ""),
      params: settings.get("params", []),
    },
    documentSelector: [
      { scheme: "file", language: "govlang" },
      { scheme: "untitled", language: "govlang" },
    ],
  };
  client = new LanguageClient("govlang", "govlang language server", server, options);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
