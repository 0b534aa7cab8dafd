import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, test } from "node:test";

import { envName } from "../src/bundle";
import {
  acquireLock,
  BootstrapError,
  choosePython,
  ensureBundledServer,
  envLayout,
  failureMessage,
  findPython,
  isolatedPipEnv,
  LOCK,
  MARKER,
  meetsMinimum,
  missingDistribution,
  nodeRunner,
  noPythonMessage,
  parseProbe,
  PROBE,
  PythonInfo,
  pythonCandidates,
  SETUP_TITLE,
  tryLock,
} from "../src/bundledServer";
import { FakeWorld } from "../test-support/fakeWorld";

const worlds: FakeWorld[] = [];
function world(): FakeWorld {
  const w = new FakeWorld();
  worlds.push(w);
  return w;
}
afterEach(() => worlds.splice(0).forEach((w) => w.cleanup()));

function info(version: [number, number, number], extra: Partial<PythonInfo> = {}): PythonInfo {
  return {
    command: `/usr/bin/python${version[0]}.${version[1]}`,
    args: [],
    executable: `/usr/bin/python${version[0]}.${version[1]}`,
    version,
    implementation: "cpython",
    hasKubeLsp: false,
    hasVenv: true,
    ...extra,
  };
}

const BRIEF_NO_PYTHON =
  "kube-lsp needs Python 3.11 or newer to run its language server; none was found on PATH. Install Python 3.11+ " +
  "(python.org, or `apt install python3`/`brew install python`) or set kubeLsp.server.pythonPath.";

// ------------------------------------------------------------------------------------------ Python

test("the probe's answer is parsed; an unusable answer is not", () => {
  assert.deepEqual(
    parseProbe("version=3.11.2\nexecutable=/usr/bin/python3\nimplementation=cpython\nkube_lsp=0\nvenv=1\n"),
    { executable: "/usr/bin/python3", version: [3, 11, 2], implementation: "cpython", hasKubeLsp: false, hasVenv: true },
  );
  // Windows line ends; an interpreter that has kube_lsp
  assert.deepEqual(
    parseProbe("version=3.13.1\r\nexecutable=C:\\Python313\\python.exe\r\nimplementation=cpython\r\nkube_lsp=1\r\nvenv=1\r\n")?.hasKubeLsp,
    true,
  );
  // Python 2 answers its version, so it can be named as too old
  assert.deepEqual(parseProbe("version=2.7.18\nexecutable=/usr/bin/python\nimplementation=unknown\nkube_lsp=0\nvenv=0\n")?.version, [2, 7, 18]);
  assert.equal(parseProbe("Python was not found; run without arguments to install from the Microsoft Store"), undefined);
  assert.equal(parseProbe("version=3.11\nexecutable=/x"), undefined);
});

