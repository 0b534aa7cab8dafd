/**
 * kube-lsp for VS Code: starts `kube-lsp serve`, passes the settings, and adds what only the editor can do:
 * progress notifications for dry-run and diff, the diff editor (live ↔ dry-run), the diff against all
 * clusters, the live-state refresh, what the references and resource lenses show, the status bar item and
 * the pickers for the Kubernetes version and the cluster context.
 */
import * as vscode from "vscode";
import {
  CancellationToken,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Position,
  ReferencesRequest,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

import { DIFF_SCHEME, DiffStore } from "./diffStore";
import {
  CLIENT_DIFF,
  CLIENT_DIFF_ALL,
  CLIENT_DRY_RUN,
  CLIENT_LIVE_REFRESH,
  CLIENT_REFERENCES,
  CLIENT_RESOURCES,
  ClusterResult,
  commandArguments,
  DiffSection,
  diffAllText,
  LiveResult,
  liveSummary,
  routeCommand,
  summary,
} from "./routing";
import { nodeDeps } from "./bundledServer";
import { Action, resolveServer } from "./launch";
import { findExecutable, INSTALL_URL } from "./serverCommand";
import { RESTART_KEYS, serverSettings } from "./settings";
import { ServerStatus, statusText, statusTooltip, versionChoices } from "./status";

let client: LanguageClient | undefined;
let extensionContext: vscode.ExtensionContext;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let lastStatus: ServerStatus | undefined;
let starting: Promise<void> = Promise.resolve();

const diffChanges = new vscode.EventEmitter<vscode.Uri>();
const diffs = new DiffStore((path) => diffChanges.fire(vscode.Uri.from({ scheme: DIFF_SCHEME, path })));

function settings() {
  const config = vscode.workspace.getConfiguration("kubeLsp");
  return serverSettings((key) => config.get(key));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel("kube-lsp");
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.command = "kubeLsp.pick";
  context.subscriptions.push(
    output,
    statusItem,
    diffChanges,
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, {
      onDidChange: diffChanges.event,
      provideTextDocumentContent: (uri) => diffs.get(uri.path) ?? "# this diff is no longer available: run it again\n",
    }),
    vscode.commands.registerCommand(CLIENT_DRY_RUN, (...args: unknown[]) => runCluster("dry-run", args)),
    vscode.commands.registerCommand(CLIENT_DIFF, (...args: unknown[]) => runCluster("diff", args)),
    vscode.commands.registerCommand(CLIENT_DIFF_ALL, (...args: unknown[]) => diffAll(args)),
    vscode.commands.registerCommand(CLIENT_LIVE_REFRESH, (...args: unknown[]) => liveRefresh(args)),
    vscode.commands.registerCommand(CLIENT_RESOURCES, (...args: unknown[]) => showResources(args)),
    vscode.commands.registerCommand(CLIENT_REFERENCES, (uri: string, position: Position) => showReferences(uri, position)),
    vscode.commands.registerCommand("kubeLsp.selectContext", selectContext),
    vscode.commands.registerCommand("kubeLsp.selectKubeVersion", selectKubeVersion),
    vscode.commands.registerCommand("kubeLsp.pick", pick),
    vscode.commands.registerCommand("kubeLsp.restartServer", () => restart()),
    vscode.commands.registerCommand("kubeLsp.reinstallServer", () => restart(true)),
    vscode.commands.registerCommand("kubeLsp.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
    vscode.window.onDidChangeActiveTextEditor(updateStatusVisibility),
  );
  void launchServer();
}

export async function deactivate(): Promise<void> {
  await starting;
  await client?.stop();
  client = undefined;
}

// ------------------------------------------------------------------------------------------ lifecycle

async function start(reinstall = false): Promise<void> {
  const config = vscode.workspace.getConfiguration("kubeLsp");
  const deps = nodeDeps({
    log: (line) => output.appendLine(line),
    progress: async (title, task) =>
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, (p) =>
        task((message) => p.report({ message })),
      ),
    findExecutable: (command, env) => findExecutable(command, env),
  });
  const launch = await resolveServer(
    deps,
    {
      serverPath: config.get<string>("server.path"),
      pythonPath: config.get<string>("server.pythonPath"),
      logLevel: config.get<string>("server.logLevel"),
    },
    {
      bundleDir: extensionContext.asAbsolutePath("server"),
      storageDir: extensionContext.globalStorageUri.fsPath,
      reinstall,
    },
  );
  if (!launch.ok) {
    statusItem.hide();
    output.appendLine(launch.message);
    // Not awaited: the notification stays until dismissed, and nothing waits for it.
    void showFailure(launch.message, launch.actions);
    return;
  }
  const serverOptions: ServerOptions = { command: launch.command, args: launch.args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "untitled", language: "yaml" },
    ],
    initializationOptions: { kubeLsp: settings() },
    outputChannel: output,
    middleware: {
      workspace: {
        // The server asks for section `kubeLsp`: answer with the mapped settings, not the raw configuration.
        configuration: (params) => params.items.map((item) => (item.section === "kubeLsp" ? settings() : null)),
      },
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) {
          lens.command = routeCommand(lens.command);
        }
        return lenses;
      },
      provideCodeActions: async (document, range, context, token, next) => {
        const actions = await next(document, range, context, token);
        for (const action of actions ?? []) {
          if (action instanceof vscode.CodeAction) {
            action.command = routeCommand(action.command);
          } else {
            Object.assign(action, routeCommand(action));
          }
        }
        return actions;
      },
    },
  };
  client = new LanguageClient("kubeLsp", "kube-lsp", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`the server failed to start: ${String(err)}`);
    void vscode.window.showErrorMessage(`kube-lsp: the language server failed to start (${String(err)})`, "Show log")
      .then((choice) => choice && output.show());
    return;
  }
  await refreshStatus();
}

