"""The pure live-state functions: summaries per kind, selectors, Secret masking, drift, finding positions."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from kube_lsp.cluster.drift import drift_findings
from kube_lsp.cluster.live import Masker, Observation, ago, assess, secret_values, selector_query, summarise
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap

NOW = time.time()


def obs(kind: str, live: dict[str, Any] | None, **kw: Any) -> Observation:
    return Observation(kind, "x", "default", NOW, "ctx", live, **kw)


def root(text: str) -> YMap:
    r = parse_stream(text)[0].root
    assert isinstance(r, YMap)
    return r


@pytest.mark.parametrize(("kind", "live", "extra", "want"), [
    ("Deployment", {"metadata": {"generation": 2}, "spec": {"replicas": 3},
                    "status": {"observedGeneration": 2, "readyReplicas": 1, "updatedReplicas": 1, "replicas": 3}},
     {}, "1/3 ready · rolling out (1/3 updated)"),
    ("Deployment", {"metadata": {"generation": 3}, "spec": {"replicas": 1}, "status": {"observedGeneration": 2}},
     {}, "0/1 ready · rollout pending"),
    ("Deployment", {"spec": {"replicas": 2}, "status": {"readyReplicas": 1, "updatedReplicas": 2, "replicas": 2,
                                                        "conditions": [{"type": "Progressing", "status": "False",
                                                                        "reason": "ProgressDeadlineExceeded"}]}},
     {}, "1/2 ready · rollout stuck (ProgressDeadlineExceeded)"),
    ("StatefulSet", {"spec": {"replicas": 3}, "status": {"readyReplicas": 3, "currentRevision": "a",
                                                         "updateRevision": "b", "updatedReplicas": 1}},
     {}, "3/3 ready · rolling out (1/3 updated)"),
    ("DaemonSet", {"status": {"desiredNumberScheduled": 4, "numberReady": 4, "updatedNumberScheduled": 4}},
     {}, "4/4 ready · rolled out"),
    ("Pod", {"spec": {"containers": [{"name": "a"}, {"name": "b"}]},
             "status": {"phase": "Running", "containerStatuses": [
                 {"name": "a", "ready": True, "restartCount": 2, "state": {"running": {}}},
                 {"name": "b", "ready": False, "restartCount": 5,
                  "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}},
     {}, "Running (CrashLoopBackOff) · 1/2 ready · 7 restarts"),
    ("Job", {"spec": {"completions": 3}, "status": {"succeeded": 3, "failed": 1,
                                                    "conditions": [{"type": "Complete", "status": "True"}]}},
     {}, "succeeded 3/3, failed 1 · Complete"),
    ("CronJob", {"spec": {"suspend": True}, "status": {"active": [{"name": "j"}]}}, {},
     "1 active · never scheduled · suspended"),
    ("Service", {"spec": {"type": "ExternalName", "externalName": "db.example.com"}}, {},
     "ExternalName db.example.com"),
    ("Service", {"spec": {"type": "ClusterIP"}}, {"slices": ()}, "exists · no selector (endpoints managed elsewhere)"),
    ("Service", {"spec": {"selector": {"app": "web"}}},
     {"slices": ({"endpoints": [{"conditions": {"ready": True}}, {"conditions": {}},
                                {"conditions": {"ready": False}}]},)}, "2 ready endpoints, 1 not ready"),
    ("PersistentVolumeClaim", {"status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}}, {}, "Bound · 1Gi"),
    ("Widget", {"status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Reconciling"}]}}, {},
     "Ready: False (Reconciling)"),
    ("Widget", {"status": {}}, {}, "exists"),
    ("Secret", {"_keys": ["a", "b"]}, {}, "exists · 2 keys"),
    ("ConfigMap", None, {}, "not found in default"),
])
def test_summaries(kind: str, live: dict[str, Any] | None, extra: dict[str, Any], want: str) -> None:
    assert summarise(obs(kind, live, **extra)) == want


def test_errors_summarise_as_states() -> None:
    assert summarise(obs("Deployment", None, error="403", forbidden=True)) == "forbidden (RBAC)"
    assert summarise(obs("Deployment", None, error="boom")) == "unavailable"


def test_selector_queries() -> None:
    assert selector_query({"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["x", "y"]}, {"key": "old", "operator": "DoesNotExist"},
        {"key": "env", "operator": "NotIn", "values": ["dev"]}, {"key": "team", "operator": "Exists"}]}) == \
        "a=1,b=2,tier in (x,y),!old,env notin (dev),team"
    assert selector_query({"app": "web"}) == "app=web"
    assert selector_query({}) is None and selector_query(None) is None


def test_ages() -> None:
    assert [ago(s) for s in (3, 119, 120, 7199, 7200, 3 * 86400)] == ["3s", "119s", "2m", "119m", "2h", "3d"]


def test_secret_values_and_masking() -> None:
    values = secret_values({"kind": "Secret", "data": {"p": base64.b64encode(b"s3cr3t-value").decode()},
                            "stringData": {"cfg": "user=admin\npassword=zzzz-top"}})
    mask = Masker(values)
    assert mask("auth failed for s3cr3t-value") == "auth failed for ***"
    assert mask("line password=zzzz-top") == "line ***"
    assert mask(base64.b64encode(b"s3cr3t-value").decode()) == "***"
    assert Masker({"ab"})("ab stays: too short to mask") == "ab stays: too short to mask"
    assert secret_values({"kind": "ConfigMap", "data": {"a": "bbbbbb"}}) == set()


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
    - name: app
      image: app:2
"""


