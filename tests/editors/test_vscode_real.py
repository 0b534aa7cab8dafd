"""The VS Code extension in a real VS Code: code-server 1.96 in Debian's Chromium, driven through its UI with
Playwright, the way a user meets it.

The .vsix made by `npm run package` (or $KUBE_LSP_VSIX) is installed into a fresh profile; code-server runs on
127.0.0.1 with HOME and XDG_* in the test's temporary directory and a PATH on which there is no kube-lsp (only
Debian's /usr/bin/python3), so the extension must start the server it bundles. The tests check, in the UI: the
diagnostic in the Problems panel at its line with the did-you-mean message, the quick fix from the light bulb
menu and the buffer after it, the status bar item, and (with the test API server double as the cluster) the
Dry-run/Diff code lenses and the diff editor with the live and the dry-run sides. The browser may reach
127.0.0.1 only: every other request is aborted, and none may be attempted.

The host is installed by `python3 tests/editors/vscode_host/install.py`; without it these tests skip, unless
KUBE_LSP_REQUIRE_VSCODE_HOST=1 (set by CI), which makes a missing host a failure.
KUBE_LSP_SCREENS=1 also writes the screenshots into docs/screens/ (vscode-*.png, made smaller by optipng when
it is installed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cluster.apiserver import ApiServerDouble

from editors.vscode_host import EXTENSION, PHASE_REPORTS, require_host, vsix_from_env
from editors.vscode_host.install import Host, host_dir, node_binary

if TYPE_CHECKING:
    from editors.vscode_host.workbench import CodeServer, RefusingProxy, Traffic, Workbench

REPO = Path(__file__).resolve().parents[2]
SCREENS = REPO / "docs" / "screens"
CAPTURE = os.environ.get("KUBE_LSP_SCREENS") == "1"
# The PATH of code-server and of everything it starts: Debian's Python 3.11 is there, kube-lsp is not.
SERVER_PATH = "/usr/bin:/bin"
FIRST_ACTIVATION_TIMEOUT = 240.0  # seconds: the first start installs the bundled server into a private venv

# A Deployment whose pod spec misspells `containers` (line 13) and whose image pull policy is not allowed.
BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      contianers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: Allways
          ports:
            - containerPort: 8080
"""
TYPO = (13, 7)  # 1-based line and column of `contianers`
POLICY = (16, 28)  # of `Allways`
# The same Deployment written correctly, with a newer image than the live object of the cluster double.
GOOD = BAD.replace("contianers:", "containers:").replace("Allways", "IfNotPresent")
LIVE = {"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                       "imagePullPolicy": "IfNotPresent",
                                                       "ports": [{"containerPort": 8080}]}]}}}}
# A ConfigMap and a workload that uses it (the references lens), with resource requests (the resource lens).
APP_CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: fast\n"
WORKER = GOOD.replace("name: web\n  labels", "name: worker\n  labels").replace(
    "          imagePullPolicy: IfNotPresent\n",
    "          imagePullPolicy: IfNotPresent\n          envFrom:\n            - configMapRef: {name: app-config}\n"
    "          resources: {requests: {cpu: 250m, memory: 64Mi}}\n")


# ------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_host()
    given = vsix_from_env()
    if given is not None:
        assert given.is_file(), f"KUBE_LSP_VSIX={given} is not a file"
        return given
    # npm's logs and caches (and pip's, should packaging fetch wheels) go to the host's cache, not the real home.
    cache = Host(host_dir()).cache
    env = {**os.environ, "npm_config_logs_dir": str(tmp_path_factory.mktemp("npm-logs")),
           "npm_config_cache": str(cache / "npm"), "PIP_CACHE_DIR": str(cache / "pip"),
           "XDG_CACHE_HOME": str(cache / "xdg")}
    out = ""
    for script in ("compile", "package"):
        proc = subprocess.run(["npm", "run", script], cwd=EXTENSION, capture_output=True, text=True, timeout=900,
                              env=env)
        assert proc.returncode == 0, f"npm run {script} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        out = proc.stdout
    m = re.search(r"Packaged: (\S+\.vsix)", out)
    assert m, f"npm run package named no .vsix:\n{out[-3000:]}"
    copy = tmp_path_factory.mktemp("vsix") / Path(m.group(1)).name
    shutil.copy2(EXTENSION / m.group(1), copy)
    return copy


