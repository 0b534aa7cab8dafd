"""What the language server reads from the chosen cluster in the background for its analysis, end to end (real
server over stdio, API server double over TLS): the target version from `/version` when no kubeVersion is set.

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

from .apiserver import ApiServerDouble
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


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "kube_lsp", "serve", "--log-file", str(LOG), "--log-level", "DEBUG"],
        server_env=ENV,
    ),
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A server with the double's kubeconfig but no context chosen yet (the test selects one), cluster schemas
    off; `request.param` (default "") is the kubeVersion setting."""
    kubeconfig = request.getfixturevalue("kubeconfig")
    settings = {"kubeVersion": getattr(request, "param", ""),
                "cluster": {"kubeconfig": str(kubeconfig), "schemas": False, "connectTimeout": 2, "timeout": 10}}
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
    assert any("1.32" in t for t in await lens_titles(client, uri))
    assert reads(apiserver, "/version") >= 1  # noqa: PLR2004 - the initial context's read may come first
    assert [r for r in apiserver.requests if r.is_write] == []

    # Another context of a newer cluster (the same double, answering 1.33 now): the target follows it.
    apiserver.version_info = {"major": "1", "minor": "33", "gitVersion": "v1.33.1"}
    assert (await command(client, "kube-lsp.selectContext", "double")) == {"context": "double"}
    await status_when(client, lambda s: s["kubeVersion"] == "1.33")
    diags = await wait_for(client, uri, lambda ds: [f[0] for f in api_findings(ds)] == ["KL300"])
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
