"""The language server's cluster features end to end: the real server over stdio (pytest-lsp), configured like
an editor would (user-level `kubeLsp.cluster` settings), against the API server double over TLS.

The `apiserver` fixture fails a test on any write without dryRun=All. The server runs with a private cache
directory and a debug log file, which the secrets test reads.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from .apiserver import ApiServerDouble, Slow

STATE = Path(tempfile.mkdtemp(prefix="kube-lsp-e2e-"))
LOG = STATE / "server.log"
ENV = {**os.environ, "XDG_CACHE_HOME": str(STATE / "cache"), "KUBECONFIG": str(STATE / "no-kubeconfig")}

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.26
          ports:
            - containerPort: 70000
"""
PORT_LINE = 16  # 0-based, as LSP counts


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "kube_lsp", "serve", "--log-file", str(LOG), "--log-level", "DEBUG"],
        server_env=ENV,
    ),
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    kubeconfig: Path = request.getfixturevalue("kubeconfig")
    timeout = getattr(request, "param", 10)
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 2, "timeout": timeout}}
    lsp_client.set_configuration(settings, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=None,
        initialization_options={"kubeLsp": settings}))
    yield
    if lsp_client._server is None or lsp_client._server.returncode is None:  # a test may have stopped it
        await lsp_client.shutdown_session()


async def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text)))
    await wait_for(client, uri, lambda diags: True)


async def wait_for(client: LanguageClient, uri: str, condition: Any, seconds: float = 15) -> list[types.Diagnostic]:
    """Wait until the diagnostics published for uri satisfy condition."""
    deadline = time.monotonic() + seconds
    while not (uri in client.diagnostics and condition(client.diagnostics[uri])):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"diagnostics never matched: {client.diagnostics.get(uri)}")
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining)
        except TimeoutError:
            pass
    return client.diagnostics[uri]


def cluster_diags(diags: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diags if str(d.code).startswith("KL90")]


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments)))


async def cancel_dry_run(client: LanguageClient, uri: str, msg_id: str, after: float) -> None:
    """Start kube-lsp.dryRun, send $/cancelRequest after `after` seconds, and expect the request cancelled."""
    request = client.protocol.send_request(
        types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams(command="kube-lsp.dryRun", arguments=[uri]),
        msg_id=msg_id)
    await asyncio.sleep(after)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(asyncio.wrap_future(request), 2)


async def code_action_command(client: LanguageClient, uri: str, line: int, title: str) -> types.Command:
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
        context=types.CodeActionContext(diagnostics=[])))
    for action in actions or []:
        # lsprotocol's client-side converter may read a CodeAction that only carries a command as a Command.
        # Recover the command as the editor received it (a plain JSON object).
        cmd = action.command if isinstance(action, types.CodeAction) else action
        if action.title == title and isinstance(cmd, types.Command):
            if cmd.command.startswith("{"):
                raw = ast.literal_eval(cmd.command)
                return types.Command(title=raw["title"], command=raw["command"], arguments=raw["arguments"])
            return cmd
    raise AssertionError(f"no code action {title!r} in {[getattr(a, 'title', a) for a in actions or []]}")


async def cluster_schemas_loaded(client: LanguageClient) -> dict[str, Any]:
    """The server loads the cluster's schemas off the event loop after `initialized`: wait for them."""
    deadline = time.monotonic() + 15
    while not (status := await command(client, "kube-lsp.status"))["clusterSchemas"]:
        assert time.monotonic() < deadline, "cluster schemas never loaded"
        await asyncio.sleep(0.1)
    return dict(status)