test("the probe script runs on a real Python and ignores a kube_lsp folder in the working directory", async (t) => {
  const python = ["/usr/bin/python3", process.env.KUBE_LSP_PYTHON ?? ""].find((p) => p && fs.existsSync(p));
  if (python === undefined) {
    t.skip("no Python at /usr/bin/python3 or $KUBE_LSP_PYTHON");
    return;
  }
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-probe-"));
  try {
    fs.mkdirSync(path.join(cwd, "kube_lsp"));
    fs.writeFileSync(path.join(cwd, "kube_lsp", "__init__.py"), "");
    const ran = await nodeRunner(python, ["-c", PROBE], { cwd, env: { ...process.env, PYTHONPATH: "" } });
    assert.equal(ran.code, 0, ran.stderr);
    const facts = parseProbe(ran.stdout);
    assert.ok(facts, ran.stdout);
    assert.ok(meetsMinimum(facts.version));
    assert.equal(facts.implementation, "cpython");
    assert.equal(facts.hasVenv, true);
    if (python === "/usr/bin/python3") {
      assert.equal(facts.hasKubeLsp, false, "the folder in the working directory must not count");
    }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test("3.11 is the minimum", () => {
  assert.equal(meetsMinimum([3, 10, 12]), false);
  assert.equal(meetsMinimum([3, 11, 0]), true);
  assert.equal(meetsMinimum([3, 14, 0]), true);
  assert.equal(meetsMinimum([4, 0, 0]), true);
  assert.equal(meetsMinimum([2, 7, 18]), false);
});

test("candidates: the newest versioned names first, then python3, python, and py -3 only on Windows", () => {
  const linux = pythonCandidates("linux").map((c) => [c.command, ...c.args].join(" "));
  assert.deepEqual(linux, ["python3.14", "python3.13", "python3.12", "python3.11", "python3", "python"]);
  const windows = pythonCandidates("win32").map((c) => [c.command, ...c.args].join(" "));
  assert.deepEqual(windows, [...linux, "py -3"]);
});

test("a Python the bundle has wheels for wins over a newer one; else the first new enough", () => {
  const bundled = ["3.11", "3.12", "3.13", "3.14"];
  const p315 = info([3, 15, 0]);
  const p312 = info([3, 12, 3]);
  const pypy = info([3, 11, 9], { implementation: "pypy", executable: "/usr/bin/pypy3" });
  assert.equal(choosePython([p315, p312], bundled), p312);
  assert.equal(choosePython([pypy, p312], bundled), p312);
  assert.equal(choosePython([p315, pypy], bundled), p315);
  assert.equal(choosePython([info([3, 10, 1]), info([3, 12, 0], { hasVenv: false })], bundled), undefined);
  assert.equal(choosePython([], bundled), undefined);
});

test("discovery probes only what is on PATH, in order, and says why each interpreter was not taken", async () => {
  const w = world();
  w.addPython("python3.13", { version: [3, 13, 1] }, "/opt/py313/bin/python3.13");
  w.addPython("python3", { version: [3, 9, 2] }, "/usr/bin/python3");
  w.addPython("python", { version: [3, 12, 0], broken: true }, "/usr/local/bin/python");
  const { chosen, tried } = await findPython(w.deps(), ["3.11", "3.12", "3.13", "3.14"]);
  assert.equal(chosen?.executable, "/opt/py313/bin/python3.13");
  assert.deepEqual(
    tried.map((t) => [t.label, t.rejected]),
    [
      ["python3.13", undefined],
      ["python3", "Python 3.9.2 is older than 3.11"],
      ["python", "could not be run: spawn /usr/local/bin/python EACCES"],
    ],
  );
  assert.deepEqual(w.calls.map((c) => c.command), ["/opt/py313/bin/python3.13", "/usr/bin/python3", "/usr/local/bin/python"]);
  assert.ok(w.calls.every((c) => c.args[0] === "-c" && c.args[1] === PROBE));
});

// ---------------------------------------------------------------------------------------- messages

test("no Python: the message says what is needed and what to install, and never suggests pip install kube-lsp", () => {
  assert.equal(noPythonMessage([], "linux"), BRIEF_NO_PYTHON);
  assert.equal(noPythonMessage([], "darwin"), BRIEF_NO_PYTHON);
  const old = noPythonMessage(
    [
      { label: "python3", python: info([3, 9, 2], { executable: "/usr/bin/python3" }), rejected: "old" },
      { label: "python", python: info([3, 9, 2], { executable: "/usr/bin/python3" }), rejected: "old" },
      { label: "python3.8", rejected: "could not be run: EACCES" },
    ],
    "linux",
  );
  assert.equal(
    old,
    "kube-lsp needs Python 3.11 or newer to run its language server; none was found on PATH (found only Python " +
      "3.9.2 at /usr/bin/python3). Install Python 3.11+ (python.org, or `apt install python3`/`brew install python`) " +
      "or set kubeLsp.server.pythonPath.",
  );
  assert.match(noPythonMessage([], "win32"), /\(python\.org, or `winget install Python\.Python\.3\.13`\)/);
  const install = failureMessage(new BootstrapError("install", "pip could not install the bundled wheels (disk full)"), "linux");
  assert.equal(
    install,
    "kube-lsp: setting up the language server failed: pip could not install the bundled wheels (disk full). " +
      "The kube-lsp log has pip's output.",
  );
  for (const text of [BRIEF_NO_PYTHON, old, install]) {
    assert.doesNotMatch(text, /pip install kube-lsp/);
  }
  assert.equal(failureMessage(new BootstrapError("no-python", "x"), "linux"), BRIEF_NO_PYTHON);
});

test("pip's no-matching-distribution error names the project; other errors do not count", () => {
  assert.equal(missingDistribution("ERROR: No matching distribution found for pyyaml>=6.0.3"), "pyyaml");
  assert.equal(missingDistribution("ERROR: No matching distribution found for ruamel.yaml.clib"), "ruamel.yaml.clib");
  assert.equal(missingDistribution("ERROR: Could not install packages due to an OSError"), undefined);
});

test("the offline install ignores every pip configuration of the user's", () => {
  const env = isolatedPipEnv({ PATH: "/bin", PIP_FIND_LINKS: "/opt/wheels", pip_index_url: "x", PIP_CONSTRAINT: "/etc/c", HOME: "/h" });
  assert.deepEqual(env, { PATH: "/bin", HOME: "/h", PIP_CONFIG_FILE: os.devNull });
});

test("environment layout: bin/python on POSIX, Scripts\\python.exe on Windows", () => {
  assert.deepEqual(envLayout("/s/kube-lsp-0.1.0-12345678", "linux"), {
    dir: "/s/kube-lsp-0.1.0-12345678",
    python: "/s/kube-lsp-0.1.0-12345678/bin/python",
    marker: `/s/kube-lsp-0.1.0-12345678/${MARKER}`,
    cfg: "/s/kube-lsp-0.1.0-12345678/pyvenv.cfg",
  });
  assert.equal(envLayout("C:\\s\\env", "win32").python, "C:\\s\\env\\Scripts\\python.exe");
});

// ----------------------------------------------------------------------------------------- install

function options(w: FakeWorld, overrides: Partial<Parameters<typeof ensureBundledServer>[1]> = {}) {
  return { bundleDir: w.bundle, manifest: w.manifest(), storageDir: w.storage, ...overrides };
}

test("first run: a private environment from the bundled wheels only, behind a progress notification", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] }, "/usr/bin/python3");
  const server = await ensureBundledServer(w.deps(), options(w));
  const name = envName(w.manifest());
  const dir = path.join(w.storage, name);
  assert.deepEqual(server, {
    envDir: dir,
    command: path.join(dir, "bin", "python"),
    args: ["-I", "-m", "kube_lsp"],
    reused: false,
    fromIndex: false,
    base: "/usr/bin/python3 (Python 3.11.2)",
  });
  assert.deepEqual(w.progress.map((p) => p.title), [SETUP_TITLE]);
  assert.deepEqual(w.progress[0].reports, [
    "creating a Python 3.11.2 environment…",
    "installing kube-lsp 0.1.0 from the bundled wheels…",
  ]);

  const [venv] = w.callsWith("venv");
  assert.equal(venv.command, "/usr/bin/python3");
  assert.deepEqual(venv.args.slice(0, 4), ["-I", "-m", "venv", "--without-pip"]);
  assert.match(path.basename(venv.args[4]), /^\.tmp-/, "built under a temporary name");

  const [pip] = w.callsWith("install");
  assert.equal(pip.command, path.join(venv.args[4], "bin", "python"));
  assert.deepEqual(pip.args.slice(0, 3), ["-I", path.join(w.bundle, "pip-26.3-py3-none-any.whl", "pip"), "install"]);
  for (const flag of ["--no-index", "--no-cache-dir", "--no-compile"]) {
    assert.ok(pip.args.includes(flag), flag);
  }
  assert.equal(pip.args[pip.args.indexOf("--find-links") + 1], path.join(w.bundle, "wheels"));
  assert.equal(pip.args[pip.args.length - 1], path.join(w.bundle, "wheels", "kube_lsp-0.1.0-py3-none-any.whl"));
  assert.equal(pip.env.PIP_CONFIG_FILE, os.devNull);
  assert.equal(pip.env.PIP_FIND_LINKS, undefined);
  assert.equal(pip.env.pip_index_url, undefined);

  assert.equal(w.callsWith("--version").length, 1, "the server is tried before the environment is published");
  const marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8"));
  assert.equal(marker.hash, w.manifest().hash);
  assert.equal(marker.base.executable, "/usr/bin/python3");
  assert.deepEqual(fs.readdirSync(w.storage), [name], "no temporary folder and no lock left");
  assert.ok(w.logs.some((l) => l.includes("Successfully installed kube-lsp-0.1.0")), "pip's output goes to the log");
});