@pytest.fixture(scope="module")
def cluster_kubeconfig(apiserver_session: ApiServerDouble, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return apiserver_session.write_kubeconfig(tmp_path_factory.mktemp("cluster") / "kubeconfig", namespace="default")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workspace") / "web-app"
    folder.mkdir()
    (folder / "deployment.yaml").write_text(BAD)
    (folder / "quickfix.yaml").write_text(BAD)
    (folder / "web.yaml").write_text(GOOD)
    (folder / "app-config.yaml").write_text(APP_CONFIG)
    (folder / "worker.yaml").write_text(WORKER)
    # Three working copies of one Deployment, one per test: not the duplicates KL520 is about.
    (folder / ".kube-lsp.yaml").write_text("rules:\n  duplicate-object: off\n")
    return folder


def user_settings(kubeconfig: Path) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "kubeLsp.cluster.kubeconfig": str(kubeconfig),
        "kubeLsp.cluster.context": "double",
        "kubeLsp.cluster.contexts": ["double", "nowhere"],  # for Diff against all clusters; `nowhere` fails
        "diffEditor.hideUnchangedRegions.enabled": True,  # the diff editor shows the changes, not the whole object
    }
    return settings


@pytest.fixture(scope="module")
def proxy() -> Iterator[RefusingProxy]:
    """The proxy of code-server and its children: whatever they try to reach off 127.0.0.1 is refused and listed."""
    from editors.vscode_host.workbench import RefusingProxy

    with RefusingProxy() as refusing:
        yield refusing
    assert refusing.requests == [], f"code-server or its children tried to go out: {refusing.requests}"


