/**
 * The command the settings name: `kubeLsp.server.path`, else `<pythonPath> -m kube_lsp`, else `kube-lsp` on
 * PATH. src/launch.ts decides between these and the bundled server.
 */
import * as fs from "fs";
import * as path from "path";

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for messages. */
  source: "kubeLsp.server.path" | "kubeLsp.server.pythonPath" | "PATH";
}

export interface CommandOptions {
  serverPath?: string;
  pythonPath?: string;
  logLevel?: string;
}

export function serverCommand(options: CommandOptions): ServerCommand {
  const serve = ["serve", "--log-level", options.logLevel || "INFO"];
  const serverPath = options.serverPath?.trim();
  if (serverPath) {
    return { command: serverPath, args: serve, source: "kubeLsp.server.path" };
  }
  const python = options.pythonPath?.trim();
  if (python) {
    return { command: python, args: ["-m", "kube_lsp", ...serve], source: "kubeLsp.server.pythonPath" };
  }
  return { command: "kube-lsp", args: serve, source: "PATH" };
}

/**
 * The executable a command resolves to (an absolute or relative path as given, else the first match on
 * PATH, with PATHEXT on Windows), or undefined when there is none: then the extension explains how to
 * install the server instead of failing obscurely.
 */
export function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  isFile: (p: string) => boolean = defaultIsFile,
): string | undefined {
  const windows = platform === "win32";
  const extensions = windows ? (env.PATHEXT || ".EXE;.CMD;.BAT").split(";").filter(Boolean) : [""];
  const candidates = (base: string): string[] =>
    windows && path.extname(base) === "" ? extensions.map((e) => base + e) : [base];
  if (command.includes("/") || (windows && command.includes("\\"))) {
    return candidates(command).find(isFile);
  }
  const dirs = (env.PATH || env.Path || "").split(windows ? ";" : ":").filter(Boolean);
  for (const dir of dirs) {
    const hit = candidates(path.join(dir, command)).find(isFile);
    if (hit) {
      return hit;
    }
  }
  return undefined;
}

function defaultIsFile(p: string): boolean {
  try {
    const stat = fs.statSync(p);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform !== "win32") {
      fs.accessSync(p, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** The manual set-up instructions (the server is not on PyPI: the extension bundles it). */
export const INSTALL_URL = "https://github.com/kube-lsp/kube-lsp#set-up";
