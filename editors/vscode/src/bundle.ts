/**
 * The bundled server as a set of files: the layout of `server/` in the extension, its manifest, wheel file
 * names, and the VS Code targets the build knows pip platform tags for. Shared by the build script
 * (scripts/package.ts, which writes the bundle) and the extension (src/bundledServer.ts, which installs it).
 * Pure apart from hashing; no `vscode` import.
 *
 * ```
 * server/
 *   manifest.json                    BundleManifest
 *   constraints.txt                  name==version of every bundled project (for the index fallback)
 *   pip-<v>-py3-none-any.whl         the pip that installs the rest (Debian's python3 may have no pip/ensurepip)
 *   wheels/kube_lsp-<v>-py3-none-any.whl, wheels/<dependency>.whl …
 * ```
 */
import * as crypto from "crypto";

export const MANIFEST = "manifest.json";
export const CONSTRAINTS = "constraints.txt";
export const WHEELS = "wheels";

/** The CPython minors the bundle carries compiled wheels for (where the dependencies publish them). */
export const BUNDLED_PYTHONS = ["3.11", "3.12", "3.13", "3.14"] as const;

export interface BundledWheel {
  file: string;
  sha256: string;
  size: number;
}

export interface BundleManifest {
  format: 1;
  /** The kube-lsp version the wheels install. */
  version: string;
  /** The kube-lsp wheel, in wheels/. */
  wheel: string;
  /** The pip wheel, beside manifest.json, and its sha256. */
  pip: string;
  pipSha256: string;
  /** The VS Code target the compiled wheels are for (`linux-x64` unless packaged with a target). */
  target: string;
  /** The pip platform tags they were chosen for. */
  platforms: string[];
  /** CPython minors ("3.11") with a complete wheel set. */
  pythons: string[];
  /** Everything in wheels/, by file name. */
  wheels: BundledWheel[];
  /** sha256 over the wheel set and the pip wheel: names the environment installed from it. */
  hash: string;
}

export interface WheelName {
  file: string;
  /** Normalized project name (PEP 503): `ruamel-yaml-clib`. */
  project: string;
  version: string;
  python: string;
  abi: string;
  platform: string;
}

