"""Live state in the editor end to end: the real server over stdio (pytest-lsp) with `kubeLsp.cluster.live`,
against the API server double. Live problems appear on their line with source "kube-lsp live", stay while
static analysis re-runs, and go away when the cluster (through a watch) stops reporting them; lenses, hover,
drift on the changed field only, RBAC, bounded watches, and diff against several contexts."""

from __future__ import annotations

import asyncio
import json
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

from .apiserver import ApiServerDouble, Forbidden
from .livestate import MANIFEST, Scenario, position, running, terminated, waiting

STATE = Path(tempfile.mkdtemp(prefix="kube-lsp-live-e2e-"))
ENV = {**os.environ, "XDG_CACHE_HOME": str(STATE / "cache"), "KUBECONFIG": str(STATE / "no-kubeconfig")}
URI = "file:///work/live/web.yaml"


def lsp_position(needle: str, occurrence: int = 1, offset: int = 0) -> tuple[int, int]:
    """0-based (line, character) as the LSP counts."""
    line, col = position(needle, occurrence)
    return line - 1, col - 1 + offset


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"], server_env=ENV),
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    kubeconfig: Path = request.getfixturevalue("kubeconfig")
    live = getattr(request, "param", True)
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 2, "timeout": 10, "live": live,
                                               "schemas": False}}
    lsp_client.set_configuration(settings, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=None,
        initialization_options={"kubeLsp": settings}))
    yield
    if lsp_client._server is None or lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


async def wait_for(client: LanguageClient, condition: Any, seconds: float = 15, uri: str = URI) -> list[Any]:
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


def live(diags: list[types.Diagnostic], code: str | None = None) -> list[types.Diagnostic]:
    return [d for d in diags if d.source == "kube-lsp live" and (code is None or d.code == code)]


def at(d: types.Diagnostic) -> tuple[int, int]:
    return d.range.start.line, d.range.start.character


async def open_doc(client: LanguageClient, text: str = MANIFEST, uri: str = URI) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments)))


@pytest.mark.asyncio
async def test_live_problem_on_its_line_then_gone_through_the_watch(client: LanguageClient,
                                                                    apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    p = s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    apiserver.event(p, "Failed", 'Failed to pull image "nginx:1.277": docker.io/library/nginx:1.277: not found',
                    field_path="spec.containers{web}", age=120)
    s.pod("web-7d9f-b", statuses=[running(restarts=3, last=terminated("OOMKilled", 137))])
    await open_doc(client)
    diags = await wait_for(client, lambda ds: live(ds, "KL950") and live(ds, "KL951"))
    pull = live(diags, "KL950")[0]
    assert at(pull) == lsp_position("nginx:1.277")
    assert pull.severity == types.DiagnosticSeverity.Warning
    assert "nginx:1.277: not found" in pull.message and "seen 2m ago" in pull.message
    assert at(live(diags, "KL951")[0]) == lsp_position("128Mi")
    # Static analysis re-runs on an edit: the live diagnostics stay, moved with their lines.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="# a comment\n" + MANIFEST)]))
    diags = await wait_for(client, lambda ds: any(at(d)[0] == lsp_position("nginx:1.277")[0] + 1
                                                  for d in live(ds, "KL950")))
    assert live(diags, "KL951")
    # The cluster stops reporting it: the watch refreshes the document, the diagnostic goes.
    s.set_pod("web-7d9f-a")
    diags = await wait_for(client, lambda ds: not live(ds, "KL950"))
    assert live(diags, "KL951")
    s.set_pod("web-7d9f-b")
    await wait_for(client, lambda ds: not live(ds, "KL951"))
    assert all(r.method == "GET" or r.dry_run for r in apiserver.requests)
    assert any(r.query.get("watch") == "true" for r in apiserver.requests)


@pytest.mark.asyncio
async def test_each_live_problem_on_its_line(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    last = terminated("Error", 2, "panic: no config")
    p = s.pod("web-7d9f-a", statuses=[waiting("CrashLoopBackOff", restarts=5, last=last)])
    apiserver.event(p, "Unhealthy", "Liveness probe failed: Get \"http://10.0.0.1:8080/healthz\": connection refused",
                    field_path="spec.containers{web}", count=4)
    msg = "0/2 nodes are available: 2 Insufficient cpu."
    s.pod("web-7d9f-b", "Pending", statuses=[], conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg}])
    apiserver.set_status("v1", "PersistentVolumeClaim", "data", {"phase": "Pending"})
    s.endpoints(ready=0)
    await open_doc(client)
    want = {"KL952": lsp_position("- name: web", offset=len("- name: ")), "KL955": lsp_position("livenessProbe"),
            "KL953": lsp_position('"4"'), "KL954": lsp_position("claimName: data", offset=len("claimName: ")),
            "KL957": lsp_position("selector", 2)}
    diags = await wait_for(client, lambda ds: all(live(ds, c) for c in want))
    assert {c: at(live(diags, c)[0]) for c in want} == want
    s.healthy()
    apiserver.set_status("v1", "PersistentVolumeClaim", "data", {"phase": "Bound"})
    for ev in [o for o in apiserver.objects if o.get("kind") == "Event"]:
        apiserver.remove("v1", "Event", ev["metadata"]["name"])
    await wait_for(client, lambda ds: not live(ds))


