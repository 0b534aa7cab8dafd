"""Fixtures for tests against the Kubernetes API server double (apiserver.py).

- ``apiserver_session``: one double per test session (TLS with a CA made for the session, bearer token).
- ``apiserver``: that double, reset for the test (objects, recorded requests, faults); at teardown the test fails
  if any request wrote without ``dryRun=All`` (or the double itself hit a bug).
- ``kubeconfig``: a kubeconfig file for the double (context ``double``, namespace ``default``).
- ``kubectl``: runs the installed kubectl against the double (skips the test when kubectl is not installed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .apiserver import ApiServerDouble

KubectlRunner = Callable[..., subprocess.CompletedProcess[str]]

# Every request the double answered during the session, for the summary line: the safety rule at a glance.
TALLY = {"tests": 0, "requests": 0, "dry_run_writes": 0, "writes_without_dry_run": 0, "watches": 0}


@pytest.fixture(scope="session")
def apiserver_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerDouble]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the API server double's certificates")
    double = ApiServerDouble(workdir=tmp_path_factory.mktemp("apiserver-double"))
    double.start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def apiserver(apiserver_session: ApiServerDouble) -> Iterator[ApiServerDouble]:
    apiserver_session.reset()
    yield apiserver_session
    requests = list(apiserver_session.requests)
    TALLY["tests"] += 1
    TALLY["requests"] += len(requests)
    TALLY["dry_run_writes"] += sum(1 for r in requests if r.is_write and r.dry_run)
    TALLY["writes_without_dry_run"] += len(apiserver_session.violations)
    TALLY["watches"] += sum(1 for r in requests if r.query.get("watch") in ("true", "1"))
    writes = [f"{r.method} {r.path} {r.query}" for r in apiserver_session.violations]
    bugs = list(apiserver_session.internal_errors)
    apiserver_session.reset()
    if bugs:
        pytest.fail("the API server double failed internally:\n" + "\n".join(bugs), pytrace=False)
    if writes:
        pytest.fail("requests wrote to the cluster without dryRun=All:\n" + "\n".join(writes), pytrace=False)


@pytest.fixture
def kubeconfig(apiserver: ApiServerDouble, tmp_path: Path) -> Path:
    return apiserver.write_kubeconfig(tmp_path / "kubeconfig", namespace="default")


OLD_VERSION = {"major": "1", "minor": "24", "gitVersion": "v1.24.17", "gitCommit": "0", "gitTreeState": "clean",
               "buildDate": "2023-08-24T00:00:00Z", "goVersion": "go1.20.7", "compiler": "gc",
               "platform": "linux/amd64"}


@pytest.fixture(scope="session")
def old_apiserver_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerDouble]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the API server double's certificates")
    double = ApiServerDouble(workdir=tmp_path_factory.mktemp("apiserver-double-old"))
    double.start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def old_apiserver(old_apiserver_session: ApiServerDouble) -> Iterator[ApiServerDouble]:
    """A second cluster, running Kubernetes 1.24 (its /version), for several contexts side by side; the same
    rule: a write without dryRun=All fails the test."""
    old_apiserver_session.reset()
    old_apiserver_session.version_info = dict(OLD_VERSION)
    yield old_apiserver_session
    writes = [f"{r.method} {r.path} {r.query}" for r in old_apiserver_session.violations]
    TALLY["requests"] += len(old_apiserver_session.requests)
    TALLY["writes_without_dry_run"] += len(writes)
    old_apiserver_session.reset()
    if writes:
        pytest.fail("requests wrote to the cluster without dryRun=All:\n" + "\n".join(writes), pytrace=False)


@pytest.fixture
def two_clusters(apiserver: ApiServerDouble, old_apiserver: ApiServerDouble, tmp_path: Path) -> Path:
    """A kubeconfig with the contexts `double` (the session's double, Kubernetes 1.33) and `old` (1.24)."""
    config = json.loads(apiserver.write_kubeconfig(tmp_path / "new.json").read_text())
    old = json.loads(old_apiserver.write_kubeconfig(tmp_path / "old.json", context="old").read_text())
    old["users"][0]["name"] = "old-user"
    old["contexts"][0]["context"]["user"] = "old-user"
    for section in ("clusters", "users", "contexts"):
        config[section] += old[section]
    path = tmp_path / "kubeconfig-two"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture(scope="session")
def kubectl_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kubectl-cache")


@pytest.fixture
def kubectl(kubeconfig: Path, kubectl_cache: Path, tmp_path: Path) -> KubectlRunner:
    """kubectl(*args, input=None, timeout=60) -> CompletedProcess, with --kubeconfig and a private cache dir."""
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBECTL_EXTERNAL_DIFF")}
    env["HOME"] = str(tmp_path)  # nothing of the user's ~/.kube is read or written

    def run(*args: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:  # noqa: A002
        cmd = [binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(kubectl_cache), *args]
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=tmp_path)

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY["tests"]:
        terminalreporter.write_line(
            f"API server double: {TALLY['tests']} tests, {TALLY['requests']} requests ({TALLY['watches']} watches, "
            f"{TALLY['dry_run_writes']} dryRun=All writes), {TALLY['writes_without_dry_run']} writes without "
            "dryRun=All")
