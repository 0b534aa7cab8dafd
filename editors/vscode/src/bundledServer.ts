/**
 * The bundled server: find a Python ≥ 3.11, install the wheels shipped in the extension's `server/` folder
 * into a private environment in the extension's global storage, and reuse that environment afterwards.
 * No `vscode` import: processes, the file system, the clock, logging and the progress notification come in
 * through `Deps`, so every step is tested under plain Node (test/bundledServer.test.ts), and the real
 * functions (`nodeDeps`) are exercised against the real bundle (test/bootstrap.test.ts).
 *
 * Layout of the storage folder:
 * ```
 * kube-lsp-<version>-<hash8>/   the environment; `kube-lsp-env.json` inside marks it complete
 * .tmp-<random>/                 an install in progress (or abandoned by a killed window: never used, removed)
 * .old-<random>/                 a replaced environment being removed
 * install.lock                   held while installing ({pid, host, token}); refreshed every few seconds
 * ```
 * Atomicity: an environment is built under a temporary name and renamed into place only once pip has
 * finished and the server has answered `--version`, so a half-finished install is never found under the
 * real name. Python environments survive a rename (the interpreter finds `pyvenv.cfg` beside itself), but
 * the console scripts pip writes (`bin/kube-lsp`, `Scripts\kube-lsp.exe`) keep the temporary path inside;
 * so the server is started as `<env>/bin/python -I -m kube_lsp serve`. `-I` matters: the language client
 * starts the server in the workspace folder, and without it a `kube_lsp/` folder there would be imported.
 * Concurrent windows: the lock makes the others wait for the first instead of installing in parallel; if
 * it ever failed, the rename still lets only one complete environment win.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import {
  BundleManifest,
  CONSTRAINTS,
  envName,
  isPureWheel,
  MANIFEST,
  parseManifest,
  parseWheel,
  WheelName,
  WHEELS,
} from "./bundle";

export const MIN_PYTHON = [3, 11] as const;
export const SETUP_TITLE = "kube-lsp: setting up the language server (first run only)…";
export const MARKER = "kube-lsp-env.json";
export const LOCK = "install.lock";
const TMP_PREFIX = ".tmp-";
const OLD_PREFIX = ".old-";
const ENV_PREFIX = "kube-lsp-";

// ------------------------------------------------------------------------------------------ seams

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Each line of stdout and stderr as it arrives. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  /** The exit code; null when the process could not be started, was killed or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to completion (spawn error, timeout). */
  error?: string;
}

export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  mtimeMs: number;
}