test("later runs reuse the environment without running anything or showing progress", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 12, 1] });
  const first = await ensureBundledServer(w.deps(), options(w));
  const calls = w.calls.length;
  const again = await ensureBundledServer(w.deps(), options(w));
  assert.equal(again.reused, true);
  assert.equal(again.command, first.command);
  assert.equal(w.calls.length, calls, "no process started");
  assert.equal(w.progress.length, 1);
});

test("a new bundle version gets a new environment and the old one, abandoned installs and old locks go", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  const old = await ensureBundledServer(w.deps(), options(w));
  fs.mkdirSync(path.join(w.storage, ".tmp-killedwin"));
  fs.writeFileSync(path.join(w.storage, ".tmp-killedwin", "half"), "");
  fs.mkdirSync(path.join(w.storage, ".old-r1"));
  fs.writeFileSync(path.join(w.storage, `${LOCK}.stale-x`), "{}");
  fs.mkdirSync(path.join(w.storage, "schema-cache"));

  const manifest = w.manifest({ version: "0.2.0", wheel: "kube_lsp-0.2.0-py3-none-any.whl", hash: "9".repeat(64) });
  w.kubeLspVersion = "0.2.0";
  const fresh = await ensureBundledServer(w.deps(), options(w, { manifest }));
  assert.equal(fresh.reused, false);
  assert.notEqual(fresh.envDir, old.envDir);
  assert.deepEqual(fs.readdirSync(w.storage).sort(), [envName(manifest), "schema-cache"]);
});

