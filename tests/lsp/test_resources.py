"""End to end: the resource summary of a workload in hover, in a code lens, and from its command."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.test_server import _track_versions, open_and_wait, rng  # noqa: F401 - the fixture open_and_wait needs

TEXT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
          resources:
            requests: {cpu: 250m, memory: 128Mi}
            limits: {memory: 256Mi}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 6
"""


@pytest.mark.asyncio
async def test_hover_on_a_workload_kind_shows_its_resources(client: LanguageClient) -> None:
    uri = "file:///w/api.yaml"
    assert not await open_and_wait(client, uri, TEXT)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=9)))
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    summary = result.contents.value.split("\n\n---\n\n")[-1]
    assert summary.splitlines() == [
        "**Resources** of Deployment `api` — QoS Burstable, 2 replicas (HPA `api`: up to 6)", "",
        "| container | requests | limits |", "| --- | --- | --- |",
        "| `api` | cpu 250m, memory 128Mi | memory 256Mi |",
        "| **pod** | cpu 250m, memory 128Mi | memory 256Mi |",
        "| **× 2** | cpu 500m, memory 256Mi | memory 512Mi |",
        "| **× 6 (max)** | cpu 1500m, memory 768Mi | memory 1.5Gi |",
    ]
    assert result.range == rng(1, 0, 1, 4)  # the schema hover's range: the `kind` key
    on_name = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=8)))
    assert on_name is not None and isinstance(on_name.contents, types.MarkupContent)
    assert "**Resources** of Deployment `api`" in on_name.contents.value
    hpa = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=20, character=9)))
    assert hpa is not None and isinstance(hpa.contents, types.MarkupContent)
    assert "**Resources**" not in hpa.contents.value


@pytest.mark.asyncio
async def test_code_lens_and_command_give_the_summary(client: LanguageClient) -> None:
    uri = "file:///w/lens.yaml"
    await open_and_wait(client, uri, TEXT)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    ours = [lens for lens in lenses or [] if lens.command and lens.command.command == "kube-lsp.resources"]
    assert [(lens.range.start.line, lens.command.title) for lens in ours if lens.command] == [
        (1, "requests cpu 250m, memory 128Mi × 2 = cpu 500m, memory 256Mi (max 6: cpu 1500m, memory 768Mi) "
            "· limits memory 256Mi · Burstable")]
    command = ours[0].command
    assert command is not None
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=command.command, arguments=command.arguments))
    assert (result["kind"], result["replicas"], result["maxReplicas"], result["qos"]) == (
        "Deployment", 2, 6, "Burstable")
    assert result["total"]["requests"] == {"cpu": "500m", "memory": "256Mi"}
    # For the editor to show (the lens's result would be lost otherwise): the hover's table.
    assert result["markdown"].splitlines()[0] == (
        "**Resources** of Deployment `api` — QoS Burstable, 2 replicas (HPA `api`: up to 6)")
    assert "| **× 6 (max)** | cpu 1500m, memory 768Mi | memory 1.5Gi |" in result["markdown"].splitlines()


@pytest.mark.asyncio
async def test_a_namespace_in_another_open_document_sets_the_pod_security_level(client: LanguageClient) -> None:
    ns = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n"
          "    pod-security.kubernetes.io/enforce: baseline\n")
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  hostPID: true\n"
           "  containers:\n    - name: web\n      image: nginx:1.27\n")
    await open_and_wait(client, "file:///w/ns.yaml", ns)
    uri = "file:///w/pod.yaml"
    diags = await open_and_wait(client, uri, pod)
    for _ in range(20):
        if [d.severity for d in diags if d.code == "KL401"] == [types.DiagnosticSeverity.Error]:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
        diags = client.diagnostics[uri]
    (diag,) = [d for d in diags if d.code == "KL401"]
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.message.startswith("the API server will reject this Pod: namespace `prod` enforces")
    assert diag.range == rng(6, 11, 6, 15)
