"""pytest-lsp: the real server over stdio, under the recorded capabilities of VS Code and Neovim."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

EDITORS = ["visual-studio-code", "neovim@v0.11.0"]


def accept_registrations(client: LanguageClient) -> None:
    """Start `client.registrations` empty (tests/conftest.py makes every client answer registrations)."""
    client.registrations = []  # type: ignore[attr-defined]


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]),
    params=EDITORS,
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    accept_registrations(lsp_client)
    lsp_client.set_configuration({"kubeVersion": "1.37"}, section="kubeLsp")
    lsp_client.init_result = await lsp_client.initialize_session(types.InitializeParams(  # type: ignore[attr-defined]
        capabilities=client_capabilities(request.param),
        root_uri=None,
    ))
    yield
    await lsp_client.shutdown_session()
