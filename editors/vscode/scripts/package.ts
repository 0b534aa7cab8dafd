/**
 * `npm run package`: bundles the kube-lsp language server into server/ and packages the .vsix with it.
 *
 *   npm run package                            # kube-lsp-<version>.vsix, compiled wheels for linux-x64
 *   npm run package -- --target darwin-arm64   # kube-lsp-<version>-darwin-arm64.vsix (vsce --target)
 *   KUBE_LSP_TARGET=win32-x64 npm run package  # the same through the environment
 *   --python PATH / KUBE_LSP_BUILD_PYTHON      # the Python that runs pip here (default python3)
 *   --bundle-only                              # write server/ and stop (no .vsix)
 *
 * server/ gets: the kube-lsp wheel built from this checkout, the wheels of all its runtime dependencies for
 * CPython 3.11–3.14 on the target platform (`pip download --only-binary=:all:` once per Python: PyYAML,
 * ruamel.yaml.clib, pydantic-core and rpds-py are compiled per Python and platform), a pip wheel that
 * installs them (Debian's python3 has neither pip nor ensurepip without extra packages), constraints.txt and
 * manifest.json (see src/bundle.ts). Needs the package index; pip's own cache makes a rebuild quick.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import {
  BUNDLED_PYTHONS,
  BundledWheel,
  BundleManifest,
  bundleHash,
  CONSTRAINTS,
  constraintsText,
  DEFAULT_TARGET,
  isPureWheel,
  MANIFEST,
  parseWheel,
  pureCandidates,
  targetPlatforms,
  WHEELS,
} from "../src/bundle";

const EXTENSION = path.resolve(__dirname, "..", "..");
const REPO = path.resolve(EXTENSION, "..", "..");
const SERVER = path.join(EXTENSION, "server");
/** A platform tag no compiled wheel has: only `py3-none-any` wheels match it. */
const PURE_ONLY_PLATFORM = "kube_lsp_pure_python_only";