/** The file operations the bootstrap needs (all of them asynchronous, paths absolute). */
export interface FileSystem {
  readFile(file: string): Promise<string>;
  /** With `exclusive`, fails with code EEXIST when the file exists (O_EXCL): the lock. */
  writeFile(file: string, data: string, options?: { exclusive?: boolean }): Promise<void>;
  /** Creates the folder and its parents. */
  mkdir(dir: string): Promise<void>;
  /** Removes a file or a whole tree; nothing when it does not exist. */
  rm(target: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** Follows symbolic links; undefined when there is nothing (or a dangling link). */
  stat(target: string): Promise<FileInfo | undefined>;
  /** Sets the modification time to now. */
  touch(file: string): Promise<void>;
}

export interface LockTiming {
  /** How often the holder refreshes the lock's modification time. */
  heartbeatMs: number;
  /** A lock not refreshed for this long is abandoned. */
  staleMs: number;
  /** How often a waiting window looks again. */
  pollMs: number;
  /** How long a window waits for another's install before giving up. */
  maxWaitMs: number;
}

export interface Deps {
  run: Runner;
  fs: FileSystem;
  /** A line for the kube-lsp output channel. */
  log: (line: string) => void;
  /** Shows a notification while `task` runs; called only when something is installed or waited for. */
  progress: <T>(title: string, task: (report: (message: string) => void) => Promise<T>) => Promise<T>;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  arch: string;
  findExecutable: (command: string, env: NodeJS.ProcessEnv) => string | undefined;
  pid: number;
  hostname: string;
  isAlive: (pid: number) => boolean;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** A short random name part ([a-z0-9]{8}). */
  random: () => string;
  timing: LockTiming;
}

// ------------------------------------------------------------------------------------------- Python

export interface PythonCandidate {
  command: string;
  /** Leading arguments, e.g. `-3` for the Windows launcher `py`. */
  args: string[];
}

export interface PythonInfo extends PythonCandidate {
  /** `sys.executable`. */
  executable: string;
  version: [number, number, number];
  /** `sys.implementation.name`: cpython, pypy. */
  implementation: string;
  /** Whether `import kube_lsp` would work (outside the current folder). */
  hasKubeLsp: boolean;
  hasVenv: boolean;
}

/**
 * Runs under any Python, 2.7 included, so an old interpreter reports its version instead of a syntax
 * error; `''` leaves sys.path first, so a `kube_lsp/` folder where the probe runs does not count.
 */
export const PROBE = [
  "import sys",
  "sys.path = [p for p in sys.path if p not in ('', '.')]",
  "w = sys.stdout.write",
  "w('version=%d.%d.%d\\n' % tuple(sys.version_info[:3]))",
  "w('executable=%s\\n' % sys.executable)",
  "w('implementation=%s\\n' % getattr(getattr(sys, 'implementation', None), 'name', 'unknown'))",
  "try:",
  "    import importlib.util as u",
  "    w('kube_lsp=%d\\nvenv=%d\\n' % (u.find_spec('kube_lsp') is not None, u.find_spec('venv') is not None))",
  "except Exception:",
  "    w('kube_lsp=0\\nvenv=0\\n')",
].join("\n");

export function parseProbe(stdout: string): Omit<PythonInfo, "command" | "args"> | undefined {
  const fields = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) {
      fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
  }
  const version = /^(\d+)\.(\d+)\.(\d+)$/.exec(fields.get("version") ?? "");
  const executable = fields.get("executable");
  if (version === null || !executable) {
    return undefined;
  }
  return {
    executable,
    version: [Number(version[1]), Number(version[2]), Number(version[3])],
    implementation: fields.get("implementation") ?? "unknown",
    hasKubeLsp: fields.get("kube_lsp") === "1",
    hasVenv: fields.get("venv") === "1",
  };
}

export function versionText(version: readonly number[]): string {
  return version.join(".");
}

export function meetsMinimum(version: readonly number[]): boolean {
  return version[0] > MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] >= MIN_PYTHON[1]);
}

/** Newest first, then the generic names; the Windows launcher last. */
export function pythonCandidates(platform: NodeJS.Platform): PythonCandidate[] {
  const names = ["python3.14", "python3.13", "python3.12", "python3.11", "python3", "python"];
  const list = names.map((command) => ({ command, args: [] as string[] }));
  if (platform === "win32") {
    list.push({ command: "py", args: ["-3"] });
  }
  return list;
}

export function candidateLabel(c: PythonCandidate): string {
  return [c.command, ...c.args].join(" ");
}

/** Runs the probe; the interpreter's facts, or why it could not tell them. */
export async function probePython(deps: Deps, candidate: PythonCandidate): Promise<PythonInfo | { error: string }> {
  const ran = await deps.run(candidate.command, [...candidate.args, "-c", PROBE], { env: deps.env, timeoutMs: 20_000 });
  const facts = ran.code === 0 ? parseProbe(ran.stdout) : undefined;
  if (facts === undefined) {
    const why = ran.error ?? (lastLines(ran.stderr || ran.stdout, 1) || `exit code ${ran.code}`);
    return { error: why };
  }
  return { ...candidate, ...facts };
}

export interface Tried {
  label: string;
  /** The interpreter, when it answered. */
  python?: PythonInfo;
  /** Why it was not taken. */
  rejected?: string;
}

/**
 * The interpreter for the environment: among the candidates on PATH that are Python ≥ 3.11 with `venv`,
 * the first whose version the bundle has compiled wheels for (CPython), else the first at all.
 */
