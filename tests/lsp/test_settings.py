"""Settings end to end: an invalid entry costs only itself, and the server says so once, in a message and the log,
whether the settings came in `initializationOptions` or through `workspace/configuration`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from kube_lsp.schema.catalog import bundled_versions, format_version
from tests.lsp.conftest import EDITORS, accept_registrations

BAD_RULE = ("kube-lsp settings: unknown rule `deprecated-api` in kubeLsp.rules — did you mean "
            "`deprecated-api-version`? It was ignored.")
BAD_SEVERITY = ("kube-lsp settings: unknown severity `fatal` for `KL201` in kubeLsp.rules (use error, warning, "
                "info, hint or off). It was ignored.")
BAD_EXCLUDE = "kube-lsp settings: entry 2 of kubeLsp.exclude is not a glob pattern: 7. It was ignored."
BAD_VERSION = ("kube-lsp settings: invalid Kubernetes version `1.x` in kubeLsp.kubeVersion (use MAJOR.MINOR such "
               "as 1.30). It was ignored.")

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: clusterIP
  ports:
    - port: 80
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]),
    params=EDITORS,
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client that each test initializes itself."""
    accept_registrations(lsp_client)
    lsp_client.editor = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def initialize(client: LanguageClient, options: Any = None) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(client.editor),  # type: ignore[attr-defined]
        root_uri=None, initialization_options=options))


async def wait_for_messages(client: LanguageClient, count: int, timeout: float = 20) -> list[str]:
    """The window/showMessage texts, once there are at least `count` of them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(client.messages) < count:
        assert loop.time() < deadline, f"expected {count} messages, got {[m.message for m in client.messages]}"
        try:
            await asyncio.wait_for(client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 0.5)
        except TimeoutError:
            pass
    return [m.message for m in client.messages]


async def status(client: LanguageClient) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="kube-lsp.status", arguments=[]))
    assert isinstance(result, dict)
    return result


async def diagnostics_of(client: LanguageClient, uri: str, text: str) -> list[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    for _ in range(50):
        if uri in client.diagnostics:
            break
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    return list(client.diagnostics[uri])


def warnings_logged(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.type == types.MessageType.Warning]


@pytest.mark.asyncio
async def test_initialization_options_keep_the_valid_entries_and_name_the_bad_one(client: LanguageClient) -> None:
    await initialize(client, {"settings": {"kubeLsp": {
        "kubeVersion": "1.25", "rules": {"deprecated-api": "off", "KL202": "off"}}}})

    assert await wait_for_messages(client, 1) == [BAD_RULE]
    assert client.messages[0].type == types.MessageType.Warning
    assert warnings_logged(client) == [BAD_RULE]
    assert (await status(client))["kubeVersion"] == "1.25"  # not the newest: the other settings hold
    assert await diagnostics_of(client, "file:///tmp/svc.yaml", SERVICE) == []  # KL202 is off


@pytest.mark.asyncio
async def test_workspace_configuration_drops_each_bad_entry_alone_and_says_so_once(client: LanguageClient) -> None:
    client.set_configuration({"kubeVersion": "1.25", "rules": {"deprecated-api": "off", "KL202": "off",
                                                                   "KL201": "fatal"}}, section="kubeLsp")
    await initialize(client)

    assert await wait_for_messages(client, 2) == [BAD_RULE, BAD_SEVERITY]
    assert (await status(client))["kubeVersion"] == "1.25"
    assert await diagnostics_of(client, "file:///tmp/svc.yaml", SERVICE) == []

    # A settings change pulls the configuration again: the problems still there are not shown again, a new
    # one is (it comes after them, so a repeated message would have arrived before it).
    client.set_configuration({"kubeVersion": "1.x", "rules": {"deprecated-api": "off", "KL201": "fatal"},
                                  "exclude": ["charts/*", 7]}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))

    assert await wait_for_messages(client, 4) == [BAD_RULE, BAD_SEVERITY, BAD_VERSION, BAD_EXCLUDE]
    assert warnings_logged(client) == [BAD_RULE, BAD_SEVERITY, BAD_VERSION, BAD_EXCLUDE]
    # Left out, the version is as if unset: the newest bundled one.
    assert (await status(client))["kubeVersion"] == format_version(bundled_versions()[-1])


@pytest.mark.asyncio
async def test_exclude_leaves_files_out_as_check_does(client: LanguageClient, tmp_path: Any) -> None:
    """`kubeLsp.exclude` globs are relative to the workspace folder (or to the .kube-lsp.yaml that sets them):
    an excluded file gets no diagnostics, the others do, and a change of the setting takes effect at once."""
    (tmp_path / "charts" / "web" / "templates").mkdir(parents=True)
    client.set_configuration({"exclude": ["charts/*/templates/*"]}, section="kubeLsp")
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(client.editor),  # type: ignore[attr-defined]
        root_uri=tmp_path.as_uri(), workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))

    excluded = (tmp_path / "charts" / "web" / "templates" / "svc.yaml").as_uri()
    checked = (tmp_path / "svc.yaml").as_uri()
    assert await diagnostics_of(client, excluded, SERVICE) == []
    assert [d.code for d in await diagnostics_of(client, checked, SERVICE)] == ["KL202"]

    client.set_configuration({"exclude": []}, section="kubeLsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    for _ in range(100):
        if client.diagnostics.get(excluded):
            break
        await asyncio.sleep(0.1)
    assert [d.code for d in client.diagnostics[excluded]] == ["KL202"]