@pytest.mark.asyncio
async def test_dry_run_code_action_publishes_the_rejection_at_its_line(client: LanguageClient,
                                                                       apiserver: ApiServerDouble) -> None:
    uri = "file:///work/web.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    assert cluster_diags(client.diagnostics[uri]) == []  # a port number is no schema error: only the server knows

    cmd = await code_action_command(client, uri, 3, "Dry-run this document on the cluster")
    assert (cmd.command, cmd.arguments) == ("kube-lsp.dryRun", [uri, 0])
    result = await command(client, cmd.command, *cmd.arguments)
    diags = await wait_for(client, uri, lambda ds: cluster_diags(ds))

    assert result["context"] == "double" and result["errors"] == 1 and result["documents"] == 1
    (diag,) = cluster_diags(diags)
    assert (diag.code, diag.severity) == ("KL900", types.DiagnosticSeverity.Error)
    assert diag.range == types.Range(start=types.Position(line=PORT_LINE, character=29),
                                     end=types.Position(line=PORT_LINE, character=34))
    assert diag.message.startswith("Invalid value: 70000: must be between 1 and 65535, inclusive")
    writes = [r for r in apiserver.requests if r.is_write]
    assert [(r.method, r.path, r.query["dryRun"]) for r in writes] == [
        ("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", "All")]
    # work-done progress was reported for the run
    assert any(isinstance(v, types.WorkDoneProgressEnd) for reports in client.progress_reports.values()
               for v in reports)

    # The finding stays until the document changes...
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=PORT_LINE, character=29),
                              end=types.Position(line=PORT_LINE, character=34)), text="8080")]))
    await wait_for(client, uri, lambda ds: not cluster_diags(ds))
    # ...and the next dry-run of the fixed document is clean.
    result = await command(client, "kube-lsp.dryRun", uri)
    assert result["errors"] == 0 and cluster_diags(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_code_lenses_offer_dry_run_and_diff_per_document(client: LanguageClient,
                                                                apiserver: ApiServerDouble) -> None:
    uri = "file:///work/two.yaml"
    await open_doc(client, uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n" + DEPLOYMENT)

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    assert [(lens.range.start.line, lens.command.title, list(lens.command.arguments or [])) for lens in lenses or []
            if lens.command and lens.command.command in ("kube-lsp.dryRun", "kube-lsp.diff")] == [
        (0, "Dry-run on cluster", [uri, 0]), (0, "Diff against cluster", [uri, 0]),
        (5, "Dry-run on cluster", [uri, 1]), (5, "Diff against cluster", [uri, 1])]
    # ...and the Deployment's resource summary (tests/lsp/test_resources.py).
    assert [lens.range.start.line for lens in lenses or [] if lens.command
            and lens.command.command == "kube-lsp.resources"] == [6]
    # The lens for the second document dry-runs only that one; its finding lands in that document.
    result = await command(client, "kube-lsp.dryRun", uri, 1)
    assert result["documents"] == 1
    (diag,) = cluster_diags(await wait_for(client, uri, lambda ds: cluster_diags(ds)))
    assert diag.range.start.line == 5 + PORT_LINE
    assert [r.path for r in apiserver.requests if r.is_write] == ["/apis/apps/v1/namespaces/default/deployments/web"]


@pytest.mark.asyncio
async def test_diff_command_returns_the_diff_and_both_sides(client: LanguageClient,
                                                            apiserver: ApiServerDouble) -> None:
    live = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"},
            "data": {"mode": "slow"}}
    apiserver.seed(live)
    uri = "file:///work/cm.yaml"
    await open_doc(client, uri, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n"
                                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  a: b\n")

    result = await command(client, "kube-lsp.diff", uri)

    assert result["errors"] == 0
    text = result["diff"]
    assert "--- live/v1.ConfigMap.default.settings\n+++ merged/v1.ConfigMap.default.settings\n" in text
    assert "-  mode: slow\n+  mode: fast\n" in text
    assert "+++ merged/v1.ConfigMap.default.fresh" in text
    settings, fresh = result["objects"]
    assert (settings["title"], settings["exists"], settings["changed"], settings["document"]) == (
        "v1.ConfigMap.default.settings", True, True, 0)
    assert "mode: slow" in settings["live"] and "mode: fast" in settings["dryRun"]
    assert "managedFields" not in settings["live"] + settings["dryRun"]
    assert (fresh["exists"], fresh["live"], fresh["document"]) == (False, "", 1)
    assert apiserver.get("v1", "ConfigMap", "settings")["data"] == {"mode": "slow"}
    assert apiserver.get("v1", "ConfigMap", "fresh") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [1], indirect=True)  # a 1-second read timeout
async def test_a_cluster_that_times_out_leaves_the_server_responsive(client: LanguageClient,
                                                                     apiserver: ApiServerDouble) -> None:
    uri = "file:///work/slow.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    apiserver.inject(Slow(20), kind="Deployment")

    started = time.monotonic()
    pending = asyncio.ensure_future(command(client, "kube-lsp.dryRun", uri))
    await asyncio.sleep(0.3)
    # While the dry-run waits on the cluster, the editor's requests are answered at once.
    t0 = time.monotonic()
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=5, character=4)))
    assert hover is not None and "replicas" in str(hover.contents)
    assert time.monotonic() - t0 < 1.0
    result = await asyncio.wait_for(pending, 10)

    assert "timed out" in result["error"]
    assert time.monotonic() - started < 5
    assert any(m.type == types.MessageType.Error and "timed out" in m.message for m in client.messages)


