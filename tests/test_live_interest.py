"""Which watch events concern a file's objects (`Interest`, pure): the object by name, what it owns (by
ownerReferences, also of its pods' controllers) or selects (labels), what its controller names after it, their
Events, its Services' EndpointSlices, its claims; nothing else of the namespace; a fresh list concerns all."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kube_lsp.cluster.interest import Interest, selector_matches
from kube_lsp.cluster.live import Observation


def meta(name: str, ns: str = "default", **kw: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, **kw}}


def interest() -> Interest:
    dep = {**meta("web", uid="dep-1"), "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    pod = meta("web-7d9f-a", uid="pod-1", labels={"app": "web"},
               ownerReferences=[{"kind": "ReplicaSet", "name": "web-7d9f", "uid": "rs-1"}])
    svc = {**meta("web-svc", uid="svc-1"), "spec": {"selector": {"app": "web"}}}
    out = Interest()
    out.add_observation(Observation("Deployment", "web", "default", time.time(), "c", dep, (pod,)), ("data",))
    out.add_observation(Observation("Service", "web-svc", "default", time.time(), "c", svc))
    out.add_observation(Observation("ConfigMap", "settings", "default", time.time(), "c", None))
    return out


def event(kind: str, name: str, uid: str = "", ns: str = "default") -> dict[str, Any]:
    return {**meta(f"{name}.17a", ns), "involvedObject": {"kind": kind, "name": name, "namespace": ns, "uid": uid}}


@pytest.mark.parametrize(("kind", "obj", "want"), [
    ("Deployment", meta("web"), True),
    ("Deployment", meta("api"), False),
    ("Deployment", meta("web", "other"), False),  # the same name in another namespace
    ("ConfigMap", meta("settings"), True),  # not created yet: its creation concerns the file
    ("Pod", meta("web-7d9f-a"), True),
    ("Pod", meta("x", ownerReferences=[{"uid": "rs-1"}]), True),  # a new pod of its ReplicaSet
    ("ReplicaSet", meta("next", ownerReferences=[{"uid": "dep-1"}]), True),  # a rollout's new ReplicaSet
    ("Pod", meta("canary", labels={"app": "web"}), True),  # its selector matches
    ("Pod", meta("web-5c4b-x"), True),  # named after it by its controller, not observed yet
    ("Pod", meta("db-0", labels={"app": "db"}), False),
    ("Job", meta("backup", ownerReferences=[{"uid": "other"}]), False),
    ("Event", event("Pod", "web-7d9f-a", "pod-1"), True),
    ("Event", event("Pod", "web-9z9z-q"), True),
    ("Event", event("Deployment", "web", "dep-1"), True),
    ("Event", event("PersistentVolumeClaim", "data"), True),
    ("Event", event("Pod", "db-0", "pod-9"), False),
    ("Event", event("Deployment", "db"), False),
    ("EndpointSlice", meta("web-svc-abc", labels={"kubernetes.io/service-name": "web-svc"}), True),
    ("EndpointSlice", meta("db-abc", labels={"kubernetes.io/service-name": "db"}), False),
    ("PersistentVolumeClaim", meta("data"), True),
    ("PersistentVolumeClaim", meta("logs"), False),
])
def test_events_concern_only_the_files_objects(kind: str, obj: dict[str, Any], want: bool) -> None:
    assert interest().concerns(kind, "default", obj) is want


def test_a_fresh_list_concerns_everything() -> None:
    assert interest().concerns("Pod", "default", None)
    assert Interest().concerns("Pod", "default", None) and not Interest().concerns("Pod", "default", meta("a"))


def test_selector_matching() -> None:
    labels = {"app": "web", "tier": "front"}
    assert selector_matches({"app": "web"}, labels)  # a Service's map
    assert selector_matches({"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["front", "back"]},
        {"key": "track", "operator": "DoesNotExist"}, {"key": "app", "operator": "Exists"},
        {"key": "env", "operator": "NotIn", "values": ["prod"]}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]},
                                labels)
    assert not selector_matches({}, labels) and not selector_matches({"matchLabels": {}}, labels)
    assert not selector_matches({"app": "db"}, labels)
