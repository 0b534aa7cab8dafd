"""What one file contributes to the workspace: its objects and everything they name, with exact spans.

Built from the parsed documents the checks already made (never a second parse): `index_file` walks each
document's position tree once and keeps small, picklable facts — an object's group, kind, namespace as
written, name, labels, pod-template labels, selectors, ports and their names, data keys, and every
reference it makes to another object, each with the span and JSON path of the naming value. The CLI's
worker processes return these with the findings (and the check cache keeps them), the language server keeps
one per file. Namespaces are resolved later, by the workspace (kube_lsp/workspace/model.py), which knows the
configuration and the Kustomizations.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

from kube_lsp.model import Span, compact_pickle
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.parsing.text import split_lines
from kube_lsp.workloads import containers, pod_template
from kube_lsp.workspace.names import CLUSTER_SCOPED

if TYPE_CHECKING:  # the check cache reads indexes without loading the parser
    from kube_lsp.parsing.loader import Document

# Kinds whose objects kube-lsp indexes only to know they exist (for references and duplicates).
KUSTOMIZATION_KINDS: Final = frozenset({"Kustomization", "Component"})


@compact_pickle
@dataclass(frozen=True, slots=True)
class Ref:
    """One place where an object names another: `kinds` are what the name may be (`Role`, or the kind a
    `scaleTargetRef` gives), `span`/`path` the naming value, `namespace` the namespace written next to
    it (Gateway API refs, RoleBinding subjects), `key` the data key it reads (`configMapKeyRef.key`,
    `volumes[].configMap.items[].key`)."""

    kinds: tuple[str, ...]
    name: str
    span: Span
    path: str
    doc: int
    namespace: str | None = None
    optional: bool = False
    key: str | None = None
    key_span: Span | None = None
    key_path: str = ""
    via: str = ""  # what names it, for messages: "configMapKeyRef", "volume", "serviceAccountName", ...
    quote: str = ""  # the name's quote character ("" when plain), for edits that rename it

    def shifted(self, lines: int, docs: int) -> Ref:
        return replace(self, span=self.span.shifted(lines), doc=self.doc + docs,
                       key_span=self.key_span.shifted(lines) if self.key_span is not None else None)


@compact_pickle
@dataclass(frozen=True, slots=True)
class Requirement:
    """One term of a label selector: `op` is `=` (matchLabels / a Service selector), In, NotIn, Exists or
    DoesNotExist; `span` is its key, `value_span` its value (for `=`)."""

    key: str
    op: str
    values: tuple[str, ...]
    span: Span
    value_span: Span | None = None
    quote: str = ""  # the value's quote character

    def matches(self, labels: dict[str, str]) -> bool:
        if self.op == "=":
            return labels.get(self.key) == self.values[0]
        if self.op == "In":
            return labels.get(self.key) in self.values
        if self.op == "NotIn":
            return labels.get(self.key) not in self.values
        if self.op == "Exists":
            return self.key in labels
        if self.op == "DoesNotExist":
            return self.key not in labels
        return False

    def shifted(self, lines: int) -> Requirement:
        return replace(self, span=self.span.shifted(lines),
                       value_span=self.value_span.shifted(lines) if self.value_span is not None else None)


@compact_pickle
@dataclass(frozen=True, slots=True)
class Selector:
    """A label selector over pods (Service `spec.selector`, PDB and NetworkPolicy selectors)."""

    terms: tuple[Requirement, ...]
    span: Span  # the `selector` key
    path: str

    def matches(self, labels: dict[str, str]) -> bool:
        return all(t.matches(labels) for t in self.terms)

    def shifted(self, lines: int) -> Selector:
        return replace(self, terms=tuple(t.shifted(lines) for t in self.terms), span=self.span.shifted(lines))


@compact_pickle
@dataclass(frozen=True, slots=True)
class Port:
    """A container port of a pod template, or a port of a Service (`target` its targetPort)."""

    name: str | None
    number: int | None
    span: Span  # the name (or the port when unnamed)
    path: str
    container: str | None = None
    target: str | int | None = None  # Service ports: targetPort as written
    target_span: Span | None = None

    def shifted(self, lines: int) -> Port:
        return replace(self, span=self.span.shifted(lines),
                       target_span=self.target_span.shifted(lines) if self.target_span is not None else None)


@compact_pickle
@dataclass(frozen=True, slots=True)
class EnvVar:
    """An `env` entry of a container: `value` is its literal value, or what its `valueFrom` reads
    (`configMapKeyRef:app/LOG_LEVEL`), "" when neither is known."""

    container: str  # the container's path
    index: int
    name: str
    value: str
    span: Span  # the name

    def shifted(self, lines: int) -> EnvVar:
        return replace(self, span=self.span.shifted(lines))


@compact_pickle
@dataclass(frozen=True, slots=True)
class Obj:
    """One Kubernetes object of a file as the workspace knows it."""

    origin: str
    doc: int
    api_version: str
    group: str
    kind: str
    name: str
    name_span: Span
    namespace: str | None  # as written in the document
    first_line: int  # the object's first line (its `apiVersion`/`kind` mapping)
    prefix: str = ""  # "items[3]." for an item of a List
    labels: tuple[tuple[str, str], ...] = ()
    # Pod-bearing objects: the pod template's labels (None when the object has no pods).
    pod_labels: tuple[tuple[str, str], ...] | None = None
    pod_labels_span: Span | None = None
    selector: Selector | None = None
    ports: tuple[Port, ...] = ()
    data_keys: tuple[str, ...] | None = None  # ConfigMap and Secret
    refs: tuple[Ref, ...] = ()
    env: tuple[EnvVar, ...] = ()
    # Of the object's text without comments: identical copies have equal digests. Not compared: an edit that
    # changes no name, label, selector, port, key or reference leaves the index equal (nothing to redo).
    digest: str = field(default="", compare=False)
    partial: bool = False  # a Kustomize patch
    templated: bool = False  # its name is (or may be) produced by a template
    summary: str = field(default="", compare=False)  # one line for hovers: "Deployment web (3 replicas, …)"
    name_quote: str = ""  # the name's quote character, for renames

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED

    def shifted(self, lines: int, docs: int) -> Obj:
        """The same object for a text that starts `lines` lines and `docs` documents later."""
        if not lines and not docs:
            return self
        return replace(
            self, doc=self.doc + docs, name_span=self.name_span.shifted(lines), first_line=self.first_line + lines,
            pod_labels_span=self.pod_labels_span.shifted(lines) if self.pod_labels_span is not None else None,
            selector=self.selector.shifted(lines) if self.selector is not None else None,
            ports=tuple(p.shifted(lines) for p in self.ports), refs=tuple(r.shifted(lines, docs) for r in self.refs),
            env=tuple(e.shifted(lines) for e in self.env))


@compact_pickle
@dataclass(frozen=True, slots=True)
class Kustomize:
    """A Kustomization of the file: the namespace it sets and the paths it lists (as written, relative to
    its directory)."""

    namespace: str | None
    resources: tuple[str, ...]
    patches: tuple[str, ...]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Suppressions:
    """The `# kube-lsp: ignore…` directives of a file, for findings made after its analysis."""

    per_line: dict[int, frozenset[str]] = field(default_factory=dict)
    whole: dict[int, frozenset[str]] = field(default_factory=dict)  # document index → codes
    template_lines: frozenset[int] = frozenset()


@compact_pickle
@dataclass(frozen=True, slots=True)
class FileIndex:
    """Everything one file contributes to the workspace, for one content hash."""

    origin: str
    digest: str
    objects: tuple[Obj, ...] = ()
    kustomizations: tuple[Kustomize, ...] = ()
    suppressions: Suppressions = field(default_factory=Suppressions)
    partial: bool = False

    def shifted(self, lines: int, docs: int) -> FileIndex:
        return replace(self, objects=tuple(o.shifted(lines, docs) for o in self.objects))


def content_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def merge(origin: str, digest: str, parts: Iterable[FileIndex], partial: bool = False) -> FileIndex:
    """One file's index from the indexes of its pieces (already shifted to where they are)."""
    objects: list[Obj] = []
    kusts: list[Kustomize] = []
    per_line: dict[int, frozenset[str]] = {}
    whole: dict[int, frozenset[str]] = {}
    tlines: set[int] = set()
    for p in parts:
        objects.extend(p.objects)
        kusts.extend(p.kustomizations)
        per_line.update(p.suppressions.per_line)
        whole.update(p.suppressions.whole)
        tlines |= p.suppressions.template_lines
    return FileIndex(origin, digest, tuple(objects), tuple(kusts),
                     Suppressions(per_line, whole, frozenset(tlines)), partial)