@pytest.mark.asyncio
async def test_lens_hover_and_refresh_command(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    s.healthy()
    p = apiserver.get("v1", "Pod", "web-7d9f-a")
    assert p is not None
    apiserver.event(p, "Pulled", "Successfully pulled image", type="Normal", age=10)
    apiserver.event(p, "BackOff", "Back-off restarting failed container", age=60)
    await open_doc(client)
    result = await command(client, "kube-lsp.liveRefresh", URI)
    assert [o["summary"] for o in result["objects"]] == ["2/2 ready · rolled out", "2 ready endpoints"]
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=URI)))
    titles = [lens.command.title for lens in lenses if lens.command]
    assert "live: 2/2 ready · rolled out" in titles and "live: 2 ready endpoints" in titles
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=1, character=2)))
    assert hover is not None
    text = hover.contents.value if isinstance(hover.contents, types.MarkupContent) else str(hover.contents)
    assert "**Live state** (double): 2/2 ready · rolled out" in text
    assert "| Available | True |" in text and "Images running: `nginx:1.27`" in text
    assert text.index("**BackOff**") < text.index("**Pulled**")  # warnings first
    assert "Age:" in text
    # The server asks the editor to fetch the lenses again when the live state changes.
    assert getattr(client, "lens_refreshes", None)


@pytest.mark.asyncio
async def test_drift_on_the_changed_field_only(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    s.healthy()
    dep = apiserver.get("apps/v1", "Deployment", "web")
    assert dep is not None
    dep["spec"]["replicas"] = 5  # scaled by hand
    apiserver.seed(dep)
    await open_doc(client)
    diags = await wait_for(client, lambda ds: live(ds, "KL958"))
    drift = live(diags, "KL958")
    assert [at(d) for d in drift] == [lsp_position("2", 1)] == [lsp_position("replicas: 2", offset=10)]
    assert drift[0].severity == types.DiagnosticSeverity.Information and "live: 5" in drift[0].message
    line = at(drift[0])[0]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
        context=types.CodeActionContext(diagnostics=[drift[0]], only=[types.CodeActionKind.QuickFix])))
    fix = next(a for a in actions or [] if a.title == "Diff this document against the cluster")
    cmd = fix.command if isinstance(fix, types.CodeAction) else fix
    assert isinstance(cmd, types.Command) and "kube-lsp.diff" in cmd.command
    result = await command(client, "kube-lsp.diff", URI, 0)
    assert "-  replicas: 5\n+  replicas: 2\n" in result["diff"]