export function choosePython(found: readonly PythonInfo[], bundled: readonly string[]): PythonInfo | undefined {
  const usable = found.filter((p) => meetsMinimum(p.version) && p.hasVenv);
  const bundledHere = (p: PythonInfo) =>
    p.implementation === "cpython" && bundled.includes(`${p.version[0]}.${p.version[1]}`);
  return usable.find(bundledHere) ?? usable[0];
}

export async function findPython(deps: Deps, bundled: readonly string[]): Promise<{ chosen?: PythonInfo; tried: Tried[] }> {
  const tried: Tried[] = [];
  const found: PythonInfo[] = [];
  for (const candidate of pythonCandidates(deps.platform)) {
    const label = candidateLabel(candidate);
    const executable = deps.findExecutable(candidate.command, deps.env);
    if (executable === undefined) {
      continue;
    }
    const info = await probePython(deps, { command: executable, args: candidate.args });
    if ("error" in info) {
      tried.push({ label, rejected: `could not be run: ${info.error}` });
      continue;
    }
    const entry: Tried = { label, python: info };
    if (!meetsMinimum(info.version)) {
      entry.rejected = `Python ${versionText(info.version)} is older than ${versionText(MIN_PYTHON)}`;
    } else if (!info.hasVenv) {
      entry.rejected = "has no venv module";
    }
    tried.push(entry);
    found.push(info);
  }
  return { chosen: choosePython(found, bundled), tried };
}

// ------------------------------------------------------------------------------------------ errors

export type FailureKind = "no-python" | "venv" | "install" | "verify" | "busy";

export class BootstrapError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** The end of the failing command's output, for the log. */
    readonly detail = "",
    readonly tried: readonly Tried[] = [],
  ) {
    super(message);
    this.name = "BootstrapError";
  }
}

function installHint(platform: NodeJS.Platform): string {
  return platform === "win32"
    ? "python.org, or `winget install Python.Python.3.13`"
    : "python.org, or `apt install python3`/`brew install python`";
}

/** The notification when no usable Python exists (the interpreters that were found but are too old named). */
export function noPythonMessage(tried: readonly Tried[], platform: NodeJS.Platform): string {
  const old = tried
    .filter((t) => t.python !== undefined && t.rejected !== undefined)
    .map((t) => `Python ${versionText(t.python!.version)} at ${t.python!.executable}`);
  const unique = [...new Set(old)];
  const found = unique.length > 0 ? ` (found only ${unique.join(", ")})` : "";
  return (
    `kube-lsp needs Python ${versionText(MIN_PYTHON)} or newer to run its language server; none was found on ` +
    `PATH${found}. Install Python ${versionText(MIN_PYTHON)}+ (${installHint(platform)}) or set ` +
    "kubeLsp.server.pythonPath."
  );
}

/** The notification for a failed set-up. */
export function failureMessage(error: BootstrapError, platform: NodeJS.Platform): string {
  if (error.kind === "no-python") {
    return noPythonMessage(error.tried, platform);
  }
  return `kube-lsp: setting up the language server failed: ${error.message}. The kube-lsp log has pip's output.`;
}

// ------------------------------------------------------------------------------------- environment

export interface EnvLayout {
  dir: string;
  python: string;
  marker: string;
  cfg: string;
}

export function envLayout(dir: string, platform: NodeJS.Platform): EnvLayout {
  const p = platform === "win32" ? path.win32 : path.posix;
  return {
    dir,
    python: platform === "win32" ? p.join(dir, "Scripts", "python.exe") : p.join(dir, "bin", "python"),
    marker: p.join(dir, MARKER),
    cfg: p.join(dir, "pyvenv.cfg"),
  };
}

/** What `kube-lsp-env.json` records about a complete environment. */
export interface EnvMarker {
  version: string;
  hash: string;
  base: { executable: string; version: string; implementation: string };
  fromIndex: boolean;
  installedAt: string;
}

export interface BundledServer {
  envDir: string;
  /** Starts the server when `serve …` is appended. */
  command: string;
  args: string[];
  reused: boolean;
  fromIndex: boolean;
  base: string;
}