def index_file(origin: str, docs: Iterable[Document], text: str = "", *, partial: bool = False,
               lines: int = 0, doc0: int = 0) -> FileIndex:
    """The index of a file from its parsed documents (positions as parsed, then moved down `lines` lines and
    `doc0` documents: a piece of a big file)."""
    from kube_lsp.suppress import directives

    objects: list[Obj] = []
    kusts: list[Kustomize] = []
    per_line: dict[int, frozenset[str]] = {}
    whole: dict[int, frozenset[str]] = {}
    tlines: set[int] = set()
    for doc in docs:
        chunk_text = doc.chunk.text
        if "kube-lsp:" in chunk_text:
            pl, wh = directives(split_lines(chunk_text), doc.start_line)
            per_line.update({line + lines: frozenset(c) for line, c in pl.items()})
            if wh:
                whole[doc.index + doc0] = frozenset(wh)
        tlines.update(n + lines for n in doc.template_lines)
        root = doc.root
        if not isinstance(root, YMap):
            continue
        for obj_root, prefix in _objects_of(root):
            kind = obj_root.get_str("kind")
            if kind in KUSTOMIZATION_KINDS and (obj_root.get_str("apiVersion") or "").startswith("kustomize.config"):
                kusts.append(_kustomize(obj_root))
                objects.extend(o.shifted(lines, doc0) for o in _generated(origin, doc, obj_root))
                continue
            obj = _object(origin, doc, obj_root, prefix, partial)
            if obj is not None:
                objects.append(obj.shifted(lines, doc0))
    return FileIndex(origin, content_digest(text) if text else "", tuple(objects), tuple(kusts),
                     Suppressions(per_line, whole, frozenset(tlines)), partial)