test("a half-made environment is never used: it is rebuilt and replaced", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  const dir = path.join(w.storage, envName(w.manifest()));
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "bin", "python"), "");
  fs.writeFileSync(path.join(dir, "pyvenv.cfg"), `home = ${w.homeOf(path.join(w.bin, "python3"))}\n`); // all but the marker
  const server = await ensureBundledServer(w.deps(), options(w));
  assert.equal(server.reused, false);
  assert.equal(w.callsWith("install").length, 1);
  assert.ok(fs.existsSync(path.join(dir, MARKER)));
  assert.equal(fs.readFileSync(path.join(dir, "lib", "installed.txt"), "utf8"), "offline");
  assert.ok(w.logs.some((l) => l.endsWith(": it is incomplete")));
});

test("a failed install leaves nothing that a later run would use, and the next run installs again", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  w.offline = "error";
  await assert.rejects(ensureBundledServer(w.deps(), options(w)), (err: unknown) => {
    assert.ok(err instanceof BootstrapError);
    assert.equal(err.kind, "install");
    assert.match(err.message, /^pip could not install the bundled wheels \(ERROR: Could not install packages due to an OSError/);
    assert.match(err.detail, /No space left on device/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(w.storage), [], "the temporary environment and the lock are gone");
  assert.equal(w.callsWith("install").length, 1, "no index fallback for other errors");
  w.offline = "ok";
  const server = await ensureBundledServer(w.deps(), options(w));
  assert.equal(server.reused, false);
});

test("an environment whose Python is gone, or built on another kubeLsp.server.pythonPath, is rebuilt", async () => {
  const w = world();
  const py = w.addPython("python3", { version: [3, 11, 2] });
  await ensureBundledServer(w.deps(), options(w));
  const gone = w.homeOf(py);
  fs.rmSync(gone, { recursive: true }); // e.g. the interpreter was upgraded away
  w.path.delete("python3");
  const other = w.addPython("python3.12", { version: [3, 12, 0] }, "/opt/py312/bin/python3.12");
  const rebuilt = await ensureBundledServer(w.deps(), options(w));
  assert.equal(rebuilt.reused, false);
  assert.equal(rebuilt.base, "/opt/py312/bin/python3.12 (Python 3.12.0)");
  assert.ok(w.logs.some((l) => l.includes(`its Python's folder ${gone} is gone`)), w.logs.join("\n"));
  fs.mkdirSync(gone, { recursive: true }); // reinstalled

  const chosen = info([3, 13, 0], { command: py, executable: py });
  const onSetting = await ensureBundledServer(w.deps(), options(w, { python: chosen }));
  assert.equal(onSetting.reused, false);
  assert.equal(w.callsWith("venv").at(-1)?.command, py);
  assert.ok(w.logs.some((l) => l.includes(`it was made with ${other}, and kubeLsp.server.pythonPath is ${py}`)));
  assert.equal((await ensureBundledServer(w.deps(), options(w, { python: chosen }))).reused, true);
});

test("an environment whose bin/python no longer resolves (a dangling symlink) is rebuilt", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] }, "/usr/bin/python3");
  const first = await ensureBundledServer(w.deps(), options(w));
  fs.rmSync(first.command);
  fs.symlinkSync(path.join(w.root, "uninstalled-python"), first.command);
  const again = await ensureBundledServer(w.deps(), options(w));
  assert.equal(again.reused, false);
  assert.ok(w.logs.some((l) => l.endsWith(": its Python (/usr/bin/python3) is gone")), w.logs.join("\n"));
  assert.ok(fs.statSync(again.command).isFile());
});