@pytest.mark.asyncio
async def test_rbac_forbidden_is_a_clear_state(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    Scenario(apiserver).healthy()
    apiserver.inject(Forbidden(user="dev"), kind="deployments")
    await open_doc(client)
    diags = await wait_for(client, lambda ds: live(ds, "KL959"))
    denied = live(diags, "KL959")[0]
    assert at(denied)[0] == lsp_position("name: web")[0]
    assert "403 Forbidden" in denied.message and 'User "dev" cannot get resource "deployments"' in denied.message
    result = await command(client, "kube-lsp.liveRefresh", URI)
    assert result["objects"][0]["summary"] == "forbidden (RBAC)"
    assert result["objects"][1]["summary"] == "2 ready endpoints"
    deadline = time.monotonic() + 10
    while not (await command(client, "kube-lsp.liveRefresh", URI))["watchesForbidden"]:
        assert time.monotonic() < deadline, "the forbidden watch is never reported"
        await asyncio.sleep(0.2)


@pytest.mark.asyncio
async def test_watches_are_bounded_to_open_documents(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    Scenario(apiserver).healthy()
    await open_doc(client)
    await open_doc(client, uri="file:///work/live/other.yaml")
    deadline = time.monotonic() + 10
    while apiserver.watches_open < 7:
        assert time.monotonic() < deadline, apiserver.watches_open
        await asyncio.sleep(0.1)
    result = await command(client, "kube-lsp.liveRefresh", URI)
    assert len(result["watches"]) == len(set(result["watches"])) == 8  # one per namespace/kind, both documents
    for uri in (URI, "file:///work/live/other.yaml"):
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
    deadline = time.monotonic() + 10
    while apiserver.watches_open:
        assert time.monotonic() < deadline, f"{apiserver.watches_open} watches still open"
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [False], indirect=True)
async def test_live_state_is_off_unless_enabled(client: LanguageClient, apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", "Back-off")])
    await open_doc(client)
    await wait_for(client, lambda ds: True)
    await asyncio.sleep(1)
    assert live(client.diagnostics[URI]) == []
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=URI)))
    assert not any(lens.command and lens.command.title.startswith("live:") for lens in lenses)
    assert not any(r.path.endswith("/pods") for r in apiserver.requests)
    assert "live state is off" in (await command(client, "kube-lsp.liveRefresh", URI))["error"]


@pytest.mark.asyncio
async def test_diff_against_all_contexts_with_one_failing(client: LanguageClient, apiserver: ApiServerDouble,
                                                          kubeconfig: Path) -> None:
    Scenario(apiserver)
    dep = apiserver.get("apps/v1", "Deployment", "web")
    assert dep is not None
    dep["spec"]["replicas"] = 3
    apiserver.seed(dep)
    config = json.loads(kubeconfig.read_text())
    config["contexts"].append({"name": "prod", "context": {"cluster": "down", "user": "double-user"}})
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kubeconfig.write_text(json.dumps(config))
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 1, "timeout": 10, "contexts": ["double", "prod"],
                                               "schemas": False}}
    client.set_configuration(settings, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"kubeLsp": settings}))
    await open_doc(client)
    await asyncio.sleep(0.5)
    result = await command(client, "kube-lsp.diffAll", URI)
    double, prod = result["sections"]
    assert double["context"] == "double" and "-  replicas: 3\n+  replicas: 2\n" in double["diff"]
    assert prod["context"] == "prod" and "cannot reach the cluster at https://127.0.0.1:9" in prod["error"]