def _objects_of(root: YMap) -> Iterator[tuple[YMap, str]]:
    if root.get_str("kind") == "List" and root.get_str("apiVersion") == "v1":
        items = root.get("items")
        if isinstance(items, YSeq):
            for i, item in enumerate(items.items):
                if isinstance(item, YMap):
                    yield item, f"items[{i}]."
        return
    yield root, ""


def _strings(node: YNode | None) -> tuple[str, ...]:
    if isinstance(node, YSeq):
        out = []
        for item in node.items:
            if isinstance(item, YScalar) and isinstance(item.value, str):
                out.append(item.value)
            elif isinstance(item, YMap):
                p = item.get_str("path")
                if p:
                    out.append(p)
        return tuple(out)
    return ()


def _kustomize(root: YMap) -> Kustomize:
    resources = _strings(root.get("resources")) + _strings(root.get("bases")) + _strings(root.get("components"))
    patches = (_strings(root.get("patchesStrategicMerge")) + _strings(root.get("patches"))
               + _strings(root.get("patchesJson6902")))
    return Kustomize(root.get_str("namespace"), resources, patches)


def _generated(origin: str, doc: Document, root: YMap) -> Iterator[Obj]:
    """The ConfigMaps and Secrets a Kustomization's generators make (kustomize rewrites the references to
    them along with their names, so the names as written are what references use)."""
    ns = root.get_str("namespace")
    for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for gen in _maps(root.get(key)):
            name = gen.get("name")
            if not isinstance(name, YScalar) or not isinstance(name.value, str) or not name.value:
                continue
            keys: list[str] | None = []
            for lit in _strings(gen.get("literals")):
                keys.append(lit.split("=", 1)[0])  # type: ignore[union-attr]
            for f in _strings(gen.get("files")):
                keys.append(f.split("=", 1)[0] if "=" in f else posixpath.basename(f))  # type: ignore[union-attr]
            if gen.get("envs") is not None or gen.get("env") is not None:
                keys = None  # the keys are in a file kube-lsp does not read
            yield Obj(origin=origin, doc=doc.index, api_version="v1", group="", kind=kind, name=name.value,
                      name_span=name.span, namespace=gen.get_str("namespace") or ns,
                      first_line=gen.span.start.line, data_keys=tuple(keys) if keys is not None else None,
                      partial=gen.get_str("behavior") in ("merge", "replace"),
                      summary=f"{kind} {name.value} (made by the Kustomization's {key})")


