"""Opt-in end-to-end tests against YOUR current kube context: `pytest -m cluster` (e.g. kind or minikube).

They only read and dry-run (every write carries dryRun=All; the objects have random names, and each test checks
afterwards that nothing was created). `KUBECONFIG` and `KUBE_LSP_TEST_CONTEXT` choose the cluster; the namespace
is `KUBE_LSP_TEST_NAMESPACE` (default `default`, which every cluster has). A cluster that cannot be reached fails
these tests with the reason: you asked for them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from kube_lsp.cluster.transport import ClusterConfigError, ClusterTransport, ClusterUnreachableError, connect

pytestmark = pytest.mark.cluster

CONTEXT = os.environ.get("KUBE_LSP_TEST_CONTEXT") or None
NAMESPACE = os.environ.get("KUBE_LSP_TEST_NAMESPACE", "default")
SUFFIX = uuid.uuid4().hex[:8]


def deployment(name: str, port: int = 8080) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {NAMESPACE}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: web
          image: registry.k8s.io/pause:3.10
          ports:
            - containerPort: {port}
"""


PORT_LINE = 17  # 1-based line of containerPort above


@pytest.fixture(scope="module")
def transport() -> ClusterTransport:
    try:
        t = connect(None, CONTEXT, connect_timeout=5, read_timeout=30)
        version = t.send("GET", "/version")
    except (ClusterConfigError, ClusterUnreachableError) as exc:
        pytest.fail(f"`pytest -m cluster` needs a reachable cluster in your kubeconfig: {exc}", pytrace=False)
    if version.status != 200:
        pytest.fail(f"GET /version answered {version.status}: {version.body[:200]!r}", pytrace=False)
    return t


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    context = ("--context", CONTEXT) if CONTEXT else ()
    return subprocess.run([sys.executable, "-m", "kube_lsp", *args[:1], *context, *args[1:]], capture_output=True,
                          text=True, timeout=120)


def assert_absent(t: ClusterTransport, name: str) -> None:
    resp = t.send("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{name}")
    assert resp.status == 404, f"{name} exists in the cluster: kube-lsp must never create anything"


def test_check_validates_with_the_clusters_own_schemas(transport: ClusterTransport, tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(deployment(f"kube-lsp-check-{SUFFIX}").replace("containerPort", "containerPortt"))

    proc = cli("check", "--cluster", "--format", "json", str(path))

    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["schemaSource"].startswith(f"cluster {transport.info.context}")
    assert [(f["line"], f["code"]) for f in report["findings"]] == [(PORT_LINE, "KL200")]


def test_dry_run_accepts_a_valid_object_and_creates_nothing(transport: ClusterTransport, tmp_path: Path) -> None:
    name = f"kube-lsp-ok-{SUFFIX}"
    path = tmp_path / "ok.yaml"
    path.write_text(deployment(name))

    proc = cli("dry-run", str(path))

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_absent(transport, name)


def test_dry_run_pins_the_servers_rejection_to_the_line(transport: ClusterTransport, tmp_path: Path) -> None:
    name = f"kube-lsp-bad-{SUFFIX}"
    path = tmp_path / "bad.yaml"
    path.write_text(deployment(name, port=70000))

    proc = cli("dry-run", "--format", "json", str(path))

    assert proc.returncode == 1, proc.stderr
    found = [(f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert found == [(PORT_LINE, "KL900")]
    assert_absent(transport, name)


def test_diff_of_a_new_object_is_all_additions(transport: ClusterTransport, tmp_path: Path) -> None:
    name = f"kube-lsp-new-{SUFFIX}"
    path = tmp_path / "new.yaml"
    path.write_text(deployment(name))

    proc = cli("diff", str(path))

    assert proc.returncode == 1, proc.stderr
    assert f"+++ merged/apps.v1.Deployment.{NAMESPACE}.{name}" in proc.stdout
    changes = [line for line in proc.stdout.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changes and all(line.startswith("+") for line in changes)
    assert_absent(transport, name)


def test_diff_agrees_with_kubectl(transport: ClusterTransport, tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    name = f"kube-lsp-kubectl-{SUFFIX}"
    path = tmp_path / "new.yaml"
    path.write_text(deployment(name))
    context = ["--context", CONTEXT] if CONTEXT else []

    ours = cli("diff", str(path))
    theirs = subprocess.run([kubectl, *context, "diff", "--server-side", "-f", str(path)], capture_output=True,
                            text=True, timeout=120)

    def added(text: str) -> set[str]:
        skip = ("+++", "+  uid:", "+  creationTimestamp:")
        return {line.replace("'", '"') for line in text.splitlines() if line.startswith("+") and
                not line.startswith(skip)}

    assert ours.returncode == theirs.returncode == 1, theirs.stderr
    assert added(ours.stdout) == added(theirs.stdout)
    assert_absent(transport, name)


# --- the language server on the same cluster ------------------------------------------------------------------------


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    settings = {"cluster": {"context": CONTEXT} if CONTEXT else {"schemas": True}}
    lsp_client.set_configuration(settings, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=None, initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_language_server_dry_run_publishes_the_rejection(client: LanguageClient,
                                                                transport: ClusterTransport) -> None:
    import asyncio

    name = f"kube-lsp-lsp-{SUFFIX}"
    uri = "file:///live/bad.yaml"
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=deployment(name, port=70000))))

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="kube-lsp.dryRun", arguments=[uri]))
    for _ in range(50):
        if any(d.code == "KL900" for d in client.diagnostics.get(uri, [])):
            break
        await asyncio.sleep(0.1)

    assert result["errors"] == 1, result
    assert [d.range.start.line + 1 for d in client.diagnostics[uri] if d.code == "KL900"] == [PORT_LINE]
    assert_absent(transport, name)