@pytest.mark.asyncio
async def test_live_state_of_several_contexts_side_by_side(client: LanguageClient, apiserver: ApiServerDouble,
                                                           kubeconfig: Path) -> None:
    Scenario(apiserver).healthy()
    config = json.loads(kubeconfig.read_text())
    config["contexts"].append({"name": "staging", "context": {"cluster": "double", "user": "double-user",
                                                              "namespace": "staging"}})
    config["contexts"].append({"name": "prod", "context": {"cluster": "down", "user": "double-user"}})
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kubeconfig.write_text(json.dumps(config))
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 1, "timeout": 10, "live": True, "schemas": False,
                                               "contexts": ["double", "staging", "prod"]}}
    client.set_configuration(settings, section="kubeLsp")  # what a later workspace/configuration pull gets
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"kubeLsp": settings}))
    await open_doc(client)
    await wait_for(client, lambda ds: True)
    result = await command(client, "kube-lsp.liveRefresh", URI)
    dep = result["objects"][0]
    assert dep["summary"] == "2/2 ready · rolled out"
    assert dep["contexts"]["staging"]["summary"] == "not found in staging"
    assert dep["contexts"]["prod"]["summary"] == "unreachable"
    assert "cannot reach the cluster at https://127.0.0.1:9" in dep["contexts"]["prod"]["error"]
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=URI)))
    titles = [lens.command.title for lens in lenses if lens.command]
    assert "live (double): 2/2 ready · rolled out | staging: not found in staging | prod: unreachable" in titles
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=1, character=2)))
    assert hover is not None
    text = hover.contents.value if isinstance(hover.contents, types.MarkupContent) else str(hover.contents)
    assert "**Live state** (staging): not found in staging" in text and "**Live state** (prod): unreachable" in text


@pytest.mark.asyncio
@pytest.mark.parametrize("client", [False], indirect=True)
async def test_switching_live_on_and_off_through_the_settings(client: LanguageClient, apiserver: ApiServerDouble,
                                                              kubeconfig: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", "Back-off pulling image")])
    await open_doc(client)
    await wait_for(client, lambda ds: True)
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 2, "timeout": 10, "live": True, "schemas": False}}
    client.set_configuration(settings, section="kubeLsp")
    # As VS Code does: the notification carries no settings, the server pulls them.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(client, lambda ds: live(ds, "KL950"))
    settings["cluster"]["live"] = False
    client.set_configuration(settings, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(client, lambda ds: not live(ds))


async def watches_open(apiserver: ApiServerDouble, n: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while apiserver.watches_open < n:
        assert time.monotonic() < deadline, apiserver.watches_open
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_watch_events_refresh_only_the_documents_they_concern(client: LanguageClient,
                                                                    apiserver: ApiServerDouble) -> None:
    s = Scenario(apiserver)
    s.healthy()
    await open_doc(client)
    await wait_for(client, lambda ds: True)
    await watches_open(apiserver, 6)
    first = await command(client, "kube-lsp.liveRefresh", URI)
    calls = 1
    # Another workload's pod and its events in the same namespace: the watches see them, nothing refreshes.
    other = apiserver.seed({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "labels": {"app": "db"}},
                            "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
                            "status": {"phase": "Pending"}}, manager=None, defaults=False)
    apiserver.event(other, "Failed", "Failed to pull image", field_path="spec.containers{db}")
    deadline = time.monotonic() + 10
    while True:
        result = await command(client, "kube-lsp.liveRefresh", URI)
        calls += 1
        if result["watchEventsSkipped"] >= 2:
            break
        assert time.monotonic() < deadline, result
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # longer than the debounce and the minimum interval: a refresh would have run
    result = await command(client, "kube-lsp.liveRefresh", URI)
    calls += 1
    assert result["refreshes"] == first["refreshes"] - 1 + calls  # only the command's own refreshes
    # A pod of the file's Deployment: its change refreshes the document.
    s.set_pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    await wait_for(client, lambda ds: live(ds, "KL950"))
    result = await command(client, "kube-lsp.liveRefresh", URI)
    calls += 1
    assert result["refreshes"] > first["refreshes"] - 1 + calls


@pytest.mark.asyncio
async def test_other_contexts_are_watched_and_their_problems_named(client: LanguageClient,
                                                                  apiserver: ApiServerDouble,
                                                                  kubeconfig: Path) -> None:
    primary = Scenario(apiserver)
    primary.healthy()
    primary.set_pod("web-7d9f-b", statuses=[running(restarts=3, last=terminated("OOMKilled", 137))])
    staging = Scenario(apiserver, namespace="staging")
    p = staging.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    apiserver.event(p, "Failed", 'Failed to pull image "nginx:1.277": not found', field_path="spec.containers{web}")
    config = json.loads(kubeconfig.read_text())
    config["contexts"].append({"name": "staging", "context": {"cluster": "double", "user": "double-user",
                                                              "namespace": "staging"}})
    config["contexts"].append({"name": "prod", "context": {"cluster": "down", "user": "double-user"}})
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kubeconfig.write_text(json.dumps(config))
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(kubeconfig), "context": "double",
                                               "connectTimeout": 1, "timeout": 10, "live": True, "schemas": False,
                                               "contexts": ["double", "staging", "prod"]}}
    client.set_configuration(settings, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"kubeLsp": settings}))
    await open_doc(client)
    diags = await wait_for(client, lambda ds: live(ds, "KL950") and live(ds, "KL951"))
    pull, oom = live(diags, "KL950"), live(diags, "KL951")
    assert [at(d) for d in pull] == [lsp_position("nginx:1.277")] and pull[0].message.startswith("[staging] ")
    assert [at(d) for d in oom] == [lsp_position("128Mi")] and oom[0].message.startswith("[double] ")
    assert not any(d.message.startswith("[prod]") for d in live(diags))  # unreachable: its lens says so
    result = await command(client, "kube-lsp.liveRefresh", URI)
    assert result["contextWatches"]["staging"] and "prod" not in result["contextWatches"]
    assert all(" in staging" in w for w in result["contextWatches"]["staging"])
    # The staging pod recovers: staging's own watch refreshes the document, its problem goes; the other stays.
    await watches_open(apiserver, 12)
    staging.set_pod("web-7d9f-a")
    diags = await wait_for(client, lambda ds: not live(ds, "KL950"))
    assert [d.message[:9] for d in live(diags, "KL951")] == ["[double] "]
    assert all(r.method == "GET" or r.dry_run for r in apiserver.requests)


