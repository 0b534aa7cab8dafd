/**
 * Cluster commands between the server and the editor. The server's code lenses and source actions carry
 * its own commands (`kube-lsp.dryRun`, `kube-lsp.diff`); run as they are, their results (the diff text,
 * the summary) would be lost, so the client routes them to its commands, which show a progress
 * notification, the result and the diff editor. Pure: no `vscode` import.
 */

export const SERVER_DRY_RUN = "kube-lsp.dryRun";
export const SERVER_DIFF = "kube-lsp.diff";
export const CLIENT_DRY_RUN = "kubeLsp.dryRun";
export const CLIENT_DIFF = "kubeLsp.diff";

const ROUTES: Record<string, string> = { [SERVER_DRY_RUN]: CLIENT_DRY_RUN, [SERVER_DIFF]: CLIENT_DIFF };

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