async function showFailure(message: string, actions: Action[]): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  if (choice === "Open settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "kubeLsp.server");
  } else if (choice === "Show log") {
    output.show();
  } else if (choice === "Set-up guide") {
    await vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
  } else if (choice === "Retry") {
    await restart();
  }
}

/** Starts (or restarts) the server; one start at a time, and activation does not wait for a first install. */
function launchServer(reinstall = false): Promise<void> {
  starting = starting.then(async () => {
    const old = client;
    client = undefined;
    lastStatus = undefined;
    await old?.stop();
    try {
      await start(reinstall);
    } catch (err) {
      output.appendLine(`the server could not be started: ${err instanceof Error ? err.stack : String(err)}`);
      void showFailure(`kube-lsp: the language server could not be started (${String(err)})`, ["Show log"]);
    }
  });
  return starting;
}

async function restart(reinstall = false): Promise<void> {
  await launchServer(reinstall);
}

async function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
  if (!event.affectsConfiguration("kubeLsp")) {
    return;
  }
  if (RESTART_KEYS.some((key) => event.affectsConfiguration(key)) || client === undefined) {
    await restart();
    return;
  }
  await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { kubeLsp: settings() } });
  await refreshStatus();
}

// ----------------------------------------------------------------------------------- server commands

async function execute<T>(command: string, args: unknown[], token?: CancellationToken): Promise<T | undefined> {
  if (client === undefined) {
    void vscode.window.showWarningMessage("kube-lsp: the language server is not running");
    return undefined;
  }
  return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token)) as T;
}

