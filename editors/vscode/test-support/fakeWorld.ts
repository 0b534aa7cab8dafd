/**
 * A fake machine for the bootstrap's unit tests: Pythons on a fake PATH and a process runner that acts like
 * them (probe, `-m venv`, the bundled pip, `-m kube_lsp --version`), over a real temporary folder, so the
 * file-system side (lock, rename, clean-up) is the real one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { BundleManifest } from "../src/bundle";
import { Deps, nodeFs, RunOptions, RunResult } from "../src/bundledServer";

export interface FakePython {
  version: [number, number, number];
  implementation?: string;
  kubeLsp?: boolean;
  venv?: boolean;
  /** The probe fails as if the file were not a working interpreter. */
  broken?: boolean;
  /** Its installation folder (`home` in pyvenv.cfg); a real folder, so removing it "uninstalls" it. */
  home?: string;
}

export interface Call {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export type PipOutcome = "ok" | "no-match" | "error";

export class FakeWorld {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-fake-"));
  readonly storage = path.join(this.root, "storage");
  readonly bundle = path.join(this.root, "bundle");
  readonly bin = path.join(this.root, "usr", "bin");
  /** Executables on the fake PATH, by name. */
  readonly path = new Map<string, string>();
  readonly pythons = new Map<string, FakePython>();
  readonly calls: Call[] = [];
  readonly logs: string[] = [];
  readonly progress: { title: string; reports: string[] }[] = [];
  offline: PipOutcome = "ok";
  index: PipOutcome = "ok";
  venvFails = false;
  /** What `-m kube_lsp --version` prints; `failure` makes it fail with that text. */
  kubeLspVersion = "0.1.0";
  versionFailure: string | undefined;
  pipDelayMs = 0;
  env: NodeJS.ProcessEnv = { PATH: "/fake/bin", PIP_FIND_LINKS: "/opt/wheels", pip_index_url: "https://mirror", HOME: "/fake/home" };
  pid = 4242;
  alive = new Set<number>([4242]);

  constructor() {
    fs.mkdirSync(this.bin, { recursive: true });
    fs.mkdirSync(this.bundle, { recursive: true });
  }

  /** Puts an interpreter on the fake PATH under `name` (its executable lives in usr/bin). */
  addPython(name: string, python: FakePython, executable = path.join(this.bin, name)): string {
    const home = path.join(this.root, "homes", executable.replace(/[^A-Za-z0-9.]+/g, "_"));
    fs.mkdirSync(home, { recursive: true });
    this.path.set(name, executable);
    this.pythons.set(executable, { home, ...python });
    return executable;
  }

  /** The folder a fake interpreter is "installed" in. */
  homeOf(executable: string): string {
    return this.pythons.get(executable)!.home!;
  }

  manifest(overrides: Partial<BundleManifest> = {}): BundleManifest {
    return {
      format: 1,
      version: "0.1.0",
      wheel: "kube_lsp-0.1.0-py3-none-any.whl",
      pip: "pip-26.3-py3-none-any.whl",
      pipSha256: "b".repeat(64),
      target: "linux-x64",
      platforms: ["manylinux_2_28_x86_64"],
      pythons: ["3.11", "3.12", "3.13", "3.14"],
      wheels: [{ file: "kube_lsp-0.1.0-py3-none-any.whl", sha256: "c".repeat(64), size: 1 }],
      hash: "1234abcd".repeat(8),
      ...overrides,
    };
  }

  deps(overrides: Partial<Deps> = {}): Deps {
    let counter = 0;
    return {
      run: (command, args, options) => this.run(command, [...args], options ?? {}),
      fs: nodeFs,
      log: (line) => this.logs.push(line),
      progress: async (title, task) => {
        const entry = { title, reports: [] as string[] };
        this.progress.push(entry);
        return task((message) => entry.reports.push(message));
      },
      env: this.env,
      platform: "linux",
      arch: "x64",
      findExecutable: (command) => (command.includes("/") ? (this.pythons.has(command) ? command : undefined) : this.path.get(command)),
      pid: this.pid,
      hostname: "this-host",
      isAlive: (pid) => this.alive.has(pid),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: () => `r${process.pid}${(counter++).toString(36).padStart(3, "0")}${Math.random().toString(36).slice(2, 6)}`,
      timing: { heartbeatMs: 20, staleMs: 400, pollMs: 10, maxWaitMs: 2_000 },
      ...overrides,
    };
  }

  /** The calls whose arguments contain `word`. */
  callsWith(word: string): Call[] {
    return this.calls.filter((c) => c.args.includes(word));
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private async run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
    this.calls.push({ command, args, env: options.env ?? {} });
    const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });
    const fail = (stderr: string): RunResult => ({ code: 1, stdout: "", stderr });
    const c = args.indexOf("-c");
    if (c >= 0) {
      const python = this.pythons.get(command);
      if (python === undefined || python.broken) {
        return { code: null, stdout: "", stderr: "", error: `spawn ${command} EACCES` };
      }
      const [a, b, d] = python.version;
      return ok(
        `version=${a}.${b}.${d}\nexecutable=${command}\nimplementation=${python.implementation ?? "cpython"}\n` +
          `kube_lsp=${python.kubeLsp ? 1 : 0}\nvenv=${python.venv === false ? 0 : 1}\n`,
      );
    }
    if (args.includes("venv")) {
      if (this.venvFails) {
        return fail("Error: [Errno 28] No space left on device");
      }
      const dir = args[args.length - 1];
      fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
      fs.writeFileSync(path.join(dir, "bin", "python"), "#!fake python\n");
      fs.writeFileSync(path.join(dir, "pyvenv.cfg"), `home = ${this.pythons.get(command)?.home}\nversion = 3.11.2\n`);
      return ok();
    }
    if (args.includes("install")) {
      if (this.pipDelayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.pipDelayMs));
      }
      const offline = args.includes("--no-index");
      const outcome = offline ? this.offline : this.index;
      if (outcome === "no-match") {
        return fail(
          "ERROR: Could not find a version that satisfies the requirement pyyaml>=6.0.3 (from kubernetes) (from versions: none)\n" +
            "ERROR: No matching distribution found for pyyaml>=6.0.3",
        );
      }
      if (outcome === "error") {
        return fail("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device");
      }
      const envDir = path.dirname(path.dirname(command));
      fs.mkdirSync(path.join(envDir, "lib"), { recursive: true });
      fs.writeFileSync(path.join(envDir, "lib", "installed.txt"), offline ? "offline" : "index");
      options.onLine?.("Successfully installed kube-lsp-0.1.0");
      return ok("Successfully installed kube-lsp-0.1.0\n");
    }
    if (args.includes("kube_lsp") && args.includes("--version")) {
      return this.versionFailure === undefined ? ok(`kube-lsp ${this.kubeLspVersion}\n`) : fail(this.versionFailure);
    }
    return fail(`fake: unexpected command ${command} ${args.join(" ")}`);
  }
}
