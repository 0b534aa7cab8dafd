"""LISTs in pages as the Kubernetes API documents them: `limit` + `metadata.continue` followed to the end (short
and empty pages included), bounded with a note, and a 410 for an expired continue token answered by one fresh
list; the observation of an object reads every page (its pods on the second page count)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cluster.dryrun import Discovery
from kube_lsp.cluster.listing import ListError, list_all
from kube_lsp.cluster.observe import Target, observe
from kube_lsp.cluster.transport import Response, connect

from .apiserver import ApiServerDouble, Fault, FaultContext
from .livestate import Scenario, waiting

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def page_requests(api: ApiServerDouble, path: str = PODS) -> list[dict[str, str]]:
    return [r.query for r in api.requests if r.path == path and "watch" not in r.query]


def test_every_page_is_read_from_the_first_pages_version(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    for i in range(5):
        apiserver.seed(pod(f"p{i}"), manager=None)
    apiserver.page_size = 2  # the server gives fewer items than asked: only the continue token says more exist
    listing = list_all(connect(str(kubeconfig)), PODS, [("labelSelector", "app=web")])
    assert listing is not None
    assert [p["metadata"]["name"] for p in listing.items] == ["p0", "p1", "p2", "p3", "p4"]
    assert listing.pages == 3 and not listing.truncated and listing.note("pods") == ""
    queries = page_requests(apiserver)
    assert [q.get("limit") for q in queries] == ["500"] * 3
    assert [bool(q.get("continue")) for q in queries] == [False, True, True]
    assert all(q["labelSelector"] == "app=web" for q in queries)  # the same query on every page


def test_a_list_is_bounded_and_says_so(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    for i in range(7):
        apiserver.seed(pod(f"p{i}"), manager=None)
    apiserver.page_size = 2
    listing = list_all(connect(str(kubeconfig)), PODS, max_pages=2)
    assert listing is not None and listing.truncated and len(listing.items) == 4 and listing.remaining == 3
    assert listing.note("pods") == "only the first 4 pods were read, in 2 pages (3 more not read)"
    assert len(page_requests(apiserver)) == 2


@dataclass
class CompactBefore(Fault):
    """Compacts the double's history (expiring every continue token) before the listed calls (1-based)."""

    calls: tuple[int, ...]
    seen: list[int] = field(default_factory=list)

    def respond(self, ctx: FaultContext) -> Response | None:  # type: ignore[override]
        self.seen.append(1)
        if len(self.seen) in self.calls:
            ctx.double.compact()
        return None


def test_an_expired_continue_token_lists_again_once(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    for i in range(3):
        apiserver.seed(pod(f"p{i}"), manager=None)
    apiserver.page_size = 2
    apiserver.inject(CompactBefore((2,)), kind="pods", verbs={"list"})
    listing = list_all(connect(str(kubeconfig)), PODS)
    assert listing is not None and listing.relisted
    assert [p["metadata"]["name"] for p in listing.items] == ["p0", "p1", "p2"]  # nothing twice
    answers = [r for r in apiserver.requests if r.path == PODS]
    assert len(answers) == 4  # page 1, page 2 (410), then page 1 and 2 afresh
    assert [bool(q.get("continue")) for q in page_requests(apiserver)] == [False, True, False, True]


def test_a_token_expiring_twice_is_an_error(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    for i in range(3):
        apiserver.seed(pod(f"p{i}"), manager=None)
    apiserver.page_size = 2
    apiserver.inject(CompactBefore((2, 4)), kind="pods", verbs={"list"})
    with pytest.raises(ListError) as err:
        list_all(connect(str(kubeconfig)), PODS)
    assert err.value.status == 410 and "too old" in err.value.message
    assert len(page_requests(apiserver)) == 4


class _Pages:
    """A transport answering fixed pages (an empty one with a continue token among them)."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.queries: list[list[tuple[str, str]]] = []

    def send(self, method: str, path: str, query: Any = (), **_: Any) -> Response:
        assert method == "GET"
        self.queries.append(list(query))
        body = self.pages[len(self.queries) - 1]
        return Response(200, {}, json.dumps(body).encode())


def test_an_empty_page_with_a_token_is_not_the_end() -> None:
    fake = _Pages([{"metadata": {"resourceVersion": "7", "continue": "a"}, "items": [{"metadata": {"name": "x"}}]},
                   {"metadata": {"resourceVersion": "7", "continue": "b"}, "items": []},
                   {"metadata": {"resourceVersion": "7"}, "items": [{"metadata": {"name": "y"}}]}])
    listing = list_all(fake, "/api/v1/pods")  # type: ignore[arg-type]
    assert listing is not None and [i["metadata"]["name"] for i in listing.items] == ["x", "y"]
    assert listing.resource_version == "7"
    assert [dict(q).get("continue") for q in fake.queries] == [None, "a", "b"]


def test_the_pods_of_a_workload_on_later_pages_count(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a")
    s.pod("web-7d9f-b", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    apiserver.page_size = 1
    transport = connect(str(kubeconfig))
    obs = observe(transport, Discovery(transport), Target("apps/v1", "Deployment", "web", None))
    assert sorted(p["metadata"]["name"] for p in obs.pods) == ["web-7d9f-a", "web-7d9f-b"]
    assert len([q for q in page_requests(apiserver) if q.get("continue")]) >= 1


def test_a_broken_answer_is_an_error_not_a_crash() -> None:
    class _Text(_Pages):
        def send(self, method: str, path: str, query: Any = (), **_: Any) -> Response:
            return Response(200, {}, b"<html>proxy says hi</html>")

    with pytest.raises(ListError) as err:
        list_all(_Text([]), "/api/v1/pods")  # type: ignore[arg-type]
    assert "not JSON" in err.value.message
    odd = _Pages([{"metadata": [], "items": {"a": 1}}])
    listing = list_all(odd, "/api/v1/pods")  # type: ignore[arg-type]
    assert listing is not None and listing.items == [] and listing.pages == 1