async function runCluster(kind: "dry-run" | "diff", args: unknown[]): Promise<void> {
  const target = targetOf(args);
  if (target === undefined) {
    return;
  }
  const command = kind === "diff" ? "kube-lsp.diff" : "kube-lsp.dryRun";
  const title = kind === "diff" ? "kube-lsp: diff against the cluster" : "kube-lsp: server-side dry-run";
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (_progress, token) => execute<ClusterResult>(command, commandArguments(target.toString(), args), token),
  );
  if (result === undefined || result.cancelled) {
    return;
  }
  if (result.error) {
    void vscode.window.showErrorMessage(`kube-lsp: ${result.error}`);
    return;
  }
  const rejected = (result.errors ?? 0) > 0;
  if (kind === "dry-run" || rejected) {
    const text = `kube-lsp: ${summary(kind, result)}${rejected ? " (see Problems)" : ""}`;
    void (rejected ? vscode.window.showWarningMessage(text) : vscode.window.showInformationMessage(text));
  }
  if (kind === "diff") {
    await showDiffs(result);
  }
}

/** The file a command is about: its first argument (a lens's or action's URI), else the active editor's. */
function targetOf(args: unknown[]): vscode.Uri | undefined {
  const target = typeof args[0] === "string" ? vscode.Uri.parse(args[0]) : vscode.window.activeTextEditor?.document.uri;
  if (target === undefined) {
    void vscode.window.showWarningMessage("kube-lsp: open a Kubernetes YAML file first");
  }
  return target;
}

/** A read-only text of the DiffStore in an editor (its URI's extension gives the language). */
async function showText(path: string, beside = false): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: DIFF_SCHEME, path }));
  await vscode.window.showTextDocument(document, {
    preview: true,
    viewColumn: beside ? vscode.ViewColumn.Beside : undefined,
  });
}

/** Diff against every context of `kubeLsp.cluster.contexts`: one document, a section per context. */
async function diffAll(args: unknown[]): Promise<void> {
  const target = targetOf(args);
  if (target === undefined) {
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "kube-lsp: diff against all clusters", cancellable: true },
    (_progress, token) =>
      execute<{ sections?: DiffSection[]; error?: string; cancelled?: boolean }>(
        "kube-lsp.diffAll",
        commandArguments(target.toString(), args),
        token,
      ),
  );
  if (result === undefined || result.cancelled) {
    return;
  }
  if (result.error) {
    void vscode.window.showErrorMessage(`kube-lsp: ${result.error}`);
    return;
  }
  const name = target.path.split("/").pop() || target.toString();
  await showText(diffs.addText(name, "diff", diffAllText(result.sections ?? [], name)));
}

async function liveRefresh(args: unknown[]): Promise<void> {
  const target = targetOf(args);
  if (target === undefined) {
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: "kube-lsp: reading the live state" },
    () => execute<LiveResult>("kube-lsp.liveRefresh", [target.toString()]),
  );
  if (result === undefined) {
    return;
  }
  if (result.error) {
    void vscode.window.showWarningMessage(`kube-lsp: ${result.error}`);
    return;
  }
  void vscode.window.showInformationMessage(`kube-lsp: ${liveSummary(result)}`);
}

/** The resource lens: the workload's summary table (Markdown) beside the manifest. */
async function showResources(args: unknown[]): Promise<void> {
  const result = await execute<{ kind?: string; name?: string; markdown?: string; error?: string } | null>(
    "kube-lsp.resources",
    args,
  );
  if (result === undefined) {
    return;
  }
  if (!result?.markdown) {
    void vscode.window.showWarningMessage(`kube-lsp: ${result?.error ?? "no resource summary here (edited meanwhile?)"}`);
    return;
  }
  await showText(diffs.addText(`${result.kind ?? "workload"} ${result.name ?? ""} resources`, "md", result.markdown), true);
}

/** The "N references" lens: the references (asked now) in VS Code's references peek at the object's name. */
async function showReferences(uri: string, position: Position): Promise<void> {
  if (client === undefined) {
    void vscode.window.showWarningMessage("kube-lsp: the language server is not running");
    return;
  }
  const locations = await client.sendRequest(ReferencesRequest.type, {
    textDocument: { uri },
    position,
    context: { includeDeclaration: false },
  });
  const c = client.protocol2CodeConverter;
  await vscode.commands.executeCommand(
    "editor.action.showReferences",
    c.asUri(uri),
    c.asPosition(position),
    await c.asReferences(locations ?? []),
  );
}

