"""A kubeconfig that is a FIFO (or a device) must never freeze the server or hang the CLI: only regular
files are read, and kubeconfig reading in the server happens off the event loop with a timeout."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from kube_lsp.cluster.transport import ClusterConfigError, check_kubeconfig, list_contexts

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig.fifo"
    os.mkfifo(path)
    return path


def test_a_fifo_kubeconfig_is_refused_without_opening_it(fifo: Path) -> None:
    with pytest.raises(ClusterConfigError, match=f"kubeconfig {fifo} is not a regular file"):
        list_contexts(str(fifo))


def test_a_fifo_in_the_kubeconfig_variable_is_refused(fifo: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "missing"), str(fifo)]))
    with pytest.raises(ClusterConfigError, match="is not a regular file"):
        check_kubeconfig(None)


def test_a_regular_kubeconfig_passes_the_check(kubeconfig: Path) -> None:
    check_kubeconfig(str(kubeconfig))
    assert list_contexts(str(kubeconfig)) == (["double"], "double")


@pytest.mark.parametrize("command", ["check", "dry-run"])
def test_the_cli_exits_2_with_a_message_for_a_fifo_kubeconfig(command: str, fifo: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kube_lsp", command, "--kubeconfig", str(fifo), str(manifest)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == f"kube-lsp: error: kubeconfig {fifo} is not a regular file"
    assert "Traceback" not in proc.stderr


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]))
async def fifo_client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    fifo: Path = request.getfixturevalue("fifo")
    settings = {"cluster": {"kubeconfig": str(fifo)}}
    lsp_client.set_configuration(settings, section="kubeLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=None,
        initialization_options={"kubeLsp": settings}))
    yield
    await lsp_client.shutdown_session()


async def _command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))), 10)


@pytest.mark.asyncio
async def test_status_and_select_context_answer_for_a_fifo_kubeconfig(fifo_client: LanguageClient,
                                                                      fifo: Path) -> None:
    status = await _command(fifo_client, "kube-lsp.status")
    assert status["context"] is None and status["clusterSchemas"] is False
    assert await _command(fifo_client, "kube-lsp.selectContext") == {
        "error": f"kubeconfig {fifo} is not a regular file"}
    assert await _command(fifo_client, "kube-lsp.selectContext", "prod") == {
        "error": f"kubeconfig {fifo} is not a regular file"}
    # Still serving documents.
    uri = "untitled:cm.yaml"
    fifo_client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=MANIFEST)))
    await asyncio.wait_for(fifo_client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10)
    assert uri in fifo_client.diagnostics