test("reinstall builds a fresh environment even when one is complete, and removes the old one", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  const first = await ensureBundledServer(w.deps(), options(w));
  fs.writeFileSync(path.join(first.envDir, "lib", "installed.txt"), "stale");
  const again = await ensureBundledServer(w.deps(), options(w, { reinstall: true }));
  assert.equal(again.reused, false);
  assert.equal(again.envDir, first.envDir);
  assert.equal(fs.readFileSync(path.join(again.envDir, "lib", "installed.txt"), "utf8"), "offline");
  assert.deepEqual(fs.readdirSync(w.storage), [envName(w.manifest())]);
});

test("no wheel for this Python: the index supplies it, with the bundled versions pinned and the user's pip config", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 15, 0] });
  w.offline = "no-match";
  const wheels = ["kube_lsp-0.1.0-py3-none-any.whl", "kubernetes_validate-1.37.0-py3-none-any.whl",
    "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.whl", "kubernetes-37.0.2-py2.py3-none-any.whl"];
  const manifest = w.manifest({ wheels: wheels.map((file) => ({ file, sha256: "0".repeat(64), size: 1 })) });
  const server = await ensureBundledServer(w.deps(), options(w, { manifest }));
  assert.equal(server.fromIndex, true);
  const installs = w.callsWith("install");
  assert.equal(installs.length, 2);
  const index = installs[1];
  assert.ok(!index.args.includes("--no-index"));
  assert.ok(index.args.includes("--prefer-binary"));
  assert.equal(index.args[index.args.indexOf("--constraint") + 1], path.join(w.bundle, "constraints.txt"));
  assert.equal(index.args[index.args.indexOf("--find-links") + 1], path.join(w.bundle, "wheels"));
  // kube-lsp and the pure wheels by path (pip would take the index's copy over --find-links), compiled ones not
  assert.deepEqual(index.args.slice(index.args.indexOf("--prefer-binary") + 1), [
    path.join(w.bundle, "wheels", "kube_lsp-0.1.0-py3-none-any.whl"),
    path.join(w.bundle, "wheels", "kubernetes_validate-1.37.0-py3-none-any.whl"),
    path.join(w.bundle, "wheels", "kubernetes-37.0.2-py2.py3-none-any.whl"),
  ]);
  assert.equal(index.env.pip_index_url, "https://mirror", "the user's mirror applies");
  assert.ok(
    w.logs.includes(
      "bundled server: no bundled wheel of pyyaml fits cpython 3.15.0 on linux-x64 (the bundle has compiled wheels " +
        "for CPython 3.11, 3.12, 3.13, 3.14 on linux-x64); installing what is missing from the package index, with your pip configuration",
    ),
    w.logs.join("\n"),
  );
  assert.equal(JSON.parse(fs.readFileSync(path.join(server.envDir, MARKER), "utf8")).fromIndex, true);
  assert.equal(w.progress[0].reports.at(-1), "downloading the dependencies this Python needs from the package index…");
});

