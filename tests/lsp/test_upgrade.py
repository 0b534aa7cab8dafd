"""The editor side of upgrades, end to end: the code lens on a removed apiVersion and the migration it
applies, the migration as a quick fix, the timeline on hover, and several target versions from the settings."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from kube_lsp.fixes import apply_edits
from kube_lsp.model import Pos, Span, TextEdit
from tests.lsp.test_server import _track_versions, open_and_wait, rng  # noqa: F401 - the fixture

INGRESS = """\
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: shop  # the shop
spec:
  rules:
    - http:
        paths:
          - path: /
            backend:
              serviceName: web
              servicePort: 80
"""

MIGRATED = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop  # the shop
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: ImplementationSpecific
            backend:
              service:
                name: web
                port:
                  number: 80
"""


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    return apply_edits(text, [TextEdit(Span(Pos(e.range.start.line, e.range.start.character),
                                            Pos(e.range.end.line, e.range.end.character)), e.new_text)
                              for e in edits])


@pytest.mark.asyncio
async def test_code_lens_on_a_removed_api_version_applies_the_migration(client: LanguageClient) -> None:
    uri = "file:///w/ingress.yaml"
    await open_and_wait(client, uri, INGRESS)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    [lens] = [lens for lens in lenses or [] if lens.command and "removed" in lens.command.title]
    assert lens.range == rng(0, 12, 0, 30)
    assert lens.command is not None
    assert lens.command.title == "removed in Kubernetes 1.22 · migrate to networking.k8s.io/v1"
    assert lens.command.command == "kube-lsp.migrateApiVersion"

    applied: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    result = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments)), 10)
    assert result == {"applied": True, "title": "Migrate to `networking.k8s.io/v1`"}
    [params] = applied
    assert params.edit.document_changes is not None
    [change] = params.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
    assert _apply(INGRESS, list(change.edits)) == MIGRATED  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_migration_quick_fix_and_timeline_hover(client: LanguageClient) -> None:
    uri = "file:///w/ingress2.yaml"
    diagnostics = await open_and_wait(client, uri, INGRESS)
    [diag] = [d for d in diagnostics if d.code == "KL300"]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag])))
    [migrate] = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Migrate")]
    assert migrate.edit is not None and migrate.edit.document_changes is not None
    [change] = migrate.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert _apply(INGRESS, list(change.edits)) == MIGRATED  # type: ignore[arg-type]

    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=3)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert ("Timeline of `extensions/v1beta1` Ingress: served before 1.25 · deprecated in 1.14 · removed in 1.22"
            in hover.contents.value)
    assert "Replacement: `networking.k8s.io/v1`" in hover.contents.value


@pytest.mark.asyncio
async def test_several_target_versions_from_the_settings(client: LanguageClient) -> None:
    client.set_configuration({"kubeVersion": ["1.29", "1.32"]}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.5)
    uri = "file:///w/flow.yaml"
    text = ("apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: a}\n"
            "spec:\n  priorityLevelConfiguration: {name: exempt}\n")
    for _ in range(20):
        diagnostics = await open_and_wait(client, uri, text)
        if any("only)" in d.message for d in diagnostics):
            break
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await asyncio.sleep(0.2)
    messages = sorted(d.message for d in diagnostics)
    assert len(messages) == 2
    assert messages[0].endswith("use `flowcontrol.apiserver.k8s.io/v1` (Kubernetes 1.29 only)")
    assert messages[1].endswith("(target 1.32); use `flowcontrol.apiserver.k8s.io/v1` (Kubernetes 1.32 only)")
    status = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="kube-lsp.status",
                                                                                     arguments=[]))
    assert status["kubeVersion"] == "1.29" and status["kubeVersions"] == ["1.29", "1.32"]
