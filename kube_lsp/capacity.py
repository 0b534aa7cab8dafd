"""Resource insight: what a workload asks of the cluster — per container requests and limits, the pod's
effective total, the total for its replicas (and at its HorizontalPodAutoscaler's maxReplicas), its QoS class.

Pure functions over the position tree, following the Kubernetes code:
- a container's request defaults to its limit when only the limit is set (`SetDefaults_ResourceList` for
  requests in pkg/apis/core/v1/defaults.go);
- the pod's effective request is, per resource, the larger of the sum of its containers (plus restartable
  init containers, i.e. sidecars) and the largest init container (plus the sidecars started before it)
  (`PodRequests` in k8s.io/component-helpers/resource/helpers.go); limits likewise (`PodLimits`); a pod-level
  `spec.resources` wins;
- the QoS class is `GetPodQOS` of pkg/apis/core/helper/qos: BestEffort without any CPU or memory request or
  limit, Guaranteed when every container limits CPU and memory and requests equal limits, else Burstable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from kube_lsp.parsing.nodes import YMap, YNode, YScalar
from kube_lsp.quantity import format_quantity, parse_quantity
from kube_lsp.textindex import TextIndex, objects
from kube_lsp.workloads import TEMPLATE_PATHS, WORKLOAD_GROUPS, Container, containers, pod_template

Resources = dict[str, Decimal]
QOS_RESOURCES: Final = ("cpu", "memory")
SCALABLE: Final = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})


@dataclass(frozen=True, slots=True)
class ContainerResources:
    name: str
    list_key: str  # containers, initContainers
    requests: Resources
    limits: Resources
    sidecar: bool = False  # an init container with restartPolicy: Always


@dataclass(frozen=True, slots=True)
class WorkloadResources:
    kind: str
    name: str
    namespace: str | None
    containers: tuple[ContainerResources, ...]
    requests: Resources  # of one pod
    limits: Resources  # of one pod; a resource some container leaves unlimited is absent (unbounded)
    unlimited: tuple[str, ...]  # resources limited by some containers and not by others
    qos: str
    replicas: int | None  # None: one pod per node (DaemonSet)
    max_replicas: int | None = None  # the HPA's maxReplicas, when one in the same run targets it
    autoscaler: str | None = None
    line: int = 0  # 0-based line of the object's `kind`, for editors

    def total(self, per_pod: Resources, replicas: int | None) -> Resources:
        if replicas is None:
            return {}
        return {k: v * replicas for k, v in per_pod.items()}

    @property
    def total_requests(self) -> Resources:
        return self.total(self.requests, self.replicas)

    @property
    def total_limits(self) -> Resources:
        return self.total(self.limits, self.replicas)

    @property
    def max_requests(self) -> Resources:
        return self.total(self.requests, self.max_replicas)

    @property
    def max_limits(self) -> Resources:
        return self.total(self.limits, self.max_replicas)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "namespace": self.namespace, "qos": self.qos,
            "replicas": self.replicas, "maxReplicas": self.max_replicas, "autoscaler": self.autoscaler,
            "containers": [{"name": c.name, "type": "sidecar" if c.sidecar else c.list_key,
                            "requests": show_all(c.requests), "limits": show_all(c.limits)} for c in self.containers],
            "pod": {"requests": show_all(self.requests), "limits": show_all(self.limits),
                    "unlimited": list(self.unlimited)},
            "total": {"requests": show_all(self.total_requests), "limits": show_all(self.total_limits)},
            "atMaxReplicas": ({"requests": show_all(self.max_requests), "limits": show_all(self.max_limits)}
                              if self.max_replicas is not None else None),
        }


def show(resource: str, value: Decimal) -> str:
    """A quantity for people: bytes in binary units (`512Mi`), CPU in cores or millicores."""
    binary = resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-")
    return format_quantity(value, binary=binary)


def show_all(res: Resources) -> dict[str, str]:
    return {k: show(k, v) for k, v in sorted(res.items())}


def _quantities(node: YNode | None) -> Resources:
    out: Resources = {}
    if isinstance(node, YMap):
        for k, v in node.pairs:
            if isinstance(v, YScalar):
                q = parse_quantity(v.value)
                if q is not None:
                    out[k.text] = q
    return out


def container_resources(c: Container) -> ContainerResources:
    res = c.node.get("resources")
    requests = _quantities(res.get("requests")) if isinstance(res, YMap) else {}
    limits = _quantities(res.get("limits")) if isinstance(res, YMap) else {}
    for k, v in limits.items():
        requests.setdefault(k, v)  # the API server defaults a missing request to the limit
    sidecar = c.list_key == "initContainers" and c.node.get_str("restartPolicy") == "Always"
    return ContainerResources(c.name or f"{c.list_key}[{c.index}]", c.list_key, requests, limits, sidecar)


def _add(a: Resources, b: Resources) -> Resources:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, Decimal(0)) + v
    return out


def _max(a: Resources, b: Resources) -> Resources:
    out = dict(a)
    for k, v in b.items():
        out[k] = max(out.get(k, Decimal(0)), v)
    return out


def pod_total(cs: Iterable[ContainerResources], attr: str) -> Resources:
    """`PodRequests` / `PodLimits`: max(sum of app containers and sidecars, each init container plus the
    sidecars started before it)."""
    total: Resources = {}
    init_max: Resources = {}
    sidecars: Resources = {}
    for c in cs:
        value: Resources = getattr(c, attr)
        if c.list_key == "containers":
            total = _add(total, value)
        elif c.sidecar:
            sidecars = _add(sidecars, value)
            init_max = _max(init_max, sidecars)
        else:
            init_max = _max(init_max, _add(value, sidecars))
    return _max(_add(total, sidecars), init_max)


def qos_class(cs: Iterable[ContainerResources]) -> str:
    """`GetPodQOS` (pkg/apis/core/helper/qos/qos.go)."""
    requests: Resources = {}
    limits: Resources = {}
    guaranteed = True
    for c in cs:
        for k, v in c.requests.items():
            if k in QOS_RESOURCES and v != 0:
                requests[k] = requests.get(k, Decimal(0)) + v
        found = set()
        for k, v in c.limits.items():
            if k in QOS_RESOURCES and v != 0:
                limits[k] = limits.get(k, Decimal(0)) + v
                found.add(k)
        if not found >= set(QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(k) == v for k, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _int(node: YNode | None) -> int | None:
    if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _replicas(root: YMap, kind: str) -> int | None:
    spec = root.get("spec")
    spec = spec if isinstance(spec, YMap) else YMap(root.span)
    if kind in SCALABLE:
        n = _int(spec.get("replicas"))
        return 1 if n is None else n
    if kind == "DaemonSet":
        return None
    if kind == "Job":
        n = _int(spec.get("parallelism"))
        return 1 if n is None else n
    if kind == "CronJob":
        jt = spec.get("jobTemplate")
        js = jt.get("spec") if isinstance(jt, YMap) else None
        n = _int(js.get("parallelism")) if isinstance(js, YMap) else None
        return 1 if n is None else n
    return 1


def workload_resources(root: YMap, index: TextIndex | None = None) -> WorkloadResources | None:
    """The resource summary of one object with a pod template (None for anything else; PodTemplate objects,
    which run nothing, too)."""
    kind, av = root.get_str("kind") or "", root.get_str("apiVersion") or ""
    if kind not in TEMPLATE_PATHS or kind == "PodTemplate":
        return None
    group = av.split("/", 1)[0] if "/" in av else ""
    if group not in WORKLOAD_GROUPS:
        return None
    pod = pod_template(root, group, kind)
    if pod is None:
        return None
    md = root.get("metadata")
    name = (md.get_str("name") if isinstance(md, YMap) else None) or "?"
    namespace = md.get_str("namespace") if isinstance(md, YMap) else None
    cs = tuple(container_resources(c) for c in containers(pod, ("initContainers", "containers")))
    requests, limits = pod_total(cs, "requests"), pod_total(cs, "limits")
    app = [c for c in cs if c.list_key == "containers" or c.sidecar]
    limited = {k for c in app for k in c.limits}
    unlimited = {k for k in limited if any(k not in c.limits for c in app)}
    pod_level = pod.spec.get("resources")
    if isinstance(pod_level, YMap):  # pod-level resources (v1.32+) are what the scheduler and kubelet use
        pl_requests, pl_limits = _quantities(pod_level.get("requests")), _quantities(pod_level.get("limits"))
        for k, v in pl_limits.items():
            pl_requests.setdefault(k, v)
        requests, limits = {**requests, **pl_requests}, {**limits, **pl_limits}
        unlimited -= set(pl_limits)
    limits = {k: v for k, v in limits.items() if k not in unlimited}
    hpa = index.autoscaler_for(kind, name, namespace) if index is not None else None
    kind_node = root.key_node("kind")
    return WorkloadResources(kind, name, namespace, cs, requests, limits, tuple(sorted(unlimited)), qos_class(cs),
                             _replicas(root, kind), hpa.max_replicas if hpa else None, hpa.name if hpa else None,
                             kind_node.span.start.line if kind_node is not None else root.span.start.line)


def workloads_in(roots: Iterable[YNode | None], index: TextIndex | None = None) -> Iterator[WorkloadResources]:
    for obj in objects(roots):
        w = workload_resources(obj, index)
        if w is not None:
            yield w


def summary_lines(w: WorkloadResources) -> list[str]:
    """A short Markdown summary (hover)."""

    def fmt(res: Resources, keys: Iterable[str] = ("cpu", "memory")) -> str:
        parts = [f"{k} {show(k, res[k])}" for k in keys if k in res]
        return ", ".join(parts) or "none"

    replicas = "1 per node" if w.replicas is None else f"{w.replicas} replica{'s' if w.replicas != 1 else ''}"
    lines = [f"**Resources** of {w.kind} `{w.name}` — QoS {w.qos}, {replicas}"
             + (f" (HPA `{w.autoscaler}`: up to {w.max_replicas})" if w.max_replicas is not None else ""), ""]
    lines.append("| container | requests | limits |")
    lines.append("| --- | --- | --- |")
    for c in w.containers:
        tag = " (init)" if c.list_key == "initContainers" and not c.sidecar else " (sidecar)" if c.sidecar else ""
        lines.append(f"| `{c.name}`{tag} | {fmt(c.requests)} | {fmt(c.limits)} |")
    unlimited = f" (no limit: {', '.join(w.unlimited)})" if w.unlimited else ""
    lines.append(f"| **pod** | {fmt(w.requests)} | {fmt(w.limits)}{unlimited} |")
    if w.replicas is not None and w.replicas != 1:
        lines.append(f"| **× {w.replicas}** | {fmt(w.total_requests)} | {fmt(w.total_limits)} |")
    if w.max_replicas is not None:
        lines.append(f"| **× {w.max_replicas} (max)** | {fmt(w.max_requests)} | {fmt(w.max_limits)} |")
    return lines


def lens_title(w: WorkloadResources) -> str:
    """One line for a code lens: `requests cpu 300m, memory 384Mi × 3 = cpu 900m, memory 1.13Gi · Burstable`."""

    def fmt(res: Resources) -> str:
        return ", ".join(f"{k} {show(k, res[k])}" for k in ("cpu", "memory") if k in res) or "nothing"

    text = f"requests {fmt(w.requests)}"
    if w.replicas is None:
        text += " per node"
    elif w.replicas != 1:
        text += f" × {w.replicas} = {fmt(w.total_requests)}"
    if w.max_replicas is not None:
        text += f" (max {w.max_replicas}: {fmt(w.max_requests)})"
    return f"{text} · limits {fmt(w.limits)} · {w.qos}"


@dataclass(slots=True)
class Totals:
    """Sums over workloads (a namespace, a run): requests and limits of their replicas (DaemonSets excluded:
    their count depends on the nodes)."""

    requests: Resources = field(default_factory=dict)
    limits: Resources = field(default_factory=dict)

    def add(self, w: WorkloadResources) -> None:
        self.requests = _add(self.requests, w.total_requests)
        self.limits = _add(self.limits, w.total_limits)