test("when the index cannot help either, the error says both", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 15, 0] });
  w.offline = "no-match";
  w.index = "error";
  await assert.rejects(ensureBundledServer(w.deps(), options(w)), (err: unknown) => {
    assert.ok(err instanceof BootstrapError && err.kind === "install");
    assert.match(err.message, /^no bundled wheel of pyyaml fits Python 3\.15\.0 here, and installing it from the package index failed/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(w.storage), []);
});

test("venv and start-up failures are reported, and nothing is published", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] }, "/usr/bin/python3");
  w.venvFails = true;
  await assert.rejects(ensureBundledServer(w.deps(), options(w)), (err: unknown) => {
    assert.ok(err instanceof BootstrapError && err.kind === "venv");
    assert.equal(err.message, "could not create a Python environment with /usr/bin/python3 (Error: [Errno 28] No space left on device)");
    return true;
  });
  w.venvFails = false;
  w.versionFailure = "ModuleNotFoundError: No module named 'pygls'";
  await assert.rejects(ensureBundledServer(w.deps(), options(w)), (err: unknown) => {
    assert.ok(err instanceof BootstrapError && err.kind === "verify");
    assert.match(err.message, /No module named 'pygls'/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(w.storage), []);
});

test("no Python on PATH: a no-python error that lists what was found", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 8, 10] }, "/usr/bin/python3");
  await assert.rejects(ensureBundledServer(w.deps(), options(w)), (err: unknown) => {
    assert.ok(err instanceof BootstrapError && err.kind === "no-python");
    assert.match(failureMessage(err, "linux"), /none was found on PATH \(found only Python 3\.8\.10 at \/usr\/bin\/python3\)\./);
    return true;
  });
  assert.equal(w.callsWith("venv").length, 0);
  assert.deepEqual(w.progress, [], "no progress notification for nothing to set up");
});

// ------------------------------------------------------------------------------------- concurrency

test("two windows at once: one installs, the other waits for it and reuses its environment", async () => {
  const w = world();
  w.addPython("python3", { version: [3, 11, 2] });
  w.pipDelayMs = 300;
  w.alive.add(1001).add(1002);
  const [a, b] = await Promise.all([
    ensureBundledServer(w.deps({ pid: 1001 }), options(w)),
    ensureBundledServer(w.deps({ pid: 1002 }), options(w)),
  ]);
  assert.equal(w.callsWith("install").length, 1, "one pip install");
  assert.equal(a.command, b.command);
  assert.deepEqual([a.reused, b.reused].sort(), [false, true]);
  assert.ok(w.progress.some((p) => p.reports.includes("waiting for another VS Code window that is setting it up…")));
  assert.deepEqual(fs.readdirSync(w.storage), [envName(w.manifest())]);
});

