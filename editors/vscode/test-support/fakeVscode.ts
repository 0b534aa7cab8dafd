/**
 * Just enough of the `vscode` API and of `vscode-languageclient/node` for src/extension.ts to activate under
 * plain Node: what it shows (notifications, progress, output) and which server the language client would
 * start are recorded. `install()` makes `require("vscode")` return these fakes.
 */
import Module from "node:module";
import * as path from "node:path";

type Listener = (...args: unknown[]) => unknown;

export interface Shown {
  kind: "error" | "warning" | "info";
  message: string;
  actions: string[];
}

export class FakeHost {
  config: Record<string, unknown> = {};
  readonly output: string[] = [];
  outputShown = 0;
  readonly shown: Shown[] = [];
  readonly progressTitles: string[] = [];
  readonly commands = new Map<string, Listener>();
  readonly executed: unknown[][] = [];
  readonly clients: FakeLanguageClient[] = [];
  /** The language client's requests (method, params), and its answers by command name or method. */
  readonly requests: [string, unknown][] = [];
  answers: Record<string, unknown> = {};
  /** Text document content providers by scheme; documents opened and shown (URI, options). */
  readonly providers = new Map<string, { provideTextDocumentContent(uri: unknown): string }>();
  readonly opened: string[] = [];
  readonly shownDocuments: { uri: string; options: unknown }[] = [];
  /** What the next error notification's button press is. */
  answer: string | undefined;

  readonly vscode = {
    window: {
      createOutputChannel: () => ({
        appendLine: (line: string) => this.output.push(line),
        append: (text: string) => this.output.push(text),
        show: () => (this.outputShown += 1),
        dispose: () => undefined,
      }),
      createStatusBarItem: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined }),
      withProgress: async (options: { title: string }, task: (p: { report: Listener }) => Promise<unknown>) => {
        this.progressTitles.push(options.title);
        return task({ report: () => undefined });
      },
      showErrorMessage: async (message: string, ...actions: string[]) => this.show("error", message, actions),
      showWarningMessage: async (message: string, ...actions: string[]) => this.show("warning", message, actions),
      showInformationMessage: async (message: string, ...actions: string[]) => this.show("info", message, actions),
      onDidChangeActiveTextEditor: () => ({ dispose: () => undefined }),
      activeTextEditor: undefined,
      showTextDocument: async (document: { uri: unknown }, options: unknown) => {
        this.shownDocuments.push({ uri: String(document.uri), options });
      },
    },
    workspace: {
      getConfiguration: () => ({
        get: (key: string) => this.config[key],
        update: async () => undefined,
      }),
      onDidChangeConfiguration: () => ({ dispose: () => undefined }),
      registerTextDocumentContentProvider: (scheme: string, provider: { provideTextDocumentContent(uri: unknown): string }) => {
        this.providers.set(scheme, provider);
        return { dispose: () => this.providers.delete(scheme) };
      },
      openTextDocument: async (uri: unknown) => {
        this.opened.push(String(uri));
        return { uri };
      },
      workspaceFolders: undefined,
    },
    commands: {
      registerCommand: (id: string, run: Listener) => {
        this.commands.set(id, run);
        return { dispose: () => this.commands.delete(id) };
      },
      executeCommand: async (...args: unknown[]) => {
        this.executed.push(args);
      },
    },
    env: { openExternal: async (uri: unknown) => this.executed.push(["openExternal", String(uri)]) },
    Uri: {
      parse: (text: string) => ({ toString: () => text, path: text.replace(/^[a-z]+:(\/\/[^/]*)?/, "") }),
      from: (parts: { scheme: string; path: string }) => ({ ...parts, toString: () => `${parts.scheme}:${parts.path}` }),
    },
    EventEmitter: class {
      event = () => ({ dispose: () => undefined });
      fire(): void {}
      dispose(): void {}
    },
    CodeAction: class {},
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  };

  readonly languageClient = {
    LanguageClient: FakeLanguageClient,
    TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 },
    DidChangeConfigurationNotification: { type: "workspace/didChangeConfiguration" },
    ExecuteCommandRequest: { type: "workspace/executeCommand" },
    ReferencesRequest: { type: "textDocument/references" },
  };

  constructor() {
    FakeLanguageClient.host = this;
  }

  /** Forgets what was shown and started (between tests). */
  reset(): void {
    this.config = {};
    this.output.length = 0;
    this.outputShown = 0;
    this.shown.length = 0;
    this.progressTitles.length = 0;
    this.executed.length = 0;
    this.clients.length = 0;
    this.answer = undefined;
    this.requests.length = 0;
    this.answers = {};
    this.opened.length = 0;
    this.shownDocuments.length = 0;
  }

  /** An ExtensionContext whose extension lives in `extensionDir` and whose global storage is `storageDir`. */
  context(extensionDir: string, storageDir: string) {
    return {
      subscriptions: [] as { dispose(): unknown }[],
      asAbsolutePath: (relative: string) => path.join(extensionDir, relative),
      globalStorageUri: { fsPath: storageDir },
    };
  }

  /** Waits until `predicate` holds (the extension does not make activation wait for the server). */
  async until(predicate: () => boolean, what: string, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; output:\n${this.output.join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private show(kind: Shown["kind"], message: string, actions: string[]): string | undefined {
    this.shown.push({ kind, message, actions });
    return kind === "error" ? this.answer : undefined;
  }
}

export class FakeLanguageClient {
  static host: FakeHost;
  started = false;
  stopped = false;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly serverOptions: { command: string; args: string[]; transport: number },
    readonly clientOptions: unknown,
  ) {
    FakeLanguageClient.host.clients.push(this);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** What vscode-languageclient converts server positions and locations with: tagged, for the tests to see. */
  readonly protocol2CodeConverter = {
    asUri: (uri: string) => `uri(${uri})`,
    asPosition: (p: { line: number; character: number }) => `position(${p.line}:${p.character})`,
    asReferences: async (locations: { uri: string; range: { start: { line: number } } }[]) =>
      locations.map((l) => `location(${l.uri}:${l.range.start.line})`),
  };

  async sendRequest(type: string, params: { command?: string }): Promise<unknown> {
    const host = FakeLanguageClient.host;
    host.requests.push([type, params]);
    const key = params?.command ?? type;
    if (key in host.answers) {
      return host.answers[key];
    }
    return { kubeVersion: "1.33", kubeVersionSource: "bundled", versions: ["1.33"] };
  }

  async sendNotification(): Promise<void> {}
}

/** Routes `require("vscode")` and `require("vscode-languageclient/node")` to the host's fakes. */
export function install(host: FakeHost): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") {
      return host.vscode;
    }
    if (request === "vscode-languageclient/node") {
      return host.languageClient;
    }
    return original.call(this, request, ...rest);
  };
}
