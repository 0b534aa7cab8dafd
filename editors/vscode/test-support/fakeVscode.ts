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
    },
    workspace: {
      getConfiguration: () => ({
        get: (key: string) => this.config[key],
        update: async () => undefined,
      }),
      onDidChangeConfiguration: () => ({ dispose: () => undefined }),
      registerTextDocumentContentProvider: () => ({ dispose: () => undefined }),
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
      parse: (text: string) => ({ toString: () => text }),
      from: (parts: { scheme: string; path: string }) => ({ toString: () => `${parts.scheme}:${parts.path}` }),
    },
    EventEmitter: class {
      event = () => ({ dispose: () => undefined });
      fire(): void {}
      dispose(): void {}
    },
    CodeAction: class {},
    StatusBarAlignment: { Left: 1, Right: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  };

  readonly languageClient = {
    LanguageClient: FakeLanguageClient,
    TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 },
    DidChangeConfigurationNotification: { type: "workspace/didChangeConfiguration" },
    ExecuteCommandRequest: { type: "workspace/executeCommand" },
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

  async sendRequest(): Promise<unknown> {
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
