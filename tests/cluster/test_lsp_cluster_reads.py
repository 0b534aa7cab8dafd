"""What the language server reads from the chosen cluster in the background for its analysis, end to end (real
server over stdio, API server double over TLS): the target version from `/version` when no kubeVersion is set,
and the Pod Security labels of the cluster's Namespaces.

The cluster's own schemas are switched off here (`kubeLsp.cluster.schemas: false`), so the target can only come
from `/version`. The `apiserver` fixture fails a test on any write without dryRun=All; these also expect none.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .apiserver import ApiServerDouble, Forbidden
from .test_lsp_e2e import ENV, LOG, command, open_doc, wait_for

FLOWSCHEMA = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: fs
spec:
  priorityLevelConfiguration:
    name: global-default
  matchingPrecedence: 1000
"""
V1_29 = {"major": "1", "minor": "29", "gitVersion": "v1.29.4"}
SCHEMAS_ON = "cluster schemas on"


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "kube_lsp", "serve", "--log-file", str(LOG), "--log-level", "DEBUG"],
        server_env=ENV,
    ),
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A server with the double's kubeconfig but no context chosen yet (the test selects one), cluster schemas
    off; `request.param` (default "") is the kubeVersion setting, None for a server without any cluster, or
    SCHEMAS_ON for cluster schemas on (and no kubeVersion)."""
    kubeconfig = request.getfixturevalue("kubeconfig")
    param = getattr(request, "param", "")
    schemas = param == SCHEMAS_ON
    settings: dict[str, Any] = {"kubeVersion": "" if schemas else param or ""}
    if param is not None:
        settings["cluster"] = {"kubeconfig": str(kubeconfig), "schemas": schemas, "connectTimeout": 2, "timeout": 10}
    lsp_client.set_configuration(settings, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=None,
        initialization_options={"kubeLsp": settings}))
    yield
    await lsp_client.shutdown_session()


async def status_when(client: LanguageClient, condition: Any, seconds: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while not condition(status := await command(client, "kube-lsp.status")):
        assert time.monotonic() < deadline, f"status never matched: {status}"
        await asyncio.sleep(0.1)
    return dict(status)


def api_findings(diags: list[types.Diagnostic]) -> list[tuple[str, types.DiagnosticSeverity | None, str]]:
    return [(str(d.code), d.severity, d.message) for d in diags if str(d.code) in ("KL300", "KL301")]


async def lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return [lens.command.title for lens in lenses or [] if lens.command and lens.range.start.line == 0
            and lens.range.start.character == 12]


def reads(apiserver: ApiServerDouble, path: str) -> int:
    return sum(1 for r in apiserver.requests if r.method == "GET" and r.path == path)


@pytest.mark.asyncio
async def test_selecting_a_context_targets_its_version(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    uri = "file:///work/fs.yaml"
    apiserver.version_info = V1_29
    assert (await command(client, "kube-lsp.selectContext", "double")) == {"context": "double"}
    status = await status_when(client, lambda s: s["kubeVersion"] == "1.29")
    assert status["kubeVersionSource"] == "cluster double /version (Kubernetes v1.29.4)"
    assert status["clusterSchemas"] is False and status["schemaSource"] == "bundled Kubernetes 1.29 schemas"

    await open_doc(client, uri, FLOWSCHEMA)
    diags = await wait_for(client, uri, lambda ds: api_findings(ds))
    assert api_findings(diags) == [("KL301", types.DiagnosticSeverity.Warning,
                                    "`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is deprecated since Kubernetes "
                                    "1.29 and will be removed in 1.32; use `flowcontrol.apiserver.k8s.io/v1`")]
    # The lens migrates to a version the 1.29 target serves.
    assert await lens_titles(client, uri) == ["removed in Kubernetes 1.32 · migrate to flowcontrol.apiserver.k8s.io/v1"]
    assert reads(apiserver, "/version") >= 1  # noqa: PLR2004 - the initial context's read may come first
    assert [r for r in apiserver.requests if r.is_write] == []

    # Another context of a newer cluster (the same double, answering 1.33 now): the target follows it.
    apiserver.version_info = {"major": "1", "minor": "33", "gitVersion": "v1.33.1"}
    assert (await command(client, "kube-lsp.selectContext", "double")) == {"context": "double"}
    await status_when(client, lambda s: s["kubeVersion"] == "1.33")
    # The default target (the newest bundled) is published between the choice and the read of its /version,
    # with a KL300 too: wait for the analysis against the new cluster's version.
    diags = await wait_for(client, uri, lambda ds: [f[0] for f in api_findings(ds)] == ["KL300"]
                           and "(target 1.33)" in api_findings(ds)[0][2])
    assert "(target 1.33)" in api_findings(diags)[0][2]


async def eventually(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_a_version_outside_the_bundled_range_is_clamped_and_said(client: LanguageClient,
                                                                      apiserver: ApiServerDouble) -> None:
    apiserver.version_info = {"major": "1", "minor": "19+", "gitVersion": "v1.19.16-eks-1"}
    await command(client, "kube-lsp.selectContext", "double")
    status = await status_when(client, lambda s: s["kubeVersionSource"].startswith("cluster double"))
    assert status["kubeVersion"] == status["versions"][0] == "1.25"
    expected = ("kube-lsp: cluster double runs Kubernetes v1.19.16-eks-1, outside the bundled schemas "
                f"(1.25–{status['versions'][-1]}): validating against 1.25")
    await eventually(lambda: any(m.message == expected for m in client.messages))
    assert any(m.message == expected for m in client.log_messages)


@pytest.mark.asyncio
async def test_a_failing_version_read_is_logged_and_changes_nothing(client: LanguageClient,
                                                                    apiserver: ApiServerDouble) -> None:
    apiserver.version_error = 503
    await command(client, "kube-lsp.selectContext", "double")
    await eventually(lambda: any("/version could not be read" in m.message for m in client.log_messages))
    status = await command(client, "kube-lsp.status")
    # No cluster version: the target is what the settings say (none: the newest bundled schemas).
    assert (status["kubeVersion"], status["kubeVersionSource"]) == (status["versions"][-1], "default")
    assert not any("/version" in m.message for m in client.messages)  # logged, no pop-up
    assert [r for r in apiserver.requests if r.is_write] == []


@pytest.mark.asyncio
@pytest.mark.parametrize("client", ["1.33"], indirect=True)
async def test_an_explicit_kube_version_wins_over_the_cluster(client: LanguageClient,
                                                              apiserver: ApiServerDouble) -> None:
    uri = "file:///work/fs.yaml"
    apiserver.version_info = V1_29
    await command(client, "kube-lsp.selectContext", "double")
    await open_doc(client, uri, FLOWSCHEMA)
    diags = await wait_for(client, uri, lambda ds: api_findings(ds))
    status = await command(client, "kube-lsp.status")
    assert (status["kubeVersion"], status["kubeVersionSource"]) == ("1.33", "kubeVersion setting")
    assert [f[0] for f in api_findings(diags)] == ["KL300"] and "(target 1.33)" in api_findings(diags)[0][2]
    assert reads(apiserver, "/version") == 0  # no need to ask


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [SCHEMAS_ON], indirect=True)
async def test_the_target_and_the_cluster_schemas_share_one_version_read(client: LanguageClient,
                                                                          apiserver: ApiServerDouble) -> None:
    apiserver.version_info = V1_29

    def loaded(s: dict[str, Any]) -> bool:  # the schemas read, which comes after the target's
        return bool(s["clusterSchemas"]) and s["kubeVersionSource"] == "cluster schemas"

    # At start-up, the kubeconfig's current context: its /version gives both the target and the schemas' version.
    status = await status_when(client, loaded)
    assert status["kubeVersion"] == "1.29" and status["schemaSource"].startswith("cluster ")
    assert reads(apiserver, "/version") == 1
    # Another cluster choice: one more read, shared again.
    await command(client, "kube-lsp.selectContext", "double")
    status = await status_when(client, loaded)
    assert status["schemaSource"] == "cluster double (Kubernetes v1.29.4)"
    assert reads(apiserver, "/version") == 2  # noqa: PLR2004
    assert [r for r in apiserver.requests if r.is_write] == []


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.26
"""
CONTAINER_LINE = 13  # 0-based: `- name: web`, where the restricted findings sit
RUN_AS_NON_ROOT = ('the API server will reject the pods of this Deployment: namespace `prod` enforces PodSecurity '
                   '"restricted:latest": runAsNonRoot != true (pod or container "web" must set '
                   'securityContext.runAsNonRoot=true)')


