"""End to end: the server over stdio with a real LSP client."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  contianers:
    - name: web
      image: nginx
  volumes:
    - name: data
  hostname: x
"""

DEPLOY_DEDENTED = """apiVersion: apps/v1
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
          image: nginx
      ports:
        - containerPort: 80
"""


async def open_and_wait(client: LanguageClient, uri: str, text: str, version: int = 1) -> list[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text)))
    return await wait_diagnostics(client, uri, version)


async def wait_diagnostics(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    for _ in range(50):
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
        if uri in client.diagnostics and client.diagnostic_versions.get(uri) == version:  # type: ignore[attr-defined]
            break
    return client.diagnostics[uri]


def rng(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(start=types.Position(line=a, character=b), end=types.Position(line=c, character=d))


@pytest.fixture(autouse=True)
def _track_versions(client: LanguageClient) -> None:
    """Also record the version each publishDiagnostics was computed for."""
    versions: dict[str, int | None] = {}
    history: dict[str, list[int | None]] = {}
    client.diagnostic_versions = versions  # type: ignore[attr-defined]
    client.diagnostic_history = history  # type: ignore[attr-defined]
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params: types.PublishDiagnosticsParams) -> None:
        versions[params.uri] = params.version
        history.setdefault(params.uri, []).append(params.version)
        original(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish


@pytest.mark.asyncio
async def test_typo_diagnostic_range_code_and_link(client: LanguageClient) -> None:
    diags = await open_and_wait(client, "file:///w/pod.yaml", POD)
    assert [(d.code, d.range) for d in diags] == [("KL200", rng(5, 2, 5, 12))]
    d = diags[0]
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "kube-lsp"
    assert d.message == "unknown field `contianers` in PodSpec (spec) — did you mean `containers`?"
    assert d.code_description is not None and d.code_description.href.endswith("#kl200")
    assert d.data["fixes"][0]["title"] == "Rename `contianers` to `containers`"


@pytest.mark.asyncio
async def test_wrong_indentation_diagnostic(client: LanguageClient) -> None:
    diags = await open_and_wait(client, "file:///w/deploy.yaml", DEPLOY_DEDENTED)
    assert [(d.code, d.range) for d in diags] == [("KL103", rng(14, 6, 14, 11))]
    assert "belongs under `spec.template.spec.containers[0]`" in diags[0].message


@pytest.mark.asyncio
async def test_quick_fix_edit_and_ignore_actions(client: LanguageClient) -> None:
    uri = "file:///w/pod-fix.yaml"
    diags = await open_and_wait(client, uri, POD)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diags[0].range,
        context=types.CodeActionContext(diagnostics=diags)))
    assert actions is not None
    titles = [a.title for a in actions]
    assert titles == ["Rename `contianers` to `containers`", "Ignore KL200 on this line",
                      "Ignore KL200 in this document", "Dry-run this document on the cluster",
                      "Diff this document against the cluster"]
    # The cluster actions carry a command; the client library reads such actions loosely, so compare text.
    raw = [str(a.command) for a in actions[3:]]
    assert "'command': 'kube-lsp.dryRun'" in raw[0] and f"'arguments': ['{uri}', 0]" in raw[0]
    assert "'command': 'kube-lsp.diff'" in raw[1]
    fix = actions[0]
    assert isinstance(fix, types.CodeAction) and fix.is_preferred
    assert fix.edit is not None and fix.edit.document_changes is not None
    change = fix.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 1
    assert list(change.edits) == [types.TextEdit(range=rng(5, 2, 5, 12), new_text="containers")]
    ignore = actions[1]
    assert isinstance(ignore, types.CodeAction) and ignore.edit is not None
    line_edit = ignore.edit.document_changes[0].edits[0]  # type: ignore[index,union-attr]
    assert line_edit == types.TextEdit(range=rng(5, 13, 5, 13), new_text="  # kube-lsp: ignore=KL200")