def _pairs(node: YNode | None) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, YMap):
        return ()
    return tuple((k.text, v.text) for k, v in node.pairs if isinstance(v, YScalar))


def _object(origin: str, doc: Document, root: YMap, prefix: str, partial: bool) -> Obj | None:
    av, kind = root.get_str("apiVersion"), root.get_str("kind")
    meta = root.get("metadata")
    if not av or not kind or not isinstance(meta, YMap):
        return None
    name_node = meta.get("name")
    if not isinstance(name_node, YScalar) or not isinstance(name_node.value, str) or not name_node.value:
        return None
    group = av.split("/", 1)[0] if "/" in av else ""  # as split_api_version: "" for the core group
    templated = doc.templated and name_node.span.start.line in doc.template_lines
    b = _Builder(doc.index, prefix)
    pod_labels: tuple[tuple[str, str], ...] | None = None
    pod_labels_span: Span | None = None
    pod = pod_template(root, group, kind)
    if pod is not None:
        labels = pod.labels
        pod_labels = _pairs(labels)
        if labels is not None:
            pod_labels_span = labels.span
        elif pod.metadata is not None:
            pod_labels_span = pod.metadata.span
        claims: frozenset[str] = frozenset()
        if kind == "StatefulSet" and isinstance(root.get("spec"), YMap):
            # A volume named like a claim template is replaced by that template's claim (StatefulSet controller).
            claims = frozenset(n for vct in _maps(root.get("spec").get("volumeClaimTemplates"))  # type: ignore[union-attr]
                               if isinstance(md := vct.get("metadata"), YMap) and (n := md.get_str("name")))
        b.pod_refs(pod.spec, pod.path, claims)
        b.container_ports(pod)
    spec = root.get("spec")
    spec = spec if isinstance(spec, YMap) else None
    data_keys: tuple[str, ...] | None = None
    if group == "" and kind in ("ConfigMap", "Secret"):
        keys: list[str] = []
        for part in ("data", "binaryData", "stringData"):
            m = root.get(part)
            if isinstance(m, YMap):
                keys.extend(m.keys())
        data_keys = tuple(keys)
    selector = b.object_refs(kind, group, spec if spec is not None else YMap(root.span), root)
    text = doc.chunk.text
    return Obj(
        origin=origin, doc=doc.index, api_version=av, group=group, kind=kind, name=name_node.value,
        name_span=name_node.span, namespace=meta.get_str("namespace"), first_line=root.span.start.line,
        prefix=prefix, labels=_pairs(meta.get("labels")), pod_labels=pod_labels, pod_labels_span=pod_labels_span,
        selector=selector, ports=tuple(b.ports), data_keys=data_keys, refs=tuple(b.refs), env=tuple(b.env),
        digest=_digest(text, root.span, doc.start_line) if not partial else "", partial=partial,
        templated=templated, summary=_summary(kind, name_node.value, root, pod), name_quote=quote_of(name_node),
    )


def _digest(text: str, span: Span, first_line: int) -> str:
    """The object's text without comments, blank lines and trailing spaces, indented from its own column."""
    lines = split_lines(text)[span.start.line - first_line:span.end.line - first_line + 1]
    col = span.start.col
    kept = []
    for i, line in enumerate(lines):
        body = line[col:] if i else line[col:]
        s = body.strip()
        if not s or s.startswith("#") or s in ("---", "..."):
            continue
        kept.append(body.rstrip())
    return content_digest("\n".join(kept))


