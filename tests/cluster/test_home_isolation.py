"""The test session never touches the user's home: HOME, the XDG directories and KUBECONFIG point into the
session's directory (tests/conftest.py) for the tests and every subprocess, and kube-lsp's on-disk cache of
cluster schemas follows XDG_CACHE_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kube_lsp.cluster.schemas import cache_dir
from tests.conftest import REAL_HOME_VAR, IsolatedHome

from .apiserver import ApiServerDouble


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder` with its size and modification time."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_subprocesses_see_the_session_home(isolated_home: IsolatedHome) -> None:
    code = "import json, os, pathlib; print(json.dumps([str(pathlib.Path.home()), os.environ['XDG_CACHE_HOME'], " \
           "os.environ['XDG_CONFIG_HOME'], os.environ['XDG_DATA_HOME'], os.environ['KUBECONFIG']]))"
    seen = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                     check=True).stdout)

    assert seen[:2] == [str(isolated_home.home), str(isolated_home.cache)]
    assert all(Path(p).is_relative_to(isolated_home.root) for p in seen)
    assert not Path(os.environ[REAL_HOME_VAR]).is_relative_to(isolated_home.root)


def test_cluster_schemas_are_cached_under_the_session_cache_not_the_real_home(
        apiserver: ApiServerDouble, kubeconfig: Path, isolated_home: IsolatedHome, tmp_path: Path) -> None:
    real_cache = Path(os.environ[REAL_HOME_VAR]) / ".cache" / "kube-lsp"
    before = snapshot(real_cache)
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: b}\n")

    # The environment as tests have it: nothing set for this run.
    proc = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "--kubeconfig", str(kubeconfig),
                           "--format", "json", str(manifest)], capture_output=True, text=True, timeout=120)

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["schemaSource"].startswith("cluster double")
    cached = list((isolated_home.cache / "kube-lsp" / "openapi").rglob("*.json"))
    assert cached, "the cluster's OpenAPI documents were not cached under XDG_CACHE_HOME"
    assert snapshot(real_cache) == before


def test_cache_dir_follows_xdg_cache_home_and_ignores_a_relative_one(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "kube-lsp" / "openapi"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "kube-lsp" / "openapi"
