/**
 * The extension's commands under a fake `vscode` (test-support/fakeVscode.ts) with a fake language client that
 * answers as the server does: what "Diff against all clusters", the live refresh, and the references and resource
 * lenses show, and that the command palette entries are the registered commands.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, test } from "node:test";

import { DIFF_SCHEME } from "../src/diffStore";
import { FakeHost, install } from "../test-support/fakeVscode";

const host = new FakeHost();
install(host);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require("../src/extension") as typeof import("../src/extension");

const EXTENSION = path.resolve(__dirname, "..", "..");
const URI = "file:///work/web.yaml";

beforeEach(async () => {
  host.reset();
  host.config = { "server.path": process.execPath }; // the fake client starts nothing
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-commands-"));
  await extension.activate(host.context(EXTENSION, storage) as never);
  await host.until(() => host.clients.length === 1 && host.clients[0].started, "the language client");
});

afterEach(() => extension.deactivate());

function run(command: string, ...args: unknown[]): Promise<unknown> {
  const handler = host.commands.get(command);
  assert.ok(handler, `${command} is registered`);
  return Promise.resolve(handler(...args));
}

/** The text VS Code would show for a document of the extension's content provider. */
function content(uri: string): string {
  const [scheme, ...rest] = uri.split(":");
  const provider = host.providers.get(scheme);
  assert.ok(provider, `a content provider for ${scheme}:`);
  return provider.provideTextDocumentContent({ scheme, path: rest.join(":") });
}

test("every command in the palette is registered, with a kube-lsp title", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const manifest = require("../../package.json") as {
    contributes: { commands: { command: string; title: string; category: string }[];
      menus: { commandPalette: { command: string; when: string }[] } };
  };
  const declared = manifest.contributes.commands.map((c) => c.command);
  for (const c of manifest.contributes.commands) {
    assert.ok(host.commands.has(c.command), `${c.command} is registered`);
    assert.equal(c.category, "kube-lsp");
  }
  for (const entry of manifest.contributes.menus.commandPalette) {
    assert.ok(declared.includes(entry.command), entry.command);
  }
  const palette = Object.fromEntries(manifest.contributes.menus.commandPalette.map((e) => [e.command, e.when]));
  assert.equal(palette["kubeLsp.diffAll"], "editorLangId == yaml");
  assert.equal(palette["kubeLsp.liveRefresh"], "editorLangId == yaml && config.kubeLsp.cluster.live");
});

test("Diff against all clusters opens one diff document with a section per context", async () => {
  host.answers["kube-lsp.diffAll"] = {
    sections: [
      { context: "staging", documents: 1, errors: 0, diff: "--- live/v1.ConfigMap.default.cfg\n+++ merged/v1.ConfigMap.default.cfg\n@@ -1 +1 @@\n-a: 1\n+a: 2\n" },
      { context: "prod", error: "cannot reach the cluster at https://127.0.0.1:9" },
      { context: "dev", documents: 1, errors: 0, diff: "" },
    ],
  };
  await run("kubeLsp.diffAll", URI, 0);

  assert.deepEqual(host.requests.at(-1), ["workspace/executeCommand", { command: "kube-lsp.diffAll", arguments: [URI, 0] }]);
  assert.deepEqual(host.progressTitles, ["kube-lsp: diff against all clusters"]);
  const [shown] = host.shownDocuments;
  assert.match(shown.uri, new RegExp(`^${DIFF_SCHEME}:/\\d+/text/web\\.yaml\\.diff$`)); // .diff: the diff language
  assert.equal(
    content(shown.uri),
    [
      "# kube-lsp: web.yaml against 3 contexts",
      "# context staging: 1 document, 0 errors",
      "--- live/v1.ConfigMap.default.cfg",
      "+++ merged/v1.ConfigMap.default.cfg",
      "@@ -1 +1 @@",
      "-a: 1",
      "+a: 2",
      "# context prod: cannot reach the cluster at https://127.0.0.1:9",
      "# context dev: no differences (1 document, 0 errors)",
      "",
    ].join("\n"),
  );
  assert.deepEqual(host.shown, []);
});

test("Diff against all clusters from the palette diffs the active editor's file; an error is shown", async () => {
  host.vscode.window.activeTextEditor = { document: { uri: { toString: () => URI, path: "/work/web.yaml" } } } as never;
  host.answers["kube-lsp.diffAll"] = { error: "file:///work/web.yaml is not open" };
  try {
    await run("kubeLsp.diffAll");
  } finally {
    host.vscode.window.activeTextEditor = undefined;
  }
  assert.deepEqual(host.requests.at(-1), ["workspace/executeCommand", { command: "kube-lsp.diffAll", arguments: [URI] }]);
  assert.deepEqual(host.shown, [{ kind: "error", message: "kube-lsp: file:///work/web.yaml is not open", actions: [] }]);
  assert.deepEqual(host.shownDocuments, []);
});

test("live refresh says what the cluster reported, or why there is no live state", async () => {
  host.answers["kube-lsp.liveRefresh"] = { context: "double", error: "", objects: [{ summary: "2/2 ready" }] };
  await run("kubeLsp.liveRefresh", URI);
  host.answers["kube-lsp.liveRefresh"] = { error: "live state is off: set kubeLsp.cluster.live to true" };
  await run("kubeLsp.liveRefresh", URI);

  assert.deepEqual(host.shown, [
    { kind: "info", message: "kube-lsp: live state on double: 1 object: 2/2 ready", actions: [] },
    { kind: "warning", message: "kube-lsp: live state is off: set kubeLsp.cluster.live to true", actions: [] },
  ]);
});

test("the references lens asks for the references and opens VS Code's references peek", async () => {
  const position = { line: 3, character: 8 };
  host.answers["textDocument/references"] = [
    { uri: "file:///work/deploy.yaml", range: { start: { line: 16, character: 22 }, end: { line: 16, character: 32 } } },
  ];
  await run("kubeLsp.showReferences", URI, position);

  assert.deepEqual(host.requests.at(-1), [
    "textDocument/references",
    { textDocument: { uri: URI }, position, context: { includeDeclaration: false } },
  ]);
  assert.deepEqual(host.executed.at(-1), [
    "editor.action.showReferences",
    `uri(${URI})`,
    "position(3:8)",
    ["location(file:///work/deploy.yaml:16)"],
  ]);
});

test("the resources lens shows the summary table beside the manifest", async () => {
  const markdown = "**Resources** of Deployment `web` — QoS Burstable, 2 replicas\n\n| container | requests | limits |";
  host.answers["kube-lsp.resources"] = { kind: "Deployment", name: "web", markdown };
  await run("kubeLsp.showResources", URI, 0);

  assert.deepEqual(host.requests.at(-1), ["workspace/executeCommand", { command: "kube-lsp.resources", arguments: [URI, 0] }]);
  const [shown] = host.shownDocuments;
  assert.match(shown.uri, /\/text\/Deployment web resources\.md$/); // .md: Markdown
  assert.equal(content(shown.uri), markdown);
  assert.deepEqual(shown.options, { preview: true, viewColumn: -2 });

  host.answers["kube-lsp.resources"] = null; // the document changed meanwhile
  await run("kubeLsp.showResources", URI, 5);
  assert.deepEqual(host.shown, [
    { kind: "warning", message: "kube-lsp: no resource summary here (edited meanwhile?)", actions: [] },
  ]);
});
