import { strict as assert } from "node:assert";
import { test } from "node:test";

import { serverSettings } from "../src/settings";

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

test("defaults map to an empty object: the server's own defaults apply", () => {
  const vscodeDefaults = {
    kubeVersion: "",
    rules: {},
    exclude: [],
    "cluster.context": "",
    "cluster.kubeconfig": "",
    "cluster.connectTimeout": 5,
    "cluster.timeout": 30,
  };
  assert.deepEqual(serverSettings(reader(vscodeDefaults)), { cluster: { connectTimeout: 5, timeout: 30 } });
  assert.deepEqual(serverSettings(reader({})), {});
});

test("every setting is passed, cluster settings nested under cluster", () => {
  const settings = serverSettings(
    reader({
      kubeVersion: " 1.30 ",
      rules: { KL201: "Warning", "deprecated-api-version": "off" },
      exclude: ["charts/**", "", "  "],
      maxFileSize: 4,
      "cluster.context": "kind-dev",
      "cluster.kubeconfig": "/home/me/.kube/dev",
      "cluster.schemas": true,
      "cluster.connectTimeout": 2,
      "cluster.timeout": 10,
    }),
  );
  assert.deepEqual(settings, {
    kubeVersion: "1.30",
    rules: { KL201: "warning", "deprecated-api-version": "off" },
    exclude: ["charts/**"],
    maxFileSize: 4,
    cluster: { context: "kind-dev", kubeconfig: "/home/me/.kube/dev", schemas: true, connectTimeout: 2, timeout: 10 },
  });
});

test("invalid values are dropped rather than sent", () => {
  const settings = serverSettings(
    reader({
      kubeVersion: 1.3,
      rules: { KL201: "loud", KL200: 3 },
      exclude: "charts/**",
      maxFileSize: -2,
      "cluster.timeout": -1,
      "cluster.connectTimeout": Number.NaN,
      "cluster.schemas": "yes",
    }),
  );
  assert.deepEqual(settings, {});
});

test("several target versions, Pod Security, packs and the live-state settings are passed", () => {
  assert.deepEqual(
    serverSettings(
      reader({
        kubeVersion: ["1.29", " 1.31 ", ""],
        podSecurity: "Restricted",
        packs: { resources: true, images: false, security: "yes" },
        "cluster.live": true,
        "cluster.contexts": ["staging", " prod ", ""],
      }),
    ),
    {
      kubeVersion: ["1.29", "1.31"],
      podSecurity: "restricted",
      packs: { resources: true, images: false },
      cluster: { live: true, contexts: ["staging", "prod"] },
    },
  );
  assert.deepEqual(serverSettings(reader({ podSecurity: "strict", packs: [], "cluster.live": false })), {});
});

test("an explicit schemas: false is kept (it turns cluster schemas off)", () => {
  assert.deepEqual(serverSettings(reader({ "cluster.schemas": false })), { cluster: { schemas: false } });
});

test("every setting package.json contributes is read (server.* start the process), with matching defaults", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const manifest = require("../../package.json") as {
    contributes: { configuration: { properties: Record<string, { default: unknown; scope?: string }> } };
  };
  const properties = manifest.contributes.configuration.properties;
  const read: string[] = [];
  serverSettings((key) => {
    read.push(`kubeLsp.${key}`);
    return undefined;
  });
  const contributed = Object.keys(properties).filter((k) => !k.startsWith("kubeLsp.server."));
  assert.deepEqual([...read].sort(), [...contributed].sort());
  // A workspace must not choose the cluster or the executable.
  for (const [key, spec] of Object.entries(properties)) {
    if (key.startsWith("kubeLsp.cluster.")) {
      assert.equal(spec.scope, "application", key);
    }
    if (key.startsWith("kubeLsp.server.")) {
      assert.equal(spec.scope, "machine", key);
    }
  }
  // Defaults as VS Code reports them map to nothing the server would not assume itself.
  const defaults = serverSettings((key) => properties[`kubeLsp.${key}`]?.default);
  assert.deepEqual(defaults, { maxFileSize: 16, cluster: { connectTimeout: 5, timeout: 30 } });
});
