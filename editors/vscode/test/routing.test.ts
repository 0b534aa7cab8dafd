import { strict as assert } from "node:assert";
import { test } from "node:test";

import { commandArguments, diffAllText, liveSummary, routeCommand, summary } from "../src/routing";

test("the server's cluster commands go to the client's handlers, with their arguments", () => {
  assert.deepEqual(routeCommand({ title: "Diff against cluster", command: "kube-lsp.diff", arguments: ["file:///a", 1] }), {
    title: "Diff against cluster",
    command: "kubeLsp.diff",
    arguments: ["file:///a", 1],
  });
  assert.equal(routeCommand({ title: "t", command: "kube-lsp.dryRun" }).command, "kubeLsp.dryRun");
  // The lenses whose result is for the user to see, and the references lens, which the server leaves to the editor.
  for (const [server, client] of [
    ["kube-lsp.diffAll", "kubeLsp.diffAll"],
    ["kube-lsp.liveRefresh", "kubeLsp.liveRefresh"],
    ["kube-lsp.resources", "kubeLsp.showResources"],
    ["kube-lsp.showReferences", "kubeLsp.showReferences"],
  ]) {
    assert.deepEqual(routeCommand({ title: "t", command: server, arguments: ["file:///a", 0] }), {
      title: "t",
      command: client,
      arguments: ["file:///a", 0],
    });
  }
  const title = { title: "0 references", command: "" }; // only a title: VS Code shows it unclickable
  assert.equal(routeCommand(title), title);
  const other = { title: "Ignore", command: "kube-lsp.setKubeVersion", arguments: ["1.30"] };
  assert.equal(routeCommand(other), other);
  assert.equal(routeCommand(undefined), undefined);
});

test("arguments: a document index is passed only when given", () => {
  assert.deepEqual(commandArguments("file:///a.yaml", []), ["file:///a.yaml"]);
  assert.deepEqual(commandArguments("file:///a.yaml", ["file:///a.yaml", 2]), ["file:///a.yaml", 2]);
  assert.deepEqual(commandArguments("file:///a.yaml", ["file:///a.yaml", "x"]), ["file:///a.yaml"]);
});

test("summaries", () => {
  assert.equal(summary("dry-run", { context: "kind-dev", documents: 2, errors: 1 }), "dry-run on kind-dev: 2 documents, 1 error");
  assert.equal(summary("diff", { documents: 1, errors: 0 }), "diff: 1 document, 0 errors");
});

test("the diff against several contexts: a header per section, in order, errors and no-change included", () => {
  const text = diffAllText(
    [
      { context: "a", documents: 2, errors: 1, diff: "--- live/x\n+++ merged/x\n-1\n+2\n" },
      { error: "no context named 'b'" },
      { context: "c", documents: 1, errors: 0, diff: "" },
    ],
    "web.yaml",
  );
  assert.deepEqual(text.split("\n"), [
    "# kube-lsp: web.yaml against 3 contexts",
    "# context a: 2 documents, 1 error",
    "--- live/x",
    "+++ merged/x",
    "-1",
    "+2",
    "# context (current context): no context named 'b'",
    "# context c: no differences (1 document, 0 errors)",
    "",
  ]);
  assert.equal(diffAllText([], "x.yaml"), "# kube-lsp: x.yaml against 0 contexts\n");
});

test("the live refresh summary", () => {
  assert.equal(liveSummary({ context: "double", objects: [{ summary: "2/2 ready" }, { summary: "missing" }] }),
    "live state on double: 2 objects: 2/2 ready; missing");
  assert.equal(liveSummary({ objects: [] }), "live state: 0 objects");
});