function serverOf(layout: EnvLayout, marker: EnvMarker, reused: boolean): BundledServer {
  return {
    envDir: layout.dir,
    command: layout.python,
    args: ["-I", "-m", "kube_lsp"],
    reused,
    fromIndex: marker.fromIndex,
    base: `${marker.base.executable} (Python ${marker.base.version})`,
  };
}

export async function readManifest(fsys: FileSystem, bundleDir: string): Promise<BundleManifest | undefined> {
  try {
    return parseManifest(await fsys.readFile(path.join(bundleDir, MANIFEST)));
  } catch {
    return undefined;
  }
}

function pyvenvHome(cfg: string): string | undefined {
  const m = /^home\s*=\s*(.+?)\s*$/m.exec(cfg);
  return m?.[1];
}

/** The environment's marker when it is complete, from this bundle and still runnable; why not otherwise. */
export async function checkEnv(
  deps: Deps,
  layout: EnvLayout,
  manifest: BundleManifest,
  base?: PythonInfo,
): Promise<{ marker?: EnvMarker; why?: string }> {
  let marker: EnvMarker;
  try {
    marker = JSON.parse(await deps.fs.readFile(layout.marker)) as EnvMarker;
  } catch {
    return { why: (await deps.fs.stat(layout.dir)) ? "it is incomplete" : "there is none yet" };
  }
  if (marker.hash !== manifest.hash || marker.version !== manifest.version) {
    return { why: "it is from another bundle" };
  }
  if (base !== undefined && marker.base?.executable !== base.executable) {
    return { why: `it was made with ${marker.base?.executable}, and kubeLsp.server.pythonPath is ${base.executable}` };
  }
  if (!(await deps.fs.stat(layout.python))?.isFile) {
    return { why: `its Python (${marker.base?.executable}) is gone` };
  }
  let home: string | undefined;
  try {
    home = pyvenvHome(await deps.fs.readFile(layout.cfg));
  } catch {
    return { why: "its pyvenv.cfg is missing" };
  }
  if (home !== undefined && !(await deps.fs.stat(home))?.isDirectory) {
    return { why: `its Python's folder ${home} is gone` };
  }
  return { marker };
}

// ------------------------------------------------------------------------------------------- lock

interface LockBody {
  pid: number;
  host: string;
  token: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

async function readLock(deps: Deps, file: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  const info = await deps.fs.stat(file);
  if (info === undefined) {
    return undefined;
  }
  let text = "";
  try {
    text = await deps.fs.readFile(file);
  } catch {
    return undefined;
  }
  return { text, mtimeMs: info.mtimeMs };
}

function lockBody(text: string): Partial<LockBody> {
  try {
    return JSON.parse(text) as Partial<LockBody>;
  } catch {
    return {}; // just created, not yet written: only its age can make it stale
  }
}

function isStale(deps: Deps, holder: { text: string; mtimeMs: number }): boolean {
  if (deps.now() - holder.mtimeMs > deps.timing.staleMs) {
    return true;
  }
  const body = lockBody(holder.text);
  return body.host === deps.hostname && typeof body.pid === "number" && body.pid !== deps.pid && !deps.isAlive(body.pid);
}

/** The lock, or undefined while another live window holds it. An abandoned lock is taken over. */
export async function tryLock(deps: Deps, file: string): Promise<HeldLock | undefined> {
  const token = deps.random();
  const body: LockBody = { pid: deps.pid, host: deps.hostname, token };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await deps.fs.writeFile(file, JSON.stringify(body), { exclusive: true });
      return holdLock(deps, file, token);
    } catch (err) {
      if (errorCode(err) !== "EEXIST") {
        throw err;
      }
    }
    const holder = await readLock(deps, file);
    if (holder === undefined) {
      continue; // released meanwhile
    }
    if (!isStale(deps, holder)) {
      return undefined;
    }
    // Taken over by moving it aside: of two windows doing this at once, only one rename succeeds.
    const again = await readLock(deps, file);
    if (again?.text !== holder.text) {
      continue;
    }
    const aside = `${file}.stale-${deps.random()}`;
    try {
      await deps.fs.rename(file, aside);
      await deps.fs.rm(aside);
      const was = lockBody(holder.text);
      deps.log(`removed an abandoned install lock (pid ${was.pid ?? "?"} on ${was.host ?? "?"})`);
    } catch {
      // another window moved it first
    }
  }
  return undefined;
}