@pytest.mark.asyncio
async def test_incremental_change_publishes_new_version_and_close_clears(client: LanguageClient) -> None:
    uri = "file:///w/pod-edit.yaml"
    await open_and_wait(client, uri, POD)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=rng(5, 6, 5, 8), text="ai")]))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangePartial(range=rng(10, 12, 10, 13), text="yes")]))
    diags = await wait_diagnostics(client, uri, 3)
    assert [(d.code, d.range.start.line) for d in diags] == [("KL201", 10)]
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert list(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_completion_in_a_pod_spec_that_does_not_parse(client: LanguageClient) -> None:
    uri = "file:///w/typing.yaml"
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\nspec:\n  containers:\n    - name: web\n      ima\n"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=7, character=9)))
    assert result is not None
    items = result.items if isinstance(result, types.CompletionList) else result
    labels = [i.label for i in items]
    assert {"image", "imagePullPolicy", "ports", "env"} <= set(labels)
    assert "name" not in labels  # already present in this container
    image = next(i for i in items if i.label == "image")
    assert image.detail == "string" and image.insert_text == "image: "
    # Values of a closed set after `imagePullPolicy: `, and spec-level keys for an empty line.
    text2 = text.replace("      ima\n", "      imagePullPolicy: \n  \n")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text2)]))
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=7, character=23)))
    items = result.items if isinstance(result, types.CompletionList) else result  # type: ignore[union-attr]
    assert [i.label for i in items] == ["Always", "Never", "IfNotPresent"]
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=8, character=2)))
    items = result.items if isinstance(result, types.CompletionList) else result  # type: ignore[union-attr]
    by_label = {i.label: i for i in items}
    assert "containers" not in by_label and by_label["restartPolicy"].detail == "string"


@pytest.mark.asyncio
async def test_completion_of_api_version_and_kind_in_either_order(client: LanguageClient) -> None:
    uri = "file:///w/new.yaml"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1,
                                             text="kind: Ingress\napiVersion: \n")))
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=12)))
    items = result.items if isinstance(result, types.CompletionList) else result  # type: ignore[union-attr]
    assert [i.label for i in items] == ["networking.k8s.io/v1"]


@pytest.mark.asyncio
async def test_hover(client: LanguageClient) -> None:
    uri = "file:///w/hover.yaml"
    await open_and_wait(client, uri, POD.replace("contianers", "containers"))
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=7, character=8)))
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    text = result.contents.value
    assert text.startswith("**image** · `string` · optional")
    assert "Container image name" in text
    assert "bundled Kubernetes 1.37 schemas" in text and "io.k8s.api.core.v1.Container" in text
    assert result.range == rng(7, 6, 7, 11)


@pytest.mark.asyncio
async def test_document_symbols_and_folding(client: LanguageClient) -> None:
    uri = "file:///w/multi.yaml"
    text = POD + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata: {a: b}\n"
    await open_and_wait(client, uri, text)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert symbols is not None
    assert [s.name for s in symbols] == ["Pod/web", "ConfigMap/cfg"]  # type: ignore[union-attr]
    pod = symbols[0]
    assert isinstance(pod, types.DocumentSymbol) and pod.children is not None
    assert [c.name for c in pod.children] == ["apiVersion", "kind", "metadata", "spec"]
    assert pod.range.start.line == 0 and symbols[1].range.start.line == 11  # type: ignore[union-attr]
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(f.start_line, f.end_line) for f in folds or []] == [(0, 10), (11, 16)]


@pytest.mark.asyncio
async def test_the_outline_follows_each_edit(client: LanguageClient) -> None:
    """The outline is built once per analysis: asked again it is the same, after an edit it is the new one."""
    uri = "file:///w/outline.yaml"
    await open_and_wait(client, uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata: {a: b}\n")
    ident = types.TextDocumentIdentifier(uri=uri)

    async def names() -> list[str]:
        symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=ident))
        return [s.name for s in symbols or []] + [c.name for s in symbols or []  # type: ignore[union-attr]
                                                  for c in s.children or []]  # type: ignore[union-attr]

    first = await names()
    assert first == ["ConfigMap/cfg", "apiVersion", "kind", "metadata", "data"]
    assert await names() == first
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=rng(3, 8, 3, 11), text="settings")]))
    assert await names() == ["ConfigMap/settings", "apiVersion", "kind", "metadata", "data"]


@pytest.mark.asyncio
async def test_go_to_definition_across_open_files(client: LanguageClient) -> None:
    cm_uri, pod_uri = "file:///w/cm.yaml", "file:///w/uses.yaml"
    await open_and_wait(client, cm_uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {}\n")
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n"
           "      image: busybox\n      envFrom:\n        - configMapRef:\n            name: settings\n")
    await open_and_wait(client, pod_uri, pod)
    locations = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=pod_uri), position=types.Position(line=10, character=20)))
    assert locations == [types.Location(uri=cm_uri, range=rng(3, 8, 3, 16))]


