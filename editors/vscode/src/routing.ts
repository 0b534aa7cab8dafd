/**
 * Commands between the server and the editor. The server's code lenses and source actions carry its own
 * commands (`kube-lsp.dryRun`, `kube-lsp.diff`, `kube-lsp.resources`, …); run as they are, their results (the
 * diff text, the summary) would be lost, so the client routes them to its commands, which show a progress
 * notification, the result and the diff editor, or the summary. `kube-lsp.showReferences` is the editor's to
 * run in any case (the server does not). Pure: no `vscode` import.
 */

export const SERVER_DRY_RUN = "kube-lsp.dryRun";
export const SERVER_DIFF = "kube-lsp.diff";
export const SERVER_DIFF_ALL = "kube-lsp.diffAll";
export const SERVER_LIVE_REFRESH = "kube-lsp.liveRefresh";
export const SERVER_RESOURCES = "kube-lsp.resources";
/** The "N references" lens's command, [uri, position]: the server leaves it to the editor. */
export const SHOW_REFERENCES = "kube-lsp.showReferences";
export const CLIENT_DRY_RUN = "kubeLsp.dryRun";
export const CLIENT_DIFF = "kubeLsp.diff";
export const CLIENT_DIFF_ALL = "kubeLsp.diffAll";
export const CLIENT_LIVE_REFRESH = "kubeLsp.liveRefresh";
export const CLIENT_RESOURCES = "kubeLsp.showResources";
export const CLIENT_REFERENCES = "kubeLsp.showReferences";

const ROUTES: Record<string, string> = {
  [SERVER_DRY_RUN]: CLIENT_DRY_RUN,
  [SERVER_DIFF]: CLIENT_DIFF,
  [SERVER_DIFF_ALL]: CLIENT_DIFF_ALL,
  [SERVER_LIVE_REFRESH]: CLIENT_LIVE_REFRESH,
  [SERVER_RESOURCES]: CLIENT_RESOURCES,
  [SHOW_REFERENCES]: CLIENT_REFERENCES,
};

export interface CommandLike {
  title: string;
  command: string;
  arguments?: unknown[];
}

/** The same command aimed at the client's handler when it is a cluster command; otherwise unchanged. */
export function routeCommand<T extends CommandLike>(cmd: T): T;
export function routeCommand<T extends CommandLike>(cmd: T | undefined): T | undefined;
export function routeCommand<T extends CommandLike>(cmd: T | undefined): T | undefined {
  if (cmd === undefined || !(cmd.command in ROUTES)) {
    return cmd;
  }
  return { ...cmd, command: ROUTES[cmd.command] };
}

/** The result of the server's dry-run and diff commands. */
export interface ClusterResult {
  context?: string;
  server?: string;
  documents?: number;
  errors?: number;
  findings?: number;
  diff?: string;
  objects?: import("./diffStore").DiffObject[];
  error?: string;
  cancelled?: boolean;
}

/** A one-line summary for a notification, e.g. "dry-run on kind-dev: 2 documents, 1 error". */
export function summary(kind: "dry-run" | "diff", result: ClusterResult): string {
  const docs = result.documents ?? 0;
  const errors = result.errors ?? 0;
  const where = result.context ? ` on ${result.context}` : "";
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${kind}${where}: ${plural(docs, "document")}, ${plural(errors, "error")}`;
}

/** [uri, index?] for the server from a command's arguments (a lens passes both; the palette neither). */
export function commandArguments(uri: string, args: unknown[]): unknown[] {
  const index = args.length > 1 && typeof args[1] === "number" ? args[1] : undefined;
  return index === undefined ? [uri] : [uri, index];
}

/** One section of the server's `kube-lsp.diffAll` result: a diff result for one context, or its error. */
export interface DiffSection extends ClusterResult {
  context?: string;
}

/**
 * The text of a diff against several contexts (one virtual `.diff` document): a `# context …` header per
 * section, in the order of `kubeLsp.cluster.contexts`, then its unified diff, "no differences" or its error.
 */
export function diffAllText(sections: DiffSection[], name: string): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [`# kube-lsp: ${name} against ${plural(sections.length, "context")}`];
  for (const s of sections) {
    const context = s.context || "(current context)";
    const counts = `${plural(s.documents ?? 0, "document")}, ${plural(s.errors ?? 0, "error")}`;
    if (s.error) {
      lines.push(`# context ${context}: ${s.error}`);
    } else if (!s.diff) {
      lines.push(`# context ${context}: no differences (${counts})`);
    } else {
      lines.push(`# context ${context}: ${counts}`, s.diff.replace(/\n$/, ""));
    }
  }
  return lines.join("\n") + "\n";
}

/** The result of `kube-lsp.liveRefresh` for one document (what the notification says). */
export interface LiveResult {
  context?: string;
  error?: string;
  objects?: { summary?: string }[];
  documents?: number;
}

export function liveSummary(result: LiveResult): string {
  const objects = result.objects ?? [];
  const where = result.context ? ` on ${result.context}` : "";
  const head = `live state${where}: ${objects.length} object${objects.length === 1 ? "" : "s"}`;
  return objects.length ? `${head}: ${objects.map((o) => o.summary ?? "?").join("; ")}` : head;
}