def _summary(kind: str, name: str, root: YMap, pod: object) -> str:
    spec = root.get("spec")
    bits: list[str] = []
    if isinstance(spec, YMap):
        rep = spec.get("replicas")
        if isinstance(rep, YScalar) and isinstance(rep.value, int):
            bits.append(f"{rep.value} replica{'s' if rep.value != 1 else ''}")
        if kind == "Service":
            t = spec.get_str("type")
            if t:
                bits.append(t)
            ports = spec.get("ports")
            if isinstance(ports, YSeq):
                nums = [str(p.get("port").text) for p in ports.items  # type: ignore[union-attr]
                        if isinstance(p, YMap) and isinstance(p.get("port"), YScalar)]
                if nums:
                    bits.append("ports " + ", ".join(nums[:5]))
    if pod is not None:
        images = [c.node.get_str("image") for c in containers(pod)]  # type: ignore[arg-type]
        shown = [i for i in images if i]
        if shown:
            bits.append("image" + ("s " if len(shown) > 1 else " ") + ", ".join(shown[:3]))
    for part in ("data", "stringData", "binaryData"):
        m = root.get(part)
        if isinstance(m, YMap) and m.pairs:
            keys = m.keys()
            bits.append("keys " + ", ".join(f"`{k}`" for k in keys[:6]) + (" …" if len(keys) > 6 else ""))
            break
    return f"{kind} {name}" + (f" ({'; '.join(bits)})" if bits else "")


def _bool(node: YNode | None) -> bool:
    return isinstance(node, YScalar) and node.value is True