function holdLock(deps: Deps, file: string, token: string): HeldLock {
  const beat = setInterval(() => void deps.fs.touch(file).catch(() => undefined), deps.timing.heartbeatMs);
  beat.unref?.();
  return {
    release: async () => {
      clearInterval(beat);
      const now = await readLock(deps, file);
      if (now !== undefined && lockBody(now.text).token === token) {
        await deps.fs.rm(file);
      }
    },
  };
}

/** Waits for the lock while another window installs (`onWait` once), up to timing.maxWaitMs. */
export async function acquireLock(deps: Deps, file: string, onWait: () => void): Promise<HeldLock> {
  const started = deps.now();
  let told = false;
  for (;;) {
    const held = await tryLock(deps, file);
    if (held !== undefined) {
      return held;
    }
    if (!told) {
      told = true;
      onWait();
    }
    if (deps.now() - started > deps.timing.maxWaitMs) {
      throw new BootstrapError(
        "busy",
        `another VS Code window has been setting up the server for over ${Math.round(deps.timing.maxWaitMs / 60_000)} minutes (lock ${file})`,
      );
    }
    await deps.sleep(deps.timing.pollMs);
  }
}

// ---------------------------------------------------------------------------------------- install

export interface EnsureOptions {
  /** The extension's server/ folder. */
  bundleDir: string;
  manifest: BundleManifest;
  /** Where environments live (the extension's global storage). */
  storageDir: string;
  /** The interpreter to build on (kubeLsp.server.pythonPath without kube_lsp); else one is found on PATH. */
  python?: PythonInfo;
  /** Build a fresh environment even if a complete one exists. */
  reinstall?: boolean;
}

/** The environment variables pip runs with for the offline install: no user or site pip configuration. */
export function isolatedPipEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!/^PIP_/i.test(key)) {
      out[key] = value;
    }
  }
  out.PIP_CONFIG_FILE = os.devNull;
  return out;
}

/** The project pip could not find a matching distribution of (no bundled wheel fits), if that is the error. */
export function missingDistribution(output: string): string | undefined {
  const m = /No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(output);
  return m?.[1];
}

export function lastLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .slice(-count)
    .join("\n");
}

