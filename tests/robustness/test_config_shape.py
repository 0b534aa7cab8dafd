"""Configuration of the wrong shape, or hostile configuration files (alias bombs, deep nesting, huge files):
`kube-lsp check` exits 2 with one line and no traceback, within seconds; the server still initializes, says
what it ignored, and keeps the other settings."""

from __future__ import annotations

import asyncio
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

from kube_lsp.config import ConfigError, read_cluster_settings, read_config, read_settings

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\nexclude: *a9\n"


BOMB = _bomb()
DEEP = "exclude: " + "[" * 50_000 + "]" * 50_000 + "\n"
HUGE = "# padding\n" * 150_000 + "exclude: [a]\n"

BAD_CONFIGS = {
    "exclude-number": ("exclude: 12\n", "`exclude` must be a list of glob patterns"),
    "rules-list": ("rules: [a]\n", "`rules` must be a mapping"),
    "severity-number": ("rules: {KL200: 3}\n", "unknown severity `3` for `KL200`"),
    "severity-null": ("rules: {KL200: null}\n", "no severity for `KL200`"),
    "severity-list": ("rules: {KL200: [error]}\n", "invalid severity for `KL200` in `rules`: [\"error\"]"),
    "version-mapping": ("kubeVersion: {}\n", "invalid Kubernetes version {} in `kubeVersion`"),
    "top-level-list": ("- rules\n- exclude\n", "the configuration must be a mapping"),
    "top-level-string": ("just a string\n", "the configuration must be a mapping"),
    "two-documents": ("exclude: [a]\n---\nexclude: [b]\n", "must be a single YAML document"),
    "alias-bomb": (BOMB, "aliases expand this document to more than"),
    "deep-nesting": (DEEP, "nesting deeper than 200 levels"),
    "huge": (HUGE, "over the 1000 kB limit for configuration files"),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_check_exits_2_with_one_line_for_a_bad_configuration(name: str, tmp_path: Path) -> None:
    text, expected = BAD_CONFIGS[name]
    (tmp_path / ".kube-lsp.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "cm.yaml").write_text(MANIFEST, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "cm.yaml"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kube-lsp: error: ") and expected in lines[0], proc.stderr


@pytest.mark.parametrize("name", ["alias-bomb", "deep-nesting", "huge"])
def test_hostile_configuration_files_raise_a_config_error_quickly(name: str, tmp_path: Path) -> None:
    path = tmp_path / ".kube-lsp.yaml"
    path.write_text(BAD_CONFIGS[name][0], encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ConfigError, match=str(path)):
        read_config(path)
    assert time.monotonic() - started < 3


def test_a_configuration_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        read_config(tmp_path / "dir.yaml")


def test_wrong_types_drop_only_their_entry() -> None:
    settings, problems = read_settings({"exclude": 12, "rules": {"KL200": None, "KL201": "off"},
                                        "kubeVersion": "1.30"}, section="kubeLsp")
    assert settings.kube_version == (1, 30) and settings.exclude == ()
    assert settings.severities == {"KL201": None}
    assert [p.message for p in problems] == [
        "no severity for `KL200` in kubeLsp.rules (use error, warning, info, hint or off)",
        "kubeLsp.exclude must be a list of glob patterns",
    ]


def test_cluster_settings_of_the_wrong_type_are_named() -> None:
    settings, problems = read_cluster_settings("x")
    assert settings == {} and [p.message for p in problems] == [
        "kubeLsp.cluster must be a mapping (kubeconfig, context, contexts, connectTimeout, timeout, schemas, "
        "live), not \"x\""]
    settings, problems = read_cluster_settings({"kubeconfig": 12, "context": "prod", "timeout": "soon",
                                                "connectTimeout": -1, "schemas": "no", "other": [1]})
    assert settings == {"context": "prod", "other": [1]}
    assert [p.message for p in problems] == [
        "kubeLsp.cluster.kubeconfig must be a file path, not 12",
        "kubeLsp.cluster.timeout must be a number of seconds above 0, not \"soon\"",
        "kubeLsp.cluster.connectTimeout must be a number of seconds above 0, not -1",
        "kubeLsp.cluster.schemas must be true or false, not \"no\"",
    ]


# ---------------------------------------------------------------------------------------------- server


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kube_lsp", "serve"]))
async def lsp(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client
    await lsp_client.shutdown_session()


async def _initialize(client: LanguageClient, root: Path, options: dict[str, Any] | None = None) -> None:
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="repo")],
        initialization_options=options)), 15)


async def _messages(client: LanguageClient, count: int, seconds: float = 10) -> list[str]:
    deadline = time.monotonic() + seconds
    while len(client.messages) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return [m.message for m in client.messages]


async def _status(client: LanguageClient) -> dict[str, Any]:
    result: dict[str, Any] = await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="kube-lsp.status", arguments=[])), 10)
    return result


@pytest.mark.asyncio
async def test_initialize_succeeds_with_a_wrongly_typed_repository_setting(lsp: LanguageClient,
                                                                           tmp_path: Path) -> None:
    (tmp_path / ".kube-lsp.yaml").write_text('exclude: 12\nkubeVersion: "1.30"\n', encoding="utf-8")
    await _initialize(lsp, tmp_path)
    messages = await _messages(lsp, 1)
    assert any("`exclude` must be a list of glob patterns. It was ignored." in m for m in messages), messages
    assert (await _status(lsp))["kubeVersion"] == "1.30"  # the other setting is kept


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["alias-bomb", "deep-nesting", "huge"])
async def test_initialize_succeeds_quickly_with_a_hostile_repository_file(lsp: LanguageClient, tmp_path: Path,
                                                                          name: str) -> None:
    (tmp_path / ".kube-lsp.yaml").write_text(BAD_CONFIGS[name][0], encoding="utf-8")
    started = time.monotonic()
    await _initialize(lsp, tmp_path, {"kubeLsp": {"kubeVersion": "1.31"}})
    assert time.monotonic() - started < 10
    messages = await _messages(lsp, 1)
    assert any(BAD_CONFIGS[name][1] in m for m in messages), messages
    assert (await _status(lsp))["kubeVersion"] == "1.31"  # the editor's settings still apply


@pytest.mark.asyncio
async def test_client_settings_of_the_wrong_shape_are_messages_not_errors(lsp: LanguageClient,
                                                                          tmp_path: Path) -> None:
    settings = {"exclude": 12, "rules": ["a"], "kubeVersion": {}, "cluster": "x"}
    lsp.set_configuration(settings, section="kubeLsp")
    await _initialize(lsp, tmp_path, {"kubeLsp": settings})
    messages = await _messages(lsp, 4)
    expected = ["kubeLsp.cluster must be a mapping", "kubeLsp.exclude must be a list of glob patterns",
                "kubeLsp.rules must be a mapping", "invalid Kubernetes version {} in kubeLsp.kubeVersion"]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)
    assert not any(m.type == types.MessageType.Error for m in lsp.messages)
    lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kubeLsp": {"kubeVersion": "1.30", "exclude": {"a": 1}, "cluster": {"timeout": "x"}}}))
    messages = await _messages(lsp, 6)
    assert any("kubeLsp.cluster.timeout must be a number of seconds above 0" in m for m in messages), messages
    assert (await _status(lsp))["kubeVersion"] == "1.30"
