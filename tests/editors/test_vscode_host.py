"""The VS Code host's rules without a VS Code: when the real-VS Code test skips and when it fails, what the
installer's stamp and shrinkwrap rewrite do, and that the refusing proxy refuses and records."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from editors.vscode_host import REQUIRE_VAR, require_host
from editors.vscode_host.install import (
    CODE_SERVER_VERSION,
    ENV_VAR,
    SCRIPT,
    Host,
    InstallError,
    host_dir,
    node_binary,
    problem,
    rewrite_git_dependencies,
)


def test_without_a_host_the_test_skips_naming_the_setup_script(tmp_path: Path) -> None:
    env = {ENV_VAR: str(tmp_path / "nothing-here"), "KUBE_LSP_VSIX": str(tmp_path / "given.vsix")}

    with pytest.raises(pytest.skip.Exception, match=f"no VS Code host in .*nothing-here.*{SCRIPT}"):
        require_host(env)


def test_with_the_require_variable_a_missing_host_fails(tmp_path: Path) -> None:
    env = {ENV_VAR: str(tmp_path / "nothing-here"), "KUBE_LSP_VSIX": str(tmp_path / "given.vsix"), REQUIRE_VAR: "1"}

    with pytest.raises(pytest.fail.Exception,
                       match=f"{REQUIRE_VAR}=1 but the VS Code host cannot run: no VS Code host in .*{SCRIPT}"):
        require_host(env)


def test_host_dir_defaults_inside_the_repository_and_is_ignored_by_git() -> None:
    default = host_dir({})
    assert default.name == ".vscode-host"
    gitignore = (default.parent / ".gitignore").read_text().splitlines()
    assert ".vscode-host/" in gitignore
    assert host_dir({ENV_VAR: "/opt/elsewhere"}) == Path("/opt/elsewhere")


def test_a_stamp_of_another_version_or_node_asks_for_a_reinstall(tmp_path: Path) -> None:
    node = node_binary()
    if node is None:
        pytest.skip("node is not installed")
    host = Host(tmp_path)
    host.stamp.write_text(json.dumps({**host.expected_stamp(*node), "code-server": "4.0.0"}))
    assert "was made for {'code-server': '4.0.0'" in (problem(host) or "")

    host.stamp.write_text(json.dumps(host.expected_stamp(*node)))
    assert problem(host) == f"{host.entry} is missing"
    assert host.expected_stamp(*node)["code-server"] == CODE_SERVER_VERSION


def test_shrinkwrap_git_dependencies_become_registry_tarballs(tmp_path: Path) -> None:
    shrinkwrap = tmp_path / "npm-shrinkwrap.json"
    shrinkwrap.write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"name": "code-oss-dev"},
        "node_modules/@vscode/proxy-agent": {
            "version": "0.27.0", "integrity": "sha512-same",
            "resolved": "git+ssh://git@github.com/microsoft/vscode-proxy-agent.git#0803e0a7"},
        "node_modules/ws": {"version": "8.18.0", "resolved": "https://registry.npmjs.org/ws/-/ws-8.18.0.tgz"},
    }}))

    rewrite_git_dependencies(shrinkwrap)

    packages = json.loads(shrinkwrap.read_text())["packages"]
    assert packages["node_modules/@vscode/proxy-agent"] == {
        "version": "0.27.0", "integrity": "sha512-same",
        "resolved": "https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz"}
    assert packages["node_modules/ws"]["resolved"] == "https://registry.npmjs.org/ws/-/ws-8.18.0.tgz"


def test_an_unknown_git_dependency_stops_the_install(tmp_path: Path) -> None:
    shrinkwrap = tmp_path / "npm-shrinkwrap.json"
    shrinkwrap.write_text(json.dumps({"packages": {
        "node_modules/left-pad": {"version": "1.0.0", "resolved": "git+https://github.com/x/left-pad.git#abc"}}}))

    with pytest.raises(InstallError, match="takes left-pad from git\\+https://github.com/x/left-pad.git#abc"):
        rewrite_git_dependencies(shrinkwrap)


def test_the_refusing_proxy_refuses_and_records() -> None:
    pytest.importorskip("playwright")
    from editors.vscode_host.workbench import RefusingProxy

    with RefusingProxy() as proxy:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy.url}))
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open("http://pypi.example/simple/", timeout=10)
    assert refused.value.code == 403
    assert proxy.requests == ["GET http://pypi.example/simple/"]
