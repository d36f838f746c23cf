// Starts `clausewise lsp` for rule files (the setting clausewise.command says how).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("clausewise").get("command");
  client = new LanguageClient(
    "clausewise",
    "clausewise",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "clausewise" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
