"""The VS Code extension (editors/vscode): type-checks, lints, its Node tests pass (unit tests of the client
logic, and an integration test that drives this repository's server through vscode-languageserver-protocol,
with the API double's kubeconfig for the diff), and `npm run package` writes an installable .vsix.

The README's test command installs the npm dependencies first (`npm ci --prefix editors/vscode`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from cluster.apiserver import ApiServerDouble
from distribution import Installation

EXT = Path(__file__).resolve().parents[2] / "editors" / "vscode"
NPM = shutil.which("npm")

pytestmark = [
    pytest.mark.skipif(NPM is None, reason="npm is not installed"),
    pytest.mark.skipif(not (EXT / "node_modules").is_dir(),
                       reason="run `npm ci --prefix editors/vscode` first (the README's test command does)"),
]


def npm(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    assert NPM is not None
    proc = subprocess.run([NPM, *args], cwd=EXT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"npm {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def test_extension_compiles_lints_and_passes_its_tests(apiserver: ApiServerDouble, kubeconfig: Path,
                                                       installed: Installation) -> None:
    npm("run", "compile")
    npm("run", "lint")
    out = npm("test", env={"KUBE_LSP_PYTHON": str(installed.python), "KUBE_LSP_TEST_KUBECONFIG": str(kubeconfig)})

    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", out, re.M)}
    assert counts["fail"] == counts["cancelled"] == counts["skipped"] == 0, out[-3000:]
    assert counts["pass"] >= 20
    assert "ok" in out and "the diff command's objects feed the diff editor's documents" in out
    writes = [r for r in apiserver.requests if r.is_write]
    assert writes and all(r.dry_run for r in writes)


def test_package_writes_an_installable_vsix() -> None:
    npm("run", "compile")
    vsix = EXT / "kube-lsp-0.1.0.vsix"
    vsix.unlink(missing_ok=True)
    npm("run", "package")

    assert vsix.is_file()
    names = set(zipfile.ZipFile(vsix).namelist())
    assert {"extension.vsixmanifest", "extension/package.json", "extension/out/src/extension.js",
            "extension/readme.md", "extension/LICENSE.txt"} <= names
    assert any(n.startswith("extension/node_modules/vscode-languageclient/") for n in names)
    assert not any(n.startswith(("extension/src/", "extension/test/", "extension/out/test/")) for n in names)
    assert not any(n.startswith("extension/node_modules/typescript/") for n in names)  # dev dependencies stay out
    assert not any(n.endswith((".ts", ".map")) and "/node_modules/" not in n for n in names)
