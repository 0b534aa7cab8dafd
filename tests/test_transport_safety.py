"""Never mutate a cluster: one function sends every request, and it refuses writes without dryRun=All."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cluster.transport import ClusterInfo, ClusterTransport, UnsafeRequestError, parse_warnings

PACKAGE = Path(__file__).resolve().parent.parent / "kube_lsp"


class RecordingClient:
    """Stands in for kubernetes.client.ApiClient: records what would be sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def param_serialize(self, **kw: Any) -> tuple[Any, ...]:
        return (kw["method"], kw["resource_path"], kw["query_params"], kw["header_params"], kw["body"])

    def call_api(self, *args: Any, _request_timeout: Any = None) -> Any:
        self.calls.append(args)

        class Raw:
            status = 200

            def read(self) -> bytes:
                return b"{}"

            def getheaders(self) -> dict[str, str]:
                return {"Warning": '299 - "apps/v1beta1 Deployment is deprecated"'}

        return Raw()


def transport() -> tuple[ClusterTransport, RecordingClient]:
    client = RecordingClient()
    return ClusterTransport(client, ClusterInfo("ctx", "https://127.0.0.1:6443", "default")), client


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE", "patch"])
def test_writes_without_dry_run_are_refused_before_sending(method: str) -> None:
    t, client = transport()
    with pytest.raises(UnsafeRequestError):
        t.send(method, "/apis/apps/v1/namespaces/default/deployments/web", query=[("fieldManager", "kube-lsp")])
    with pytest.raises(UnsafeRequestError):
        t.send(method, "/api/v1/namespaces", query=[("dryRun", "None")])
    assert client.calls == []


def test_reads_and_dry_run_writes_go_through() -> None:
    t, client = transport()
    t.send("GET", "/version")
    r = t.send("PATCH", "/apis/apps/v1/namespaces/default/deployments/web",
               query=[("dryRun", "All"), ("fieldManager", "kube-lsp"), ("force", "true")],
               body="kind: Deployment", content_type="application/apply-patch+yaml")
    assert [c[0] for c in client.calls] == ["GET", "PATCH"]
    assert r.warnings == ("apps/v1beta1 Deployment is deprecated",)


def test_only_the_transport_module_talks_to_the_api() -> None:
    """No other module imports the kubernetes client, urllib3, http.client, requests or sockets."""
    forbidden = {"kubernetes", "urllib3", "http", "requests", "socket", "httpx", "aiohttp"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "transport.py" and path.parent.name == "cluster":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in forbidden:
                    offenders.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert offenders == []


def test_send_is_the_only_caller_of_call_api() -> None:
    src = (PACKAGE / "cluster" / "transport.py").read_text()
    tree = ast.parse(src)
    callers = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
               for node in ast.walk(fn) if isinstance(node, ast.Attribute) and node.attr == "call_api"}
    assert callers == {"send"}


def test_warning_headers() -> None:
    assert parse_warnings(['299 - "a b", 299 - "c"']) == ("a b", "c")


def test_only_reads_are_streamed() -> None:
    t, client = transport()
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        with pytest.raises(UnsafeRequestError):
            t.send(method, "/api/v1/namespaces/default/pods", query=[("dryRun", "All"), ("watch", "true")],
                   stream=True)
    assert client.calls == []