@pytest.mark.asyncio
async def test_service_selector_goes_to_the_workloads(client: LanguageClient) -> None:
    uri = "file:///w/app.yaml"
    text = DEPLOY_DEDENTED.replace("      ports:\n        - containerPort: 80\n", "") + (
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"
        "  ports: [{port: 80}]\n")
    await open_and_wait(client, uri, text)
    locations = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=21, character=6)))
    assert locations == [types.Location(uri=uri, range=rng(3, 8, 3, 11))]


@pytest.mark.asyncio
async def test_settings_change_revalidates(client: LanguageClient) -> None:
    uri = "file:///w/settings.yaml"
    diags = await open_and_wait(client, uri, POD)
    assert [d.severity for d in diags] == [types.DiagnosticSeverity.Error]
    client.set_configuration({"kubeVersion": "1.30", "rules": {"KL200": "warning"}}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert [d.severity for d in client.diagnostics[uri]] == [types.DiagnosticSeverity.Warning]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kubeLsp": {"rules": {"unknown-field": "off"}}}))
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert list(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_utf16_columns_after_emoji(client: LanguageClient) -> None:
    uri = "file:///w/emoji.yaml"
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: \"😀\", b: 1}\n"
    diags = await open_and_wait(client, uri, text)
    encoding = client.init_result.capabilities.position_encoding  # type: ignore[attr-defined]
    # The `1` is code point 22; before it the emoji takes 2 UTF-16 units or 4 UTF-8 bytes.
    enc = str(getattr(encoding, "value", encoding) or "utf-16")
    col = {"utf-16": 23, "utf-8": 25, "utf-32": 22}[enc]
    # KL211 too (an emoji is no label value): its range is the quoted emoji, 2 quotes + the emoji's width.
    width = {"utf-16": 4, "utf-8": 6, "utf-32": 3}[enc]
    assert [(d.code, d.range) for d in diags] == [("KL211", rng(4, 14, 4, 14 + width)),
                                                  ("KL201", rng(4, col, 4, col + 1))]


def _raw(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.asyncio
async def test_unknown_methods_and_garbage_never_kill_the_server(client: LanguageClient) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any JSON-RPC error is fine, a crash is not
        await client.protocol.send_request_async("kube/doesNotExist", None)
    server = client._server  # type: ignore[attr-defined]
    assert server is not None and server.stdin is not None
    server.stdin.write(_raw(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 7}}'))
    server.stdin.write(_raw(b'{"jsonrpc": "2.0", "method": "kube/unknownNotification", "params": [1, 2]}'))
    server.stdin.write(_raw(b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"bad": true}}'))
    server.stdin.write(_raw(b'{"jsonrpc": "2.0", "method": this is not json'))
    await server.stdin.drain()
    uri = "file:///w/binary.yaml"
    diags = await open_and_wait(client, uri, "\x00\x01\x02 not yaml: [: {")
    assert diags and diags[0].code == "KL100"
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri="file:///never/opened.yaml"),
        position=types.Position(line=0, character=0)))
    assert result is None
    assert server.returncode is None


@pytest.mark.asyncio
async def test_rapid_typing_is_debounced_and_never_publishes_stale_results(client: LanguageClient) -> None:
    uri = "file:///w/typing-fast.yaml"
    await open_and_wait(client, uri, POD)
    word = "containers"
    for i in range(len(word)):
        # Retype the misspelled key one keystroke at a time: "c", "co", ..., "containers".
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2 + i),
            content_changes=[types.TextDocumentContentChangePartial(range=rng(5, 2, 5, 2 + (10 if i == 0 else i)),
                                                                    text=word[: i + 1])]))
    final = 1 + len(word)
    diags = await wait_diagnostics(client, uri, final)
    assert list(diags) == []  # the key is spelled right at last
    history = client.diagnostic_history[uri]  # type: ignore[attr-defined]
    assert history[-1] == final
    assert history == sorted(history)  # never an older version after a newer one
    assert len(history) < 1 + len(word)  # bursts are coalesced