/** PEP 503 normalization: `ruamel.yaml_clib` → `ruamel-yaml-clib`. */
export function normalizeProject(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The parts of a wheel file name (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`). */
export function parseWheel(file: string): WheelName | undefined {
  if (!file.endsWith(".whl")) {
    return undefined;
  }
  const parts = file.slice(0, -".whl".length).split("-");
  if (parts.length !== 5 && parts.length !== 6) {
    return undefined;
  }
  const [name, version] = parts;
  const [python, abi, platform] = parts.slice(-3);
  return { file, project: normalizeProject(name), version, python, abi, platform };
}

/** A wheel that runs on any platform and Python 3 (`py3-none-any`, `py2.py3-none-any`). */
export function isPureWheel(wheel: WheelName): boolean {
  return wheel.abi === "none" && wheel.platform === "any";
}

/**
 * The environment's directory name: the version and the start of the bundle hash (the marker inside keeps
 * the whole hash). Short on purpose: on Windows the longest installed file (a kubernetes-validate schema)
 * is ~155 characters below the environment, and paths over 260 fail without long-path support.
 */
export function envName(manifest: Pick<BundleManifest, "version" | "hash">): string {
  return `kube-lsp-${manifest.version}-${manifest.hash.slice(0, 8)}`;
}

/** sha256 over `sha256  file` lines (sha256sum's format) sorted by file: independent of listing order. */
export function bundleHash(files: readonly Pick<BundledWheel, "file" | "sha256">[]): string {
  const lines = [...files]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((w) => `${w.sha256}  ${w.file}\n`)
    .join("");
  return crypto.createHash("sha256").update(lines).digest("hex");
}

/**
 * `project==version` per bundled project, for the index fallback: a dependency fetched from the index is
 * the version that was bundled and tested. A project bundled in two versions (a Python-dependent
 * requirement) is left unpinned; kube-lsp itself is installed from its wheel's path.
 */
export function constraintsText(files: readonly string[]): string {
  const versions = new Map<string, Set<string>>();
  for (const file of files) {
    const wheel = parseWheel(file);
    if (wheel === undefined || wheel.project === "kube-lsp") {
      continue;
    }
    versions.set(wheel.project, (versions.get(wheel.project) ?? new Set()).add(wheel.version));
  }
  return [...versions.entries()]
    .filter(([, v]) => v.size === 1)
    .map(([project, v]) => `${project}==${[...v][0]}\n`)
    .sort()
    .join("");
}

/**
 * Projects whose compiled wheels are swapped for their pure-Python wheel of the same version: kube-lsp
 * does not need their speed (aiohttp and its helpers come with the kubernetes client's asyncio API, which
 * kube-lsp does not use; charset-normalizer only guesses the encoding of responses without a charset), and
 * each compiled one costs 0.1–1.9 MB per bundled Python.
 */
export const PREFER_PURE = new Set(["aiohttp", "multidict", "yarl", "frozenlist", "propcache", "charset-normalizer"]);

/** The compiled wheels of PREFER_PURE projects, by `project==version`, that a pure wheel could replace. */
export function pureCandidates(files: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const pure = new Set<string>();
  for (const file of files) {
    const wheel = parseWheel(file);
    if (wheel === undefined || !PREFER_PURE.has(wheel.project)) {
      continue;
    }
    const key = `${wheel.project}==${wheel.version}`;
    if (isPureWheel(wheel)) {
      pure.add(key);
    } else {
      out.set(key, [...(out.get(key) ?? []), file]);
    }
  }
  for (const key of pure) {
    out.delete(key);
  }
  return out;
}

function manylinux(arch: string): string[] {
  // VS Code itself needs glibc 2.28 (since 1.86), so manylinux_2_28 is the newest baseline that is safe.
  return [
    `manylinux_2_28_${arch}`,
    `manylinux_2_17_${arch}`,
    `manylinux2014_${arch}`,
    `manylinux_2_12_${arch}`,
    `manylinux2010_${arch}`,
    `manylinux_2_5_${arch}`,
    `manylinux1_${arch}`,
  ];
}

function musllinux(arch: string): string[] {
  return [`musllinux_1_2_${arch}`, `musllinux_1_1_${arch}`];
}

/**
 * pip platform tags per VS Code target (`vsce package --target`). pip expands a macOS tag to the older
 * macOS versions and universal2 itself. Checked with `pip install --dry-run` for CPython 3.11 and 3.14: every
 * target here resolves to wheels only. Missing on purpose: linux-armhf (PyYAML and pydantic-core publish no
 * armv7l wheels) and win32-arm64 (ruamel.yaml.clib publishes no win_arm64 wheels, and kube-lsp requires it
 * on CPython), where even the index fallback would need a C compiler.
 */
export const TARGETS: Readonly<Record<string, readonly string[]>> = {
  "linux-x64": manylinux("x86_64"),
  "linux-arm64": manylinux("aarch64"),
  "alpine-x64": musllinux("x86_64"),
  "alpine-arm64": musllinux("aarch64"),
  "darwin-x64": ["macosx_11_0_x86_64"],
  "darwin-arm64": ["macosx_11_0_arm64"],
  "win32-x64": ["win_amd64"],
};

/** What a .vsix packaged without a target bundles compiled wheels for. */
export const DEFAULT_TARGET = "linux-x64";

export function targetPlatforms(target: string): readonly string[] {
  const platforms = TARGETS[target];
  if (platforms === undefined) {
    throw new Error(`unknown target ${JSON.stringify(target)}: one of ${Object.keys(TARGETS).join(", ")}`);
  }
  return platforms;
}

/** The manifest as read from disk, or undefined when it is not one this extension understands. */
export function parseManifest(text: string): BundleManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") {
    return undefined;
  }
  const m = value as Partial<BundleManifest>;
  const strings = [m.version, m.wheel, m.pip, m.pipSha256, m.target, m.hash].every((s) => typeof s === "string" && s !== "");
  const lists =
    Array.isArray(m.pythons) &&
    Array.isArray(m.platforms) &&
    Array.isArray(m.wheels) &&
    m.wheels.every((w) => typeof w?.file === "string" && typeof w?.sha256 === "string");
  if (m.format !== 1 || !strings || !lists || !/^[0-9a-f]{64}$/.test(m.hash ?? "")) {
    return undefined;
  }
  return m as BundleManifest;
}
