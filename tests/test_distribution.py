"""What users install: the sdist and the wheel, built from a clean copy of the tree, the wheel installed (not
editable) into a fresh virtual environment, and every command run from that environment, outside the source tree.

A green editable-install suite once hid a wheel that could not start the server (`kube_lsp.cluster` was not in
the wheel); these tests fail on any module or data file the wheel leaves out.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from cluster.apiserver import ApiServerDouble
from distribution import ROOT, Installation
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

import kube_lsp

BAD = """\
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
      contianers:
        - name: web
          image: nginx:1.27
"""


def source_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "kube_lsp").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def run(inst: Installation, *args: str, cwd: Path, stdin: str | None = None,
        **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(inst.kube_lsp), *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, env=inst.env(**env))


def test_the_wheel_holds_every_module_and_data_file_of_the_source_tree(installed: Installation) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "kube_lsp").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    expected |= {f"kube_lsp/_schemas/{p.name}" for p in (ROOT / "schemas").glob("*.yaml")}
    assert expected - names == set()
    assert "kube_lsp/py.typed" in names
    meta = zipfile.ZipFile(installed.wheel).read("kube_lsp-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in meta
    assert zipfile.ZipFile(installed.wheel).read("kube_lsp-0.1.0.dist-info/licenses/LICENSE") == (
        ROOT / "LICENSE").read_bytes()


def test_the_sdist_holds_what_a_wheel_is_built_from(installed: Installation) -> None:
    with tarfile.open(installed.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "kube_lsp/cluster/transport.py", "schemas/enums.yaml"):
        assert needed in names
    assert not any(part in ("node_modules", ".venv", "__pycache__") for n in names for part in n.split("/"))


def test_the_installed_package_imports_every_module_from_the_environment(installed: Installation,
                                                                         tmp_path: Path) -> None:
    script = (
        "import importlib, json, pkgutil, kube_lsp, kube_lsp.resources as r\n"
        "mods = sorted(m.name for m in pkgutil.walk_packages(kube_lsp.__path__, 'kube_lsp.'))\n"
        "for m in mods: m.endswith('__main__') or importlib.import_module(m)\n"
        "print(json.dumps({'file': kube_lsp.__file__, 'modules': mods, 'schemas': str(r.schemas_dir()),\n"
        "                  'overlays': sorted(p.name for p in r.schemas_dir().iterdir())}))\n"
    )
    proc = subprocess.run([str(installed.python), "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=installed.env())
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert Path(seen["file"]).is_relative_to(installed.venv)
    assert source_modules() - {"kube_lsp"} - set(seen["modules"]) == set()
    assert Path(seen["schemas"]).is_relative_to(installed.venv)
    assert seen["overlays"] == sorted(p.name for p in (ROOT / "schemas").glob("*.yaml"))


def test_version_and_check_run_from_the_installed_command(installed: Installation, tmp_path: Path) -> None:
    version = run(installed, "--version", cwd=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (0, f"kube-lsp {kube_lsp.__version__}"), version.stderr

    (tmp_path / "web.yaml").write_text(BAD)
    check = run(installed, "check", "--format", "json", "web.yaml", cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    found = [(f["line"], f["code"]) for f in json.loads(check.stdout)["findings"]]
    assert found == [(12, "KL200")]
    rules = run(installed, "rules", "KL200", cwd=tmp_path)
    assert rules.returncode == 0 and "unknown-field" in rules.stdout


@pytest.mark.asyncio
async def test_the_installed_server_publishes_diagnostics(installed: Installation, tmp_path: Path) -> None:
    config = ClientServerConfig(server_command=[str(installed.kube_lsp), "serve"], server_env=installed.env())
    client = await config.start()
    assert isinstance(client, LanguageClient)
    try:
        result = await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri())), 30)
        assert result.server_info is not None and result.server_info.version == kube_lsp.__version__
        uri = (tmp_path / "web.yaml").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=BAD)))
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
        (diag,) = client.diagnostics[uri]
        assert (diag.range.start.line, diag.code) == (11, "KL200")
        assert "did you mean `containers`" in diag.message
    finally:
        await asyncio.wait_for(client.shutdown_session(), 30)


def test_dry_run_and_diff_run_from_the_installed_command(installed: Installation, apiserver: ApiServerDouble,
                                                         kubeconfig: Path, tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(BAD.replace("contianers", "containers"))
    apiserver.seed({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}}})

    dry = run(installed, "dry-run", "--kubeconfig", str(kubeconfig), "web.yaml", cwd=tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    diff = run(installed, "diff", "--kubeconfig", str(kubeconfig), "web.yaml", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert "-      - image: nginx:1.26\n+      - image: nginx:1.27\n" in diff.stdout
    writes = [r for r in apiserver.requests if r.is_write]
    assert len(writes) == 2 and all(r.dry_run for r in writes)
