import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, test } from "node:test";

import { MANIFEST } from "../src/bundle";
import { resolveServer } from "../src/launch";
import { FakeWorld } from "../test-support/fakeWorld";

const worlds: FakeWorld[] = [];
function world(withBundle = true): FakeWorld {
  const w = new FakeWorld();
  worlds.push(w);
  if (withBundle) {
    fs.writeFileSync(path.join(w.bundle, MANIFEST), JSON.stringify(w.manifest()));
  }
  return w;
}
afterEach(() => worlds.splice(0).forEach((w) => w.cleanup()));

const places = (w: FakeWorld) => ({ bundleDir: w.bundle, storageDir: w.storage });
const SERVE = ["serve", "--log-level", "INFO"];

test("kubeLsp.server.path wins over everything, as given", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 12, 0] });
  w.addPython("/opt/kube-lsp", { version: [3, 12, 0] }, "/opt/kube-lsp"); // any file the fake PATH knows
  const launch = await resolveServer(w.deps(), { serverPath: "/opt/kube-lsp", pythonPath: "/usr/bin/python3" }, places(w));
  assert.deepEqual(launch, { ok: true, command: "/opt/kube-lsp", args: SERVE, source: "kubeLsp.server.path" });
  assert.equal(w.calls.length, 0);

  const missing = await resolveServer(w.deps(), { serverPath: "/nowhere/kube-lsp" }, places(w));
  assert.deepEqual(missing, {
    ok: false,
    message:
      "kube-lsp: kubeLsp.server.path is /nowhere/kube-lsp, which was not found. Set it to a kube-lsp executable, " +
      "or clear it to use the language server that comes with the extension.",
    actions: ["Open settings", "Set-up guide"],
  });
});

test("kubeLsp.server.pythonPath with kube_lsp installed runs `-m kube_lsp serve` as before", async () => {
  const w = world();
  const py = w.addPython("venv-python", { version: [3, 11, 4], kubeLsp: true }, "/home/me/venv/bin/python");
  const launch = await resolveServer(w.deps(), { pythonPath: py, logLevel: "DEBUG" }, places(w));
  assert.deepEqual(launch, {
    ok: true,
    command: py,
    args: ["-m", "kube_lsp", "serve", "--log-level", "DEBUG"],
    source: "kubeLsp.server.pythonPath",
  });
  assert.equal(w.callsWith("venv").length, 0, "nothing installed");
});

test("a plain kubeLsp.server.pythonPath (no kube_lsp) gets the bundled server installed on it", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 13, 0] }); // on PATH, but the setting wins
  const py = w.addPython("custom", { version: [3, 12, 2] }, "/opt/python3.12/bin/python3");
  const launch = await resolveServer(w.deps(), { pythonPath: py }, places(w));
  assert.ok(launch.ok);
  assert.equal(launch.source, "bundled");
  assert.deepEqual(launch.args, ["-I", "-m", "kube_lsp", ...SERVE]);
  assert.equal(w.callsWith("venv")[0].command, py);
  assert.deepEqual(w.calls.filter((c) => c.args[0] === "-c").map((c) => c.command), [py], "PATH is not searched");
});

test("a kubeLsp.server.pythonPath that is too old, missing or broken is reported as such", async () => {
  const w = world();
  const old = w.addPython("old", { version: [3, 10, 14] }, "/usr/bin/python3.10");
  assert.deepEqual(await resolveServer(w.deps(), { pythonPath: old }, places(w)), {
    ok: false,
    message:
      "kube-lsp: kubeLsp.server.pythonPath (/usr/bin/python3.10) is Python 3.10.14; kube-lsp needs Python 3.11 or " +
      "newer. Point it at a newer interpreter, or clear it.",
    actions: ["Open settings", "Show log"],
  });
  const missing = await resolveServer(w.deps(), { pythonPath: "/no/python" }, places(w));
  assert.ok(!missing.ok && missing.message.startsWith("kube-lsp: kubeLsp.server.pythonPath is /no/python, which was not found."));
  const broken = w.addPython("broken", { version: [3, 12, 0], broken: true }, "/usr/bin/broken");
  const ran = await resolveServer(w.deps(), { pythonPath: broken }, places(w));
  assert.ok(!ran.ok && ran.message === "kube-lsp: kubeLsp.server.pythonPath (/usr/bin/broken) could not be run: spawn /usr/bin/broken EACCES");
  assert.equal(w.callsWith("venv").length, 0);
});

test("no settings: the bundled server on a Python from PATH, even when kube-lsp is on PATH too", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  w.path.set("kube-lsp", "/usr/local/bin/kube-lsp");
  const launch = await resolveServer(w.deps(), {}, places(w));
  assert.ok(launch.ok);
  assert.equal(launch.source, "bundled");
  assert.equal(launch.reused, false);
  assert.match(launch.command, /kube-lsp-0\.1\.0-1234abcd[/\\]bin[/\\]python$/);
  const again = await resolveServer(w.deps(), {}, places(w));
  assert.ok(again.ok && again.reused === true && again.command === launch.command);
});

test("no Python at all: the no-Python message with Open settings / Show log", async () => {
  const w = world();
  const launch = await resolveServer(w.deps(), {}, places(w));
  assert.deepEqual(launch, {
    ok: false,
    message:
      "kube-lsp needs Python 3.11 or newer to run its language server; none was found on PATH. Install Python 3.11+ " +
      "(python.org, or `apt install python3`/`brew install python`) or set kubeLsp.server.pythonPath.",
    actions: ["Open settings", "Show log"],
  });
});

test("a failed install offers the log, a retry and the set-up guide", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  w.offline = "error";
  const launch = await resolveServer(w.deps(), {}, places(w));
  assert.ok(!launch.ok);
  assert.deepEqual(launch.actions, ["Show log", "Retry", "Set-up guide"]);
  assert.match(launch.message, /^kube-lsp: setting up the language server failed: pip could not install the bundled wheels/);
  assert.ok(w.logs.some((l) => l.includes("No space left on device")), "pip's output is in the log");
});

test("a build without the bundle falls back to kube-lsp on PATH, and says how to get a server otherwise", async () => {
  const w = world(false);
  w.path.set("kube-lsp", "/usr/local/bin/kube-lsp");
  assert.deepEqual(await resolveServer(w.deps(), {}, places(w)), {
    ok: true,
    command: "/usr/local/bin/kube-lsp",
    args: SERVE,
    source: "PATH",
  });
  w.path.delete("kube-lsp");
  const none = await resolveServer(w.deps(), {}, places(w));
  assert.ok(!none.ok);
  assert.deepEqual(none.actions, ["Set-up guide", "Open settings"]);
  assert.doesNotMatch(none.message, /pip install kube-lsp/);
  assert.match(none.message, /has no bundled server, and `kube-lsp` is not on PATH/);
  const plain = w.addPython("py", { version: [3, 12, 0] }, "/usr/bin/python3.12");
  const onPlain = await resolveServer(w.deps(), { pythonPath: plain }, places(w));
  assert.ok(!onPlain.ok && /has no kube_lsp module, and this build of the extension has no bundled server/.test(onPlain.message));
});
