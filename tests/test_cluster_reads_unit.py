"""The parsing behind the language server's background cluster reads: `/version` and the Namespace list."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from kube_lsp.cluster.schemas import server_version
from kube_lsp.cluster.transport import ClusterTransport, Response
from kube_lsp.lsp.cluster_features import clamp_version, namespace_policies_of
from kube_lsp.schema.catalog import bundled_versions
from kube_lsp.textindex import ModePolicy, NamespacePolicy


class OneAnswer:
    """Answers every request with one status and JSON body, and records what was asked."""

    def __init__(self, status: int, body: Any) -> None:
        self.answer = Response(status, {}, json.dumps(body).encode())
        self.asked: list[tuple[str, str]] = []

    def send(self, method: str, path: str, **_: Any) -> Response:
        self.asked.append((method, path))
        return self.answer


def version_of(status: int, body: Any) -> tuple[tuple[int, int], str]:
    transport = OneAnswer(status, body)
    try:
        return server_version(cast(ClusterTransport, transport))
    finally:
        assert transport.asked == [("GET", "/version")]


def test_server_version_reads_major_minor_and_managed_suffixes() -> None:
    assert version_of(200, {"major": "1", "minor": "29", "gitVersion": "v1.29.4"}) == ((1, 29), "v1.29.4")
    assert version_of(200, {"major": "1", "minor": "30+", "gitVersion": "v1.30.2-eks-1"}) == ((1, 30), "v1.30.2-eks-1")
    # No major/minor (some distributions): the gitVersion says it.
    assert version_of(200, {"gitVersion": "v1.31.0+k3s1"}) == ((1, 31), "v1.31.0+k3s1")


@pytest.mark.parametrize(("status", "body", "message"), [
    (503, {"kind": "Status"}, "/version answered 503"),
    (200, {"platform": "linux/amd64"}, "/version names no version"),
    (200, ["not", "an", "object"], "/version answered no JSON object"),
])
def test_server_version_refuses_what_it_cannot_read(status: int, body: Any, message: str) -> None:
    with pytest.raises(LookupError, match=message):
        version_of(status, body)


def test_clamp_version_keeps_the_bundled_range() -> None:
    known = bundled_versions()
    assert clamp_version((1, 19)) == known[0] == (1, 25)
    assert clamp_version((1, 29)) == (1, 29)
    assert clamp_version((1, 99)) == known[-1]


def test_namespace_policies_of_a_namespace_list() -> None:
    items = [
        {"metadata": {"name": "prod", "labels": {"pod-security.kubernetes.io/enforce": "restricted",
                                                 "pod-security.kubernetes.io/enforce-version": "v1.29",
                                                 "pod-security.kubernetes.io/warn": "baseline"}}},
        {"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}}},  # no level: absent
        {"metadata": {"name": "odd", "labels": {"pod-security.kubernetes.io/enforce": "strict"}}},  # invalid
        {"metadata": {"name": "nolabels"}},
        "garbage",
    ]
    assert namespace_policies_of(items) == {"prod": NamespacePolicy("prod", (
        ("enforce", ModePolicy("restricted", (1, 29))), ("warn", ModePolicy("baseline", None))))}
    assert namespace_policies_of(None) == {}
