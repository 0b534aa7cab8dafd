"""The server's workspace features end to end: background indexing with progress, cross-file diagnostics,
find references, rename, workspace symbols, hover on a reference, "N references" lenses and
workspace/didChangeWatchedFiles, under VS Code's and Neovim's recorded capabilities."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import EDITORS, accept_registrations

CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: fast\n"
DEPLOY = """\
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
          image: nginx:1.27
          envFrom:
            - configMapRef:
                name: app-config
          env:
            - name: MODE
              valueFrom:
                configMapKeyRef: {name: "app-config", key: mode}
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]),
    params=EDITORS,
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient,
                 tmp_path: Path) -> AsyncIterator[None]:
    """A server whose workspace folder holds config/app.yaml and deploy/web.yaml, indexed."""
    accept_registrations(lsp_client)
    (tmp_path / "config").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "config" / "app.yaml").write_text(CONFIG)
    (tmp_path / "deploy" / "web.yaml").write_text(DEPLOY)
    lsp_client.root = tmp_path  # type: ignore[attr-defined]
    lsp_client.set_configuration({"kubeVersion": "1.37"}, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(request.param), root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
    lsp_client.editor = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def uri(client: LanguageClient, rel: str) -> str:
    return (client.root / rel).as_uri()  # type: ignore[attr-defined]


def rng(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(start=types.Position(line=a, character=b), end=types.Position(line=c, character=d))


async def indexed(client: LanguageClient) -> None:
    """Wait until the workspace is indexed: a symbol of a file nobody opened is found."""
    for _ in range(200):
        found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="app-config"))
        if found:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workspace was never indexed")


async def open_doc(client: LanguageClient, u: str, text: str, version: int = 1) -> list[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=u, language_id="yaml", version=version, text=text)))
    for _ in range(100):
        if u in client.diagnostics:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    return client.diagnostics[u]


@pytest.mark.asyncio
async def test_indexing_reports_work_done_progress_and_registers_a_file_watcher(client: LanguageClient) -> None:
    await indexed(client)
    if client.editor == "visual-studio-code":  # type: ignore[attr-defined]
        for _ in range(100):
            ends = [r for reports in client.progress_reports.values() for r in reports
                    if isinstance(r, types.WorkDoneProgressEnd)]
            if ends:
                break
            await asyncio.sleep(0.05)
        begins = [r for reports in client.progress_reports.values() for r in reports
                  if isinstance(r, types.WorkDoneProgressBegin)]
        assert [b.title for b in begins] == ["kube-lsp: indexing the workspace"]
        assert [e.message for e in ends] == ["2 files indexed"]
    watchers = [r for r in client.registrations  # type: ignore[attr-defined]
                if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    caps = client_capabilities(client.editor)  # type: ignore[attr-defined]
    dynamic = caps.workspace and caps.workspace.did_change_watched_files \
        and caps.workspace.did_change_watched_files.dynamic_registration
    for _ in range(50):
        if watchers or not dynamic:
            break
        await asyncio.sleep(0.05)
        watchers = [r for r in client.registrations  # type: ignore[attr-defined]
                    if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watchers) == (1 if dynamic else 0)


@pytest.mark.asyncio
async def test_a_typo_in_an_open_file_is_reported_against_the_indexed_workspace(client: LanguageClient) -> None:
    await indexed(client)
    diags = await open_doc(client, uri(client, "deploy/web.yaml"), DEPLOY.replace(
        "name: app-config\n          env", "name: app-confg\n          env"))
    assert [(d.code, d.severity, d.range) for d in diags] == [
        ("KL501", types.DiagnosticSeverity.Warning, rng(16, 22, 16, 31))]
    assert diags[0].message == ("no ConfigMap `app-confg` in the workspace — did you mean `app-config` "
                                "(config/app.yaml:4)?")
    assert diags[0].related_information is not None
    assert diags[0].related_information[0].location.uri == uri(client, "config/app.yaml")


@pytest.mark.asyncio
async def test_find_references_from_the_name_and_from_a_reference(client: LanguageClient) -> None:
    await indexed(client)
    cm = uri(client, "config/app.yaml")
    await open_doc(client, cm, CONFIG)
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=cm), position=types.Position(line=3, character=10),
        context=types.ReferenceContext(include_declaration=True)))
    web = uri(client, "deploy/web.yaml")
    assert list(refs or []) == [types.Location(uri=cm, range=rng(3, 8, 3, 18)),
                    types.Location(uri=web, range=rng(16, 22, 16, 32)),
                    types.Location(uri=web, range=rng(20, 40, 20, 52))]
    assert list(await open_doc(client, web, DEPLOY)) == []
    from_ref = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=web), position=types.Position(line=16, character=25),
        context=types.ReferenceContext(include_declaration=False)))
    assert list(from_ref or []) == list(refs)[1:]


