"""Where Kubernetes objects keep their pods: the pod template of each workload kind and its containers.

Pure functions over the position tree, shared by the rules, the workspace index and the resource summary,
so that every feature agrees on what a pod template is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.parsing.nodes import YMap, YNode, YSeq

# Groups whose workload kinds embed a pod template (extensions and apps/v1beta* are the removed old homes
# of Deployment & co; an object there still has the same shape).
WORKLOAD_GROUPS: Final = frozenset({"", "apps", "batch", "extensions"})

# kind → the path of its PodTemplateSpec (Pod: the object itself is the pod).
TEMPLATE_PATHS: Final = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
# Kinds whose pods run until they are deleted (restartPolicy Always), as opposed to Jobs' pods.
LONG_RUNNING: Final = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"})
CONTAINER_LISTS: Final = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class PodTemplate:
    """A pod as an object describes it: its PodSpec and the metadata its pods get.

    `path` is the JSON path of the PodSpec ("spec.template.spec"; "spec" for a Pod), `metadata` the
    template's metadata mapping (a Pod's own metadata), None when absent.
    """

    spec: YMap
    path: str
    metadata: YMap | None
    metadata_path: str

    @property
    def labels(self) -> YMap | None:
        labels = self.metadata.get("labels") if self.metadata is not None else None
        return labels if isinstance(labels, YMap) else None


@dataclass(frozen=True, slots=True)
class Container:
    node: YMap
    list_key: str  # "containers", "initContainers" or "ephemeralContainers"
    index: int
    path: str  # "spec.template.spec.containers[0]"

    @property
    def name(self) -> str | None:
        return self.node.get_str("name")


def _child(node: YNode | None, key: str) -> YNode | None:
    return node.get(key) if isinstance(node, YMap) else None


def pod_template(root: YMap, group: str, kind: str) -> PodTemplate | None:
    """The pod template of a built-in workload object, or None (not a workload, or no PodSpec mapping)."""
    if group not in WORKLOAD_GROUPS or kind not in TEMPLATE_PATHS:
        return None
    keys = TEMPLATE_PATHS[kind]
    node: YNode | None = root
    for k in keys:
        node = _child(node, k)
    if not isinstance(node, YMap):
        return None
    spec = node.get("spec")
    if not isinstance(spec, YMap):
        return None
    base = ".".join(keys)
    metadata = node.get("metadata")
    return PodTemplate(
        spec=spec,
        path=f"{base}.spec" if base else "spec",
        metadata=metadata if isinstance(metadata, YMap) else None,
        metadata_path=f"{base}.metadata" if base else "metadata",
    )


def containers(pod: PodTemplate, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    """Every container mapping of the pod, init containers first, in file order."""
    for list_key in lists:
        seq = pod.spec.get(list_key)
        if isinstance(seq, YSeq):
            for i, item in enumerate(seq.items):
                if isinstance(item, YMap):
                    yield Container(item, list_key, i, f"{pod.path}.{list_key}[{i}]")