class _Builder:
    """Collects the references, selector and ports of one object."""

    def __init__(self, doc: int, prefix: str) -> None:
        self.doc = doc
        self.prefix = prefix
        self.refs: list[Ref] = []
        self.ports: list[Port] = []
        self.env: list[EnvVar] = []

    def ref(self, kinds: tuple[str, ...], m: YMap | None, key: str, path: str, via: str, *,
            namespace: str | None = None, optional: bool = False, key_of: str | None = None,
            key_path: str = "") -> None:
        if m is None:
            return
        node = m.get(key)
        if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
            return
        k_node = m.get(key_of) if key_of else None
        k_val = k_node.value if isinstance(k_node, YScalar) and isinstance(k_node.value, str) else None
        self.refs.append(Ref(kinds, node.value, node.span, f"{self.prefix}{path}.{key}", self.doc,
                             namespace=namespace, optional=optional, key=k_val,
                             key_span=k_node.span if k_val is not None and isinstance(k_node, YScalar) else None,
                             key_path=f"{self.prefix}{path}.{key_of}" if k_val is not None else "", via=via,
                             quote=quote_of(node)))

    def item_keys(self, kinds: tuple[str, ...], m: YMap, name_key: str, path: str, via: str,
                  optional: bool) -> None:
        """`configMap`/`secret` volume sources: the name, then each `items[].key` as a keyed reference."""
        self.ref(kinds, m, name_key, path, via, optional=optional)
        items = m.get("items")
        name = m.get_str(name_key)
        if not name or not isinstance(items, YSeq):
            return
        name_node = m.get(name_key)
        assert isinstance(name_node, YScalar)
        for i, item in enumerate(items.items):
            if isinstance(item, YMap):
                k = item.get("key")
                if isinstance(k, YScalar) and isinstance(k.value, str):
                    self.refs.append(Ref(kinds, name, name_node.span, f"{self.prefix}{path}.{name_key}", self.doc,
                                         optional=optional, key=k.value, key_span=k.span,
                                         key_path=f"{self.prefix}{path}.items[{i}].key", via=f"{via} items",
                                         quote=quote_of(name_node)))

    def pod_refs(self, spec: YMap, path: str, claims: frozenset[str] = frozenset()) -> None:
        for c in containers_of(spec, path):
            node, cpath = c
            for i, env in enumerate(_maps(node.get("env"))):
                self.env_var(env, f"{self.prefix}{cpath}", i)
                vf = env.get("valueFrom")
                if not isinstance(vf, YMap):
                    continue
                for src, kinds in (("configMapKeyRef", ("ConfigMap",)), ("secretKeyRef", ("Secret",))):
                    ref = vf.get(src)
                    if isinstance(ref, YMap):
                        self.ref(kinds, ref, "name", f"{cpath}.env[{i}].valueFrom.{src}", src,
                                 optional=_bool(ref.get("optional")), key_of="key")
            for i, env_from in enumerate(_maps(node.get("envFrom"))):
                for src, kinds in (("configMapRef", ("ConfigMap",)), ("secretRef", ("Secret",))):
                    ref = env_from.get(src)
                    if isinstance(ref, YMap):
                        self.ref(kinds, ref, "name", f"{cpath}.envFrom[{i}].{src}", src,
                                 optional=_bool(ref.get("optional")))
        for i, vol in enumerate(_maps(spec.get("volumes"))):
            vpath = f"{path}.volumes[{i}]"
            cm = vol.get("configMap")
            if isinstance(cm, YMap):
                self.item_keys(("ConfigMap",), cm, "name", f"{vpath}.configMap", "volume",
                               _bool(cm.get("optional")))
            sec = vol.get("secret")
            if isinstance(sec, YMap):
                self.item_keys(("Secret",), sec, "secretName", f"{vpath}.secret", "volume",
                               _bool(sec.get("optional")))
            pvc = vol.get("persistentVolumeClaim")
            if isinstance(pvc, YMap) and vol.get_str("name") not in claims:
                self.ref(("PersistentVolumeClaim",), pvc, "claimName", f"{vpath}.persistentVolumeClaim", "volume")
            proj = vol.get("projected")
            if isinstance(proj, YMap):
                for j, source in enumerate(_maps(proj.get("sources"))):
                    spath = f"{vpath}.projected.sources[{j}]"
                    pcm = source.get("configMap")
                    if isinstance(pcm, YMap):
                        self.item_keys(("ConfigMap",), pcm, "name", f"{spath}.configMap", "projected volume",
                                       _bool(pcm.get("optional")))
                    psec = source.get("secret")
                    if isinstance(psec, YMap):
                        self.item_keys(("Secret",), psec, "name", f"{spath}.secret", "projected volume",
                                       _bool(psec.get("optional")))
            eph = _path(vol, "ephemeral", "volumeClaimTemplate", "spec")
            if eph is not None:
                self.ref(("StorageClass",), eph, "storageClassName", f"{vpath}.ephemeral.volumeClaimTemplate.spec",
                         "storageClassName")
        self.ref(("ServiceAccount",), spec, "serviceAccountName", path, "serviceAccountName")
        if spec.get("serviceAccountName") is None:
            self.ref(("ServiceAccount",), spec, "serviceAccount", path, "serviceAccount")
        for i, ps in enumerate(_maps(spec.get("imagePullSecrets"))):
            self.ref(("Secret",), ps, "name", f"{path}.imagePullSecrets[{i}]", "imagePullSecrets")
        self.ref(("PriorityClass",), spec, "priorityClassName", path, "priorityClassName")
        self.ref(("RuntimeClass",), spec, "runtimeClassName", path, "runtimeClassName")

    def env_var(self, env: YMap, cpath: str, i: int) -> None:
        name = env.get("name")
        if not isinstance(name, YScalar) or not isinstance(name.value, str):
            return
        value = env.get("value")
        text = value.text[:200] if isinstance(value, YScalar) else ""
        vf = env.get("valueFrom")
        if isinstance(vf, YMap):
            for k, src in vf.pairs:
                if isinstance(src, YMap):
                    text = f"{k.text}:" + "/".join(v.text for _, v in src.pairs if isinstance(v, YScalar))[:200]
                    break
        self.env.append(EnvVar(cpath, i, name.value, text, name.span))

    def container_ports(self, pod: object) -> None:
        for c in containers(pod):  # type: ignore[arg-type]
            if c.list_key == "ephemeralContainers":
                continue
            for j, p in enumerate(_maps(c.node.get("ports"))):
                name_node = p.get("name")
                num = p.get("containerPort")
                number = num.value if isinstance(num, YScalar) and isinstance(num.value, int) else None
                name = name_node.value if isinstance(name_node, YScalar) and isinstance(name_node.value, str) else None
                span = name_node.span if name is not None and isinstance(name_node, YScalar) else p.span
                self.ports.append(Port(name, number, span, f"{self.prefix}{c.path}.ports[{j}].name",
                                       container=c.name))

    def object_refs(self, kind: str, group: str, spec: YMap, root: YMap) -> Selector | None:
        selector: Selector | None = None
        if group == "" and kind == "Service":
            sel = spec.get("selector")
            if isinstance(sel, YMap) and sel.pairs:
                terms = tuple(Requirement(k.text, "=", (v.text,), k.span, v.span, quote_of(v))
                              for k, v in sel.pairs if isinstance(v, YScalar))
                selector = Selector(terms, _key_span(spec, "selector"), f"{self.prefix}spec.selector")
            for i, p in enumerate(_maps(spec.get("ports"))):
                t = p.get("targetPort")
                num = p.get("port")
                nm = p.get("name")
                target: str | int | None = t.value if isinstance(t, YScalar) and isinstance(t.value, (str, int)) \
                    else None
                self.ports.append(Port(
                    nm.value if isinstance(nm, YScalar) and isinstance(nm.value, str) else None,
                    num.value if isinstance(num, YScalar) and isinstance(num.value, int) else None,
                    nm.span if isinstance(nm, YScalar) else p.span, f"{self.prefix}spec.ports[{i}].targetPort",
                    target=target, target_span=t.span if isinstance(t, YScalar) else None))
        elif group == "policy" and kind == "PodDisruptionBudget":
            selector = self.label_selector(spec, "selector", "spec")
        elif group == "networking.k8s.io" and kind == "NetworkPolicy":
            selector = self.label_selector(spec, "podSelector", "spec")
        elif kind == "Ingress" and group in ("networking.k8s.io", "extensions"):
            self.ingress(spec)
        elif group == "rbac.authorization.k8s.io" and kind in ("RoleBinding", "ClusterRoleBinding"):
            rr = root.get("roleRef")
            if isinstance(rr, YMap):
                rk = rr.get_str("kind") or "Role"
                self.ref((rk,), rr, "name", "roleRef", "roleRef")
        elif group == "autoscaling" and kind == "HorizontalPodAutoscaler":
            st = spec.get("scaleTargetRef")
            if isinstance(st, YMap):
                self.ref((st.get_str("kind") or "Deployment",), st, "name", "spec.scaleTargetRef", "scaleTargetRef")
        elif group == "autoscaling.k8s.io" and kind == "VerticalPodAutoscaler":
            st = spec.get("targetRef")
            if isinstance(st, YMap):
                self.ref((st.get_str("kind") or "Deployment",), st, "name", "spec.targetRef", "targetRef")
        elif group == "" and kind == "PersistentVolumeClaim":
            self.ref(("StorageClass",), spec, "storageClassName", "spec", "storageClassName")
        elif group == "gateway.networking.k8s.io":
            self.gateway(kind, spec)
        if group == "apps" and kind == "StatefulSet":
            self.ref(("Service",), spec, "serviceName", "spec", "serviceName")
            for i, vct in enumerate(_maps(spec.get("volumeClaimTemplates"))):
                s = vct.get("spec")
                if isinstance(s, YMap):
                    self.ref(("StorageClass",), s, "storageClassName", f"spec.volumeClaimTemplates[{i}].spec",
                             "storageClassName")
        if kind == "RoleBinding" and group == "rbac.authorization.k8s.io" or kind == "ClusterRoleBinding":
            for i, subj in enumerate(_maps(root.get("subjects"))):
                if subj.get_str("kind") == "ServiceAccount":
                    self.ref(("ServiceAccount",), subj, "name", f"subjects[{i}]", "subjects",
                             namespace=subj.get_str("namespace"))
        return selector

    def label_selector(self, spec: YMap, key: str, path: str) -> Selector | None:
        sel = spec.get(key)
        if not isinstance(sel, YMap):
            return None
        terms: list[Requirement] = []
        ml = sel.get("matchLabels")
        if isinstance(ml, YMap):
            terms.extend(Requirement(k.text, "=", (v.text,), k.span, v.span, quote_of(v))
                         for k, v in ml.pairs if isinstance(v, YScalar))
        for e in _maps(sel.get("matchExpressions")):
            k, op = e.get("key"), e.get_str("operator")
            if isinstance(k, YScalar) and op in ("In", "NotIn", "Exists", "DoesNotExist"):
                values = e.get("values")
                vals = tuple(v.text for v in values.items if isinstance(v, YScalar)) if isinstance(values, YSeq) \
                    else ()
                terms.append(Requirement(k.text, op, vals, k.span))
        if not terms:
            return None  # an empty selector selects every pod of the namespace
        return Selector(tuple(terms), _key_span(spec, key), f"{self.prefix}{path}.{key}")

    def ingress(self, spec: YMap) -> None:
        self.ref(("IngressClass",), spec, "ingressClassName", "spec", "ingressClassName")
        for key in ("defaultBackend", "backend"):
            b = spec.get(key)
            if isinstance(b, YMap):
                self.backend(b, f"spec.{key}")
        for i, rule in enumerate(_maps(spec.get("rules"))):
            http = rule.get("http")
            if isinstance(http, YMap):
                for j, p in enumerate(_maps(http.get("paths"))):
                    b = p.get("backend")
                    if isinstance(b, YMap):
                        self.backend(b, f"spec.rules[{i}].http.paths[{j}].backend")
        for i, tls in enumerate(_maps(spec.get("tls"))):
            self.ref(("Secret",), tls, "secretName", f"spec.tls[{i}]", "tls")

    def backend(self, b: YMap, path: str) -> None:
        svc = b.get("service")
        if isinstance(svc, YMap):
            self.ref(("Service",), svc, "name", f"{path}.service", "Ingress backend")
        else:
            self.ref(("Service",), b, "serviceName", path, "Ingress backend")

    def gateway(self, kind: str, spec: YMap) -> None:
        if kind == "Gateway":
            self.ref(("GatewayClass",), spec, "gatewayClassName", "spec", "gatewayClassName")
            for i, lis in enumerate(_maps(spec.get("listeners"))):
                tls = lis.get("tls")
                if isinstance(tls, YMap):
                    for j, cref in enumerate(_maps(tls.get("certificateRefs"))):
                        if cref.get_str("kind") in (None, "Secret") and cref.get_str("group") in (None, ""):
                            self.ref(("Secret",), cref, "name", f"spec.listeners[{i}].tls.certificateRefs[{j}]",
                                     "certificateRefs", namespace=cref.get_str("namespace"))
            return
        if not kind.endswith("Route"):
            return
        for i, pref in enumerate(_maps(spec.get("parentRefs"))):
            pk = pref.get_str("kind") or "Gateway"
            if pref.get_str("group") in (None, "gateway.networking.k8s.io") or pk == "Service":
                self.ref((pk,), pref, "name", f"spec.parentRefs[{i}]", "parentRefs",
                         namespace=pref.get_str("namespace"))
        for i, rule in enumerate(_maps(spec.get("rules"))):
            for j, bref in enumerate(_maps(rule.get("backendRefs"))):
                bk = bref.get_str("kind") or "Service"
                if bref.get_str("group") in (None, "") and bk == "Service":
                    self.ref(("Service",), bref, "name", f"spec.rules[{i}].backendRefs[{j}]", "backendRefs",
                             namespace=bref.get_str("namespace"))


def quote_of(node: YScalar) -> str:
    return node.style if node.style in ("'", '"') else ""


def containers_of(spec: YMap, path: str) -> Iterator[tuple[YMap, str]]:
    for list_key in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(_maps(spec.get(list_key))):
            yield c, f"{path}.{list_key}[{i}]"


def _maps(node: YNode | None) -> Iterator[YMap]:
    if isinstance(node, YSeq):
        for item in node.items:
            if isinstance(item, YMap):
                yield item


def _path(m: YMap, *keys: str) -> YMap | None:
    node: YNode | None = m
    for k in keys:
        node = node.get(k) if isinstance(node, YMap) else None
    return node if isinstance(node, YMap) else None


def _key_span(m: YMap, key: str) -> Span:
    k = m.key_node(key)
    return k.span if k is not None else m.span
