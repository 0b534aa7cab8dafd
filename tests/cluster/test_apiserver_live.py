"""The API server double serves live state as the Kubernetes API documents it: status, Pods and Events with
label and field selectors, resourceVersion, watches (`watch=true`, JSON lines, bookmarks, 410 Expired) and
EndpointSlices; and kubectl reads it."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import quote, urlsplit

from .apiserver import ApiServerDouble, Forbidden
from .conftest import KubectlRunner


def pod(name: str, labels: dict[str, str] | None = None, phase: str = "Running") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}, "status": {"phase": phase}}


def get(api: ApiServerDouble, path: str) -> Any:
    reply = api.request("GET", path)
    assert reply.status == 200, reply.text
    return reply.json()


def names(listing: dict[str, Any]) -> list[str]:
    return [i["metadata"]["name"] for i in listing["items"]]


def test_label_selectors_follow_the_documented_grammar(apiserver: ApiServerDouble) -> None:
    apiserver.seed(pod("a", {"app": "web", "tier": "front"}), manager=None)
    apiserver.seed(pod("b", {"app": "web"}), manager=None)
    apiserver.seed(pod("c", {"app": "db"}), manager=None)
    base = "/api/v1/namespaces/default/pods?labelSelector="
    assert names(get(apiserver, base + quote("app=web"))) == ["a", "b"]
    assert names(get(apiserver, base + quote("app==web,tier"))) == ["a"]
    assert names(get(apiserver, base + quote("app!=web"))) == ["c"]
    assert names(get(apiserver, base + quote("!tier"))) == ["b", "c"]
    assert names(get(apiserver, base + quote("app in (db, web),tier notin (front)"))) == ["b", "c"]
    bad = apiserver.request("GET", base + quote("app in web"))
    assert bad.status == 400 and bad.json()["reason"] == "BadRequest"


def test_event_field_selectors(apiserver: ApiServerDouble) -> None:
    p = apiserver.seed(pod("web-1"), manager=None)
    other = apiserver.seed(pod("web-2"), manager=None)
    apiserver.event(p, "Failed", "Failed to pull image", field_path="spec.containers{web}")
    apiserver.event(p, "Scheduled", "assigned", type="Normal", component="default-scheduler")
    apiserver.event(other, "BackOff", "Back-off restarting failed container")
    base = "/api/v1/namespaces/default/events?fieldSelector="
    by_name = get(apiserver, base + quote("involvedObject.name=web-1"))
    assert sorted(e["reason"] for e in by_name["items"]) == ["Failed", "Scheduled"]
    both = get(apiserver, base + quote(f"involvedObject.kind=Pod,involvedObject.uid={p['metadata']['uid']},"
                                       "type=Warning"))
    assert [e["reason"] for e in both["items"]] == ["Failed"]
    assert names(get(apiserver, base + quote("involvedObject.namespace=default,involvedObject.name!=web-1"))) \
        == [e["metadata"]["name"] for e in get(apiserver, base + quote("involvedObject.name=web-2"))["items"]]
    assert len(get(apiserver, base + quote("source=default-scheduler"))["items"]) == 1
    assert get(apiserver, "/api/v1/events?fieldSelector=" + quote("reason=BackOff"))["items"][0]["reason"] == "BackOff"
    bad = apiserver.request("GET", base + quote("involvedObject.bogus=x"))
    assert bad.status == 400 and "field label not supported: involvedObject.bogus" in bad.json()["message"]
    pods = get(apiserver, "/api/v1/namespaces/default/pods?fieldSelector=" + quote("status.phase=Running"))
    assert names(pods) == ["web-1", "web-2"]


def test_status_endpoint_slices_and_resource_versions(apiserver: ApiServerDouble) -> None:
    apiserver.seed({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
                    "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}}]},
                   manager=None)
    slices = get(apiserver, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector="
                 + quote("kubernetes.io/service-name=web"))
    assert names(slices) == ["web-abc"]
    p = apiserver.seed(pod("web-1", phase="Pending"), manager=None)
    rv = int(p["metadata"]["resourceVersion"])
    after = apiserver.set_status("v1", "Pod", "web-1", {"phase": "Running"})
    assert int(after["metadata"]["resourceVersion"]) > rv
    assert get(apiserver, "/api/v1/namespaces/default/pods/web-1")["status"]["phase"] == "Running"
    listing = get(apiserver, "/api/v1/namespaces/default/pods")
    assert int(listing["metadata"]["resourceVersion"]) >= int(after["metadata"]["resourceVersion"])


class WatchReader:
    """Reads a watch stream line by line in a thread (the way client-go does: one JSON object per line)."""

    def __init__(self, api: ApiServerDouble, path: str) -> None:
        host = urlsplit(api.url)
        self.conn = http.client.HTTPSConnection(host.hostname or "", host.port, timeout=10,
                                                context=ssl.create_default_context(cafile=str(api.ca_file)))
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {api.token}"})
        self.resp = self.conn.getresponse()
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while line := self.resp.readline():
                self.events.append(json.loads(line))
        except (OSError, ValueError, AttributeError):  # AttributeError: closed under the reader
            pass
        self.done.set()

    def wait_for(self, pred: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred(self.events):
                return self.events
            time.sleep(0.02)
        raise AssertionError(f"not seen in time: {self.events}")

    def close(self) -> None:
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in readline
            except OSError:
                pass
        self.conn.close()


def test_watch_streams_changes_from_a_resource_version(apiserver: ApiServerDouble) -> None:
    apiserver.seed(pod("old"), manager=None)
    rv = get(apiserver, "/api/v1/namespaces/default/pods")["metadata"]["resourceVersion"]
    w = WatchReader(apiserver, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"
                               f"&labelSelector={quote('app=web')}")
    try:
        assert w.resp.status == 200 and "chunked" in (w.resp.getheader("Transfer-Encoding") or "")
        apiserver.seed(pod("new"), manager=None)
        apiserver.set_status("v1", "Pod", "new", {"phase": "Failed"})
        apiserver.seed(pod("db", {"app": "db"}), manager=None)  # not selected: never seen
        apiserver.set_status("v1", "Pod", "old", {"phase": "Succeeded"})
        apiserver.remove("v1", "Pod", "new")
        events = w.wait_for(lambda ev: len(ev) >= 4)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
            ("ADDED", "new"), ("MODIFIED", "new"), ("MODIFIED", "old"), ("DELETED", "new")]
        assert events[1]["object"]["status"]["phase"] == "Failed"
        assert events[0]["object"]["kind"] == "Pod" and events[0]["object"]["apiVersion"] == "v1"
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        assert rvs == sorted(rvs) and rvs[0] > int(rv)
    finally:
        w.close()


def test_watch_without_version_starts_with_the_current_objects_and_sends_bookmarks(
        apiserver: ApiServerDouble) -> None:
    apiserver.bookmark_interval = 0.1
    apiserver.seed(pod("a"), manager=None)
    w = WatchReader(apiserver, "/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=2")
    try:
        events = w.wait_for(lambda ev: any(e["type"] == "BOOKMARK" for e in ev))
        assert (events[0]["type"], events[0]["object"]["metadata"]["name"]) == ("ADDED", "a")
        mark = next(e for e in events if e["type"] == "BOOKMARK")["object"]
        assert mark["kind"] == "Pod" and set(mark["metadata"]) == {"resourceVersion"}
        assert w.done.wait(5), "timeoutSeconds ends the stream"
    finally:
        w.close()


def test_watch_label_change_is_a_deletion_for_the_selector(apiserver: ApiServerDouble) -> None:
    apiserver.seed(pod("a"), manager=None)
    rv = apiserver.resource_version
    w = WatchReader(apiserver, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"
                               f"&labelSelector={quote('app=web')}")
    try:
        relabelled = apiserver.get("v1", "Pod", "a")
        assert relabelled is not None
        relabelled["metadata"]["labels"] = {"app": "other"}
        apiserver.seed(relabelled, manager=None)
        events = w.wait_for(lambda ev: len(ev) >= 1)
        assert (events[0]["type"], events[0]["object"]["metadata"]["labels"]) == ("DELETED", {"app": "other"})
    finally:
        w.close()


def test_watch_initial_events_end_bookmark_and_expired_versions(apiserver: ApiServerDouble) -> None:
    apiserver.seed(pod("a"), manager=None)
    w = WatchReader(apiserver, "/api/v1/namespaces/default/pods?watch=true&sendInitialEvents=true"
                               "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1")
    try:
        events = w.wait_for(lambda ev: len(ev) >= 2)
        assert events[0]["type"] == "ADDED"
        assert events[1]["type"] == "BOOKMARK"
        assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    finally:
        w.close()
    refused = apiserver.request("GET", "/api/v1/namespaces/default/pods?watch=true&sendInitialEvents=true")
    assert refused.status == 422
    old = int(apiserver.resource_version)
    apiserver.seed(pod("b"), manager=None)
    apiserver.compact()
    w = WatchReader(apiserver, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={old}")
    try:
        events = w.wait_for(lambda ev: len(ev) >= 1)
        assert events[0]["type"] == "ERROR"
        assert (events[0]["object"]["code"], events[0]["object"]["reason"]) == (410, "Expired")
    finally:
        w.close()


def test_watch_is_authorised_as_the_watch_verb(apiserver: ApiServerDouble) -> None:
    apiserver.inject(Forbidden(user="dev"), kind="pods", verbs={"watch"})
    denied = apiserver.request("GET", "/api/v1/namespaces/default/pods?watch=true")
    assert denied.status == 403 and 'cannot watch resource "pods"' in denied.json()["message"]
    assert apiserver.request("GET", "/api/v1/namespaces/default/pods").status == 200


def test_kubectl_reads_pods_events_and_watches(apiserver: ApiServerDouble, kubectl: KubectlRunner) -> None:
    p = apiserver.seed(pod("web-1"), manager=None)
    apiserver.seed(pod("db-1", {"app": "db"}), manager=None)
    apiserver.event(p, "Failed", 'Failed to pull image "nginx:1.277": not found', field_path="spec.containers{web}")
    pods = kubectl("get", "pods", "-l", "app=web", "-o", "name")
    assert pods.returncode == 0, pods.stderr
    assert pods.stdout.split() == ["pod/web-1"]
    events = kubectl("get", "events", "--field-selector", "involvedObject.name=web-1", "-o", "json")
    assert events.returncode == 0, events.stderr
    assert [e["reason"] for e in json.loads(events.stdout)["items"]] == ["Failed"]
    described = kubectl("describe", "pod", "web-1")
    assert described.returncode == 0 and "Failed to pull image" in described.stdout
    apiserver.seed({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
                    "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}]}, manager=None)
    slices = kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name")
    assert slices.returncode == 0 and slices.stdout.split() == ["endpointslice.discovery.k8s.io/web-abc"]
    watched = kubectl("get", "pods", "--watch", "--request-timeout=2s", "-o", "name", timeout=30)
    assert "pod/web-1" in watched.stdout
