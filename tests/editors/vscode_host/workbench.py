"""Run the installed VS Code host (code-server) for one test profile, and drive its workbench with Playwright.

- ``Profile``: a fresh VS Code profile under a test's temporary directory: user data (with the user
  settings.json), extensions, and HOME/XDG_* for code-server and everything it starts, so nothing of the real
  home is read or written.
- ``CodeServer``: code-server on 127.0.0.1 at a free port, in its own process group (stopped as a whole),
  with a PATH given by the test and the extension gallery pointed at a closed loopback port.
- ``Workbench``: the browser page showing VS Code, with the waits and reads the test needs (the Problems panel,
  an editor's lines by number and what its squiggles or diff decorations cover, the light bulb menu, code
  lenses, the status bar, notifications, the diff editor).
- ``launch_browser``: Debian's Chromium through Playwright, allowed to reach 127.0.0.1 only; every request to any
  other host is aborted and recorded.
- ``RefusingProxy``: the HTTP(S) proxy of code-server and of what it starts (extension host, language server,
  pip): it refuses and records every request, so anything that tries to go out is seen; 127.0.0.1 is exempt.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, Request, Route

from .install import CHROMIUM, DIRECT, Host, free_port

LOOPBACK = "127.0.0.1"
# The default gallery (marketplace) is never contacted: it points at a closed port on loopback.
EXTENSIONS_GALLERY = {"serviceUrl": f"http://{LOOPBACK}:9/gallery", "itemUrl": f"http://{LOOPBACK}:9/item",
                      "resourceUrlTemplate": f"http://{LOOPBACK}:9/resource", "controlUrl": "", "nlsBaseUrl": ""}

# User settings that keep VS Code quiet and local: no updates, telemetry, experiments, recommendations, git or
# npm detection, workspace trust prompt or start-up editor, no JSON schema downloads.
QUIET_SETTINGS: dict[str, Any] = {
    "update.mode": "none",
    "update.showReleaseNotes": False,
    "extensions.autoUpdate": False,
    "extensions.autoCheckUpdates": False,
    "extensions.ignoreRecommendations": True,
    "telemetry.telemetryLevel": "off",
    "workbench.enableExperiments": False,
    "workbench.settings.enableNaturalLanguageSearch": False,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "security.workspace.trust.enabled": False,
    "git.enabled": False,
    "git.autoRepositoryDetection": False,
    "git.openRepositoryInParentFolders": "never",
    "npm.autoDetect": "off",
    "json.schemaDownload.enable": False,
    "chat.commandCenter.enabled": False,
    "window.commandCenter": False,
    "editor.minimap.enabled": False,
    "editor.lightbulb.enabled": "on",
    "files.autoSave": "off",
    "remote.autoForwardPorts": False,
}

# Chromium: no background traffic (component updates, safe browsing, sync, translate, field trials) and a
# resolver that knows no host but 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-quic",
    "--no-first-run",
    "--no-pings",
    "--metrics-recording-only",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
]


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that answers every request (CONNECT included) with 403 and records it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def refuse(self) -> None:
                proxy.requests.append(f"{self.command} {self.path}")
                self.send_error(403, "kube-lsp tests: no traffic leaves 127.0.0.1")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_CONNECT = refuse

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="refusing-proxy", daemon=True)

    def __enter__(self) -> RefusingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Profile:
    """A VS Code profile and home of its own, under ``root`` (a test's temporary directory)."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def user_data(self) -> Path:
        return self.root / "user-data"

    @property
    def extensions(self) -> Path:
        return self.root / "extensions"

    @property
    def settings_file(self) -> Path:
        return self.user_data / "User" / "settings.json"

    @property
    def log(self) -> Path:
        return self.root / "code-server.log"

    def create(self, settings: Mapping[str, Any]) -> Profile:
        for d in (self.home, self.user_data, self.extensions, self.home / ".config", self.home / ".local" / "share",
                  self.home / ".cache"):
            d.mkdir(parents=True, exist_ok=True)
        self.settings_file.parent.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(json.dumps({**QUIET_SETTINGS, **settings}, indent=2) + "\n")
        return self

    def env(self, path: str, proxy: str) -> dict[str, str]:
        """The whole environment of code-server and of what it starts (extension host, language server)."""
        proxies = {name: proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
        no_proxy = {name: f"{LOOPBACK},localhost" for name in ("no_proxy", "NO_PROXY")}
        return {
            **proxies,
            **no_proxy,
            "PATH": path,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
            "TMPDIR": str(self.root),
            "LANG": "C.UTF-8",
            "EXTENSIONS_GALLERY": json.dumps(EXTENSIONS_GALLERY),
            "KUBECONFIG": str(self.root / "no-such-kubeconfig"),  # only the user settings choose a cluster
        }


@dataclass
class CodeServer:
    """code-server serving one profile; ``start`` waits until it answers /healthz."""

    host: Host
    node: str
    profile: Profile
    path: str  # the PATH of code-server and everything it starts
    proxy: str  # the URL of their HTTP(S) proxy (a RefusingProxy)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self, *args: str) -> list[str]:
        return [self.node, str(self.host.entry), "--user-data-dir", str(self.profile.user_data),
                "--extensions-dir", str(self.profile.extensions), *args]

    def env(self) -> dict[str, str]:
        return self.profile.env(self.path, self.proxy)

    def install_extension(self, vsix: Path, timeout: float = 120) -> str:
        proc = subprocess.run(self.command("--install-extension", str(vsix)), env=self.env(), capture_output=True,
                              text=True, timeout=timeout, cwd=self.profile.root, stdin=subprocess.DEVNULL)
        out = proc.stdout + proc.stderr
        if proc.returncode != 0 or "successfully installed" not in out:
            raise RuntimeError(f"--install-extension {vsix.name} failed ({proc.returncode}):\n{out[-4000:]}")
        return out

    def start(self, timeout: float = 60) -> CodeServer:
        cmd = self.command("--auth", "none", "--bind-addr", f"{LOOPBACK}:{self.port}", "--disable-telemetry",
                           "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
                           "--ignore-last-opened", "--log", "debug")
        with self.profile.log.open("ab") as log:
            self.process = subprocess.Popen(cmd, env=self.env(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, cwd=self.profile.root,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"code-server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with DIRECT.open(f"{self.url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"code-server did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop code-server and everything it started (its process group)."""
        proc, self.process = self.process, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                # The group may outlive its leader (the extension host, the language server): check it is gone.
                os.killpg(proc.pid, 0)
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
            time.sleep(0.5)
        proc.wait()

    def processes(self) -> list[list[str]]:
        """The command lines of every process in code-server's process group (the extension host, the language
        server, …)."""
        if self.process is None:
            return []
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                stat = (proc / "stat").read_text()
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rsplit(")", 1)[1].split()[2]) == self.process.pid and cmdline:
                found.append([a.decode(errors="replace") for a in cmdline.rstrip(b"\0").split(b"\0")])
        return found

    def folder_url(self, folder: Path) -> str:
        return f"{self.url}/?folder={quote(str(folder))}"

    def log_tail(self, chars: int = 8000) -> str:
        try:
            return self.profile.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def logs(self) -> dict[str, str]:
        """code-server's own log and every log file VS Code wrote in the profile (extension host, kube-lsp)."""
        found = {"code-server.log": self.log_tail(200_000)}
        for f in sorted(self.profile.user_data.glob("logs/**/*.log")):
            found[str(f.relative_to(self.profile.user_data))] = f.read_text(errors="replace")[-200_000:]
        return found


# ----------------------------------------------------------------------------------------------------- browser


@dataclass
class Traffic:
    """Requests the browser tried to send to a host other than 127.0.0.1 (each aborted)."""

    foreign: list[str] = field(default_factory=list)
    local: int = 0

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOOPBACK:
            self.local += 1
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort("blockedbyclient")

    def watch(self, request: Request) -> None:
        self.watch_url(request.url)

    def watch_url(self, url: str) -> None:
        """Also what routing does not see (web sockets, requests of workers), by the URL."""
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != LOOPBACK and url not in self.foreign:
            self.foreign.append(url)


@contextmanager
def launch_browser(pw: Playwright, traffic: Traffic, home: Path, viewport: tuple[int, int] = (1280, 800),
                   ) -> Iterator[tuple[Browser, BrowserContext]]:
    """Chromium with its own HOME (its crash database and dconf would go into the real one), reaching 127.0.0.1
    only: other hosts do not resolve, and every request to one is aborted and recorded in `traffic`."""
    home.mkdir(parents=True, exist_ok=True)
    env: dict[str, str | float | bool] = {
        "PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TMPDIR": str(home), "LANG": "C.UTF-8",
    }
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=env)
    try:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1,
                                      service_workers="block", locale="en-US", timezone_id="UTC")
        context.route("**/*", traffic.route)
        context.on("request", traffic.watch)
        context.on("page", lambda page: page.on("websocket", lambda ws: traffic.watch_url(ws.url)))
        yield browser, context
        context.close()
    finally:
        browser.close()


# The rendered lines of an editor element as [line number, text] pairs, top to bottom: each line of the text
# layer is numbered by the line number drawn in the margin at the same height (so folded or hidden regions and
# scrolling do not shift the numbers), with the non-breaking spaces Monaco renders as spaces.
NUMBERED_LINES_JS = """
editor => {
  const numbers = new Map();
  for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
    const n = row.querySelector('.line-numbers');
    if (n && n.textContent.trim()) { numbers.set(row.style.top, parseInt(n.textContent.trim(), 10)); }
  }
  return [...editor.querySelectorAll('.view-lines .view-line')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map(l => [numbers.get(l.style.top) ?? -1, l.textContent.replace(/\\u00a0/g, ' '), l]);
}
"""
LINES_JS = f"el => ({NUMBERED_LINES_JS})(el).map(([n, text]) => [n, text])"

# What lies under the decorations of one class in an editor element (error squiggles, a diff's inserted or
# deleted lines), top to bottom, as [line number, text]: each decoration's box is matched with the characters of
# the rendered line it lies on.
DECORATED_JS = f"""
([editor, cls]) => {{
  const lines = ({NUMBERED_LINES_JS})(editor);
  const boxes = [...editor.querySelectorAll(`.view-overlays .${{cls}}`)]
    .map(el => el.getBoundingClientRect())
    .sort((a, b) => a.top - b.top || a.left - b.left);
  return boxes.map(box => {{
    const y = box.top + box.height / 2;
    const line = lines.find(([, , el]) => {{
      const r = el.getBoundingClientRect();
      return r.top <= y && y < r.bottom;
    }});
    if (!line) {{ return [-1, '']; }}
    let text = '';
    const walker = document.createTreeWalker(line[2], NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
      for (let i = 0; i < node.length; i++) {{
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        const x = (r.left + r.right) / 2;
        if (x > box.left && x < box.right) {{ text += node.data[i]; }}
      }}
    }}
    return [line[0], text.replace(/\\u00a0/g, ' ')];
  }});
}}
"""


class Workbench:
    """The VS Code workbench in a page, and what a user sees of it."""

    def __init__(self, page: Page, server: CodeServer) -> None:
        self.page = page
        self.server = server
        self.timings: dict[str, float] = {}
        self.timeline: list[tuple[float, str]] = []  # (seconds, what the UI said) while waiting on it

    def open_folder(self, folder: Path, timeout: float = 60_000) -> None:
        self.page.goto(self.server.folder_url(folder), wait_until="domcontentloaded", timeout=timeout)
        self.page.locator(".monaco-workbench").wait_for(state="visible", timeout=timeout)
        self.page.locator(".explorer-folders-view").wait_for(state="visible", timeout=timeout)

    def open_file(self, name: str) -> Locator:
        """Open a file of the workspace from the explorer; returns its editor."""
        self.page.get_by_role("treeitem", name=name, exact=True).click()
        self.page.locator(f'.tabs-container .tab.active[aria-label^="{name}"]').wait_for()
        editor = self.active_editor()
        editor.locator(".view-lines .view-line").first.wait_for(state="visible")
        return editor

    def active_editor(self) -> Locator:
        return self.page.locator(".editor-group-container.active .editor-instance .monaco-editor").first

    def lines(self, editor: Locator | None = None) -> dict[int, str]:
        """The editor's rendered lines by (1-based) line number (the whole file when it fits on the screen)."""
        pairs: list[list[Any]] = (editor or self.active_editor()).evaluate(LINES_JS)
        return {int(n): str(text) for n, text in pairs}

    def wait_for_line(self, editor: Locator, number: int, text: str, timeout: float = 30_000) -> None:
        """Wait until line `number` (1-based) reads `text`."""
        self.page.wait_for_function(
            f"([el, n, text]) => ({LINES_JS})(el).some(([m, t]) => m === n && t === text)",
            arg=[editor.element_handle(), number, text], timeout=timeout)

    def wait_for_line_starting(self, editor: Locator, prefix: str, timeout: float = 60_000) -> None:
        """Wait until a line of the editor starts with `prefix`."""
        self.page.wait_for_function(
            f"([el, prefix]) => ({LINES_JS})(el).some(([, t]) => t.startsWith(prefix))",
            arg=[editor.element_handle(), prefix], timeout=timeout)

    def decorated(self, editor: Locator, cls: str) -> list[tuple[int, str]]:
        """(line number, text) under each decoration of class `cls`, top to bottom (see DECORATED_JS)."""
        found: list[list[Any]] = editor.evaluate(f"(el, cls) => ({DECORATED_JS})([el, cls])", cls)
        return [(int(n), str(text)) for n, text in found]

    def squiggled_words(self, editor: Locator) -> list[tuple[int, str]]:
        """(line number, word) under each error squiggle."""
        return self.decorated(editor, "squiggly-error")

    def wait_for_squiggles(self, editor: Locator, expected: list[tuple[int, str]], timeout: float = 30_000) -> None:
        """Wait until the error squiggles are under exactly these (line number, word)s."""
        self.page.wait_for_function(
            f"([el, want]) => JSON.stringify(({DECORATED_JS})([el, 'squiggly-error'])) === want",
            arg=[editor.element_handle(), json.dumps([list(e) for e in expected], separators=(",", ":"))],
            timeout=timeout)

    def go_to(self, line: int, column: int) -> None:
        """Put the cursor at (1-based) line and column with Go to Line (Ctrl+G)."""
        self.active_editor().locator(".view-lines").click()
        self.page.keyboard.press("Control+g")
        box = self.page.locator(".quick-input-widget input.input")
        box.wait_for(state="visible")
        box.fill(f":{line}:{column}")
        box.press("Enter")
        box.wait_for(state="hidden")
        self.page.locator("footer .statusbar-item", has_text=f"Ln {line}, Col {column}").wait_for()

    def tab_is_dirty(self, name: str) -> bool:
        return self.page.locator(f'.tabs-container .tab.dirty[aria-label^="{name}"]').count() == 1

    # --- panels, menus, status bar

    def problems(self) -> Locator:
        """Open the Problems panel (Ctrl+Shift+M) and return its rows."""
        panel = self.page.locator(".markers-panel")
        if not panel.is_visible():
            self.page.keyboard.press("Control+Shift+M")
        panel.wait_for(state="visible")
        return self.page.locator(".markers-panel .monaco-list-row")

    def problem_rows(self, file: str) -> list[str]:
        """The Problems panel's rows under `file`, as shown: `message source(code) [Ln l, Col c]`."""
        rows: list[str] = []
        current = None
        for row in self.problems().all():
            label = row.get_attribute("aria-label") or ""
            header = re.match(r"\d+ problems? in file (.+?) of folder", label)
            if header:
                current = header.group(1)
                continue
            if current != file:
                continue
            parts = [p.strip() for p in row.inner_text().split("\n") if p.strip()]
            if len(parts) == 4:  # message, source, code, position
                rows.append(f"{parts[0]} {parts[1]}({parts[2]}) {parts[3]}")
            else:
                rows.append(" ".join(parts))
        return rows

    def quick_fix_menu(self) -> list[str]:
        """Open the light bulb menu at the cursor (Ctrl+.) and return its rows (headers and actions)."""
        self.page.keyboard.press("Control+.")
        menu = self.page.locator(".action-widget")
        menu.locator(".monaco-list-row.action").first.wait_for(state="visible")
        return [r.inner_text().strip() for r in menu.locator(".monaco-list-row").all()]

    def choose_action(self, title: str) -> None:
        """Choose an action of the open light bulb menu with the keyboard (as after Ctrl+.: arrows, Enter)."""
        menu = self.page.locator(".action-widget")
        actions = menu.locator(".monaco-list-row.action")
        for _ in range(actions.count()):
            if menu.locator(".monaco-list-row.action.focused").get_attribute("aria-label") == title:
                self.page.keyboard.press("Enter")
                menu.wait_for(state="hidden")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no action {title!r} in the menu: {[a.inner_text() for a in actions.all()]}")

    def status_item(self) -> Locator:
        """The extension's status bar item (its id is the extension's: publisher.name)."""
        return self.page.locator('footer [id="kube-lsp.kube-lsp"]')

    def status_text(self) -> str:
        item = self.status_item()
        return item.inner_text().strip() if item.count() and item.is_visible() else ""

    def run_command(self, title: str) -> None:
        """Run a command from the command palette (F1), with the active editor focused (the palette shows the
        commands whose when-clauses hold there)."""
        self.active_editor().locator(".view-lines").click()
        self.page.keyboard.press("F1")
        box = self.page.locator(".quick-input-widget input.input")
        box.wait_for(state="visible")
        box.fill(f">{title}")
        self.page.locator(".quick-input-widget .monaco-list-row", has_text=title).first.wait_for()
        box.press("Enter")
        box.wait_for(state="hidden")

    def active_tab(self, label: str, timeout: float = 60_000) -> Locator:
        """Wait for the tab whose label starts with `label` to be the active one; returns its editor."""
        self.page.locator(f'.tabs-container .tab.active[aria-label^="{label}"]').wait_for(timeout=timeout)
        editor = self.active_editor()
        editor.locator(".view-lines .view-line").first.wait_for(state="visible", timeout=timeout)
        return editor

    def code_lens(self, title: str) -> Locator:
        return self.active_editor().locator(".codelens-decoration a", has_text=title)

    def close_panel(self) -> None:
        """Hide the panel (Problems, Output, …) if it is shown (Ctrl+J toggles it)."""
        panel = self.page.locator(".part.panel")
        if panel.is_visible():
            self.page.keyboard.press("Control+j")
            panel.wait_for(state="hidden")

    def wait_for_notification_gone(self, text: str, timeout: float = 30_000) -> None:
        self.page.locator(".notifications-toasts .notification-toast", has_text=text).wait_for(state="detached",
                                                                                              timeout=timeout)

    def error_notifications(self) -> list[str]:
        toasts = self.page.locator(".notifications-toasts .notification-toast").filter(
            has=self.page.locator(".notification-list-item-icon.codicon-error"))
        return [t.inner_text().strip() for t in toasts.all()]

    def notification_texts(self) -> list[str]:
        return [t.inner_text().strip() for t in self.page.locator(".notifications-toasts .notification-toast").all()]

    def diff_editor(self, label: str, timeout: float = 60_000) -> tuple[Locator, Locator]:
        """Wait for the diff editor titled `label` with both sides and the changes rendered; returns its
        (original, modified) editors."""
        self.page.locator(f'.tabs-container .tab.active[aria-label^="{label}"]').wait_for(timeout=timeout)
        diff = self.page.locator(".editor-group-container.active .monaco-diff-editor")
        original = diff.locator(".editor.original")
        modified = diff.locator(".editor.modified")
        for side in (original, modified):
            side.locator(".view-line", has_text="apiVersion").wait_for(timeout=timeout)
        diff.locator(".editor.modified .line-insert").first.wait_for(timeout=timeout)
        return original, modified