CRONJOB = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.36
"""


@pytest.mark.asyncio
async def test_diff_all_sections_name_their_version_and_its_api_findings(client: LanguageClient,
                                                                         apiserver: ApiServerDouble,
                                                                         old_apiserver: ApiServerDouble,
                                                                         two_clusters: Path) -> None:
    Scenario(apiserver)
    Scenario(old_apiserver)
    settings = {"kubeVersion": "", "cluster": {"kubeconfig": str(two_clusters), "context": "double",
                                               "connectTimeout": 2, "timeout": 10, "contexts": ["double", "old"],
                                               "schemas": False}}
    client.set_configuration(settings, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"kubeLsp": settings}))
    text = MANIFEST + "---\n" + CRONJOB
    await open_doc(client, text)
    result = await command(client, "kube-lsp.diffAll", URI)
    new, old = result["sections"]
    line = text.count("\n", 0, text.index("batch/v1beta1"))
    assert new["title"] == "double (Kubernetes v1.33.1)" and new["kubeVersion"] == "1.33"
    assert old["title"] == "old (Kubernetes v1.24.17)" and old["gitVersion"] == "v1.24.17"
    assert [(f["code"], f["line"], f["character"]) for f in new["versionFindings"]] == [("KL300", line, 12)]
    assert new["versionFindings"][0]["message"].endswith("removed in 1.25; use `batch/v1` — double runs v1.33.1")
    assert [(f["code"], f["line"]) for f in old["versionFindings"]] == [("KL301", line)]
    assert "deprecated since Kubernetes 1.21" in old["versionFindings"][0]["message"]
    again = await command(client, "kube-lsp.diffAll", URI)
    assert [s["title"] for s in again["sections"]] == [new["title"], old["title"]]
    # /version once per context, however many diffs (the chosen one's: also once for the analysis target)
    assert len([r for r in old_apiserver.requests if r.path == "/version"]) == 1
    assert len([r for r in apiserver.requests if r.path == "/version"]) <= 2  # unless diffAll ran first