def test_oom_without_limit_is_on_the_container_and_messages_are_masked() -> None:
    live = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "image": "app:2", "restartCount": 1, "state": {"waiting": {
                    "reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {
                        "reason": "OOMKilled", "exitCode": 137, "message": "dumped token-123456"}}}]}}
    state = assess(root(POD), 0, obs("Pod", live, pods=(live,)), NOW, Masker({"token-123456"}))
    by_code = {f.code: f for f in state.findings}
    assert by_code["KL951"].span.start.line == 6 and by_code["KL951"].span.start.col == 12  # the name
    assert "the memory available" in by_code["KL951"].message
    assert "***" in by_code["KL952"].message and "token-123456" not in by_code["KL952"].message
    assert state.images == ["app:2"]


def test_containers_not_in_the_file_are_ignored() -> None:
    live = {"apiVersion": "v1", "kind": "Pod", "status": {"containerStatuses": [
        {"name": "istio-proxy", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    assert assess(root(POD), 0, obs("Pod", live, pods=(live,)), NOW).findings == []


DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: A
              value: "1"
          args: ["--x"]
"""


def _deploy(replicas: int = 2, image: str = "nginx:1.27", env: str = "1", args: tuple[str, ...] = ("--x",),
            extra_env: bool = False) -> dict[str, Any]:
    envs = [{"name": "A", "value": env}] + ([{"name": "B", "value": "2"}] if extra_env else [])
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "resourceVersion": "5", "uid": "u"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "web", "image": image, "env": envs, "args": list(args),
                 "imagePullPolicy": "IfNotPresent"}]}}}, "status": {"readyReplicas": 1}}


def test_drift_only_on_fields_the_file_sets() -> None:
    r = root(DEPLOY)
    assert drift_findings(r, 0, _deploy(extra_env=True), _deploy()) == []  # other fields differ: no drift
    found = drift_findings(r, 0, _deploy(replicas=5, env="9", args=("--y",)), _deploy())
    assert [(f.path, f.span.start.line) for f in found] == [
        ("spec.replicas", 7), ("spec.template.spec.containers[name=web].env[name=A].value", 15),
        ("spec.template.spec.containers[name=web].args", 16)]
    assert "live: 5" in found[0].message and 'live: ["--y"]' in found[2].message
    assert drift_findings(r, 0, None, _deploy()) == [] and drift_findings(r, 0, _deploy(), None) == []


def test_drift_of_a_secret_never_shows_the_value() -> None:
    r = root("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: new-value\n")
    live = {"kind": "Secret", "stringData": {"password": "old-value-123"}}
    found = drift_findings(r, 0, live, {"kind": "Secret", "stringData": {"password": "new-value"}})
    assert len(found) == 1 and "old-value-123" not in found[0].message and "live: ***" in found[0].message


WORKLOAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
    - name: app
      image: app:2
      readinessProbe:
        httpGet: {path: /, port: 80}
      livenessProbe:
        httpGet: {path: /, port: 80}
      resources:
        requests: {cpu: "8"}
"""


def _event(reason: str, message: str, age: float, field_path: str | None = "spec.containers{app}") -> dict[str, Any]:
    ref = {"kind": "Pod", "name": "x"}
    if field_path:
        ref["fieldPath"] = field_path
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - age))
    return {"reason": reason, "message": message, "type": "Warning", "involvedObject": ref, "lastTimestamp": stamp}


def _pod(phase: str, ready: bool, started_age: float, scheduled: str | None = None) -> dict[str, Any]:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - started_age))
    status: dict[str, Any] = {"phase": phase, "containerStatuses": [
        {"name": "app", "ready": ready, "restartCount": 0, "state": {"running": {"startedAt": started}}}]}
    if scheduled is not None:
        status["conditions"] = [{"type": "PodScheduled", "status": scheduled}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "status": status}


