/** The status bar item's text: the Kubernetes version validated against, and the cluster context. */

export interface ServerStatus {
  kubeVersion: string;
  schemaSource: string;
  context: string | null;
  clusterSchemas: boolean;
  versions: string[];
}

export function statusText(status: ServerStatus | undefined): string {
  if (status === undefined) {
    return "$(loading~spin) kube-lsp";
  }
  const context = status.context ? ` · ${status.context}` : "";
  return `$(cloud) K8s ${status.kubeVersion}${context}`;
}

export function statusTooltip(status: ServerStatus | undefined): string {
  if (status === undefined) {
    return "kube-lsp is starting";
  }
  const lines = [`Validating against ${status.schemaSource}`];
  lines.push(status.context ? `Cluster context: ${status.context}` : "No cluster context (dry-run and diff need one)");
  lines.push("Click to choose the Kubernetes version or the cluster context");
  return lines.join("\n");
}

/** Versions to offer, newest first, with the current one marked. */
export function versionChoices(status: ServerStatus): { label: string; version: string; description?: string }[] {
  const choices: { label: string; version: string; description?: string }[] = [
    { label: "Default", version: "", description: "the cluster's version, else the newest bundled schemas" },
  ];
  for (const v of [...status.versions].reverse()) {
    choices.push({ label: v, version: v, description: v === status.kubeVersion ? "current" : undefined });
  }
  return choices;
}
