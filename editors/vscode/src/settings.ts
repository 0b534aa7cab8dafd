/**
 * VS Code configuration → the `kubeLsp` settings object the server reads (initializationOptions and
 * workspace/configuration). Pure: no `vscode` import, so it is tested under plain Node.
 */

/** Reads one configuration key below `kubeLsp.` (e.g. `cluster.context`); undefined when unset. */
export type ConfigReader = (key: string) => unknown;

export interface ClusterSettings {
  context?: string;
  kubeconfig?: string;
  schemas?: boolean;
  connectTimeout?: number;
  timeout?: number;
  live?: boolean;
  contexts?: string[];
}

export interface ServerSettings {
  kubeVersion?: string | string[];
  rules?: Record<string, string>;
  podSecurity?: string;
  packs?: Record<string, boolean>;
  exclude?: string[];
  maxFileSize?: number;
  cluster?: ClusterSettings;
}

const SEVERITIES = new Set(["error", "warning", "info", "hint", "off"]);
const POD_SECURITY = new Set(["baseline", "restricted", "off"]);

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The server's settings; empty values are left out so the server's defaults apply. */
export function serverSettings(read: ConfigReader): ServerSettings {
  const out: ServerSettings = {};
  const rawVersion = read("kubeVersion");
  const version = text(rawVersion);
  if (version !== undefined) {
    out.kubeVersion = version;
  } else if (Array.isArray(rawVersion)) {
    const versions = rawVersion.map(text).filter((v): v is string => v !== undefined);
    if (versions.length > 0) {
      out.kubeVersion = versions;
    }
  }
  const rules = read("rules");
  if (rules !== null && typeof rules === "object" && !Array.isArray(rules)) {
    const picked: Record<string, string> = {};
    for (const [rule, severity] of Object.entries(rules as Record<string, unknown>)) {
      if (typeof severity === "string" && SEVERITIES.has(severity.toLowerCase())) {
        picked[rule] = severity.toLowerCase();
      }
    }
    if (Object.keys(picked).length > 0) {
      out.rules = picked;
    }
  }
  const podSecurity = text(read("podSecurity"))?.toLowerCase();
  if (podSecurity !== undefined && POD_SECURITY.has(podSecurity)) {
    out.podSecurity = podSecurity;
  }
  const packs = read("packs");
  if (packs !== null && typeof packs === "object" && !Array.isArray(packs)) {
    const picked: Record<string, boolean> = {};
    for (const [pack, on] of Object.entries(packs as Record<string, unknown>)) {
      if (typeof on === "boolean") {
        picked[pack] = on;
      }
    }
    if (Object.keys(picked).length > 0) {
      out.packs = picked;
    }
  }
  const exclude = read("exclude");
  if (Array.isArray(exclude)) {
    const globs = exclude.map(text).filter((g): g is string => g !== undefined);
    if (globs.length > 0) {
      out.exclude = globs;
    }
  }
  const maxFileSize = positive(read("maxFileSize"));
  if (maxFileSize !== undefined) {
    out.maxFileSize = maxFileSize;
  }
  const cluster: ClusterSettings = {};
  const context = text(read("cluster.context"));
  const kubeconfig = text(read("cluster.kubeconfig"));
  const connectTimeout = positive(read("cluster.connectTimeout"));
  const timeout = positive(read("cluster.timeout"));
  const schemas = read("cluster.schemas");
  const live = read("cluster.live");
  const contexts = read("cluster.contexts");
  if (context !== undefined) {
    cluster.context = context;
  }
  if (kubeconfig !== undefined) {
    cluster.kubeconfig = kubeconfig;
  }
  if (typeof schemas === "boolean") {
    cluster.schemas = schemas;
  }
  if (connectTimeout !== undefined) {
    cluster.connectTimeout = connectTimeout;
  }
  if (timeout !== undefined) {
    cluster.timeout = timeout;
  }
  if (live === true) {
    cluster.live = true;
  }
  if (Array.isArray(contexts)) {
    const names = contexts.map(text).filter((c): c is string => c !== undefined);
    if (names.length > 0) {
      cluster.contexts = names;
    }
  }
  if (Object.keys(cluster).length > 0) {
    out.cluster = cluster;
  }
  return out;
}

/** The configuration keys whose change needs a server restart (the rest is sent as it changes). */
export const RESTART_KEYS = ["kubeLsp.server.path", "kubeLsp.server.pythonPath", "kubeLsp.server.logLevel"];