def seed_prod(apiserver: ApiServerDouble, labels: dict[str, str]) -> None:
    apiserver.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": labels}},
                   manager="kubectl", operation="Apply")


def pss(diags: list[types.Diagnostic]) -> list[tuple[str, types.DiagnosticSeverity | None, int]]:
    return [(str(d.code), d.severity, d.range.start.line) for d in diags if str(d.code).startswith("KL4")]


@pytest.mark.asyncio
async def test_the_cluster_namespace_enforces_its_level(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    seed_prod(apiserver, {"pod-security.kubernetes.io/enforce": "restricted", "kubernetes.io/metadata.name": "prod"})
    await command(client, "kube-lsp.selectContext", "double")
    uri = "file:///work/web.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    diags = await wait_for(client, uri, lambda ds: any(str(d.code) == "KL414" for d in ds))
    E = types.DiagnosticSeverity.Error
    assert pss(diags) == [("KL413", E, CONTAINER_LINE), ("KL414", E, CONTAINER_LINE), ("KL416", E, CONTAINER_LINE),
                          ("KL417", E, CONTAINER_LINE)]
    assert next(d.message for d in diags if str(d.code) == "KL414") == RUN_AS_NON_ROOT
    lists = [r for r in apiserver.requests if r.method == "GET" and r.path == "/api/v1/namespaces"]
    assert len(lists) == 2  # noqa: PLR2004 - once for the kubeconfig's current context at start, once for the choice
    assert [r for r in apiserver.requests if r.is_write] == []

    # A Namespace in the workspace wins over the cluster's: the file is what will be applied.
    ns_uri = "file:///work/ns.yaml"
    await open_doc(client, ns_uri, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n"
                                   "    pod-security.kubernetes.io/enforce: baseline\n")
    await wait_for(client, uri, lambda ds: pss(ds) == [])

    # A refresh reads the cluster's Namespaces again.
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=ns_uri)))
    await wait_for(client, uri, lambda ds: len(pss(ds)) == 4)  # noqa: PLR2004
    seed_prod(apiserver, {"pod-security.kubernetes.io/enforce": "privileged"})
    await command(client, "kube-lsp.liveRefresh")
    await wait_for(client, uri, lambda ds: pss(ds) == [])
    assert len([r for r in apiserver.requests if r.method == "GET" and r.path == "/api/v1/namespaces"]) == 3  # noqa: PLR2004


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [None], indirect=True)
async def test_without_a_cluster_the_default_level_applies(client: LanguageClient,
                                                           apiserver: ApiServerDouble) -> None:
    seed_prod(apiserver, {"pod-security.kubernetes.io/enforce": "restricted"})
    uri = "file:///work/web.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    await asyncio.sleep(1.0)
    assert pss(client.diagnostics[uri]) == []  # baseline (the default): nginx without a securityContext passes
    assert apiserver.requests == []


@pytest.mark.asyncio
async def test_a_forbidden_namespace_list_is_logged_once(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    seed_prod(apiserver, {"pod-security.kubernetes.io/enforce": "restricted"})
    apiserver.inject(Forbidden(), kind="namespaces", verbs=["list"])
    await command(client, "kube-lsp.selectContext", "double")
    uri = "file:///work/web.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    await command(client, "kube-lsp.liveRefresh")  # a second LIST, refused again: not said again
    await eventually(lambda: len([r for r in apiserver.requests if r.path == "/api/v1/namespaces"]) >= 2)  # noqa: PLR2004
    await asyncio.sleep(0.5)
    said = [m.message for m in client.log_messages if "namespaces" in m.message]
    assert said == ["kube-lsp: listing the cluster's namespaces answered 403 (RBAC forbids it); Pod Security levels "
                    "come from the workspace's Namespaces only"]
    assert not any("namespaces" in m.message for m in client.messages)
    assert pss(client.diagnostics[uri]) == []
