/**
 * src/extension.ts activated under a fake `vscode` (test-support/fakeVscode.ts): what the user sees when no
 * Python exists, and that the language client is given the bundled server after a first-run install behind
 * the progress notification, reuses it on the next activation, and gets a fresh one from the reinstall
 * command. The install is the real one (server/ from `npm run package`, /usr/bin/python3).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, test } from "node:test";

import { MANIFEST } from "../src/bundle";
import { nodeRunner, SETUP_TITLE } from "../src/bundledServer";
import { FakeHost, install } from "../test-support/fakeVscode";

const host = new FakeHost();
install(host);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require("../src/extension") as typeof import("../src/extension");

const EXTENSION = path.resolve(__dirname, "..", "..");
const BASE = process.env.KUBE_LSP_BOOTSTRAP_PYTHON || "/usr/bin/python3";
const bundled = fs.existsSync(path.join(EXTENSION, "server", MANIFEST));
const skipReal =
  process.platform === "win32"
    ? "POSIX only"
    : !bundled
      ? "no bundle in server/: run `npm run package` first"
      : !fs.existsSync(BASE)
        ? `no ${BASE}`
        : false;

let root: string;
const saved = { ...process.env };

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-extension-"));
  const home = path.join(root, "home");
  fs.mkdirSync(home);
  Object.assign(process.env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    https_proxy: "http://127.0.0.1:9",
    http_proxy: "http://127.0.0.1:9",
  });
});

after(() => {
  process.env = saved;
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => host.reset());
afterEach(() => extension.deactivate());

function pathWith(...pythons: string[]): string {
  const bin = fs.mkdtempSync(path.join(root, "bin-"));
  pythons.forEach((p) => fs.symlinkSync(p, path.join(bin, "python3")));
  return bin;
}

test("no Python on PATH: the no-Python error with Open settings / Show log, and no client", async () => {
  const fakeExtension = path.join(root, "ext-fake");
  fs.mkdirSync(path.join(fakeExtension, "server"), { recursive: true });
  fs.writeFileSync(
    path.join(fakeExtension, "server", MANIFEST),
    JSON.stringify({
      format: 1, version: "0.1.0", wheel: "kube_lsp-0.1.0-py3-none-any.whl", pip: "pip-26.3-py3-none-any.whl",
      pipSha256: "b".repeat(64), target: "linux-x64", platforms: [], pythons: ["3.11"], wheels: [], hash: "c".repeat(64),
    }),
  );
  process.env.PATH = pathWith();
  host.config = {};
  host.answer = "Show log";
  const context = host.context(fakeExtension, path.join(root, "storage-none"));
  await extension.activate(context as never);
  await host.until(() => host.shown.length > 0, "the error notification");
  assert.deepEqual(host.shown, [
    {
      kind: "error",
      message:
        "kube-lsp needs Python 3.11 or newer to run its language server; none was found on PATH. Install Python " +
        "3.11+ (python.org, or `apt install python3`/`brew install python`) or set kubeLsp.server.pythonPath.",
      actions: ["Open settings", "Show log"],
    },
  ]);
  await host.until(() => host.outputShown === 1, "Show log opening the output channel");
  assert.equal(host.clients.length, 0);
  assert.deepEqual(host.progressTitles, [], "no progress notification when there is nothing to set up");
});

test("kubeLsp.server.path is started as given, with nothing installed", async () => {
  process.env.PATH = pathWith();
  host.config = { "server.path": process.execPath, "server.logLevel": "DEBUG" };
  await extension.activate(host.context(EXTENSION, path.join(root, "storage-path")) as never);
  await host.until(() => host.clients.length === 1 && host.clients[0].started, "the language client");
  assert.deepEqual(host.clients[0].serverOptions, { command: process.execPath, args: ["serve", "--log-level", "DEBUG"], transport: 0 });
  assert.deepEqual(host.progressTitles, []);
  assert.equal(fs.existsSync(path.join(root, "storage-path")), false);
  await extension.deactivate();
  assert.equal(host.clients[0].stopped, true);
});

test("first activation installs the bundled server behind the progress notification; later ones reuse it; reinstall renews it", { skip: skipReal }, async () => {
  process.env.PATH = pathWith(BASE);
  host.config = {};
  const storage = path.join(root, "globalStorage", "kube-lsp.kube-lsp");
  await extension.activate(host.context(EXTENSION, storage) as never);
  await host.until(() => host.clients.length === 1 && host.clients[0].started, "the language client", 120_000);
  assert.deepEqual(host.progressTitles, [SETUP_TITLE]);
  const { command, args } = host.clients[0].serverOptions;
  const [envDir] = fs.readdirSync(storage);
  assert.match(envDir, /^kube-lsp-0\.1\.0-[0-9a-f]{8}$/);
  assert.equal(command, path.join(storage, envDir, "bin", "python"));
  assert.deepEqual(args, ["-I", "-m", "kube_lsp", "serve", "--log-level", "INFO"]);
  const version = await nodeRunner(command, ["-I", "-m", "kube_lsp", "--version"]);
  assert.equal(version.stdout.trim(), "kube-lsp 0.1.0", version.stderr);
  assert.ok(host.output.some((l) => l.startsWith("bundled server: installed kube-lsp 0.1.0 into ")), host.output.join("\n"));
  assert.deepEqual(host.shown, []);
  await extension.deactivate();

  await extension.activate(host.context(EXTENSION, storage) as never);
  await host.until(() => host.clients.length === 2 && host.clients[1].started, "the second client");
  assert.deepEqual(host.progressTitles, [SETUP_TITLE], "no progress: reused");
  assert.equal(host.clients[1].serverOptions.command, command);

  await host.commands.get("kubeLsp.reinstallServer")!();
  assert.deepEqual(host.progressTitles, [SETUP_TITLE, SETUP_TITLE]);
  assert.equal(host.clients[1].stopped, true);
  assert.equal(host.clients.length, 3);
  assert.ok(host.clients[2].started);
  assert.equal(host.clients[2].serverOptions.command, command);
  assert.deepEqual(fs.readdirSync(storage), [envDir], "the replaced environment is gone");
});
