/**
 * The real first activation: the bootstrap (real processes, real file system) installs the bundled wheels of
 * server/ (built by `npm run package`) into a temporary global-storage folder, on a plain system Python
 * ($KUBE_LSP_BOOTSTRAP_PYTHON, else /usr/bin/python3 — on Debian a Python without kube-lsp, pip or
 * ensurepip needed), with a PATH that has only that Python (no kube-lsp), HOME and XDG folders in the
 * temporary folder, and a proxy on 127.0.0.1:9 so that any attempt to reach an index fails. Then the installed
 * server is driven through initialize → didOpen → publishDiagnostics, started in a workspace folder that
 * holds a decoy `kube_lsp` package. Then a second activation reuses the environment, and two concurrent
 * activations into fresh storage install once.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import {
  createProtocolConnection,
  Diagnostic,
  InitializeRequest,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";

import { BundleManifest, MANIFEST, parseManifest } from "../src/bundle";
import { BundledServer, Deps, ensureBundledServer, nodeDeps, nodeRunner, SETUP_TITLE } from "../src/bundledServer";
import { findExecutable } from "../src/serverCommand";

const BUNDLE = path.resolve(__dirname, "..", "..", "server");
const manifest: BundleManifest | undefined = fs.existsSync(path.join(BUNDLE, MANIFEST))
  ? parseManifest(fs.readFileSync(path.join(BUNDLE, MANIFEST), "utf8"))
  : undefined;
const BASE =
  process.env.KUBE_LSP_BOOTSTRAP_PYTHON ||
  (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : process.env.KUBE_LSP_PYTHON || "");
const skip =
  process.platform === "win32"
    ? "POSIX only (symlinked PATH)"
    : manifest === undefined
      ? `no bundle in ${BUNDLE}: run \`npm run package\` first`
      : BASE === ""
        ? "no Python: set KUBE_LSP_BOOTSTRAP_PYTHON"
        : false;

const BAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          imagee: nginx:1.27
`;

let root: string;
let env: NodeJS.ProcessEnv;
const logs: string[] = [];
const progress: string[] = [];
const runs: string[][] = [];
let first: BundledServer;

function deps(overrides: Partial<Deps> = {}): Deps {
  return nodeDeps({
    log: (line) => logs.push(line),
    progress: async (title, task) => {
      progress.push(title);
      return task(() => undefined);
    },
    findExecutable: (command, e) => findExecutable(command, e),
    env,
    run: (command, args, options) => {
      runs.push([command, ...args]);
      return nodeRunner(command, args, options);
    },
    ...overrides,
  });
}

before(() => {
  if (skip) {
    return;
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-bootstrap-"));
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  fs.symlinkSync(BASE, path.join(bin, "python3"));
  const home = path.join(root, "home");
  fs.mkdirSync(home);
  env = {
    PATH: bin,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    TMPDIR: os.tmpdir(),
    LANG: "C.UTF-8",
    // Nothing may come from an index: the machine's pip settings point at mirrors, and a proxy that
    // refuses every connection makes any request fail at once.
    PIP_FIND_LINKS: "/opt/wheels",
    PIP_INDEX_URL: "http://127.0.0.1:9/simple",
    http_proxy: "http://127.0.0.1:9",
    https_proxy: "http://127.0.0.1:9",
    no_proxy: "",
  };
});

after(() => {
  if (root) {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("first activation installs the bundled server from the bundled wheels alone", { skip }, async (t) => {
  assert.equal(findExecutable("kube-lsp", env), undefined, "no kube-lsp on this PATH");
  const probe = await nodeRunner(BASE, ["-I", "-c", "import kube_lsp"], { env });
  assert.notEqual(probe.code, 0, `${BASE} must not have kube_lsp for this test`);
  const storage = path.join(root, "globalStorage", "kube-lsp.kube-lsp");
  const started = Date.now();
  first = await ensureBundledServer(deps(), { bundleDir: BUNDLE, manifest: manifest!, storageDir: storage });
  const elapsed = Date.now() - started;
  t.diagnostic(`first activation (install): ${(elapsed / 1000).toFixed(1)} s`);
  assert.equal(first.reused, false);
  assert.equal(first.fromIndex, false, logs.join("\n"));
  assert.deepEqual(progress, [SETUP_TITLE]);
  assert.equal(first.envDir, path.join(storage, `kube-lsp-${manifest!.version}-${manifest!.hash.slice(0, 8)}`));
  assert.deepEqual(fs.readdirSync(storage), [path.basename(first.envDir)]);
  const version = await nodeRunner(first.command, [...first.args, "--version"], { env });
  assert.equal(version.stdout.trim(), `kube-lsp ${manifest!.version}`);
  assert.ok(!fs.existsSync(path.join(first.envDir, "bin", "pip")), "pip ran from its wheel, not installed");
  assert.ok(fs.readdirSync(env.HOME!).length === 0, `nothing written into HOME: ${fs.readdirSync(env.HOME!)}`);
});

test("the installed server answers initialize → didOpen with publishDiagnostics", { skip }, async (t) => {
  assert.ok(first, "the first test installed the server");
  // The client starts the server in the workspace folder: a kube_lsp package there must not be imported.
  const workspace = path.join(root, "workspace");
  fs.mkdirSync(path.join(workspace, "kube_lsp"), { recursive: true });
  fs.writeFileSync(path.join(workspace, "kube_lsp", "__init__.py"), "raise SystemExit('the decoy was imported')\n");
  fs.writeFileSync(path.join(workspace, "kube_lsp", "__main__.py"), "raise SystemExit('the decoy was imported')\n");

  const started = Date.now();
  const server = spawn(first.command, [...first.args, "serve", "--log-level", "INFO"], {
    cwd: workspace,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  server.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const connection = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const arrived = new Promise<Diagnostic[]>((resolve) => {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      if (params.diagnostics.some((d) => d.code === "KL200")) {
        resolve(params.diagnostics);
      }
    });
  });
  connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => ({})));
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.onNotification("window/logMessage", () => undefined);
  connection.listen();
  try {
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: `file://${workspace}`,
      capabilities: { workspace: { configuration: true } },
      initializationOptions: { kubeLsp: { kubeVersion: "1.33" } },
    });
    assert.ok(init.capabilities.executeCommandProvider?.commands.includes("kube-lsp.diff"), stderr);
    await connection.sendNotification("initialized", {});
    const uri = `file://${workspace}/web.yaml`;
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "yaml", version: 1, text: BAD },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no diagnostics within 60 s; server log:\n${stderr}`)), 60_000);
    });
    const diagnostics = await Promise.race([arrived, timeout]).finally(() => clearTimeout(timer));
    t.diagnostic(`server start → first diagnostics: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const typo = diagnostics.find((d) => d.code === "KL200")!;
    assert.deepEqual(typo.range, { start: { line: 13, character: 10 }, end: { line: 13, character: 16 } });
    assert.match(typo.message, /did you mean `image`\?/);
    await connection.sendRequest("shutdown");
    await connection.sendNotification("exit");
    const code = await new Promise<number | null>((resolve) => server.once("exit", resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /decoy/);
  } finally {
    connection.dispose();
    server.kill();
  }
});

test("a later activation reuses the environment without starting a process", { skip }, async (t) => {
  assert.ok(first);
  const before = runs.length;
  progress.length = 0;
  const started = process.hrtime.bigint();
  const again = await ensureBundledServer(deps(), {
    bundleDir: BUNDLE,
    manifest: manifest!,
    storageDir: path.dirname(first.envDir),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`later activation (reuse): ${ms.toFixed(1)} ms`);
  assert.equal(again.reused, true);
  assert.equal(again.command, first.command);
  assert.equal(runs.length, before, "no process started");
  assert.deepEqual(progress, []);
  assert.ok(ms < 1000, `reuse took ${ms} ms`);
});

test("two windows activating at once into fresh storage install once and share the environment", { skip }, async (t) => {
  const storage = path.join(root, "globalStorage2");
  runs.length = 0;
  const started = Date.now();
  const [a, b] = await Promise.all([
    ensureBundledServer(deps(), { bundleDir: BUNDLE, manifest: manifest!, storageDir: storage }),
    ensureBundledServer(deps(), { bundleDir: BUNDLE, manifest: manifest!, storageDir: storage }),
  ]);
  t.diagnostic(`two concurrent first activations: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(runs.filter((r) => r.includes("install")).length, 1, "one pip install");
  assert.equal(a.command, b.command);
  assert.deepEqual([a.reused, b.reused].sort(), [false, true]);
  assert.deepEqual(fs.readdirSync(storage), [path.basename(a.envDir)]);
  const version = await nodeRunner(a.command, [...a.args, "--version"], { env });
  assert.equal(version.code, 0, version.stderr);
});
