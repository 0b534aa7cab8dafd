import { strict as assert } from "node:assert";
import * as path from "node:path";
import { test } from "node:test";

import { findExecutable, serverCommand } from "../src/serverCommand";

test("kubeLsp.server.path wins, then the Python interpreter, then kube-lsp on PATH", () => {
  assert.deepEqual(serverCommand({ serverPath: "/opt/kube-lsp", pythonPath: "/usr/bin/python3" }), {
    command: "/opt/kube-lsp",
    args: ["serve", "--log-level", "INFO"],
    source: "kubeLsp.server.path",
  });
  assert.deepEqual(serverCommand({ serverPath: "  ", pythonPath: "/venv/bin/python", logLevel: "DEBUG" }), {
    command: "/venv/bin/python",
    args: ["-m", "kube_lsp", "serve", "--log-level", "DEBUG"],
    source: "kubeLsp.server.pythonPath",
  });
  assert.deepEqual(serverCommand({}), {
    command: "kube-lsp",
    args: ["serve", "--log-level", "INFO"],
    source: "PATH",
  });
});

test("a command is looked up on PATH, and a missing one is reported as missing", () => {
  const files = new Set([path.join("/usr/local/bin", "kube-lsp"), "/opt/tools/kube-lsp"]);
  const isFile = (p: string) => files.has(p);
  const env = { PATH: "/usr/bin:/usr/local/bin" };
  assert.equal(findExecutable("kube-lsp", env, "linux", isFile), "/usr/local/bin/kube-lsp");
  assert.equal(findExecutable("/opt/tools/kube-lsp", env, "linux", isFile), "/opt/tools/kube-lsp");
  assert.equal(findExecutable("./missing/kube-lsp", env, "linux", isFile), undefined);
  assert.equal(findExecutable("kube-lsp", { PATH: "/usr/bin" }, "linux", isFile), undefined);
  assert.equal(findExecutable("kube-lsp", {}, "linux", isFile), undefined);
});

test("on Windows PATHEXT extensions are tried", () => {
  const isFile = (p: string) => p === path.join("C:\\Python\\Scripts", "kube-lsp") + ".EXE";
  const env = { PATH: "C:\\Windows;C:\\Python\\Scripts", PATHEXT: ".COM;.EXE" };
  assert.equal(findExecutable("kube-lsp", env, "win32", isFile), path.join("C:\\Python\\Scripts", "kube-lsp") + ".EXE");
});

test("the real file system: node itself is found, a made-up name is not", () => {
  assert.equal(findExecutable(process.execPath), process.execPath);
  assert.equal(findExecutable("kube-lsp-that-does-not-exist-" + process.pid), undefined);
});
