"""The VS Code extension (editors/vscode): `npm run package` bundles the server and writes an installable .vsix
that carries it; the extension type-checks, lints, and its Node tests pass (unit tests of the client logic and
of the bundled-server bootstrap, the bootstrap for real against the bundle on /usr/bin/python3, and an
integration test that drives this repository's server through vscode-languageserver-protocol, with the API
double's kubeconfig for the diff).

The README's test command installs the npm dependencies first (`npm ci --prefix editors/vscode`). Building the
bundle needs the package index (pip download); npm, pip and the bootstrap run with HOME, the XDG folders and
the caches in a temporary folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cluster.apiserver import ApiServerDouble
from distribution import Installation

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "editors" / "vscode"
VSIX = EXT / "kube-lsp-0.1.0.vsix"
NPM = shutil.which("npm")
PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
# Compiled for each Python and platform, and not swapped for pure wheels (scripts/package.ts's PREFER_PURE).
COMPILED = ["cel_expr_python", "pydantic_core", "pyyaml", "rpds_py", "ruamel_yaml_clib"]

pytestmark = [
    pytest.mark.skipif(NPM is None, reason="npm is not installed"),
    pytest.mark.skipif(not (EXT / "node_modules").is_dir(),
                       reason="run `npm ci --prefix editors/vscode` first (the README's test command does)"),
]


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for npm, pip and the tests: nothing goes into the real home directory."""
    home = tmp_path_factory.mktemp("home")
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "npm_config_cache": str(home / ".npm"),
        "PIP_CACHE_DIR": str(home / ".cache" / "pip"),
    }


