import { strict as assert } from "node:assert";
import { test } from "node:test";

import { DiffObject, DiffStore, diffPath, parseDiffPath } from "../src/diffStore";

const changed: DiffObject = {
  title: "apps.v1.Deployment.default.web",
  document: 0,
  live: "spec:\n  replicas: 1\n",
  dryRun: "spec:\n  replicas: 3\n",
  exists: true,
  changed: true,
};
const fresh: DiffObject = {
  title: "v1.ConfigMap.team a.cfg",
  document: 1,
  live: "",
  dryRun: "data:\n  a: b\n",
  exists: false,
  changed: true,
};
const same: DiffObject = { ...changed, title: "v1.Service.default.web", changed: false };

test("only changed objects become diffs: live on the left, dry-run on the right", () => {
  const fired: string[] = [];
  const store = new DiffStore((p) => fired.push(p));
  const pairs = store.add([changed, same, fresh]);

  assert.deepEqual(
    pairs.map((p) => [p.title, p.label]),
    [
      ["apps.v1.Deployment.default.web", "web: live ↔ dry-run"],
      ["v1.ConfigMap.team a.cfg", "cfg: (new) ↔ dry-run"],
    ],
  );
  assert.equal(store.get(pairs[0].left), changed.live);
  assert.equal(store.get(pairs[0].right), changed.dryRun);
  assert.equal(store.get(pairs[1].left), "");
  assert.deepEqual(fired, [pairs[0].left, pairs[0].right, pairs[1].left, pairs[1].right]);
});

test("paths survive odd titles and are unique per run", () => {
  const path = diffPath(7, "dry-run", "v1.ConfigMap.team a.c/f?g#1");
  assert.deepEqual(parseDiffPath(path), { run: 7, side: "dry-run", title: "v1.ConfigMap.team a.c/f?g#1" });
  assert.equal(parseDiffPath("/x/live/a.yaml"), undefined);
  const store = new DiffStore();
  const [a] = store.add([changed]);
  const [b] = store.add([changed]);
  assert.notEqual(a.left, b.left);
  assert.equal(store.get("/999/live/unknown.yaml"), undefined);
});

test("old runs are forgotten so memory stays bounded", () => {
  const store = new DiffStore();
  const first = store.add([changed])[0];
  for (let i = 0; i < 50; i++) {
    store.add([changed, fresh]);
  }
  assert.equal(store.get(first.left), undefined);
  assert.ok(store.size <= 20 * 4, `kept ${store.size} documents`);
});

test("texts shown on their own get a path whose extension names the language, and are forgotten like diffs", () => {
  const fired: string[] = [];
  const store = new DiffStore((p) => fired.push(p));
  const diff = store.add([changed])[0];
  const all = store.addText("web.yaml", "diff", "# kube-lsp: web.yaml against 2 contexts\n");
  const md = store.addText("Deployment web resources", "md", "**Resources**");
  assert.match(all, /^\/\d+\/text\/web\.yaml\.diff$/);
  assert.match(md, /^\/\d+\/text\/Deployment web resources\.md$/); // the tab's title
  assert.deepEqual(parseDiffPath(md)?.title, "Deployment web resources");
  assert.equal(store.get(all), "# kube-lsp: web.yaml against 2 contexts\n");
  assert.deepEqual(fired.slice(-2), [all, md]);
  assert.match(store.addText("a/b?c#d%e", "md", ""), /^\/\d+\/text\/a_b_c_d_e\.md$/);
  for (let i = 0; i < 30; i++) {
    store.addText("web.yaml", "diff", "x");
  }
  assert.equal(store.get(all), undefined);
  assert.equal(store.get(diff.left), undefined);
});
