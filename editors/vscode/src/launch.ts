/**
 * Which server the extension starts, in this order:
 *   1. `kubeLsp.server.path`: that executable, as is;
 *   2. `kubeLsp.server.pythonPath` when that interpreter has kube_lsp: `<python> -m kube_lsp serve`;
 *   3. the bundled server, installed into the extension's global storage on first use — on
 *      `kubeLsp.server.pythonPath` when it is a plain Python ≥ 3.11, else on the first suitable Python on PATH;
 *   4. only in a build without the bundle (running from a checkout): `kube-lsp` on PATH.
 * No `vscode` import (tested in test/launch.test.ts); the extension shows the failures.
 */
import {
  BootstrapError,
  Deps,
  ensureBundledServer,
  failureMessage,
  meetsMinimum,
  MIN_PYTHON,
  PythonInfo,
  probePython,
  readManifest,
  versionText,
} from "./bundledServer";
import { serverCommand } from "./serverCommand";

export type Action = "Open settings" | "Show log" | "Retry" | "Set-up guide";

export type Source = "kubeLsp.server.path" | "kubeLsp.server.pythonPath" | "bundled" | "PATH";

export type Launch =
  | { ok: true; command: string; args: string[]; source: Source; reused?: boolean }
  | { ok: false; message: string; actions: Action[] };

export interface LaunchSettings {
  serverPath?: string;
  pythonPath?: string;
  logLevel?: string;
}

export interface LaunchPlaces {
  /** The extension's server/ folder (may be missing in a build from a checkout). */
  bundleDir: string;
  /** The extension's global storage folder. */
  storageDir: string;
  reinstall?: boolean;
}

function failed(message: string, actions: Action[]): Launch {
  return { ok: false, message, actions };
}

export async function resolveServer(deps: Deps, settings: LaunchSettings, places: LaunchPlaces): Promise<Launch> {
  const plain = serverCommand(settings);
  const serve = plain.args;
  if (plain.source === "kubeLsp.server.path") {
    const executable = deps.findExecutable(plain.command, deps.env);
    if (executable === undefined) {
      return failed(
        `kube-lsp: kubeLsp.server.path is ${plain.command}, which was not found. Set it to a kube-lsp executable, ` +
          "or clear it to use the language server that comes with the extension.",
        ["Open settings", "Set-up guide"],
      );
    }
    deps.log(`server: ${executable} (kubeLsp.server.path)`);
    return { ok: true, command: executable, args: serve, source: plain.source };
  }

  let base: PythonInfo | undefined;
  if (plain.source === "kubeLsp.server.pythonPath") {
    const python = plain.command;
    const executable = deps.findExecutable(python, deps.env);
    if (executable === undefined) {
      return failed(
        `kube-lsp: kubeLsp.server.pythonPath is ${python}, which was not found. Set it to a Python ` +
          `${versionText(MIN_PYTHON)}+ interpreter, or clear it to let the extension find one on PATH.`,
        ["Open settings", "Show log"],
      );
    }
    const info = await probePython(deps, { command: executable, args: [] });
    if ("error" in info) {
      deps.log(`kubeLsp.server.pythonPath ${executable} could not be run: ${info.error}`);
      return failed(`kube-lsp: kubeLsp.server.pythonPath (${executable}) could not be run: ${info.error}`, [
        "Open settings",
        "Show log",
      ]);
    }
    if (info.hasKubeLsp) {
      deps.log(`server: ${executable} -m kube_lsp (kubeLsp.server.pythonPath, Python ${versionText(info.version)})`);
      return { ok: true, command: executable, args: plain.args, source: plain.source };
    }
    if (!meetsMinimum(info.version)) {
      return failed(
        `kube-lsp: kubeLsp.server.pythonPath (${executable}) is Python ${versionText(info.version)}; kube-lsp needs ` +
          `Python ${versionText(MIN_PYTHON)} or newer. Point it at a newer interpreter, or clear it.`,
        ["Open settings", "Show log"],
      );
    }
    deps.log(`kubeLsp.server.pythonPath ${executable} has no kube_lsp: the bundled server is installed on it`);
    base = info;
  }

  const manifest = await readManifest(deps.fs, places.bundleDir);
  // serverCommand's args for pythonPath start with `-m kube_lsp`; the bundled environment's have their own.
  const serveArgs = serve.slice(serve.indexOf("serve"));
  if (manifest !== undefined) {
    try {
      const server = await ensureBundledServer(deps, {
        bundleDir: places.bundleDir,
        manifest,
        storageDir: places.storageDir,
        python: base,
        reinstall: places.reinstall,
      });
      return { ok: true, command: server.command, args: [...server.args, ...serveArgs], source: "bundled", reused: server.reused };
    } catch (err) {
      if (!(err instanceof BootstrapError)) {
        throw err;
      }
      deps.log(`bundled server: ${err.message}`);
      if (err.detail) {
        deps.log(err.detail);
      }
      const actions: Action[] =
        err.kind === "no-python" ? ["Open settings", "Show log"] : ["Show log", "Retry", "Set-up guide"];
      return failed(failureMessage(err, deps.platform), actions);
    }
  }

  deps.log(`this build of the extension has no bundled server (${places.bundleDir}): looking for kube-lsp on PATH`);
  if (base !== undefined) {
    return failed(
      `kube-lsp: kubeLsp.server.pythonPath (${base.executable}) has no kube_lsp module, and this build of the ` +
        "extension has no bundled server to install on it (a .vsix from `npm run package` has). See the set-up guide.",
      ["Set-up guide", "Open settings"],
    );
  }
  const executable = deps.findExecutable(plain.command, deps.env);
  if (executable === undefined) {
    return failed(
      "kube-lsp: this build of the extension has no bundled server, and `kube-lsp` is not on PATH. Install the " +
        ".vsix that `npm run package` builds, or set kubeLsp.server.path / kubeLsp.server.pythonPath (see the set-up guide).",
      ["Set-up guide", "Open settings"],
    );
  }
  deps.log(`server: ${executable} (PATH)`);
  return { ok: true, command: executable, args: serve, source: "PATH" };
}
