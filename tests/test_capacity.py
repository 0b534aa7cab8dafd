"""Resource insight: per-container and pod totals as the scheduler computes them, QoS classes, replicas and
HPA maxima; `kube-lsp resources` in text and JSON."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

from kube_lsp.capacity import lens_title, qos_class, summary_lines, workloads_in
from kube_lsp.cli import main
from kube_lsp.engine import Engine
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.textindex import build_index

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/migrate:1.0
          resources:
            requests: {cpu: "1", memory: 64Mi}
        - name: proxy
          image: registry.example.com/proxy:1.0
          restartPolicy: Always
          resources:
            requests: {cpu: 100m, memory: 32Mi}
            limits: {memory: 32Mi}
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
          resources:
            requests: {cpu: 250m}
            limits: {cpu: 500m, memory: 256Mi}
"""
HPA = """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 3
  maxReplicas: 10
"""


def summaries(text: str) -> list:  # type: ignore[type-arg]
    docs = parse_stream(text)
    return list(workloads_in((d.root for d in docs), build_index([d.root for d in docs], [d.chunk.text for d in docs])))


def test_pod_totals_follow_the_scheduler() -> None:
    (w,) = summaries(DEPLOY)
    api = w.containers[2]
    assert api.requests == {"cpu": Decimal("0.250"), "memory": Decimal(256 * 2**20)}  # the memory limit defaults it
    assert w.containers[1].sidecar
    # cpu: max(api 250m + sidecar 100m, migrate 1 + no sidecar before it) = 1; memory: max(256Mi + 32Mi, 64Mi)
    assert w.requests == {"cpu": Decimal(1), "memory": Decimal(288 * 2**20)}
    assert w.limits == {"memory": Decimal(288 * 2**20)}  # the sidecar sets no CPU limit: unbounded
    assert w.unlimited == ("cpu",)
    assert w.qos == "Burstable"
    assert w.replicas == 3 and w.total_requests == {"cpu": Decimal(3), "memory": Decimal(864 * 2**20)}
    assert w.max_replicas is None


def test_hpa_in_the_same_text_gives_the_maximum() -> None:
    (w,) = summaries(DEPLOY + HPA)
    assert (w.max_replicas, w.autoscaler) == (10, "api")
    assert w.max_requests == {"cpu": Decimal(10), "memory": Decimal(2880 * 2**20)}
    assert lens_title(w) == ("requests cpu 1, memory 288Mi × 3 = cpu 3, memory 864Mi (max 10: cpu 10, memory "
                             "2.81Gi) · limits memory 288Mi · Burstable")


def test_qos_classes() -> None:
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n"
           "      image: x:1\n{}")
    assert summaries(pod.format(""))[0].qos == "BestEffort"
    guaranteed = "      resources:\n        limits: {cpu: 500m, memory: 1Gi}\n"
    assert summaries(pod.format(guaranteed))[0].qos == "Guaranteed"  # requests default to limits
    unequal = "      resources:\n        requests: {cpu: 250m}\n        limits: {cpu: 500m, memory: 1Gi}\n"
    assert summaries(pod.format(unequal))[0].qos == "Burstable"
    assert qos_class([]) == "BestEffort"


def test_daemonsets_jobs_and_pods() -> None:
    ds = ("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: d\nspec:\n  selector: {matchLabels: {a: b}}\n"
          "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - name: d\n"
          "          image: x:1\n          resources: {requests: {memory: 10Mi}}\n")
    (w,) = summaries(ds)
    assert w.replicas is None and w.total_requests == {}
    assert lens_title(w) == "requests memory 10Mi per node · limits nothing · Burstable"
    job = ("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  parallelism: 4\n  template:\n"
           "    spec:\n      restartPolicy: Never\n      containers:\n        - name: j\n          image: x:1\n")
    assert summaries(job)[0].replicas == 4
    assert summaries("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n") == []


def test_hover_summary_table() -> None:
    (w,) = summaries(DEPLOY + HPA)
    assert summary_lines(w) == [
        "**Resources** of Deployment `api` — QoS Burstable, 3 replicas (HPA `api`: up to 10)", "",
        "| container | requests | limits |", "| --- | --- | --- |",
        "| `migrate` (init) | cpu 1, memory 64Mi | none |",
        "| `proxy` (sidecar) | cpu 100m, memory 32Mi | memory 32Mi |",
        "| `api` | cpu 250m, memory 256Mi | cpu 500m, memory 256Mi |",
        "| **pod** | cpu 1, memory 288Mi | memory 288Mi (no limit: cpu) |",
        "| **× 3** | cpu 3, memory 864Mi | memory 864Mi |",
        "| **× 10 (max)** | cpu 10, memory 2.81Gi | memory 2.81Gi |",
    ]


def test_cli_resources_text_and_json_across_files(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    (tmp_path / "hpa.yaml").write_text(HPA.removeprefix("---\n"))
    out = io.StringIO()
    assert main(["resources", str(tmp_path)], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "namespace shop"
    assert lines[1].split() == ["WORKLOAD", "FILE", "REPLICAS", "QOS", "CPU", "REQ", "MEM", "REQ", "CPU", "LIM",
                                "MEM", "LIM", "TOTAL", "CPU", "REQ", "TOTAL", "MEM", "REQ", "TOTAL", "CPU", "LIM",
                                "TOTAL", "MEM", "LIM"]
    assert lines[2].split() == ["Deployment/api", f"{tmp_path / 'deploy.yaml'}:2", "3", "(max", "10)", "Burstable",
                                "1", "288Mi", "unlimited", "288Mi", "3", "864Mi", "unlimited", "864Mi"]
    assert lines[3].split() == ["total", "3", "864Mi", "-", "864Mi"]
    out = io.StringIO()
    assert main(["resources", "--format", "json", str(tmp_path)], stdout=out) == 0
    data = json.loads(out.getvalue())
    (w,) = data["workloads"]
    assert (w["kind"], w["name"], w["line"], w["maxReplicas"], w["qos"]) == ("Deployment", "api", 2, 10, "Burstable")
    assert w["pod"] == {"requests": {"cpu": "1", "memory": "288Mi"}, "limits": {"memory": "288Mi"},
                        "unlimited": ["cpu"]}
    assert w["atMaxReplicas"]["requests"] == {"cpu": "10", "memory": "2.81Gi"}
    assert data["namespaces"] == {"shop": {"requests": {"cpu": "3", "memory": "864Mi"}, "limits": {"memory": "864Mi"}}}


def test_cli_resources_reads_stdin_and_says_when_there_is_nothing() -> None:
    out = io.StringIO()
    assert main(["resources", "-"], stdin=io.StringIO("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"),
                stdout=out) == 0
    assert out.getvalue().startswith("no workloads")


def test_summary_does_not_change_findings() -> None:
    assert [f.code for f in Engine().analyse(DEPLOY + HPA).findings] == []
