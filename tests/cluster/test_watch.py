"""Watches against the API server double: changes reported, reconnection from the last resourceVersion,
410 Expired answered by a fresh LIST, exponential backoff on errors, 403 reported, and stop() ends them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kube_lsp.cluster.dryrun import Discovery
from kube_lsp.cluster.transport import connect
from kube_lsp.cluster.watch import Watcher, WatchKey, WatchState

from .apiserver import ApiServerDouble, Fault, FaultContext, Forbidden, Response, StatusFault


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def until(cond: Any, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < end, "condition never met"
        time.sleep(0.02)


def pods_key(kubeconfig: Path) -> tuple[Any, WatchKey]:
    transport = connect(str(kubeconfig))
    res = Discovery(transport).resource("v1", "Pod")
    assert res is not None
    return transport, WatchKey("default", res)


def test_changes_are_reported_and_watches_resume_from_their_version(apiserver: ApiServerDouble,
                                                                    kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    seen: list[WatchKey] = []
    objects: list[Any] = []
    w = Watcher(transport, lambda k, o: (seen.append(k), objects.append(o)), watch_seconds=1)
    w.ensure([key, key])
    try:
        until(lambda: apiserver.watches_open == 1)
        apiserver.seed(pod("a"), manager=None)
        until(lambda: len(seen) == 1)
        assert seen == [key]
        assert objects[0]["metadata"]["name"] == "a"  # the event's object, to refresh only what it concerns
        until(lambda: w.states()[key].reconnects >= 1)  # the server ended the watch after timeoutSeconds
        apiserver.seed(pod("b"), manager=None)
        until(lambda: len(seen) == 2)
        watches = [r for r in apiserver.requests if r.query.get("watch") == "true"]
        assert len(watches) >= 2 and all(r.query.get("resourceVersion") for r in watches)
        assert int(watches[1].query["resourceVersion"]) >= int(watches[0].query["resourceVersion"])
        lists = [r for r in apiserver.requests if r.path.endswith("/pods") and "watch" not in r.query]
        assert len(lists) == 1  # resuming needs no new LIST
    finally:
        w.stop()
    until(lambda: apiserver.watches_open == 0)
    assert all(r.method == "GET" for r in apiserver.requests)


def test_expired_version_lists_again(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    seen: list[tuple[WatchKey, Any]] = []
    apiserver.inject(StatusFault(410, "Expired", "too old resource version: 1 (2000)"), kind="pods",
                     verbs={"watch"}, times=1)
    w = Watcher(transport, lambda k, o: seen.append((k, o)), watch_seconds=1)
    w.ensure([key])
    try:
        until(lambda: apiserver.watches_open == 1)
        lists = [r for r in apiserver.requests if r.path.endswith("/pods") and "watch" not in r.query]
        assert len(lists) == 2  # listed again after the 410
        assert seen == [(key, None)]  # and everything refreshes (no object): changes may have been missed
    finally:
        w.stop()


def test_errors_back_off_exponentially_then_recover(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    apiserver.inject(StatusFault(500, "InternalError", "etcd is unhappy"), kind="pods", verbs={"list"}, times=4)
    states: list[str] = []
    w = Watcher(transport, lambda k, o: None, on_state=lambda k, s: states.append(s.state), base_backoff=0.1,
                max_backoff=10)
    w.ensure([key])
    try:
        until(lambda: apiserver.watches_open == 1 and states[-1:] == ["watching"], 15)
        stamps = [r for r in apiserver.requests if r.path.endswith("/pods") and "watch" not in r.query]
        assert len(stamps) == 5  # four refused, then listed
        assert states == ["backoff", "watching"]  # each change of state reported once
    finally:
        w.stop()


def test_backoff_delays_double(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    apiserver.inject(StatusFault(503, "ServiceUnavailable", "try later"), kind="pods", verbs={"list"})
    times: list[float] = []
    lock = threading.Lock()

    def on_state(k: WatchKey, s: WatchState) -> None:
        pass

    w = Watcher(transport, lambda k, o: None, on_state=on_state, base_backoff=0.2, max_backoff=0.8)
    original = transport.send

    def send(*args: Any, **kw: Any) -> Any:
        with lock:
            times.append(time.monotonic())
        return original(*args, **kw)

    transport.send = send  # type: ignore[method-assign]
    w.ensure([key])
    try:
        until(lambda: len(times) >= 5, 10)
    finally:
        w.stop()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)][:4]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.35 and gaps[2] >= 0.7 and gaps[3] < 1.5, gaps  # 0.2, 0.4, 0.8, 0.8


def test_forbidden_watch_is_reported(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    apiserver.inject(Forbidden(user="dev"), kind="pods", verbs={"watch"})
    states: list[WatchState] = []
    w = Watcher(transport, lambda k, o: None, on_state=lambda k, s: states.append(s))
    w.ensure([key])
    try:
        until(lambda: any(s.state == "forbidden" for s in states))
        assert "403 Forbidden" in states[-1].error and 'cannot watch resource "pods"' in states[-1].error
    finally:
        w.stop()


def test_unchunked_watch_bodies_are_read_as_they_arrive(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    apiserver.watch_chunked = False  # a server may stream until it closes, without chunked encoding
    transport, key = pods_key(kubeconfig)
    seen: list[WatchKey] = []
    w = Watcher(transport, lambda k, o: seen.append(k))
    w.ensure([key])
    try:
        until(lambda: apiserver.watches_open == 1)
        apiserver.seed(pod("a"), manager=None)
        until(lambda: len(seen) == 1, 5)
    finally:
        w.stop()


@dataclass
class ListInsteadOfWatch(Fault):
    """A server that ignores watch=true and answers with the list at once."""

    def respond(self, ctx: FaultContext) -> Response | None:
        return Response.of(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                 "items": []})


def test_a_server_that_does_not_stream_is_not_hammered(apiserver: ApiServerDouble, kubeconfig: Path) -> None:
    transport, key = pods_key(kubeconfig)
    apiserver.inject(ListInsteadOfWatch(), kind="pods", verbs={"watch"})
    w = Watcher(transport, lambda k, o: None, base_backoff=0.2, max_backoff=1.0)
    w.ensure([key])
    time.sleep(2.0)
    w.stop()
    watches = [r for r in apiserver.requests if r.query.get("watch") == "true"]
    assert 2 <= len(watches) <= 6, len(watches)  # 0.2, 0.4, 0.8 s apart: not a tight loop