def npm(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    assert NPM is not None
    proc = subprocess.run([NPM, *args], cwd=EXT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env})
    assert proc.returncode == 0, f"npm {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def packaged(isolated: dict[str, str]) -> str:
    """`npm run package` once per module: the bundle in server/ and the .vsix. Its output."""
    VSIX.unlink(missing_ok=True)
    return npm("run", "package", env=isolated, timeout=1200)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_extension_compiles_lints_and_passes_its_tests(
    packaged: str, isolated: dict[str, str], apiserver: ApiServerDouble, kubeconfig: Path, installed: Installation
) -> None:
    npm("run", "compile", env=isolated)
    npm("run", "lint", env=isolated)
    out = npm("test", env={**isolated, "KUBE_LSP_PYTHON": str(installed.python),
                           "KUBE_LSP_TEST_KUBECONFIG": str(kubeconfig)}, timeout=900)

    counts = {k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", out, re.M)}
    assert counts["fail"] == counts["cancelled"] == counts["skipped"] == 0, out[-3000:]
    assert counts["pass"] >= 60
    for name in ("the diff command's objects feed the diff editor's documents",
                 "first activation installs the bundled server from the bundled wheels alone",
                 "the installed server answers initialize → didOpen with publishDiagnostics",
                 "a later activation reuses the environment without starting a process",
                 "two windows activating at once into fresh storage install once and share the environment"):
        assert f"ok {name}" in re.sub(r"^ok \d+ - ", "ok ", out, flags=re.M), name
    print("\n".join(re.findall(r"^# (?:first|later|two|server).*$", out, re.M)))  # the measured times
    writes = [r for r in apiserver.requests if r.is_write]
    assert writes and all(r.dry_run for r in writes)


def test_package_writes_an_installable_vsix(packaged: str) -> None:
    assert VSIX.is_file()
    names = set(zipfile.ZipFile(VSIX).namelist())
    assert {"extension.vsixmanifest", "extension/package.json", "extension/out/src/extension.js",
            "extension/out/src/bundledServer.js", "extension/readme.md", "extension/LICENSE.txt"} <= names
    assert any(n.startswith("extension/node_modules/vscode-languageclient/") for n in names)
    assert not any(n.startswith(("extension/src/", "extension/test/", "extension/out/test/", "extension/scripts/",
                                 "extension/out/scripts/", "extension/out/test-support/")) for n in names)
    assert not any(n.startswith("extension/node_modules/typescript/") for n in names)  # dev dependencies stay out
    assert not any(n.endswith((".ts", ".map")) and "/node_modules/" not in n for n in names)
    assert re.search(r"DONE\s+Packaged: kube-lsp-0\.1\.0\.vsix", packaged), packaged[-2000:]


def test_vsix_bundles_the_server_and_its_dependencies_for_each_python(packaged: str) -> None:
    with zipfile.ZipFile(VSIX) as z:
        manifest = json.loads(z.read("extension/server/manifest.json"))
        wheels = {n.rsplit("/", 1)[1] for n in z.namelist() if n.startswith("extension/server/wheels/")}
        assert {"extension/server/constraints.txt", f"extension/server/{manifest['pip']}"} <= set(z.namelist())
    assert manifest["version"] == "0.1.0"
    assert manifest["wheel"] == "kube_lsp-0.1.0-py3-none-any.whl" in wheels
    assert manifest["pip"].startswith("pip-") and manifest["pip"].endswith("-py3-none-any.whl")
    assert manifest["target"] == "linux-x64"
    assert manifest["pythons"] == PYTHONS
    for py in PYTHONS:
        tag = f"cp{py.replace('.', '')}"
        for project in COMPILED:
            hits = [w for w in wheels if w.startswith(f"{project}-") and f"-{tag}-" in w and "x86_64" in w]
            assert len(hits) == 1, (project, tag, sorted(wheels))
    for pure in ("kubernetes-", "kubernetes_validate-", "pygls-", "lsprotocol-", "ruamel_yaml-", "aiohttp-"):
        hits = [w for w in wheels if w.startswith(pure)]
        assert len(hits) == 1 and hits[0].endswith("-none-any.whl"), (pure, hits)


def test_the_bundled_wheels_resolve_offline_for_each_bundled_python(
    packaged: str, isolated: dict[str, str], tmp_path: Path
) -> None:
    """pip, from the bundle alone, finds a complete install for CPython 3.11–3.14 on manylinux x86_64."""
    server = EXT / "server"
    manifest = json.loads((server / "manifest.json").read_text())
    platforms = [arg for p in manifest["platforms"] for arg in ("--platform", p)]
    for py in PYTHONS:
        report = tmp_path / f"report-{py}.json"
        proc = subprocess.run(
            [sys.executable, str(server / manifest["pip"] / "pip"), "install", "--dry-run", "--ignore-installed",
             "--no-index", "--find-links", str(server / "wheels"), "--only-binary=:all:", "--implementation", "cp",
             "--python-version", py, *platforms, "--quiet", "--report", str(report),
             str(server / "wheels" / manifest["wheel"])],
            capture_output=True, text=True, timeout=300,
            env={**{k: v for k, v in os.environ.items() if not k.upper().startswith("PIP_")}, **isolated,
                 "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1"},
        )
        assert proc.returncode == 0, f"CPython {py}:\n{proc.stdout}\n{proc.stderr}"
        chosen = [i["download_info"]["url"].rsplit("/", 1)[1] for i in json.loads(report.read_text())["install"]]
        compiled = sorted(w.split("-")[0] for w in chosen if not w.endswith("-none-any.whl"))
        assert compiled == COMPILED, (py, chosen)
        assert all(f"-cp{py.replace('.', '')}-" in w for w in chosen if not w.endswith("-none-any.whl"))


def test_what_ships_is_what_npm_run_package_built_from_this_checkout(packaged: str) -> None:
    server = EXT / "server"
    manifest = json.loads((server / "manifest.json").read_text())
    with zipfile.ZipFile(VSIX) as z:
        shipped = {n[len("extension/server/"):]: z.read(n) for n in z.namelist()
                   if n.startswith("extension/server/") and not n.endswith("/")}
    built = {p.relative_to(server).as_posix(): p.read_bytes() for p in server.rglob("*") if p.is_file()}
    assert shipped.keys() == built.keys()
    assert all(shipped[k] == built[k] for k in built), "the .vsix carries server/ byte for byte"

    listed = {w["file"]: w["sha256"] for w in manifest["wheels"]}
    on_disk = {k.split("/", 1)[1]: sha256(v) for k, v in shipped.items() if k.startswith("wheels/")}
    assert listed == on_disk, "the manifest lists exactly the bundled wheels, with their hashes"
    assert manifest["pipSha256"] == sha256(shipped[manifest["pip"]])
    lines = sorted([(f, s) for f, s in listed.items()] + [(manifest["pip"], manifest["pipSha256"])])
    assert manifest["hash"] == sha256("".join(f"{s}  {f}\n" for f, s in lines).encode())
    assert shipped["constraints.txt"].decode().splitlines() == sorted(shipped["constraints.txt"].decode().splitlines())

    # The kube-lsp wheel is this checkout's package: every module, byte for byte, and nothing else.
    with zipfile.ZipFile(io.BytesIO(shipped[f"wheels/{manifest['wheel']}"])) as wheel:
        in_wheel = {n: wheel.read(n) for n in wheel.namelist() if n.startswith("kube_lsp/") and n.endswith(".py")}
    in_repo = {p.relative_to(REPO).as_posix(): p.read_bytes() for p in (REPO / "kube_lsp").rglob("*.py")}
    assert in_wheel.keys() == in_repo.keys()
    assert all(in_wheel[k] == in_repo[k] for k in in_repo)


def test_vsix_size_is_reported_and_bounded(packaged: str) -> None:
    size = VSIX.stat().st_size
    print(f"\n.vsix: {size / 1024 / 1024:.1f} MB")
    # ~110 MB now: the CEL binding for CRD validation rules (cel-expr-python, ~15 MB per CPython 3.11-3.14: it
    # is compiled per version), kubernetes-validate's schemas (21.5 MB) and the kubernetes client (7.2 MB).
    assert 40 * 1024 * 1024 < size < 130 * 1024 * 1024, size