@pytest.mark.asyncio
async def test_rename_edits_exactly_the_name_and_every_reference(client: LanguageClient) -> None:
    await indexed(client)
    cm = uri(client, "config/app.yaml")
    await open_doc(client, cm, CONFIG)
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=cm), position=types.Position(line=3, character=10),
        new_name="settings"))
    web = uri(client, "deploy/web.yaml")
    assert edit is not None and edit.changes is not None
    assert {u: list(edits) for u, edits in edit.changes.items()} == {
        cm: [types.TextEdit(range=rng(3, 8, 3, 18), new_text="settings")],
        web: [types.TextEdit(range=rng(16, 22, 16, 32), new_text="settings"),
              types.TextEdit(range=rng(20, 40, 20, 52), new_text='"settings"')],
    }
    with pytest.raises(JsonRpcException, match="not a valid ConfigMap name"):
        await client.text_document_rename_async(types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=cm), position=types.Position(line=3, character=10),
            new_name="Bad_Name"))


@pytest.mark.asyncio
async def test_workspace_symbols_hover_and_reference_lenses(client: LanguageClient) -> None:
    await indexed(client)
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="deployment web"))
    assert [(s.name, s.container_name, s.location.uri) for s in found] == [  # type: ignore[union-attr]
        ("web", "Deployment (default)", uri(client, "deploy/web.yaml"))]
    web = uri(client, "deploy/web.yaml")
    await open_doc(client, web, DEPLOY)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=web), position=types.Position(line=16, character=25)))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("**ConfigMap app-config (keys `mode`)** in namespace `default`  \n"
                                           "`config/app.yaml:4`")
    cm = uri(client, "config/app.yaml")
    await open_doc(client, cm, CONFIG)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=cm)))
    refs = [lens.command for lens in lenses or [] if lens.command and lens.command.title.endswith("references")]
    assert [(c.title, c.command, tuple(c.arguments or ())) for c in refs] == [
        ("2 references", "kube-lsp.showReferences", (cm, {"line": 3, "character": 8}))]
    # What the editor does with the lens's arguments (both ship a handler): the references, as many as it says.
    [(at_uri, at)] = [c.arguments for c in refs if c.arguments]
    shown = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=at_uri), position=types.Position(**at),
        context=types.ReferenceContext(include_declaration=False)))
    assert [loc.uri for loc in shown or []] == [web, web]
    web_lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=web)))
    unreferenced = [lens.command for lens in web_lenses or [] if lens.command and lens.command.title == "0 references"]
    assert unreferenced and all(c.command == "" and not c.arguments for c in unreferenced)  # only a title


@pytest.mark.asyncio
async def test_watched_file_changes_update_the_index(client: LanguageClient) -> None:
    await indexed(client)
    extra = client.root / "config" / "extra.yaml"  # type: ignore[attr-defined]
    extra.write_text(CONFIG.replace("app-config", "extra-config"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created)]))
    for _ in range(100):
        if await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="extra-config")):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the created file was not indexed")
    extra.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Deleted)]))
    for _ in range(100):
        if not await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="extra-config")):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the deleted file stayed in the index")


async def kl401_severities(client: LanguageClient, u: str, want: list[types.DiagnosticSeverity]
                           ) -> list[types.DiagnosticSeverity]:
    """The severities of the KL401 findings of `u`, once they are `want` (or after 20 publications)."""
    for _ in range(20):
        got = [d.severity for d in client.diagnostics.get(u, []) if d.code == "KL401"]
        if got == want:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    return [d.severity for d in client.diagnostics.get(u, []) if d.code == "KL401" and d.severity is not None]


@pytest.mark.asyncio
async def test_a_namespace_in_a_workspace_file_nobody_opened_sets_the_pod_security_level(
        client: LanguageClient) -> None:
    await indexed(client)
    pod = uri(client, "deploy/pod.yaml")
    await open_doc(client, pod, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\nspec:\n"
                   "  hostPID: true\n  containers:\n    - name: web\n      image: nginx:1.27\n")
    # The baseline level of the podSecurity setting: a warning.
    assert await kl401_severities(client, pod, [types.DiagnosticSeverity.Warning]) == [types.DiagnosticSeverity.Warning]
    ns = client.root / "config" / "ns.yaml"  # type: ignore[attr-defined]
    ns.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n"
                  "    pod-security.kubernetes.io/enforce: baseline\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=ns.as_uri(), type=types.FileChangeType.Created)]))
    # The Namespace of the workspace enforces it: the API server would reject the Pod.
    assert await kl401_severities(client, pod, [types.DiagnosticSeverity.Error]) == [types.DiagnosticSeverity.Error]
    message = next(d.message for d in client.diagnostics[pod] if d.code == "KL401")
    assert message.startswith("the API server will reject this Pod: namespace `prod` enforces")
    ns.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=ns.as_uri(), type=types.FileChangeType.Deleted)]))
    assert await kl401_severities(client, pod, [types.DiagnosticSeverity.Warning]) == [types.DiagnosticSeverity.Warning]


