/**
 * The Python server driven through vscode-languageserver-protocol, the protocol layer vscode-languageclient is
 * built on, with the initialization options and configuration answers the extension sends. The server is
 * `$KUBE_LSP_PYTHON -m kube_lsp serve` (default python3). With $KUBE_LSP_TEST_KUBECONFIG (the pytest wrapper
 * starts an API server double and passes its kubeconfig), the diff command is checked too.
 */
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import {
  CodeAction,
  CodeLens,
  Command,
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  ExecuteCommandRequest,
  InitializeRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
} from "vscode-languageserver-protocol/node";

import { DiffObject, DiffStore } from "../src/diffStore";
import { ClusterResult, DiffSection, diffAllText, routeCommand } from "../src/routing";
import { serverCommand } from "../src/serverCommand";
import { serverSettings } from "../src/settings";
import { ServerStatus, statusText } from "../src/status";

const PYTHON = process.env.KUBE_LSP_PYTHON || "python3";
const KUBECONFIG = process.env.KUBE_LSP_TEST_KUBECONFIG;

const BAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          imagee: nginx:1.27
`;

const config: Record<string, unknown> = {
  kubeVersion: "1.33",
  rules: { KL202: "warning" },
  "cluster.kubeconfig": KUBECONFIG ?? "",
  "cluster.context": KUBECONFIG ? "double" : "",
  "cluster.timeout": 10,
  "cluster.contexts": KUBECONFIG ? ["double", "nowhere"] : [],
};
const settings = serverSettings((key) => config[key]);

let server: ChildProcess;
let connection: ProtocolConnection;
const diagnostics = new Map<string, Diagnostic[]>();
const waiters: (() => void)[] = [];
let configurationRequests = 0;

async function diagnosticsFor(uri: string, predicate: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  const deadline = Date.now() + 20_000;
  while (!predicate(diagnostics.get(uri) ?? [])) {
    if (Date.now() > deadline) {
      throw new Error(`no matching diagnostics for ${uri}: ${JSON.stringify(diagnostics.get(uri))}`);
    }
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 500);
    });
  }
  return diagnostics.get(uri) ?? [];
}

function open(uri: string, text: string): void {
  void connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "yaml", version: 1, text },
  });
}

function execute<T>(command: string, args: unknown[]): Promise<T> {
  return connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T>;
}

before(async () => {
  const cmd = serverCommand({ pythonPath: PYTHON });
  server = spawn(cmd.command, cmd.args, { stdio: ["pipe", "pipe", "pipe"] });
  server.stderr?.resume(); // the log
  connection = createProtocolConnection(
    new StreamMessageReader(server.stdout!),
    new StreamMessageWriter(server.stdin!),
  );
  connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
    diagnostics.set(params.uri, params.diagnostics);
    waiters.splice(0).forEach((wake) => wake());
  });
  // What vscode-languageclient answers, with the extension's configuration middleware.
  connection.onRequest(ConfigurationRequest.type, (params) => {
    configurationRequests += 1;
    return params.items.map((item) => (item.section === "kubeLsp" ? settings : null));
  });
  connection.onRequest(RegistrationRequest.type, () => null);
  connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
  connection.onNotification("window/logMessage", () => undefined);
  connection.onNotification("window/showMessage", () => undefined);
  connection.onNotification("$/progress", () => undefined);
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true },
      window: { workDoneProgress: true },
      textDocument: {
        publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
        codeAction: {
          codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source"] } },
          isPreferredSupport: true,
        },
      },
    },
    initializationOptions: { kubeLsp: settings },
  });
  assert.ok(init.capabilities.executeCommandProvider?.commands.includes("kube-lsp.diff"));
  await connection.sendNotification("initialized", {});
});

after(async () => {
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  const code = await new Promise<number | null>((resolve) => server.once("exit", resolve));
  connection.dispose();
  assert.equal(code, 0);
});

test("a diagnostic arrives at the misspelled key, with the settings applied", async () => {
  const uri = "file:///work/web.yaml";
  open(uri, BAD);
  const [typo] = await diagnosticsFor(uri, (ds) => ds.some((d) => d.code === "KL200"));
  assert.equal(typo.code, "KL200");
  assert.deepEqual(typo.range, { start: { line: 13, character: 10 }, end: { line: 13, character: 16 } });
  assert.match(typo.message, /did you mean `image`\?/);
  assert.ok(configurationRequests >= 1, "the server asked for the kubeLsp configuration");

  const status = await execute<ServerStatus>("kube-lsp.status", []);
  assert.equal(status.kubeVersion, "1.33");
  assert.match(statusText(status), /^\$\(cloud\) K8s 1\.33/);
});

test("the quick fix is a preferred edit that renames the key", async () => {
  const uri = "file:///work/web.yaml";
  const [typo] = await diagnosticsFor(uri, (ds) => ds.length > 0);
  const actions = (await connection.sendRequest("textDocument/codeAction", {
    textDocument: { uri },
    range: typo.range,
    context: { diagnostics: [typo] },
  })) as (CodeAction | Command)[];
  const fix = actions.find((a): a is CodeAction => "kind" in a && a.kind === "quickfix" && a.isPreferred === true);
  assert.ok(fix, JSON.stringify(actions));
  assert.equal(fix.title, "Rename `imagee` to `image`");
  const change = fix.edit?.documentChanges?.[0];
  assert.ok(change && "edits" in change);
  assert.deepEqual(change.edits.map((e) => e.newText), ["image"]);
});

test("the server's cluster lenses are routed to the extension's commands", async () => {
  const uri = "file:///work/web.yaml";
  const lenses = (await connection.sendRequest("textDocument/codeLens", { textDocument: { uri } })) as CodeLens[];
  // The cluster's lenses, among the resource summary's and the references' count.
  const routed = lenses.map((l) => routeCommand(l.command!)).filter((c) => c.title.includes("cluster"));
  assert.deepEqual(
    routed.map((c) => [c.title, c.command, c.arguments]),
    [
      ["Dry-run on cluster", "kubeLsp.dryRun", [uri, 0]],
      ["Diff against cluster", "kubeLsp.diff", [uri, 0]],
    ],
  );
});

test("the diff command's objects feed the diff editor's documents", { skip: KUBECONFIG === undefined && "needs $KUBE_LSP_TEST_KUBECONFIG" }, async () => {
  const uri = "file:///work/fresh.yaml";
  open(uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  mode: fast\n");
  await diagnosticsFor(uri, () => true);
  const result = await execute<ClusterResult>("kube-lsp.diff", [uri]);
  assert.equal(result.error, undefined);
  assert.equal(result.context, "double");
  assert.match(result.diff ?? "", /^--- live\/v1\.ConfigMap\.default\.fresh\n\+\+\+ merged\/v1\.ConfigMap\.default\.fresh\n/);
  const store = new DiffStore();
  const pairs = store.add(result.objects as DiffObject[]);
  assert.equal(pairs.length, 1);
  assert.equal(pairs[0].label, "fresh: (new) ↔ dry-run");
  assert.equal(store.get(pairs[0].left), "");
  assert.match(store.get(pairs[0].right) ?? "", /^apiVersion: v1\ndata:\n {2}mode: fast\n/);
});

test("the references and resource lenses are routed to the extension, with arguments it can use", async () => {
  const cm = "file:///work/lenses/config.yaml";
  const web = "file:///work/lenses/web.yaml";
  open(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: fast\n");
  open(web, BAD.replace("imagee: nginx:1.27", "image: nginx:1.27\n          envFrom:\n            - configMapRef: {name: app-config}")
    .replace("        - name: web\n", "        - name: web\n          resources: {requests: {cpu: 100m}}\n"));
  let lenses: CodeLens[] = [];
  let refs: Command | undefined;
  for (const deadline = Date.now() + 20_000; refs === undefined && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // until web.yaml is analysed too
    lenses = (await connection.sendRequest("textDocument/codeLens", { textDocument: { uri: cm } })) as CodeLens[];
    refs = lenses.map((l) => routeCommand(l.command!)).find((c) => c.title === "1 reference");
  }
  assert.ok(refs, JSON.stringify(lenses));
  assert.equal(refs.command, "kubeLsp.showReferences");
  const [uri, position] = refs.arguments as [string, { line: number; character: number }];
  // What kubeLsp.showReferences asks before opening the peek: the one reference, in web.yaml.
  const locations = (await connection.sendRequest("textDocument/references", {
    textDocument: { uri }, position, context: { includeDeclaration: false },
  })) as { uri: string }[];
  assert.deepEqual(locations.map((l) => l.uri), [web]);

  const webLenses = (await connection.sendRequest("textDocument/codeLens", { textDocument: { uri: web } })) as CodeLens[];
  const resources = webLenses.map((l) => routeCommand(l.command!)).find((c) => c.command === "kubeLsp.showResources");
  assert.ok(resources, JSON.stringify(webLenses));
  // What kubeLsp.showResources shows: the server's Markdown summary.
  const summary = await execute<{ markdown?: string }>("kube-lsp.resources", resources.arguments ?? []);
  assert.match(summary.markdown ?? "", /^\*\*Resources\*\* of Deployment `web`/);
});

test("diff against all clusters: a section per context of kubeLsp.cluster.contexts", { skip: KUBECONFIG === undefined && "needs $KUBE_LSP_TEST_KUBECONFIG" }, async () => {
  const uri = "file:///work/all.yaml";
  open(uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: everywhere\ndata:\n  mode: fast\n");
  await diagnosticsFor(uri, () => true);
  const result = await execute<{ sections: DiffSection[] }>("kube-lsp.diffAll", [uri]);
  const lines = diffAllText(result.sections, "all.yaml").split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    "# kube-lsp: all.yaml against 2 contexts",
    "# context double: 1 document, 0 errors",
    "--- live/v1.ConfigMap.default.everywhere",
  ]);
  assert.match(lines.find((l) => l.startsWith("# context nowhere")) ?? "", /^# context nowhere: .*nowhere/);
});
