"""Cross-object references: go from `configMapRef`, `secretKeyRef`, `serviceAccountName`,
`persistentVolumeClaim.claimName`, a Service `selector`, ... to the objects they name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kube_lsp.model import Span
from kube_lsp.parsing.loader import Document
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq

PathT = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Something in the workspace a reference can point at."""

    uri: str
    kind: str
    name: str
    namespace: str | None
    span: Span  # the metadata.name value
    pod_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Wanted:
    kinds: tuple[str, ...]
    name: str | None = None
    selector: tuple[tuple[str, str], ...] = ()
    namespace: str | None = None


# (path suffix pattern, kinds): "*" matches any key or index.
_NAME_REFS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("configMapRef", "name"), ("ConfigMap",)),
    (("configMapKeyRef", "name"), ("ConfigMap",)),
    (("configMap", "name"), ("ConfigMap",)),
    (("secretRef", "name"), ("Secret",)),
    (("secretKeyRef", "name"), ("Secret",)),
    (("secret", "secretName"), ("Secret",)),
    (("imagePullSecrets", "*", "name"), ("Secret",)),
    (("tls", "*", "secretName"), ("Secret",)),
    (("serviceAccountName",), ("ServiceAccount",)),
    (("persistentVolumeClaim", "claimName"), ("PersistentVolumeClaim",)),
    (("backend", "service", "name"), ("Service",)),
    (("scaleTargetRef", "name"), ("Deployment", "StatefulSet", "ReplicaSet")),
    (("spec", "serviceName"), ("Service",)),
    (("spec", "storageClassName"), ("StorageClass",)),
    (("spec", "priorityClassName"), ("PriorityClass",)),
)


def index_objects(uri: str, docs: Iterable[Document]) -> list[ObjectRef]:
    out = []
    for doc in docs:
        root = doc.root
        if not isinstance(root, YMap):
            continue
        kind = root.get_str("kind")
        meta = root.get("metadata")
        if not kind or not isinstance(meta, YMap):
            continue
        name_node = meta.get("name")
        if not isinstance(name_node, YScalar) or not isinstance(name_node.value, str):
            continue
        out.append(ObjectRef(uri, kind, name_node.value, meta.get_str("namespace"), name_node.span,
                             _pod_labels(root, kind)))
    return out


def _pod_labels(root: YMap, kind: str) -> tuple[tuple[str, str], ...]:
    node: YNode | None = root
    if kind == "Pod":
        path: tuple[str, ...] = ("metadata", "labels")
    elif kind == "CronJob":
        path = ("spec", "jobTemplate", "spec", "template", "metadata", "labels")
    else:
        path = ("spec", "template", "metadata", "labels")
    for part in path:
        node = node.get(part) if isinstance(node, YMap) else None
    if not isinstance(node, YMap):
        return ()
    return tuple((k.text, str(v.value)) for k, v in node.pairs if isinstance(v, YScalar))


def path_at(root: YNode, line: int, col: int) -> tuple[PathT, YNode | None]:
    """The path of the deepest key or value containing the position, and that node."""
    path: list[str | int] = []
    node: YNode = root
    found: YNode | None = None
    while True:
        step: tuple[str | int, YNode] | None = None
        if isinstance(node, YMap):
            for k, v in node.pairs:
                if _contains(k.span, line, col):
                    path.append(k.text)
                    return tuple(path), k
                if _contains(v.span, line, col):
                    step = (k.text, v)
                    break
        elif isinstance(node, YSeq):
            for i, item in enumerate(node.items):
                if _contains(item.span, line, col):
                    step = (i, item)
                    break
        if step is None:
            return tuple(path), found
        path.append(step[0])
        node = step[1]
        found = node


def _contains(span: Span, line: int, col: int) -> bool:
    return (span.start.line, span.start.col) <= (line, col) <= (span.end.line, span.end.col)


def _matches(path: PathT, pattern: tuple[str, ...]) -> bool:
    if len(path) < len(pattern):
        return False
    tail = path[-len(pattern):]
    return all(p == "*" or p == t for p, t in zip(pattern, tail, strict=True))


def wanted_at(doc: Document, line: int, col: int) -> Wanted | None:
    root = doc.root
    if not isinstance(root, YMap):
        return None
    path, node = path_at(root, line, col)
    meta = root.get("metadata")
    namespace = meta.get_str("namespace") if isinstance(meta, YMap) else None
    if root.get_str("kind") == "Service" and path[:2] == ("spec", "selector"):
        spec = root.get("spec")
        sel = spec.get("selector") if isinstance(spec, YMap) else None
        if isinstance(sel, YMap):
            pairs = tuple((k.text, str(v.value)) for k, v in sel.pairs if isinstance(v, YScalar))
            return Wanted(("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
                           "ReplicationController"), selector=pairs, namespace=namespace)
    if not isinstance(node, YScalar) or not isinstance(node.value, str):
        return None
    if path[-2:-1] == ("roleRef",) or (len(path) >= 2 and path[-2] == "roleRef"):
        ref = root.get("roleRef")
        kind = ref.get_str("kind") if isinstance(ref, YMap) else None
        return Wanted((kind or "Role",), name=node.value, namespace=namespace)
    for pattern, kinds in _NAME_REFS:
        if _matches(path, pattern):
            return Wanted(kinds, name=node.value, namespace=namespace)
    return None


def resolve(wanted: Wanted, objects: Iterable[ObjectRef]) -> list[ObjectRef]:
    out = []
    for obj in objects:
        if obj.kind not in wanted.kinds:
            continue
        if wanted.namespace and obj.namespace and wanted.namespace != obj.namespace:
            continue
        if wanted.name is not None and obj.name == wanted.name:
            out.append(obj)
        elif wanted.selector and set(wanted.selector) <= set(obj.pod_labels):
            out.append(obj)
    return out