@pytest.mark.asyncio
async def test_a_file_opened_as_it_was_indexed_gets_its_cross_resource_findings(client: LanguageClient) -> None:
    """The common case: the workspace is indexed, then a file is opened unchanged. Its index entry is the
    same as the scan's, and its cross-resource findings must still be computed and published."""
    broken = DEPLOY.replace("name: app-config\n          env", "name: app-confg\n          env").replace(
        "  name: web\nspec", "  name: broken\nspec")
    (client.root / "deploy" / "broken.yaml").write_text(broken)  # type: ignore[attr-defined]
    await indexed(client)
    for _ in range(100):  # the scan may have started before the file was written: wait until it is indexed
        if await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="broken")):
            break
        await asyncio.sleep(0.05)
    diags = await open_doc(client, uri(client, "deploy/broken.yaml"), broken)
    for _ in range(100):
        if diags:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
        diags = client.diagnostics[uri(client, "deploy/broken.yaml")]
    assert [(d.code, d.range) for d in diags] == [("KL501", rng(16, 22, 16, 31))]


@pytest.mark.asyncio
async def test_rule_settings_apply_to_cross_resource_diagnostics(client: LanguageClient) -> None:
    await indexed(client)
    web = uri(client, "deploy/web.yaml")
    typo = DEPLOY.replace("name: app-config\n          env", "name: app-confg\n          env")
    assert [d.code for d in await open_doc(client, web, typo)] == ["KL501"]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kubeLsp": {"kubeVersion": "1.37", "rules": {"unknown-config-map": "error"}}}))
    for _ in range(100):
        if [d.severity for d in client.diagnostics[web]] == [types.DiagnosticSeverity.Error]:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert [(d.code, d.severity) for d in client.diagnostics[web]] == [("KL501", types.DiagnosticSeverity.Error)]


@pytest.mark.asyncio
async def test_a_typo_typed_into_an_open_file_is_reported_once_typing_pauses(client: LanguageClient) -> None:
    await indexed(client)
    web = uri(client, "deploy/web.yaml")
    assert list(await open_doc(client, web, DEPLOY)) == []
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=web, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=rng(16, 31, 16, 32), text="")]))
    for _ in range(100):
        if [d.code for d in client.diagnostics[web]] == ["KL501"]:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert [(d.code, d.range) for d in client.diagnostics[web]] == [("KL501", rng(16, 22, 16, 31))]


@pytest.mark.asyncio
async def test_lenses_are_refreshed_when_the_index_changes(client: LanguageClient) -> None:
    """A file that starts referencing an open ConfigMap changes its "N references" lens: the server asks the
    editor to fetch lenses again (workspace/codeLens/refresh), once per burst, and the new count is served."""
    caps = client_capabilities(client.editor)  # type: ignore[attr-defined]
    if not (caps.workspace and caps.workspace.code_lens and caps.workspace.code_lens.refresh_support):
        pytest.skip("this editor takes no codeLens/refresh")
    await indexed(client)
    cm = uri(client, "config/app.yaml")
    await open_doc(client, cm, CONFIG)

    async def count() -> list[str]:
        lenses = await client.text_document_code_lens_async(types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=cm)))
        titles = [lens.command.title for lens in lenses or [] if lens.command]
        return [t for t in titles if t.endswith("references")]

    assert await count() == ["2 references"]
    await asyncio.sleep(0.5)  # lens refreshes from opening the file have gone out
    before = len(getattr(client, "lens_refreshes", []))
    extra = client.root / "deploy" / "worker.yaml"  # type: ignore[attr-defined]
    extra.write_text(DEPLOY.replace("name: web", "name: worker"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created)]))
    for _ in range(100):
        if len(getattr(client, "lens_refreshes", [])) > before:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    assert len(getattr(client, "lens_refreshes", [])) == before + 1  # one for the burst
    assert await count() == ["4 references"]


@pytest.mark.asyncio
async def test_a_rename_after_an_edit_that_changed_no_object_leaves_no_trace_of_the_old_name(
        client: LanguageClient) -> None:
    """An edit that changes nothing the cross-resource rules read (a comment) keeps the findings; a later
    rename must still take the old name out of the workspace, so that references to it are reported."""
    await indexed(client)
    web, cm = uri(client, "deploy/web.yaml"), uri(client, "config/app.yaml")
    assert list(await open_doc(client, web, DEPLOY)) == []
    await open_doc(client, cm, CONFIG)
    for version, text in ((2, CONFIG + "# owned by the web team\n"),
                          (3, CONFIG.replace("app-config", "app-configs") + "# owned by the web team\n")):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=cm, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        await asyncio.sleep(0.3)
    for _ in range(100):
        if [d.code for d in client.diagnostics[web]] == ["KL501", "KL501"]:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert [(d.code, d.range.start.line) for d in client.diagnostics[web]] == [("KL501", 16), ("KL501", 20)]
    assert "did you mean `app-configs`" in client.diagnostics[web][0].message
