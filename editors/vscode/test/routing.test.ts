import { strict as assert } from "node:assert";
import { test } from "node:test";

import { commandArguments, routeCommand, summary } from "../src/routing";

test("the server's cluster commands go to the client's handlers, with their arguments", () => {
  assert.deepEqual(routeCommand({ title: "Diff against cluster", command: "kube-lsp.diff", arguments: ["file:///a", 1] }), {
    title: "Diff against cluster",
    command: "kubeLsp.diff",
    arguments: ["file:///a", 1],
  });
  assert.equal(routeCommand({ title: "t", command: "kube-lsp.dryRun" }).command, "kubeLsp.dryRun");
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