test("a lock left by a killed window is taken over at once (dead pid) or once it is old (other host)", async () => {
  const w = world();
  fs.mkdirSync(w.storage, { recursive: true });
  const lock = path.join(w.storage, LOCK);
  fs.writeFileSync(lock, JSON.stringify({ pid: 999999, host: "this-host", token: "dead" }));
  const held = await tryLock(w.deps(), lock);
  assert.ok(held, "a dead process's lock is taken over");
  assert.equal(JSON.parse(fs.readFileSync(lock, "utf8")).pid, 4242);
  assert.ok(w.logs.some((l) => l === "removed an abandoned install lock (pid 999999 on this-host)"));
  await held.release();
  assert.equal(fs.existsSync(lock), false);

  fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: "other-host", token: "far" }));
  assert.equal(await tryLock(w.deps(), lock), undefined, "fresh, and its pid cannot be checked from here");
  const old = new Date(Date.now() - 10_000);
  fs.utimesSync(lock, old, old);
  const taken = await tryLock(w.deps(), lock);
  assert.ok(taken, "not refreshed for longer than staleMs");
  await taken.release();
  assert.deepEqual(fs.readdirSync(w.storage), [], "the moved-aside lock was removed");
});

test("a live window's lock is waited for, refreshed while held, and a waiter gives up after maxWaitMs", async () => {
  const w = world();
  fs.mkdirSync(w.storage, { recursive: true });
  const lock = path.join(w.storage, LOCK);
  const holder = w.deps({ pid: 7 });
  w.alive.add(7);
  const held = await tryLock(holder, lock);
  assert.ok(held);
  const before = fs.statSync(lock).mtimeMs;
  await new Promise((resolve) => setTimeout(resolve, 600)); // > staleMs: only the heartbeat keeps it
  assert.ok(fs.statSync(lock).mtimeMs > before, "the holder refreshes the lock");
  assert.equal(await tryLock(w.deps(), lock), undefined, "still held");

  let waited = 0;
  const waiting = acquireLock(w.deps(), lock, () => (waited += 1));
  setTimeout(() => void held.release(), 100);
  const mine = await waiting;
  assert.equal(waited, 1);
  assert.equal(JSON.parse(fs.readFileSync(lock, "utf8")).pid, 4242);

  await assert.rejects(acquireLock(w.deps({ pid: 8, timing: { heartbeatMs: 20, staleMs: 60_000, pollMs: 10, maxWaitMs: 100 } }), lock, () => undefined), (err: unknown) => {
    assert.ok(err instanceof BootstrapError && err.kind === "busy");
    return true;
  });
  await mine.release();
});

test("a lock taken over by another window is not removed by the one that lost it", async () => {
  const w = world();
  fs.mkdirSync(w.storage, { recursive: true });
  const lock = path.join(w.storage, LOCK);
  const held = await tryLock(w.deps(), lock);
  assert.ok(held);
  fs.writeFileSync(lock, JSON.stringify({ pid: 5, host: "this-host", token: "theirs" }));
  await held.release();
  assert.equal(JSON.parse(fs.readFileSync(lock, "utf8")).token, "theirs");
});

// ------------------------------------------------------------------------------------------ runner

test("the real runner: exit code, output lines as they come, environment, timeout and a missing program", async () => {
  const lines: string[] = [];
  const ran = await nodeRunner(process.execPath, ["-e", "console.log('a\\nb'); console.error(process.env.KL_X); process.exit(3)"], {
    env: { ...process.env, KL_X: "from-env" },
    onLine: (l) => lines.push(l),
  });
  assert.equal(ran.code, 3);
  assert.equal(ran.stdout, "a\nb\n");
  assert.equal(ran.stderr.trim(), "from-env");
  assert.deepEqual(lines.sort(), ["a", "b", "from-env"]);

  const slow = await nodeRunner(process.execPath, ["-e", "setTimeout(() => {}, 10000)"], { timeoutMs: 200 });
  assert.equal(slow.code, null);
  assert.equal(slow.error, "timed out after 0.2 s");

  const missing = await nodeRunner(path.join(os.tmpdir(), `no-such-python-${process.pid}`), []);
  assert.equal(missing.code, null);
  assert.match(missing.error ?? "", /ENOENT/);
});