async function showDiffs(result: ClusterResult): Promise<void> {
  const pairs = diffs.add(result.objects ?? []);
  if (pairs.length === 0) {
    if ((result.errors ?? 0) === 0) {
      void vscode.window.showInformationMessage(`kube-lsp: no differences (${summary("diff", result)})`);
    }
    return;
  }
  let chosen = pairs;
  if (pairs.length > 1) {
    const all = { label: `All ${pairs.length} changed objects`, pairs };
    const pick = await vscode.window.showQuickPick(
      [all, ...pairs.map((p) => ({ label: p.title, pairs: [p] }))],
      { title: "kube-lsp: objects that would change" },
    );
    if (pick === undefined) {
      return;
    }
    chosen = pick.pairs;
  }
  for (const p of chosen) {
    await vscode.commands.executeCommand(
      "vscode.diff",
      vscode.Uri.from({ scheme: DIFF_SCHEME, path: p.left }),
      vscode.Uri.from({ scheme: DIFF_SCHEME, path: p.right }),
      p.label,
      { preview: chosen.length === 1 },
    );
  }
}

// ----------------------------------------------------------------------------- status and pickers

async function refreshStatus(): Promise<void> {
  try {
    lastStatus = await execute<ServerStatus>("kube-lsp.status", []);
  } catch (err) {
    output.appendLine(`status: ${String(err)}`);
  }
  statusItem.text = statusText(lastStatus);
  statusItem.tooltip = statusTooltip(lastStatus);
  updateStatusVisibility(vscode.window.activeTextEditor);
}

function updateStatusVisibility(editor: vscode.TextEditor | undefined): void {
  if (client !== undefined && editor?.document.languageId === "yaml") {
    statusItem.show();
  } else {
    statusItem.hide();
  }
}

async function pick(): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: "$(versions) Kubernetes version…", run: selectKubeVersion },
      { label: "$(cloud) Cluster context…", run: selectContext },
    ],
    { title: statusTooltip(lastStatus).split("\n")[0] },
  );
  await choice?.run();
}

async function selectKubeVersion(): Promise<void> {
  const status = lastStatus ?? (await execute<ServerStatus>("kube-lsp.status", []));
  if (status === undefined) {
    return;
  }
  const choice = await vscode.window.showQuickPick(versionChoices(status), {
    title: "Validate against Kubernetes version",
  });
  if (choice === undefined) {
    return;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration("kubeLsp").update("kubeVersion", choice.version, target);
}

async function selectContext(): Promise<void> {
  const listed = await execute<{ contexts?: string[]; current?: string; error?: string }>(
    "kube-lsp.selectContext",
    [],
  );
  if (listed === undefined) {
    return;
  }
  if (listed.error) {
    void vscode.window.showErrorMessage(`kube-lsp: ${listed.error}`);
    return;
  }
  const choice = await vscode.window.showQuickPick(
    (listed.contexts ?? []).map((name) => ({ label: name, description: name === listed.current ? "current" : "" })),
    { title: "kubeconfig context for dry-run, diff and cluster schemas" },
  );
  if (choice === undefined) {
    return;
  }
  const chosen = await execute<{ context?: string; error?: string }>("kube-lsp.selectContext", [choice.label]);
  if (chosen?.error) {
    void vscode.window.showErrorMessage(`kube-lsp: ${chosen.error}`);
    return;
  }
  // A user-level setting, so it persists; workspaces cannot set it (the setting's scope is "application").
  await vscode.workspace
    .getConfiguration("kubeLsp")
    .update("cluster.context", choice.label, vscode.ConfigurationTarget.Global);
  await refreshStatus();
}
