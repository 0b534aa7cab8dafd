import { strict as assert } from "node:assert";
import { test } from "node:test";

import { ServerStatus, statusText, statusTooltip, versionChoices } from "../src/status";

const status: ServerStatus = {
  kubeVersion: "1.33",
  schemaSource: "cluster kind-dev (Kubernetes v1.33.1)",
  context: "kind-dev",
  clusterSchemas: true,
  versions: ["1.31", "1.32", "1.33"],
};

test("status bar text and tooltip", () => {
  assert.equal(statusText(status), "$(cloud) K8s 1.33 · kind-dev");
  assert.equal(statusText({ ...status, context: null, kubeVersion: "1.37" }), "$(cloud) K8s 1.37");
  assert.equal(statusText(undefined), "$(loading~spin) kube-lsp");
  assert.match(statusTooltip(status), /^Validating against cluster kind-dev \(Kubernetes v1\.33\.1\)\nCluster context: kind-dev/);
  assert.match(statusTooltip({ ...status, context: null }), /No cluster context/);
});

test("version choices: default first, newest next, current marked", () => {
  const choices = versionChoices(status);
  assert.deepEqual(
    choices.map((c) => [c.label, c.version, c.description]),
    [
      ["Default", "", "the cluster's version, else the newest bundled schemas"],
      ["1.33", "1.33", "current"],
      ["1.32", "1.32", undefined],
      ["1.31", "1.31", undefined],
    ],
  );
});