async function runLogged(deps: Deps, command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  deps.log(`$ ${[command, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
  const ran = await deps.run(command, args, { env: deps.env, ...options, onLine: (line) => deps.log(`  ${line}`) });
  if (ran.code !== 0) {
    deps.log(`  → ${ran.error ?? `exit code ${ran.code}`}`);
  }
  return ran;
}

async function retry<T>(deps: Deps, action: () => Promise<T>): Promise<T> {
  // Windows: a virus scanner still reading the new files makes renames fail for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (attempt >= 4 || !["EPERM", "EBUSY", "EACCES"].includes(errorCode(err) ?? "")) {
        throw err;
      }
      await deps.sleep(250 * (attempt + 1));
    }
  }
}

/** Removes other environments, abandoned installs and moved-aside locks (only while holding the lock). */
async function tidy(deps: Deps, storageDir: string, keep: string): Promise<void> {
  let entries: string[];
  try {
    entries = await deps.fs.readdir(storageDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const leftover =
      entry !== keep &&
      (entry.startsWith(ENV_PREFIX) || entry.startsWith(TMP_PREFIX) || entry.startsWith(OLD_PREFIX) ||
        entry.startsWith(`${LOCK}.stale-`));
    if (!leftover) {
      continue;
    }
    try {
      await deps.fs.rm(path.join(storageDir, entry));
      deps.log(`removed ${path.join(storageDir, entry)}`);
    } catch (err) {
      deps.log(`could not remove ${path.join(storageDir, entry)} (${String(err)}); trying again next time`);
    }
  }
}

function hasLeftovers(entries: readonly string[], keep: string): boolean {
  return entries.some((e) => e !== keep && (e.startsWith(ENV_PREFIX) || e.startsWith(TMP_PREFIX) || e.startsWith(OLD_PREFIX)));
}

/**
 * The bundled server's environment: the existing one when it is complete and from this bundle, else a new
 * one (progress notification, install lock, atomic rename, old environments removed afterwards).
 */
export async function ensureBundledServer(deps: Deps, options: EnsureOptions): Promise<BundledServer> {
  const started = deps.now();
  const name = envName(options.manifest);
  const layout = envLayout(path.join(options.storageDir, name), deps.platform);
  if (!options.reinstall) {
    const { marker, why } = await checkEnv(deps, layout, options.manifest, options.python);
    if (marker !== undefined) {
      deps.log(`bundled server: ${layout.dir} (kube-lsp ${marker.version}, Python ${marker.base.version}), ready in ${deps.now() - started} ms`);
      await tidyIfIdle(deps, options.storageDir, name);
      return serverOf(layout, marker, true);
    }
    deps.log(`bundled server: setting up ${layout.dir}: ${why}`);
  } else {
    deps.log(`bundled server: reinstalling ${layout.dir}`);
  }
  // Before the progress notification: with no Python there is nothing to set up, only an error to show.
  const python = await pythonFor(deps, options);
  return deps.progress(SETUP_TITLE, async (report) => {
    await deps.fs.mkdir(options.storageDir);
    const lock = await acquireLock(deps, path.join(options.storageDir, LOCK), () => {
      deps.log("another VS Code window is setting up the server; waiting for it");
      report("waiting for another VS Code window that is setting it up…");
    });
    try {
      if (!options.reinstall) {
        const { marker } = await checkEnv(deps, layout, options.manifest, options.python);
        if (marker !== undefined) {
          deps.log(`bundled server: another window set up ${layout.dir}; using it`);
          return serverOf(layout, marker, true);
        }
      }
      const server = await install(deps, options, python, layout, report);
      await tidy(deps, options.storageDir, name);
      deps.log(`bundled server: ready in ${((deps.now() - started) / 1000).toFixed(1)} s`);
      return server;
    } finally {
      await lock.release();
    }
  });
}

async function tidyIfIdle(deps: Deps, storageDir: string, keep: string): Promise<void> {
  let entries: string[];
  try {
    entries = await deps.fs.readdir(storageDir);
  } catch {
    return;
  }
  if (!hasLeftovers(entries, keep)) {
    return;
  }
  const lock = await tryLock(deps, path.join(storageDir, LOCK));
  if (lock === undefined) {
    return; // a window is installing; its own tidy-up follows
  }
  try {
    await tidy(deps, storageDir, keep);
  } finally {
    await lock.release();
  }
}

async function pythonFor(deps: Deps, options: EnsureOptions): Promise<PythonInfo> {
  if (options.python !== undefined) {
    return options.python;
  }
  const { chosen, tried } = await findPython(deps, options.manifest.pythons);
  for (const t of tried) {
    const what = t.python ? `${t.python.executable}: ${t.python.implementation} ${versionText(t.python.version)}` : "";
    deps.log(`  ${t.label}: ${[what, t.rejected].filter(Boolean).join(" — ")}`);
  }
  if (chosen === undefined) {
    throw new BootstrapError("no-python", `no Python ${versionText(MIN_PYTHON)} or newer on PATH`, "", tried);
  }
  deps.log(`bundled server: building on ${chosen.executable} (${chosen.implementation} ${versionText(chosen.version)})`);
  return chosen;
}

async function install(
  deps: Deps,
  options: EnsureOptions,
  python: PythonInfo,
  layout: EnvLayout,
  report: (message: string) => void,
): Promise<BundledServer> {
  const { manifest, bundleDir, storageDir } = options;
  const version = versionText(python.version);
  const tmp = envLayout(path.join(storageDir, `${TMP_PREFIX}${deps.random()}`), deps.platform);
  // Removes the half-made environment and returns the error to throw.
  const failure = async (kind: FailureKind, message: string, ran?: RunResult): Promise<BootstrapError> => {
    await deps.fs.rm(tmp.dir).catch(() => undefined);
    return new BootstrapError(kind, message, ran ? lastLines(`${ran.stdout}\n${ran.stderr}\n${ran.error ?? ""}`, 20) : "");
  };

  report(`creating a Python ${version} environment…`);
  // --without-pip: Debian's python3 without python3-venv has no ensurepip; the bundled pip does the rest.
  const venv = await runLogged(deps, python.command, [...python.args, "-I", "-m", "venv", "--without-pip", tmp.dir], {
    timeoutMs: 120_000,
  });
  if (venv.code !== 0) {
    throw await failure("venv", `could not create a Python environment with ${python.executable} (${lastLines(venv.stderr, 1) || venv.error})`, venv);
  }

  const pip = path.join(bundleDir, manifest.pip, "pip");
  const wheels = path.join(bundleDir, WHEELS);
  // The wheel by path: the index is never asked for a project called kube-lsp.
  const requirement = path.join(wheels, manifest.wheel);
  const pipInstall = ["-I", pip, "install", "--no-compile", "--disable-pip-version-check", "--no-input",
    "--no-warn-script-location", "--progress-bar", "off"];
  report(`installing kube-lsp ${manifest.version} from the bundled wheels…`);
  let ran = await runLogged(deps, tmp.python, [...pipInstall, "--no-index", "--find-links", wheels, "--no-cache-dir", requirement], {
    env: isolatedPipEnv(deps.env),
    timeoutMs: 15 * 60_000,
  });
  let fromIndex = false;
  if (ran.code !== 0) {
    const missing = missingDistribution(`${ran.stdout}\n${ran.stderr}`);
    if (missing === undefined) {
      throw await failure("install", `pip could not install the bundled wheels (${lastLines(ran.stderr, 1) || ran.error})`, ran);
    }
    deps.log(
      `bundled server: no bundled wheel of ${missing} fits ${python.implementation} ${version} on ${deps.platform}-${deps.arch} ` +
        `(the bundle has compiled wheels for CPython ${manifest.pythons.join(", ")} on ${manifest.target}); ` +
        "installing what is missing from the package index, with your pip configuration",
    );
    report("downloading the dependencies this Python needs from the package index…");
    // pip takes a file from the index over the same file in --find-links, so the pure wheels (most of the
    // bundle's weight: kubernetes-validate, kubernetes) are named by path; the compiled ones come from the
    // index at the bundled versions (constraints).
    const pure = manifest.wheels
      .map((w) => parseWheel(w.file))
      .filter((w): w is WheelName => w !== undefined && isPureWheel(w) && w.file !== manifest.wheel)
      .map((w) => path.join(wheels, w.file));
    ran = await runLogged(deps, tmp.python, [...pipInstall, "--find-links", wheels, "--constraint",
      path.join(bundleDir, CONSTRAINTS), "--prefer-binary", requirement, ...pure], { timeoutMs: 30 * 60_000 });
    if (ran.code !== 0) {
      throw await failure(
        "install",
        `no bundled wheel of ${missing} fits Python ${version} here, and installing it from the package index failed ` +
          `(${lastLines(ran.stderr, 1) || ran.error})`,
        ran,
      );
    }
    fromIndex = true;
  }

  const check = await runLogged(deps, tmp.python, ["-I", "-m", "kube_lsp", "--version"], { timeoutMs: 120_000 });
  if (check.code !== 0 || !check.stdout.includes(manifest.version)) {
    throw await failure("verify", `the installed server does not start (${lastLines(check.stderr, 1) || check.error || check.stdout.trim()})`, check);
  }
  const marker: EnvMarker = {
    version: manifest.version,
    hash: manifest.hash,
    base: { executable: python.executable, version, implementation: python.implementation },
    fromIndex,
    installedAt: new Date(deps.now()).toISOString(),
  };
  await deps.fs.writeFile(tmp.marker, JSON.stringify(marker, null, 2) + "\n");

  // Into place: an existing environment (reinstall, or one whose Python is gone) is moved aside first.
  let aside: string | undefined;
  if (await deps.fs.stat(layout.dir)) {
    aside = path.join(storageDir, `${OLD_PREFIX}${deps.random()}`);
    await retry(deps, () => deps.fs.rename(layout.dir, aside!));
  }
  try {
    await retry(deps, () => deps.fs.rename(tmp.dir, layout.dir));
  } catch (err) {
    const other = await checkEnv(deps, layout, manifest, options.python);
    await deps.fs.rm(tmp.dir).catch(() => undefined);
    if (other.marker !== undefined) {
      return serverOf(layout, other.marker, true); // another window's identical environment won
    }
    throw new BootstrapError("install", `could not move the new environment into place (${String(err)})`);
  }
  if (aside !== undefined) {
    await deps.fs.rm(aside).catch((err) => deps.log(`could not remove ${aside} (${String(err)})`));
  }
  deps.log(`bundled server: installed kube-lsp ${manifest.version} into ${layout.dir}${fromIndex ? " (partly from the index)" : ""}`);
  return serverOf(layout, marker, false);
}

// ------------------------------------------------------------------------------------ real seams

export const nodeRunner: Runner = (command, args, options = {}) =>
  new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let settled = false;
    let timedOut = false;
    const partial = { out: "", err: "" };
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? os.tmpdir(),
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const feed = (which: "out" | "err", chunk: string) => {
      if (which === "out") {
        stdout += chunk;
      } else {
        stderr += chunk;
      }
      if (options.onLine) {
        const lines = (partial[which] + chunk).split(/\r?\n/);
        partial[which] = lines.pop() ?? "";
        lines.forEach((line) => options.onLine!(line));
      }
    };
    child.stdout.setEncoding("utf8").on("data", (c: string) => feed("out", c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => feed("err", c));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill();
          }, options.timeoutMs);
    const finish = (result: RunResult) => {
      if (settled) {
        return;
      }
      settled = true;
      if (timer) {
        clearTimeout(timer);
      }
      for (const which of ["out", "err"] as const) {
        if (options.onLine && partial[which] !== "") {
          options.onLine(partial[which]);
        }
      }
      resolve(result);
    };
    child.on("error", (err) => finish({ code: null, stdout, stderr, error: err.message }));
    child.on("close", (code, signal) =>
      finish({
        code: timedOut ? null : code,
        stdout,
        stderr,
        error: timedOut ? `timed out after ${Number(((options.timeoutMs ?? 0) / 1000).toFixed(1))} s` : signal ? `killed by ${signal}` : undefined,
      }),
    );
  });

export const nodeFs: FileSystem = {
  readFile: (file) => fs.promises.readFile(file, "utf8"),
  writeFile: (file, data, options) => fs.promises.writeFile(file, data, { flag: options?.exclusive ? "wx" : "w" }),
  mkdir: async (dir) => {
    await fs.promises.mkdir(dir, { recursive: true });
  },
  rm: (target) => fs.promises.rm(target, { recursive: true, force: true, maxRetries: 3 }),
  rename: (from, to) => fs.promises.rename(from, to),
  readdir: (dir) => fs.promises.readdir(dir),
  stat: async (target) => {
    try {
      const s = await fs.promises.stat(target);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  },
  touch: async (file) => {
    const now = new Date();
    await fs.promises.utimes(file, now, now);
  },
};

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === "EPERM"; // exists, owned by someone else
  }
}

export const DEFAULT_TIMING: LockTiming = { heartbeatMs: 5_000, staleMs: 30_000, pollMs: 500, maxWaitMs: 15 * 60_000 };

/** The real functions; `log`, `progress` and `findExecutable` come from the caller. */
export function nodeDeps(
  parts: Pick<Deps, "log" | "progress" | "findExecutable"> & Partial<Deps>,
): Deps {
  return {
    run: nodeRunner,
    fs: nodeFs,
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    pid: process.pid,
    hostname: os.hostname(),
    isAlive,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random().toString(36).slice(2, 10).padEnd(8, "0"),
    timing: DEFAULT_TIMING,
    ...parts,
  };
}