interface Options {
  target?: string;
  python: string;
  bundleOnly: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    target: process.env.KUBE_LSP_TARGET || undefined,
    python: process.env.KUBE_LSP_BUILD_PYTHON || (process.platform === "win32" ? "python" : "python3"),
    bundleOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      return v;
    };
    if (arg === "--target") {
      options.target = value();
    } else if (arg === "--python") {
      options.python = value();
    } else if (arg === "--bundle-only") {
      options.bundleOnly = true;
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

interface Ran {
  ok: boolean;
  output: string;
}

function run(command: string, args: string[], cwd = EXTENSION): Ran {
  const proc = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${proc.stdout ?? ""}${proc.stderr ?? ""}${proc.error ? String(proc.error) : ""}`;
  return { ok: proc.status === 0, output };
}

function must(ran: Ran, what: string): void {
  if (!ran.ok) {
    throw new Error(`${what} failed:\n${ran.output}`);
  }
}

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function wheelsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(".whl")).sort();
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function bundle(options: Options, target: string): BundleManifest {
  const platforms = targetPlatforms(target);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kube-lsp-bundle-"));
  try {
    fs.rmSync(SERVER, { recursive: true, force: true });
    const wheelsDir = path.join(SERVER, WHEELS);
    fs.mkdirSync(wheelsDir, { recursive: true });

    // 1. A current pip, which then does all the rest (the same pip whatever the build Python has).
    console.log(`bundle: pip wheel (with ${options.python})`);
    must(
      run(options.python, ["-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
        "--only-binary=:all:", "-d", SERVER, "pip"]),
      "downloading the pip wheel",
    );
    const [pip] = wheelsIn(SERVER).filter((f) => parseWheel(f)?.project === "pip");
    if (pip === undefined) {
      throw new Error("pip download left no pip wheel");
    }
    const pipMain = path.join(SERVER, pip, "pip");
    const pipArgs = (...args: string[]) => [pipMain, ...args, "--disable-pip-version-check"];

    // 2. kube-lsp's own wheel from this checkout.
    console.log(`bundle: kube-lsp wheel from ${REPO}`);
    const dist = path.join(scratch, "dist");
    must(run(options.python, pipArgs("wheel", "-q", "--no-deps", REPO, "-w", dist)), "building the kube-lsp wheel");
    const [own] = wheelsIn(dist).filter((f) => parseWheel(f)?.project === "kube-lsp");
    if (own === undefined) {
      throw new Error(`no kube-lsp wheel in ${dist}`);
    }
    const version = parseWheel(own)!.version;

    // 3. Its runtime dependencies, once per CPython minor (each into its own folder: a failed resolution
    //    leaves nothing behind). The wheel is given by path, so the index is never asked for kube-lsp.
    const pythons: string[] = [];
    for (const py of BUNDLED_PYTHONS) {
      const dir = path.join(scratch, `cp${py.replace(".", "")}`);
      const ran = run(options.python, pipArgs("download", "-q", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", py, ...platforms.flatMap((p) => ["--platform", p]), "-d", dir, path.join(dist, own)));
      if (!ran.ok) {
        console.warn(`bundle: no complete wheel set for CPython ${py} on ${target}; it will use the index:\n${ran.output}`);
        continue;
      }
      for (const file of wheelsIn(dir)) {
        fs.copyFileSync(path.join(dir, file), path.join(wheelsDir, file));
      }
      pythons.push(py);
      console.log(`bundle: CPython ${py}: ${wheelsIn(dir).length} wheels`);
    }
    if (pythons.length === 0) {
      throw new Error(`no CPython of ${BUNDLED_PYTHONS.join(", ")} has a complete wheel set for ${target}`);
    }

    // 4. Pure-Python wheels instead of compiled ones where kube-lsp does not need the speed (PREFER_PURE),
    //    when the same version has one that every bundled Python accepts.
    const candidates = pureCandidates(wheelsIn(wheelsDir));
    const pureFor = (py: string, requirements: string[], dir: string): boolean =>
      run(options.python, pipArgs("download", "-q", "--no-deps", "--only-binary=:all:", "--implementation", "py",
        "--python-version", py, "--platform", PURE_ONLY_PLATFORM, "-d", dir, ...requirements)).ok;
    // All at once per Python (pip starts in ~1 s); one by one only where that fails.
    const together = path.join(scratch, "pure");
    const allFit = pythons.every((py) => pureFor(py, [...candidates.keys()], together));
    for (const [requirement, compiled] of candidates) {
      const dir = allFit ? together : path.join(scratch, "pure", requirement);
      const fits = allFit || pythons.every((py) => pureFor(py, [requirement], dir));
      const project = requirement.split("==")[0];
      const pure = fits
        ? wheelsIn(dir).filter((f) => {
            const w = parseWheel(f)!;
            return isPureWheel(w) && `${w.project}==${w.version}` === requirement && project === w.project;
          })
        : [];
      if (pure.length !== 1) {
        console.log(`bundle: ${requirement}: no pure-Python wheel, keeping ${compiled.length} compiled`);
        continue;
      }
      fs.copyFileSync(path.join(dir, pure[0]), path.join(wheelsDir, pure[0]));
      compiled.forEach((f) => fs.rmSync(path.join(wheelsDir, f)));
      console.log(`bundle: ${requirement}: ${pure[0]} instead of ${compiled.length} compiled wheels`);
    }

    // 5. The manifest: what is there, and the hash that names the environment installed from it.
    const wheels: BundledWheel[] = wheelsIn(wheelsDir).map((file) => ({
      file,
      sha256: sha256(path.join(wheelsDir, file)),
      size: fs.statSync(path.join(wheelsDir, file)).size,
    }));
    const pipSha256 = sha256(path.join(SERVER, pip));
    const manifest: BundleManifest = {
      format: 1,
      version,
      wheel: own,
      pip,
      pipSha256,
      target,
      platforms: [...platforms],
      pythons,
      wheels,
      hash: bundleHash([...wheels, { file: pip, sha256: pipSha256 }]),
    };
    fs.writeFileSync(path.join(SERVER, CONSTRAINTS), constraintsText(wheels.map((w) => w.file)));
    fs.writeFileSync(path.join(SERVER, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");

    const total = wheels.reduce((n, w) => n + w.size, fs.statSync(path.join(SERVER, pip)).size);
    const largest = [...wheels].sort((a, b) => b.size - a.size).slice(0, 3);
    console.log(
      `bundle: kube-lsp ${version} for CPython ${pythons.join(", ")} on ${target}: ${wheels.length} wheels + ${pip}, ` +
        `${mb(total)} (largest: ${largest.map((w) => `${w.file.split("-")[0]} ${mb(w.size)}`).join(", ")})`,
    );
    return manifest;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const target = options.target ?? DEFAULT_TARGET;
  bundle(options, target);
  if (options.bundleOnly) {
    return;
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(EXTENSION, "package.json"), "utf8")) as { version: string };
  const out = `kube-lsp-${pkg.version}${options.target ? `-${options.target}` : ""}.vsix`;
  const vsce = path.join(EXTENSION, "node_modules", "@vscode", "vsce", "vsce");
  const args = [vsce, "package", "--out", out, ...(options.target ? ["--target", options.target] : [])];
  const proc = spawnSync(process.execPath, args, { cwd: EXTENSION, stdio: "inherit" });
  if (proc.status !== 0) {
    throw new Error(`vsce package failed (exit ${proc.status})`);
  }
}

try {
  main();
} catch (err) {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