def test_past_probe_failures_of_a_ready_container_are_not_reported() -> None:
    events = (_event("Unhealthy", "Readiness probe failed: 503", 30),
              _event("Unhealthy", "Liveness probe failed: 500", 600))
    ready = _pod("Running", True, started_age=120)
    assert assess(root(WORKLOAD), 0, obs("Pod", ready, pods=(ready,), events=events), NOW).findings == []
    failing = _pod("Running", False, started_age=120)
    codes = [(f.code, f.span.start.line) for f in
             assess(root(WORKLOAD), 0, obs("Pod", failing, pods=(failing,), events=events), NOW).findings]
    assert codes == [("KL955", 8), ("KL955", 10)]


def test_failed_scheduling_only_while_the_pod_is_unscheduled() -> None:
    events = (_event("FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.", 60, None),)
    pending = _pod("Pending", False, 0)
    pending["status"].pop("containerStatuses")
    found = assess(root(WORKLOAD), 0, obs("Pod", pending, pods=(pending,), events=events), NOW).findings
    assert [(f.code, f.span.start.line) for f in found] == [("KL953", 13)]
    scheduled = _pod("Pending", False, 0, scheduled="True")  # scheduled since: the event is history
    assert assess(root(WORKLOAD), 0, obs("Pod", scheduled, pods=(scheduled,), events=events), NOW).findings == []


def test_a_probe_event_without_field_path_is_about_the_only_container() -> None:
    events = (_event("Unhealthy", "Liveness probe failed: 500", 5, field_path=None),)
    failing = _pod("Running", False, started_age=120)
    found = assess(root(WORKLOAD), 0, obs("Pod", failing, pods=(failing,), events=events), NOW).findings
    assert [(f.code, f.span.start.line) for f in found] == [("KL955", 10)]


def test_configured_applies_severities_and_comments() -> None:
    from kube_lsp.cluster.live import configured
    from kube_lsp.model import Severity

    live = {"apiVersion": "v1", "kind": "Pod", "status": {"containerStatuses": [
        {"name": "app", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    findings = assess(root(POD), 0, obs("Pod", live, pods=(live,)), NOW).findings
    lines = POD.split("\n")
    assert [f.severity for f in configured(findings, lines, 0)] == [Severity.WARNING]
    assert [f.severity for f in configured(findings, lines, 0, lambda c, d: Severity.ERROR)] == [Severity.ERROR]
    assert configured(findings, lines, 0, lambda c, d: None) == []
    assert configured(findings, ["# kube-lsp: ignore-document=KL950", *lines], -1) == []