@pytest.mark.asyncio
async def test_a_dry_run_can_be_cancelled(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    uri = "file:///work/cancel.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    apiserver.inject(Slow(3), kind="Deployment")

    await cancel_dry_run(client, uri, "dry-run-1", after=0.5)

    # The server goes on answering, and the cancelled run publishes nothing.
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert symbols
    await asyncio.sleep(3.5)
    assert cluster_diags(client.diagnostics[uri]) == []
    assert "kube-lsp: server-side dry-run cancelled" in LOG.read_text()


@pytest.mark.asyncio
async def test_a_cancelled_dry_run_sends_no_more_documents(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    uri = "file:///work/many.yaml"
    await open_doc(client, uri, "---\n".join(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata: {{a: b}}\n" for i in range(12)))
    apiserver.inject(Slow(2), kind="ConfigMap")

    await cancel_dry_run(client, uri, "dry-run-many", after=0.7)
    await asyncio.sleep(3)  # the documents in flight finish; no new ones start

    assert sum(r.is_write for r in apiserver.requests) == 4  # the ones in flight when it was cancelled


@pytest.mark.asyncio
async def test_cancelling_the_progress_cancels_the_dry_run(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    uri = "file:///work/cancel-progress.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    apiserver.inject(Slow(3), kind="Deployment")
    known = set(client.progress_reports)

    pending = asyncio.ensure_future(command(client, "kube-lsp.diff", uri))
    deadline = time.monotonic() + 5
    while not (tokens := {t for t in set(client.progress_reports) - known if client.progress_reports[t]}):
        assert time.monotonic() < deadline, "no progress began"
        await asyncio.sleep(0.05)
    (token,) = tokens
    begin = client.progress_reports[token][0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    client.protocol.notify(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token))

    assert await asyncio.wait_for(pending, 5) == {"error": "cancelled", "cancelled": True}
    await asyncio.sleep(3.5)  # the cluster's slow answer arrives after the cancellation: nothing is published
    assert cluster_diags(client.diagnostics[uri]) == []


@pytest.mark.asyncio
async def test_unreachable_cluster_is_a_message_not_a_crash(client: LanguageClient,
                                                            apiserver: ApiServerDouble, tmp_path: Path) -> None:
    uri = "file:///work/web.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    broken = apiserver.write_kubeconfig(tmp_path / "broken", context="gone")
    broken.write_text(broken.read_text().replace(apiserver.url, "https://127.0.0.1:9"))
    client.set_configuration({"cluster": {"kubeconfig": str(broken), "context": "gone"}}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await asyncio.sleep(0.5)

    result = await command(client, "kube-lsp.diff", uri)

    assert "cannot reach the cluster at https://127.0.0.1:9" in result["error"]
    assert await command(client, "kube-lsp.status") is not None  # still serving


@pytest.mark.asyncio
async def test_select_context_and_status(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    status = await cluster_schemas_loaded(client)
    assert status["context"] == "double"
    assert status["schemaSource"].startswith("cluster double")  # the cluster's own /openapi/v3
    assert status["kubeVersion"] == "1.33" and status["clusterSchemas"] is True

    assert await command(client, "kube-lsp.selectContext") == {"contexts": ["double"], "current": "double"}
    assert await command(client, "kube-lsp.selectContext", "prod") == {"error": "no context named 'prod'",
                                                                      "contexts": ["double"]}
    assert await command(client, "kube-lsp.selectContext", "double") == {"context": "double"}


@pytest.mark.asyncio
async def test_validation_uses_the_cluster_schemas_and_crds(client: LanguageClient,
                                                             apiserver: ApiServerDouble) -> None:
    """The Widget CRD exists only in the cluster: with its schema, a misspelled field is caught as you type."""
    uri = "file:///work/widget.yaml"
    await cluster_schemas_loaded(client)
    await open_doc(client, uri, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n"
                                "  size: 3\n  colour: red\n")

    diags = await wait_for(client, uri, lambda ds: any(d.code == "KL200" for d in ds))
    (typo,) = [d for d in diags if d.code == "KL200"]
    assert typo.range.start.line == 6 and "did you mean `color`?" in typo.message
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=5, character=3)))
    assert hover is not None and "cluster double" in str(hover.contents)


@pytest.mark.asyncio
async def test_tokens_and_secret_values_never_reach_logs_results_or_diagnostics(
        client: LanguageClient, apiserver: ApiServerDouble) -> None:
    old, new = "hunter2-old-value", "hunter2-new-value"
    apiserver.seed({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "default"},
                    "data": {"password": base64.b64encode(old.encode()).decode()}})
    uri = "file:///work/secret.yaml"
    await open_doc(client, uri, f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
                                f"  password: {new}\n  bad key!: x\n")

    diff = await command(client, "kube-lsp.diff", uri)
    dry = await command(client, "kube-lsp.dryRun", uri)

    everything = "\n".join([str(diff), str(dry), str(client.diagnostics.get(uri)), LOG.read_text(),
                            *(m.message for m in client.messages), *(m.message for m in client.log_messages)])
    assert "kube-lsp.cluster" in LOG.read_text() or "GET /" in LOG.read_text()  # the log is written at DEBUG
    for secret in (apiserver.token, old, new, base64.b64encode(old.encode()).decode(),
                   base64.b64encode(new.encode()).decode()):
        assert secret not in everything


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"],
                                              server_env=ENV))
async def repo_client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A server opened on a repository whose .kube-lsp.yaml tries to choose the cluster; no user settings."""
    kubeconfig: Path = request.getfixturevalue("kubeconfig")
    repo: Path = request.getfixturevalue("tmp_path") / "repo"
    repo.mkdir()
    (repo / ".kube-lsp.yaml").write_text(f"kubeVersion: '1.30'\ncontext: double\nkubeconfig: {kubeconfig}\n"
                                         f"cluster:\n  kubeconfig: {kubeconfig}\n  context: double\n")
    lsp_client.set_configuration({}, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=repo.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=repo.as_uri(), name="repo")]))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_repository_files_can_never_choose_the_cluster(repo_client: LanguageClient, apiserver: ApiServerDouble,
                                                              tmp_path: Path) -> None:
    client_of_repo = repo_client
    uri = (tmp_path / "repo" / "web.yaml").as_uri()
    await open_doc(client_of_repo, uri, DEPLOYMENT)

    status = await command(client_of_repo, "kube-lsp.status")
    result = await command(client_of_repo, "kube-lsp.dryRun", uri)

    assert status["kubeVersion"] == "1.30"  # the repository's other settings do apply
    assert status["context"] is None and status["clusterSchemas"] is False
    assert "kubeconfig" in result["error"]
    assert any("ignored in repository settings" in m.message for m in client_of_repo.messages)
    assert apiserver.requests == []  # the double named by the repository was never contacted


@pytest.mark.asyncio
async def test_changing_the_cluster_setting_switches_schemas_and_clears_it(client: LanguageClient,
                                                                          apiserver: ApiServerDouble,
                                                                          kubeconfig: Path) -> None:
    await cluster_schemas_loaded(client)

    client.set_configuration({"cluster": {}}, section="kubeLsp")  # the user removed the cluster setting
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await asyncio.sleep(0.5)
    status = await command(client, "kube-lsp.status")
    assert (status["context"], status["clusterSchemas"]) == (None, False)
    assert status["schemaSource"].startswith("bundled")

    client.set_configuration({"cluster": {"kubeconfig": str(kubeconfig)}}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    status = await cluster_schemas_loaded(client)
    assert status["context"] == "double" and status["schemaSource"].startswith("cluster double")


@pytest.mark.asyncio
async def test_shutdown_while_a_dry_run_is_in_flight(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    uri = "file:///work/closing.yaml"
    await open_doc(client, uri, DEPLOYMENT)
    apiserver.inject(Slow(5), kind="Deployment")
    pending = asyncio.ensure_future(command(client, "kube-lsp.diff", uri))
    await asyncio.sleep(0.5)

    started = time.monotonic()
    assert await asyncio.wait_for(client.shutdown_async(None), 5) is None  # no error, and promptly
    assert time.monotonic() - started < 3
    assert (await asyncio.wait_for(pending, 5)).get("cancelled") is True
    # A request after shutdown is answered with an error, as the LSP says, not left unanswered.
    with pytest.raises(Exception, match="shutting down"):
        await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0))), 3)

    client.exit(None)  # and the process ends cleanly, without waiting for the slow cluster
    assert client._server is not None
    assert await asyncio.wait_for(client._server.wait(), 4) == 0
