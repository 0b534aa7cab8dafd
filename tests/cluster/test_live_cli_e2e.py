"""`kube-lsp status` end to end against the API server double: live states, each live problem on its line
and gone once the cluster stops reporting it, JSON, --watch, Secrets masked, RBAC, several contexts."""

from __future__ import annotations

import base64
import copy
import io
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from kube_lsp.cli import main

from .apiserver import ApiServerDouble, Forbidden
from .livestate import MANIFEST, Scenario, position, running, terminated, waiting


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    real_err = sys.stderr
    sys.stderr = err
    try:
        code = main(list(args), stdout=out)
    finally:
        sys.stderr = real_err
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    return path


def status(kubeconfig: Path, manifest: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run("status", "--kubeconfig", str(kubeconfig), "--format", "json", str(manifest), *extra)
    assert code in (0, 1), err
    data = json.loads(out)
    data["code"] = code
    return data


def live_findings(data: dict[str, Any], context: str = "double") -> list[tuple[str, int, int, str]]:
    return [(f["code"], f["line"], f["column"], f["message"]) for o in data["objects"]
            for f in o["live"][context].get("findings", [])]


def test_not_applied_objects_are_not_found(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    code, out, err = run("status", "--kubeconfig", str(kubeconfig), str(manifest))
    assert code == 0, err
    assert "Deployment web" in out and "not found in default" in out
    assert f"{manifest}:1" in out and f"{manifest}:{position('apiVersion: v1')[0]}" in out


def test_healthy_workload_and_service_states(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    Scenario(apiserver).healthy()
    data = status(kubeconfig, manifest)
    dep, svc = (o["live"]["double"] for o in data["objects"])
    assert dep["summary"] == "2/2 ready · rolled out"
    assert dep["images"] == ["nginx:1.27"]
    assert {c["type"] for c in dep["conditions"]} == {"Available", "Progressing"}
    assert len(dep["pods"]) == 2
    assert svc["summary"] == "2 ready endpoints"
    assert live_findings(data) == [] and data["code"] == 0


def test_image_pull_failure_on_the_image_line_then_gone(apiserver: ApiServerDouble, kubeconfig: Path,
                                                        manifest: Path) -> None:
    s = Scenario(apiserver)
    p = s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    apiserver.event(p, "Failed", 'Failed to pull image "nginx:1.277": rpc error: code = NotFound desc = '
                    'docker.io/library/nginx:1.277: not found', field_path="spec.containers{web}", age=120)
    data = status(kubeconfig, manifest)
    line, col = position("nginx:1.277")
    found = [f for f in live_findings(data) if f[0] == "KL950"]
    assert [(f[1], f[2]) for f in found] == [(line, col)]
    assert "ImagePullBackOff" in found[0][3] and "nginx:1.277: not found" in found[0][3]
    assert "seen 2m ago" in found[0][3] and "pod web-7d9f-a" in found[0][3]
    assert data["code"] == 1
    s.set_pod("web-7d9f-a")
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL950"] == []


def test_oom_killed_on_the_memory_limit(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", statuses=[running(restarts=4, last=terminated("OOMKilled", 137))])
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL951"]
    assert [(f[1], f[2]) for f in found] == [position("128Mi")]
    assert "OOMKilled" in found[0][3] and "128Mi" in found[0][3] and "exit code 137" in found[0][3]
    s.set_pod("web-7d9f-a", statuses=[running(restarts=4)])
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL951"] == []


def test_crash_loop_on_the_container_with_exit_code_and_message(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                manifest: Path) -> None:
    s = Scenario(apiserver)
    last = terminated("Error", 3, "config file /etc/web.conf missing")
    s.pod("web-7d9f-a", statuses=[waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container",
                                          restarts=7, last=last)])
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL952"]
    line, col = position("- name: web")
    assert [(f[1], f[2]) for f in found] == [(line, col + len("- name: "))]  # the container's name
    assert "exit code 3: config file /etc/web.conf missing" in found[0][3] and "7 restarts" in found[0][3]
    s.set_pod("web-7d9f-a")
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL952"] == []


def test_failed_scheduling_on_the_cpu_request(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    s = Scenario(apiserver)
    msg = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available."
    p = s.pod("web-7d9f-a", "Pending", statuses=[], conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": msg,
         "lastTransitionTime": "2026-01-01T00:00:00Z"}])
    apiserver.event(p, "FailedScheduling", msg, component="default-scheduler")
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL953"]
    assert [(f[1], f[2]) for f in found] == [position('"4"')]
    assert "Insufficient cpu" in found[0][3] and "requests cpu 4" in found[0][3]
    s.set_pod("web-7d9f-a")
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL953"] == []


def test_unbound_claim_on_claim_name(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", statuses=[])
    pvc = apiserver.set_status("v1", "PersistentVolumeClaim", "data", {"phase": "Pending"})
    apiserver.event(pvc, "ProvisioningFailed", 'storageclass.storage.k8s.io "fast" not found',
                    component="persistentvolume-controller")
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL954"]
    line, col = position("claimName: data")
    assert [(f[1], f[2]) for f in found] == [(line, col + len("claimName: "))]
    assert "Pending" in found[0][3] and 'storageclass.storage.k8s.io "fast" not found' in found[0][3]
    apiserver.set_status("v1", "PersistentVolumeClaim", "data", {"phase": "Bound"})
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL954"] == []


def test_failing_probe_on_the_probe(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    s = Scenario(apiserver)
    p = s.pod("web-7d9f-a", statuses=[running(restarts=2)])
    ev = apiserver.event(p, "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500",
                         field_path="spec.containers{web}", count=12, age=150)
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL955"]
    assert [(f[1], f[2]) for f in found] == [position("livenessProbe")]
    assert "statuscode: 500" in found[0][3] and "12 times" in found[0][3] and "seen 2m ago" in found[0][3]
    apiserver.remove("v1", "Event", ev["metadata"]["name"])
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL955"] == []


def test_selector_without_running_pod_and_service_without_endpoints(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                    manifest: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", statuses=[waiting("ContainerCreating")])
    s.endpoints(ready=0, not_ready=1)
    found = live_findings(status(kubeconfig, manifest))
    no_pod = [f for f in found if f[0] == "KL956"]
    no_eps = [f for f in found if f[0] == "KL957"]
    assert [(f[1], f[2]) for f in no_pod] == [position("selector")]
    assert "no running pod matches the selector app=web" in no_pod[0][3] and "1 Pending" in no_pod[0][3]
    assert [(f[1], f[2]) for f in no_eps] == [position("selector", 2)]
    assert "has no ready endpoints: 1 pod matches the selector (0 running) but no endpoint is ready (1 not ready)" \
        in no_eps[0][3]
    s.healthy()
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] in ("KL956", "KL957")] == []


def test_text_table_lists_problems_under_their_object(apiserver: ApiServerDouble, kubeconfig: Path,
                                                      manifest: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ErrImagePull", "manifest unknown")])
    s.deployment_status(ready=0, updated=2, available=False)
    code, out, _ = run("status", "--kubeconfig", str(kubeconfig), str(manifest))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["OBJECT", "FILE", "STATE"]
    assert lines[1].startswith("Deployment web") and "0/2 ready · unavailable" in lines[1]
    line, col = position("nginx:1.277")
    assert f"  {manifest}:{line}:{col}: warning KL950 ErrImagePull: manifest unknown" in out


def test_secret_values_are_never_shown(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path) -> None:
    password = "hunter2-very-secret"
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
                    f"  password: {password}\n")
    s = Scenario(apiserver)
    apiserver.seed({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                    "data": {"password": base64.b64encode(password.encode()).decode(),
                             "token": base64.b64encode(b"live-only-token-value").decode()}})
    p = s.pod("web-7d9f-a", statuses=[waiting("CrashLoopBackOff", restarts=1, last=terminated(
        "Error", 1, f"login failed for password={password} token=live-only-token-value"))])
    apiserver.event(p, "BackOff", f"container exited: password={password}")
    code, out, _ = run("status", "--kubeconfig", str(kubeconfig), "--format", "json", str(path))
    assert password not in out and "live-only-token-value" not in out
    assert base64.b64encode(password.encode()).decode() not in out
    assert "password=***" in out and "token=***" in out
    secret = json.loads(out)["objects"][2]["live"]["double"]
    assert secret["summary"] == "exists · 2 keys"


def test_rbac_forbidden_read_is_a_clear_state(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    apiserver.inject(Forbidden(user="dev"), kind="deployments", verbs={"get"})
    Scenario(apiserver)
    data = status(kubeconfig, manifest)
    dep = data["objects"][0]["live"]["double"]
    assert dep["summary"] == "forbidden (RBAC)"
    assert "403 Forbidden" in dep["error"] and 'User "dev" cannot get resource "deployments"' in dep["error"]
    assert [(f[0], f[1]) for f in live_findings(data)][0] == ("KL959", position("name: web")[0])
    assert data["objects"][1]["live"]["double"]["summary"] == "0 ready endpoints"  # the Service still reads


def test_two_contexts_side_by_side_with_one_failing(apiserver: ApiServerDouble, tmp_path: Path,
                                                    manifest: Path) -> None:
    Scenario(apiserver).healthy()
    config = json.loads(apiserver.write_kubeconfig(tmp_path / "one").read_text())
    config["contexts"].append({"name": "prod", "context": {"cluster": "down", "user": "double-user"}})
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kc = tmp_path / "kubeconfig"
    kc.write_text(json.dumps(config))
    code, out, _ = run("status", "--kubeconfig", str(kc), "--context", "double", "--context", "prod",
                       "--connect-timeout", "1", str(manifest))
    assert code == 2
    lines = out.splitlines()
    assert lines[0].startswith("context prod: error: cannot reach the cluster at https://127.0.0.1:9")
    assert lines[1].split() == ["OBJECT", "FILE", "double", "prod"]
    assert "2/2 ready · rolled out" in lines[2] and lines[2].rstrip().endswith("unreachable")
    code, out, _ = run("status", "--kubeconfig", str(kc), "--context", "double", "--context", "prod",
                       "--connect-timeout", "1", "--format", "json", str(manifest))
    data = json.loads(out)
    assert [c["context"] for c in data["contexts"]] == ["double", "prod"]
    assert data["contexts"][1]["error"] and not data["contexts"][0]["error"]
    assert data["objects"][0]["live"]["double"]["summary"] == "2/2 ready · rolled out"


def test_watch_prints_again_when_the_cluster_changes(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     manifest: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", "Back-off pulling image")])
    apiserver.bookmark_interval = 0.2
    out = io.StringIO()
    result: list[int] = []

    def watch() -> None:
        result.append(main(["status", "--kubeconfig", str(kubeconfig), "--watch", "--watch-for", "6",
                            "--debounce", "0.1", str(manifest)], stdout=out))

    t = threading.Thread(target=watch)
    t.start()
    deadline = time.monotonic() + 5
    while "KL950" not in out.getvalue() or apiserver.watches_open < 3:
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.05)
    s.healthy()
    t.join(15)
    text = out.getvalue()
    assert "--- " in text, text
    last = text.rsplit("--- ", 1)[1]
    assert "KL950" not in last and "2/2 ready · rolled out" in last
    assert result == [0]
    watches = [r for r in apiserver.requests if r.query.get("watch") == "true"]
    assert {r.path for r in watches} >= {"/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/events",
                                         "/apis/apps/v1/namespaces/default/deployments"}
    assert all(r.query.get("allowWatchBookmarks") == "true" and r.query.get("resourceVersion") for r in watches)
    assert all(r.method == "GET" for r in apiserver.requests)


def test_diff_against_two_contexts_one_section_each(apiserver: ApiServerDouble, tmp_path: Path,
                                                    manifest: Path) -> None:
    Scenario(apiserver)
    apiserver.set_status("apps/v1", "Deployment", "web", None)
    live = apiserver.get("apps/v1", "Deployment", "web")
    assert live is not None
    live["spec"]["replicas"] = 5  # someone scaled it by hand
    apiserver.seed(live)
    config = json.loads(apiserver.write_kubeconfig(tmp_path / "one").read_text())
    config["contexts"].append({"name": "prod", "context": {"cluster": "down", "user": "double-user"}})
    config["clusters"].append({"name": "down", "cluster": {"server": "https://127.0.0.1:9",
                                                           "certificate-authority": str(apiserver.ca_file)}})
    kc = tmp_path / "kubeconfig"
    kc.write_text(json.dumps(config))
    code, out, err = run("diff", "--kubeconfig", str(kc), "--context", "prod", "--context", "double",
                         "--connect-timeout", "1", str(manifest))
    assert code == 2
    prod, double = out.split("=== context double (Kubernetes v1.33.1)\n")
    assert prod.startswith("=== context prod\nerror: cannot reach the cluster at https://127.0.0.1:9")
    assert "-  replicas: 5\n+  replicas: 2\n" in double
    assert "(context prod)" in err


def test_a_refused_related_read_keeps_the_object_state(apiserver: ApiServerDouble, kubeconfig: Path,
                                                       manifest: Path) -> None:
    s = Scenario(apiserver)
    s.healthy()
    apiserver.inject(Forbidden(user="dev"), kind="pods", verbs={"list"})
    data = status(kubeconfig, manifest)
    dep = data["objects"][0]["live"]["double"]
    assert dep["summary"] == "2/2 ready · rolled out" and dep["error"] == ""
    assert any('cannot list resource "pods"' in n for n in dep["notes"])
    assert live_findings(data) == []  # nothing is claimed about pods it could not read


def test_drift_on_the_changed_field_only(apiserver: ApiServerDouble, kubeconfig: Path, manifest: Path) -> None:
    s = Scenario(apiserver)
    s.healthy()
    assert [f for f in live_findings(status(kubeconfig, manifest, "--drift")) if f[0] == "KL958"] == []
    dep = apiserver.get("apps/v1", "Deployment", "web")
    assert dep is not None
    dep["spec"]["replicas"] = 5
    apiserver.seed(dep)
    found = [f for f in live_findings(status(kubeconfig, manifest, "--drift")) if f[0] == "KL958"]
    line, col = position("replicas: 2")
    assert [(f[1], f[2]) for f in found] == [(line, col + len("replicas: "))]
    assert "live: 5" in found[0][3]
    assert [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL958"] == []  # only when asked


def test_pods_owned_directly_or_by_nobody_are_the_workloads(apiserver: ApiServerDouble, kubeconfig: Path,
                                                            manifest: Path) -> None:
    s = Scenario(apiserver)
    apiserver.seed({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-bare", "labels": {"app": "web"}},
                    "spec": copy.deepcopy(s.deployment["spec"]["template"]["spec"]),
                    "status": {"phase": "Pending", "containerStatuses": [waiting("ErrImagePull", "not found")]}},
                   manager=None, defaults=False)
    found = [f for f in live_findings(status(kubeconfig, manifest)) if f[0] == "KL950"]
    assert [(f[1], f[2]) for f in found] == [position("nginx:1.277")] and "pod web-bare" in found[0][3]


KINDS = """\
apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
    - name: app
      image: busybox:1.36
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: migrate:3
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: gizmo
spec:
  size: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
"""


def test_states_of_pods_jobs_custom_resources_and_others(apiserver: ApiServerDouble, kubeconfig: Path,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "kinds.yaml"
    path.write_text(KINDS)
    pod = apiserver.seed({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                          "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]},
                          "status": {"phase": "Running", "containerStatuses": [running("app", "busybox:1.36", 3)]}},
                         manager=None)
    apiserver.seed({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
                    "spec": {"completions": 2, "template": {"spec": {"restartPolicy": "Never", "containers": [
                        {"name": "migrate", "image": "migrate:3"}]}}},
                    "status": {"succeeded": 1, "failed": 2, "active": 1}}, manager=None)
    apiserver.seed({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "gizmo"},
                    "spec": {"size": 3}, "status": {"conditions": [
                        {"type": "Ready", "status": "False", "reason": "PartsMissing", "message": "2 of 3 parts"}]}},
                   manager=None)
    apiserver.event(pod, "Pulled", 'Container image "busybox:1.36" already present on machine', type="Normal")
    data = status(kubeconfig, path)
    summaries = [o["live"]["double"]["summary"] for o in data["objects"]]
    assert summaries == ["Running · 1/1 ready · 3 restarts", "succeeded 1/2, failed 2 · running",
                         "Ready: False (PartsMissing)", "not found in default"]
    solo = data["objects"][0]["live"]["double"]
    assert solo["images"] == ["busybox:1.36"] and solo["events"][0]["reason"] == "Pulled"
    widget = data["objects"][2]["live"]["double"]
    assert widget["conditions"][0]["message"] == "2 of 3 parts"


def test_suppression_comments_apply_to_live_problems(apiserver: ApiServerDouble, kubeconfig: Path,
                                                     tmp_path: Path) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", "Back-off pulling image")])
    path = tmp_path / "web.yaml"
    ignored = "image: nginx:1.277  # kube-lsp: ignore=live-image-pull-failed"
    path.write_text(MANIFEST.replace("image: nginx:1.277", ignored))
    assert [f for f in live_findings(status(kubeconfig, path)) if f[0] == "KL950"] == []
    path.write_text(MANIFEST)
    assert [f for f in live_findings(status(kubeconfig, path)) if f[0] == "KL950"]


CRONJOB = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.36
"""


def test_each_context_checks_the_api_versions_of_the_version_it_runs(apiserver: ApiServerDouble,
                                                                     old_apiserver: ApiServerDouble,
                                                                     two_clusters: Path, tmp_path: Path) -> None:
    text = MANIFEST + "---\n" + CRONJOB
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    code, out, _ = run("dry-run", "--kubeconfig", str(two_clusters), "--context", "double", "--context", "old",
                       str(path))
    assert code == 1
    new, old = out.split("=== context old (Kubernetes v1.24.17)\n")
    assert new.startswith("=== context double (Kubernetes v1.33.1)\n")
    line, col = position("batch/v1beta1", text=text)
    assert (f"{path}:{line}:{col}: error KL300 `batch/v1beta1` CronJob is not served by Kubernetes 1.33: removed in "
            "1.25; use `batch/v1` — double runs v1.33.1\n") in new
    assert (f"{path}:{line}:{col}: warning KL301 `batch/v1beta1` CronJob is deprecated since Kubernetes 1.21 and "
            "removed in 1.25; use `batch/v1` — old runs v1.24.17\n") in old
    assert "KL301" not in new and "KL300" not in old
    for double in (apiserver, old_apiserver):  # one /version per context
        assert len([r for r in double.requests if r.path == "/version"]) == 1
    code, out, _ = run("dry-run", "--kubeconfig", str(two_clusters), "--context", "old", "--format", "json",
                       str(path))
    data = json.loads(out)
    assert data["summary"]["kubernetesVersion"] == "1.24"
    assert "running Kubernetes v1.24.17" in data["summary"]["schemaSource"]
    assert [f["code"] for f in data["findings"] if f["code"].startswith("KL30")] == ["KL301"]


def test_diff_sections_name_their_server_version(apiserver: ApiServerDouble, old_apiserver: ApiServerDouble,
                                                 two_clusters: Path, manifest: Path) -> None:
    for double, replicas in ((apiserver, 5), (old_apiserver, 7)):
        Scenario(double)
        double.set_status("apps/v1", "Deployment", "web", None)
        live = double.get("apps/v1", "Deployment", "web")
        assert live is not None
        live["spec"]["replicas"] = replicas
        double.seed(live)
    code, out, _ = run("diff", "--kubeconfig", str(two_clusters), "--context", "old", "--context", "double",
                       str(manifest))
    assert code == 1
    old, new = out.split("=== context double (Kubernetes v1.33.1)\n")
    assert old.startswith("=== context old (Kubernetes v1.24.17)\n") and "-  replicas: 7\n+  replicas: 2\n" in old
    assert "-  replicas: 5\n+  replicas: 2\n" in new


def test_status_reads_the_settings_file_as_check_does(apiserver: ApiServerDouble, kubeconfig: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    s = Scenario(apiserver)
    s.pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", 'Back-off pulling image "nginx:1.277"')])
    s.pod("web-7d9f-b", statuses=[running(restarts=4, last=terminated("OOMKilled", 137))])
    project = tmp_path / "project"
    (project / "vendor").mkdir(parents=True)
    (project / "web.yaml").write_text(MANIFEST)
    (project / "vendor" / "copy.yaml").write_text(MANIFEST)
    (project / ".kube-lsp.yaml").write_text("rules:\n  KL950: error\n  KL951: off\nexclude:\n  - vendor\n")
    monkeypatch.chdir(project)  # the nearest .kube-lsp.yaml, as `check` finds it
    data = status(kubeconfig, project)
    assert {o["file"] for o in data["objects"]} == {str(project / "web.yaml")}  # vendor/ is excluded
    severities = {f["code"]: f["severity"] for o in data["objects"] for f in o["live"]["double"]["findings"]}
    assert severities.get("KL950") == "error" and "KL951" not in severities
    code, out, _ = run("status", "--kubeconfig", str(kubeconfig), str(project / "web.yaml"))
    assert code == 1 and "error KL950" in out and "KL951" not in out
    other = tmp_path / "other.yaml"  # --config names another file; one named on the command line is never excluded
    other.write_text("rules:\n  KL950: off\n")
    code, out, _ = run("status", "--kubeconfig", str(kubeconfig), "--config", str(other), "--format", "json",
                       str(project / "vendor" / "copy.yaml"))
    codes = {f["code"] for o in json.loads(out)["objects"] for f in o["live"]["double"]["findings"]}
    assert "KL950" not in codes and "KL951" in codes
    code, _, err = run("status", "--kubeconfig", str(kubeconfig), "--config", str(tmp_path / "nope.yaml"),
                       str(project / "web.yaml"))
    assert code == 2 and "nope.yaml: no such file" in err


def test_watch_reads_again_only_for_changes_that_concern_the_files(apiserver: ApiServerDouble, kubeconfig: Path,
                                                                    manifest: Path) -> None:
    s = Scenario(apiserver)
    s.healthy()
    out = io.StringIO()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(
        ["status", "--kubeconfig", str(kubeconfig), "--watch", "--watch-for", "7", "--debounce", "0.1",
         str(manifest)], stdout=out)))
    thread.start()

    def reads() -> int:
        return sum(1 for r in apiserver.requests if r.path == "/apis/apps/v1/namespaces/default/deployments/web")

    deadline = time.monotonic() + 5
    while apiserver.watches_open < 8:
        assert time.monotonic() < deadline, apiserver.watches_open
        time.sleep(0.05)
    before = reads()
    other = apiserver.seed({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "labels": {"app": "db"}},
                            "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}, manager=None)
    apiserver.event(other, "Failed", "Failed to pull image")
    time.sleep(1.5)
    assert reads() == before  # another workload's pod and event: nothing read again
    s.set_pod("web-7d9f-a", "Pending", [waiting("ImagePullBackOff", "Back-off pulling image")])
    deadline = time.monotonic() + 5
    while reads() == before:
        assert time.monotonic() < deadline, "the file's own pod changed, but nothing was read again"
        time.sleep(0.05)
    thread.join(15)
    assert result == [1] and "KL950" in out.getvalue().rsplit("--- ", 1)[-1]
