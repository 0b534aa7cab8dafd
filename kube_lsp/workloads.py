"""Where Kubernetes objects keep their pods: the pod template of each workload kind and its containers.

Pure functions over the position tree, shared by the rules, the workspace index and the resource summary,
so that every feature agrees on what a pod template is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq

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
    """A container mapping of a pod, with its fields indexed by key (the pod rules look up many of them)."""

    node: YMap
    list_key: str  # "containers", "initContainers" or "ephemeralContainers"
    index: int
    path: str  # "spec.template.spec.containers[0]"
    # key → value, keys merged in with `<<:` included (the loader drops duplicate keys, so this is `node.get`)
    fields: dict[str, YNode] = field(compare=False, repr=False)

    def get(self, key: str) -> YNode | None:
        return self.fields.get(key)

    def get_str(self, key: str) -> str | None:
        node = self.fields.get(key)
        return node.value if isinstance(node, YScalar) and isinstance(node.value, str) else None

    @property
    def name(self) -> str | None:
        return self.get_str("name")


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


def _is_pod_template_schema(schema: Any) -> bool:
    """A schema shaped like a PodTemplateSpec: `spec.containers` an array of objects with `name` and `image`."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    spec = props.get("spec") if isinstance(props, dict) else None
    spec_props = spec.get("properties") if isinstance(spec, dict) else None
    cs = spec_props.get("containers") if isinstance(spec_props, dict) else None
    items = cs.get("items") if isinstance(cs, dict) and cs.get("type") == "array" else None
    item_props = items.get("properties") if isinstance(items, dict) else None
    return isinstance(item_props, dict) and "name" in item_props and "image" in item_props


def schema_template_paths(schema: Any, max_depth: int = 5, budget: int = 400) -> tuple[tuple[str, ...], ...]:
    """Where a custom resource's schema (a CRD's openAPIV3Schema) embeds PodTemplateSpecs: the property paths
    whose schema has a PodTemplateSpec's shape (as `spec.template` of an Argo Rollout or a Knative
    Service). Only object properties are followed (no arrays), at most `max_depth` levels and `budget` schemas."""
    found: list[tuple[str, ...]] = []
    todo: list[tuple[tuple[str, ...], Any]] = [((), schema)]
    seen = 0
    while todo and seen < budget:
        path, node = todo.pop(0)
        seen += 1
        if path and _is_pod_template_schema(node):
            found.append(path)
            continue
        props = node.get("properties") if isinstance(node, dict) and len(path) < max_depth else None
        if isinstance(props, dict):
            todo.extend(((*path, k), v) for k, v in props.items() if isinstance(v, dict)
                        and (path or k == "spec"))
    return tuple(found)


def template_at(root: YMap, path: tuple[str, ...]) -> PodTemplate | None:
    """The PodTemplateSpec at `path` of an object (a custom resource whose CRD embeds one there)."""
    node: YNode | None = root
    for k in path:
        node = _child(node, k)
    spec = _child(node, "spec")
    if not isinstance(node, YMap) or not isinstance(spec, YMap):
        return None
    metadata = node.get("metadata")
    base = ".".join(path)
    return PodTemplate(spec=spec, path=f"{base}.spec", metadata=metadata if isinstance(metadata, YMap) else None,
                       metadata_path=f"{base}.metadata")


def containers(pod: PodTemplate, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    """Every container mapping of the pod, init containers first, in file order (the one walk of a pod's
    containers: the rules see it through kube_lsp/rules/_pod.py `pod_of`, once per object)."""
    for list_key in lists:
        seq = pod.spec.get(list_key)
        if isinstance(seq, YSeq):
            for i, item in enumerate(seq.items):
                if isinstance(item, YMap):
                    fields = ({k: v for k in item.keys() if (v := item.get(k)) is not None} if item.merges
                              else {k.text: v for k, v in item.pairs})
                    yield Container(item, list_key, i, f"{pod.path}.{list_key}[{i}]", fields)