@pytest.fixture(scope="module")
def code_server(vsix: Path, cluster_kubeconfig: Path, proxy: RefusingProxy, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[CodeServer]:
    from editors.vscode_host.workbench import CodeServer, Profile

    assert shutil.which("kube-lsp", path=SERVER_PATH) is None, f"kube-lsp is on {SERVER_PATH}"
    node = node_binary()
    assert node is not None
    profile = Profile(tmp_path_factory.mktemp("vscode")).create(user_settings(cluster_kubeconfig))
    server = CodeServer(Host(host_dir()), node[0], profile, SERVER_PATH, proxy.url)
    server.install_extension(vsix)
    assert (profile.extensions / "extensions.json").is_file()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    from editors.vscode_host.workbench import Traffic

    return Traffic()


@pytest.fixture(scope="module")
def workbench(code_server: CodeServer, traffic: Traffic, workspace: Path, tmp_path_factory: pytest.TempPathFactory,
              ) -> Iterator[Workbench]:
    from playwright.sync_api import sync_playwright

    from editors.vscode_host.workbench import Workbench, launch_browser

    browser_home = code_server.profile.root / "browser-home"
    with sync_playwright() as pw, launch_browser(pw, traffic, browser_home) as (_browser, context):
        page = context.new_page()
        page.set_default_timeout(30_000)
        bench = Workbench(page, code_server)
        started = time.monotonic()
        try:
            bench.open_folder(workspace)
        except Exception:
            save_debugging_material(bench, tmp_path_factory.mktemp("vscode-failure"))
            raise
        bench.timings["workbench loaded"] = time.monotonic() - started
        yield bench
    print("\nVS Code timings (s): " + json.dumps({k: round(v, 2) for k, v in bench.timings.items()}))
    print("Shown while the first file opened (s, text): " + json.dumps(bench.timeline, ensure_ascii=False))
    assert traffic.local > 0
    assert traffic.foreign == [], f"the browser tried to reach hosts other than 127.0.0.1: {traffic.foreign}"


def save_debugging_material(bench: Workbench, out: Path) -> None:
    """A screenshot of the page, the notifications shown, code-server's and VS Code's logs (kube-lsp's included)."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        bench.page.screenshot(path=str(out / "screen.png"))
        (out / "notifications.txt").write_text("\n---\n".join(bench.notification_texts()))
    except Exception as exc:  # noqa: BLE001 - the page may be gone; the logs are still worth having
        (out / "screenshot-error.txt").write_text(repr(exc))
    for name, text in bench.server.logs().items():
        target = out / "logs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    print(f"\nVS Code debugging material (screenshot, logs): {out}")


@pytest.fixture(autouse=True)
def debug_on_failure(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """When a test that uses the workbench fails, its debugging material goes to its tmp_path/vscode-failure."""
    yield
    reports = request.node.stash.get(PHASE_REPORTS, {})
    if "workbench" in request.fixturenames and any(r.failed for r in reports.values()):
        save_debugging_material(request.getfixturevalue("workbench"), tmp_path / "vscode-failure")


def screenshot(bench: Workbench, name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    bench.page.screenshot(path=str(path))
    if CAPTURE:
        SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, SCREENS / name)
        if shutil.which("optipng"):  # lossless, about 15 % smaller (apt-get install optipng)
            subprocess.run(["optipng", "-quiet", "-o2", "-strip", "all", str(SCREENS / name)], check=True, timeout=120)
    return path


def wait_for_first_diagnostic(bench: Workbench) -> float:
    """Seconds from opening the file to its first squiggle. The first activation installs the bundled server, so
    this waits long, and meanwhile follows what the status bar and the notifications say (kept in the timeline)."""
    started = time.monotonic()
    squiggle = bench.active_editor().locator(".squiggly-error").first
    while True:
        waited = time.monotonic() - started
        for text in [*bench.notification_texts(), bench.status_text()]:
            text = " ".join(text.split())
            if text and text not in (t for _, t in bench.timeline):
                bench.timeline.append((round(waited, 1), text))
        try:
            squiggle.wait_for(state="visible", timeout=500)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: not yet
            errors = bench.error_notifications()
            if errors:  # e.g. the server was not found or failed to start: no use waiting
                raise AssertionError(f"VS Code shows an error after {waited:.1f} s: {errors}") from None
            if waited > FIRST_ACTIVATION_TIMEOUT:
                raise AssertionError(f"no diagnostic after {waited:.0f} s; the UI said: {bench.timeline}") from None
    elapsed = time.monotonic() - started
    bench.timings["first diagnostic"] = elapsed
    return elapsed


# ----------------------------------------------------------------------------------------------------- tests


def test_problems_panel_shows_the_typo_at_its_line(workbench: Workbench, tmp_path: Path) -> None:
    editor = workbench.open_file("deployment.yaml")
    assert workbench.lines(editor)[TYPO[0]] == "      contianers:"
    wait_for_first_diagnostic(workbench)

    workbench.problems().filter(has_text="[Ln").nth(1).wait_for()
    assert workbench.problem_rows("deployment.yaml") == [
        "unknown field `contianers` in PodSpec (spec.template.spec) — did you mean `containers`? "
        f"kube-lsp(KL200) [Ln {TYPO[0]}, Col {TYPO[1]}]",
        '`imagePullPolicy` must be one of Always, Never, IfNotPresent; got "Allways" — did you mean `Always`? '
        f"kube-lsp(KL202) [Ln {POLICY[0]}, Col {POLICY[1]}]",
    ]
    workbench.wait_for_squiggles(editor, [(TYPO[0], "contianers"), (POLICY[0], "Allways")])
    screenshot(workbench, "vscode-problems.png", tmp_path)


def test_quick_fix_from_the_light_bulb_renames_the_key(workbench: Workbench, tmp_path: Path) -> None:
    editor = workbench.open_file("quickfix.yaml")
    workbench.wait_for_squiggles(editor, [(TYPO[0], "contianers"), (POLICY[0], "Allways")],
                                 timeout=FIRST_ACTIVATION_TIMEOUT * 1000)
    workbench.go_to(TYPO[0], TYPO[1] + 3)

    menu = workbench.quick_fix_menu()
    assert menu == ["Quick Fix", "Rename `contianers` to `containers`", "Ignore KL200 on this line",
                    "Ignore KL200 in this document"]
    screenshot(workbench, "vscode-quick-fix.png", tmp_path)
    workbench.choose_action("Rename `contianers` to `containers`")

    workbench.wait_for_line(editor, TYPO[0], "      containers:")
    # Every line the editor shows is the fixed text (the view may have scrolled by a line: code lenses).
    expected = dict(enumerate(BAD.replace("contianers:", "containers:").split("\n"), 1))
    shown = workbench.lines(editor)
    assert len(shown) >= len(expected) - 2 and all(expected.get(n) == text for n, text in shown.items()), shown
    assert workbench.tab_is_dirty("quickfix.yaml")
    # The server re-validated the edited buffer: only the image pull policy is left.
    workbench.wait_for_squiggles(editor, [(POLICY[0], "Allways")])


def test_the_server_runs_from_the_bundle_installed_in_the_profile(workbench: Workbench) -> None:
    editor = workbench.open_file("deployment.yaml")
    editor.locator(".squiggly-error").first.wait_for(timeout=FIRST_ACTIVATION_TIMEOUT * 1000)

    storage = workbench.server.profile.user_data / "User" / "globalStorage" / "kube-lsp.kube-lsp"
    servers = [cmd for cmd in workbench.server.processes() if "serve" in cmd and any("kube" in a for a in cmd)]
    assert len(servers) == 1, workbench.server.processes()
    executable = Path(servers[0][0])
    assert executable.is_relative_to(storage), servers  # the private environment, not a kube-lsp from PATH
    assert list(executable.parent.parent.glob("lib/python3.*/site-packages/kube_lsp/__init__.py"))


def test_status_bar_shows_the_kubernetes_version_and_the_context(workbench: Workbench) -> None:
    workbench.open_file("web.yaml")
    item = workbench.status_item().filter(has_text="K8s")  # "kube-lsp" with a spinner while the server starts
    item.wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)

    assert re.fullmatch(r"K8s 1\.\d+ · double", workbench.status_text()), workbench.status_text()
    assert "Cluster context: double" in (item.get_attribute("aria-label") or "")


def test_diff_code_lens_opens_the_diff_editor(workbench: Workbench, apiserver: ApiServerDouble,
                                              tmp_path: Path) -> None:
    apiserver.seed(LIVE)
    editor = workbench.open_file("web.yaml")
    dry_run = workbench.code_lens("Dry-run on cluster")
    diff = workbench.code_lens("Diff against cluster")
    dry_run.wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)
    assert diff.is_visible()
    assert workbench.squiggled_words(editor) == []

    workbench.close_panel()
    started = time.monotonic()
    diff.click()
    original, modified = workbench.diff_editor("web: live ↔ dry-run")
    workbench.timings["diff editor"] = time.monotonic() - started

    deleted = [text for _, text in workbench.decorated(original, "line-delete")]
    inserted = [text for _, text in workbench.decorated(modified, "line-insert")]
    # Left the live object (the image the cluster runs), right the dry-run result (the file's image).
    assert "      - image: nginx:1.25" in deleted and "      - image: nginx:1.27" in inserted, (deleted, inserted)
    assert not any("nginx:1.27" in text for text in workbench.lines(original).values())
    workbench.wait_for_notification_gone("diff against the cluster")
    screenshot(workbench, "vscode-diff.png", tmp_path)

    writes = [r for r in apiserver.requests if r.is_write]
    assert writes and all(r.query.get("dryRun") == "All" for r in writes)
    stored = apiserver.get("apps/v1", "Deployment", "web")
    assert stored is not None and stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_diff_against_all_clusters_from_the_command_palette(workbench: Workbench, apiserver: ApiServerDouble) -> None:
    apiserver.seed(LIVE)
    workbench.open_file("web.yaml")
    workbench.code_lens("Diff against cluster").wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)

    workbench.run_command("kube-lsp: Diff this file against all clusters")
    editor = workbench.active_tab("web.yaml.diff")
    workbench.wait_for_line_starting(editor, "# context nowhere")  # the last section: the one that failed

    text = list(workbench.lines(editor).values())
    assert text[:2] == ["# kube-lsp: web.yaml against 2 contexts", "# context double: 1 document, 0 errors"]
    assert "-      - image: nginx:1.25" in text and "+      - image: nginx:1.27" in text
    assert any(t.startswith("# context nowhere: ") and "nowhere" in t[len("# context nowhere: "):] for t in text), text
    writes = [r for r in apiserver.requests if r.is_write]
    assert writes and all(r.query.get("dryRun") == "All" for r in writes)


def test_references_lens_opens_the_references_peek(workbench: Workbench) -> None:
    workbench.open_file("worker.yaml")
    # Analysed (its lenses are there), so the server knows the reference when it counts app-config's.
    workbench.code_lens("Dry-run on cluster").wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)
    workbench.open_file("app-config.yaml")
    lens = workbench.code_lens("1 reference")
    lens.wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)

    lens.click()
    peek = workbench.page.locator(".peekview-widget")
    peek.wait_for(state="visible")
    # Its title names the file of the one reference; its preview editor shows the line of it.
    peek.locator(".peekview-title", has_text="worker.yaml").wait_for()
    try:
        peek.locator(".view-line", has_text="configMapRef").first.wait_for(timeout=20_000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: say what the peek shows instead
        raise AssertionError(f"the peek shows: {peek.inner_text()!r}") from None
    assert "(1)" in peek.inner_text()  # "References (1)" / "Locations (1)"
    workbench.page.keyboard.press("Escape")


def test_resources_lens_shows_the_summary_beside(workbench: Workbench) -> None:
    workbench.open_file("worker.yaml")
    lens = workbench.code_lens("requests cpu 250m, memory 64Mi × 2")
    lens.wait_for(state="visible", timeout=FIRST_ACTIVATION_TIMEOUT * 1000)

    lens.click()
    editor = workbench.active_tab("Deployment worker resources.md")  # beside the manifest, as Markdown
    text = " ".join(" ".join(workbench.lines(editor).values()).split())  # long lines may wrap
    assert text.startswith("**Resources** of Deployment `worker` — QoS Burstable, 2 replicas"), text
    assert "| `web` | cpu 250m, memory 64Mi | none |" in text, text
