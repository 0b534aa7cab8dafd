/**
 * The two sides of each diff (the live object and the dry-run result, as YAML, Secrets masked by the
 * server) kept for VS Code's diff editor, and the texts shown on their own (the diff against all contexts,
 * a resource summary), served read-only through a `kube-lsp-diff:` content provider.
 * Pure: no `vscode` import.
 */

export const DIFF_SCHEME = "kube-lsp-diff";

/** One object of the server's `kube-lsp.diff` result. */
export interface DiffObject {
  title: string; // e.g. apps.v1.Deployment.default.web
  document: number;
  live: string; // empty when the object does not exist yet
  dryRun: string;
  exists: boolean;
  changed: boolean;
}

export type Side = "live" | "dry-run" | "text";

/** What to open in the diff editor for one changed object. */
export interface DiffPair {
  title: string;
  left: string; // URI path of the live side
  right: string; // URI path of the dry-run side
  label: string; // the diff editor's title
}

const KEEP_RUNS = 20; // older diffs are forgotten so a long session does not pile them up

/** The URI path of one document; its extension gives VS Code the language (`yaml`, `diff`, `md`). */
export function diffPath(run: number, side: Side, title: string, extension = "yaml"): string {
  return `/${run}/${side}/${encodeURIComponent(title)}.${extension}`;
}

export function parseDiffPath(path: string): { run: number; side: Side; title: string } | undefined {
  const m = /^\/(\d+)\/(live|dry-run|text)\/(.+)\.(yaml|diff|md)$/.exec(path);
  if (!m) {
    return undefined;
  }
  return { run: Number(m[1]), side: m[2] as Side, title: decodeURIComponent(m[3]) };
}

export class DiffStore {
  private readonly contents = new Map<string, string>();
  private run = 0;

  /** `changed` is told the URI paths whose content is new (the provider's onDidChange). */
  constructor(private readonly changed: (path: string) => void = () => undefined) {}

  /** Keep the sides of every changed object of one diff run; returns what to open, in order. */
  add(objects: DiffObject[]): DiffPair[] {
    this.run += 1;
    const pairs: DiffPair[] = [];
    for (const o of objects) {
      if (!o.changed) {
        continue;
      }
      const left = diffPath(this.run, "live", o.title);
      const right = diffPath(this.run, "dry-run", o.title);
      this.contents.set(left, o.live);
      this.contents.set(right, o.dryRun);
      this.changed(left);
      this.changed(right);
      const name = o.title.split(".").pop() || o.title;
      pairs.push({
        title: o.title,
        left,
        right,
        label: `${name}: ${o.exists ? "live" : "(new)"} ↔ dry-run`,
      });
    }
    this.forgetOldRuns();
    return pairs;
  }

  /**
   * Keep one read-only text (the diff against all contexts, a resource summary) as a run of its own; returns
   * its URI path, whose extension (`diff`, `md`) gives the language.
   */
  addText(title: string, extension: "diff" | "md", text: string): string {
    this.run += 1;
    // Not percent-encoded: VS Code shows the path's last segment as the tab's title.
    const path = `/${this.run}/text/${title.replace(/[/\\?#%]/g, "_")}.${extension}`;
    this.contents.set(path, text);
    this.changed(path);
    this.forgetOldRuns();
    return path;
  }

  /** The text of one side; undefined for an unknown or forgotten path. */
  get(path: string): string | undefined {
    return this.contents.get(path);
  }

  get size(): number {
    return this.contents.size;
  }

  private forgetOldRuns(): void {
    for (const key of [...this.contents.keys()]) {
      const parsed = parseDiffPath(key);
      if (parsed && parsed.run <= this.run - KEEP_RUNS) {
        this.contents.delete(key);
      }
    }
  }
}
