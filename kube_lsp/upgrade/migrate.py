"""Migrations of a removed or deprecated apiVersion to its replacement, as one unsafe fix of text edits.

Not only the apiVersion string: where the API changed shape, the object is converted the way the API
server's own conversion functions convert it (pkg/apis/<group>/<version>/conversion.go), so that the
migrated object validates against the target version and means the same (same backends, ports, metrics,
schedules). Where the newer version changed a default, the old default is written out. Everything the
migration does not touch keeps its text, comments and order (`edits.Source`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from kube_lsp.model import Fix, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.schema.catalog import split_api_version
from kube_lsp.upgrade.edits import Items, Key, Source, Tree, Value, quoted_like


@dataclass(slots=True)
class Plan:
    """The edits of one migration and what the person applying it should know."""

    src: Source
    edits: list[TextEdit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, edit: TextEdit | None) -> None:
        if edit is not None:
            self.edits.append(edit)


Migration = Callable[[YMap, Plan, str], None]


def _map(node: YNode | None) -> YMap | None:
    return node if isinstance(node, YMap) else None


def _seq_maps(node: YNode | None) -> Iterator[YMap]:
    if isinstance(node, YSeq):
        for item in node.items:
            if isinstance(item, YMap):
                yield item


def _path(root: YMap, *keys: str) -> YNode | None:
    node: YNode | None = root
    for k in keys:
        if not isinstance(node, YMap):
            return None
        node = node.get(k)
    return node


# ------------------------------------------------------------------------------------------- Ingress

def _service_port(port: YNode) -> Tree:
    """`servicePort` (an int or a port name) as networking.k8s.io/v1's `port` (`number` or `name`)."""
    if isinstance(port, YScalar):
        value = port.value
        if isinstance(value, int) and not isinstance(value, bool):
            return Tree([("number", port.text)])
        if isinstance(value, str) and value.isdigit():
            return Tree([("number", str(int(value)))])
    return Tree([("name", port)])


def _ingress_backend(backend: YMap, plan: Plan) -> None:
    """`{serviceName, servicePort}` → `{service: {name, port: {number | name}}}`; other keys (`resource`) stay."""
    name, port = backend.get("serviceName"), backend.get("servicePort")
    if name is None and port is None:
        return
    tree = Tree()
    for k, v in backend.pairs:
        if k.text in ("serviceName", "servicePort"):
            if not any(key == "service" for key, _ in tree):
                service = Tree()
                if name is not None:
                    service.append(("name", name))
                if port is not None:
                    service.append(("port", _service_port(port)))
                tree.append(("service", service))
            continue
        tree.append((k, v))
    plan.add(plan.src.replace_map(backend, tree))


def _ingress(root: YMap, plan: Plan, source: str) -> None:
    spec = _map(root.get("spec"))
    if spec is None:
        return
    default = _map(spec.get("backend"))
    if spec.get("backend") is not None:
        plan.add(plan.src.rename_key(spec, "backend", "defaultBackend"))
    if default is not None:
        _ingress_backend(default, plan)
    for rule in _seq_maps(spec.get("rules")):
        for path in _seq_maps(_path(rule, "http", "paths")):
            if path.get("pathType") is None:
                plan.add(plan.src.add_pairs(path, Tree([("pathType", "ImplementationSpecific")]), after="path"))
            backend = _map(path.get("backend"))
            if backend is not None:
                _ingress_backend(backend, plan)


# ----------------------------------------------------------------------------------------------- HPA

def _target(kind: str, value: YNode) -> Tree:
    key = {"Utilization": "averageUtilization", "AverageValue": "averageValue", "Value": "value"}[kind]
    return Tree([("type", kind), (key, value)])


def _metric(name: YNode | None, selector: YNode | None) -> Tree:
    tree = Tree()
    if name is not None:
        tree.append(("name", name))
    if selector is not None:
        tree.append(("selector", selector))
    return tree


def _hpa_metric(source_type: str, source: YMap, plan: Plan) -> None:
    """A v2beta1 metric source as autoscaling/v2 writes it (Convert_v2beta1_*MetricSource_To_autoscaling_*)."""
    g = source.get
    tree = Tree()
    if source_type in ("resource", "containerResource"):
        if g("target") is not None:
            return  # already in the v2 shape
        for key in ("name", "container"):
            node = g(key)
            if node is not None:
                tree.append((key, node))
        utilization, average = g("targetAverageUtilization"), g("targetAverageValue")
        if utilization is not None:
            tree.append(("target", _target("Utilization", utilization)))
        elif average is not None:
            tree.append(("target", _target("AverageValue", average)))
    elif source_type == "pods":
        if g("metric") is not None:
            return
        tree.append(("metric", _metric(g("metricName"), g("selector"))))
        average = g("targetAverageValue")
        if average is not None:
            tree.append(("target", _target("AverageValue", average)))
    elif source_type == "object":
        if g("describedObject") is not None:
            return
        described = g("target")
        if described is not None:
            tree.append(("describedObject", described))
        tree.append(("metric", _metric(g("metricName"), g("selector"))))
        value, average = g("targetValue"), g("averageValue")
        target = Tree([("type", "AverageValue" if average is not None else "Value")])
        if value is not None:
            target.append(("value", value))
        if average is not None:
            target.append(("averageValue", average))
        tree.append(("target", target))
    elif source_type == "external":
        if g("metric") is not None:
            return
        tree.append(("metric", _metric(g("metricName"), g("metricSelector"))))
        value, average = g("targetValue"), g("targetAverageValue")
        if average is not None:
            tree.append(("target", _target("AverageValue", average)))
        elif value is not None:
            tree.append(("target", _target("Value", value)))
    else:
        return
    known = {"name", "container", "targetAverageUtilization", "targetAverageValue", "metricName", "selector",
             "target", "targetValue", "averageValue", "metricSelector"}
    tree.extend((k, v) for k, v in source.pairs if k.text not in known)
    plan.add(plan.src.replace_map(source, tree))


def _hpa(root: YMap, plan: Plan, source: str) -> None:
    if not source.endswith("v2beta1"):
        return  # v2beta2 has v2's shape
    for metric in _seq_maps(_path(root, "spec", "metrics")):
        for key in ("resource", "containerResource", "pods", "object", "external"):
            src = _map(metric.get(key))
            if src is not None:
                _hpa_metric(key, src, plan)


# ------------------------------------------------------------------------------------------- apps/v1

_WORKLOAD_SELECTOR_NOTE: Final = "selector written out from the template's labels, as the old API defaulted it"


def _workload(root: YMap, plan: Plan, source: str) -> None:
    spec = _map(root.get("spec"))
    kind = root.get_str("kind")
    if spec is None:
        return
    if spec.get("selector") is None:
        labels = _path(spec, "template", "metadata", "labels")
        if isinstance(labels, YMap) and labels.pairs:
            first = spec.pairs[0][0].span.start
            if spec.flow:
                plan.add(TextEdit(Span(first, first),
                                  plan.src.flow(Tree([("selector", Tree([("matchLabels", labels)]))]))[1:-1] + ", "))
            else:
                text = plan.src.block(Tree([("selector", Tree([("matchLabels", labels)]))]), first.col)
                plan.add(TextEdit(Span(first, first), text + "\n" + " " * first.col))
            plan.notes.append(_WORKLOAD_SELECTOR_NOTE)
    # Defaults the old versions had and apps/v1 changed: written out so the object behaves the same.
    old_on_delete = (kind == "DaemonSet" and source == "extensions/v1beta1") or \
        (kind == "StatefulSet" and source == "apps/v1beta1")
    strategy = "updateStrategy"
    if old_on_delete and spec.get(strategy) is None:
        plan.add(plan.src.add_pairs(spec, Tree([(strategy, Tree([("type", "OnDelete")]))])))
        plan.notes.append(f"{strategy} OnDelete kept (apps/v1 defaults to RollingUpdate)")
    for gone in ("rollbackTo", "templateGeneration"):
        if spec.get(gone) is not None:
            plan.add(plan.src.delete_pair(spec, gone))
            plan.notes.append(f"`spec.{gone}` dropped: apps/v1 has no such field")


# ---------------------------------------------------------------------------------------------- PDB

def _pdb(root: YMap, plan: Plan, source: str) -> None:
    selector = _path(root, "spec", "selector")
    if isinstance(selector, YMap) and not selector.pairs:
        plan.notes.append("review: an empty selector selects no pod in policy/v1beta1 but every pod of the "
                          "namespace in policy/v1")


# -------------------------------------------------------------------------------------------- webhooks

def _webhooks(root: YMap, plan: Plan, source: str) -> None:
    """admissionregistration.k8s.io/v1 requires `sideEffects` and `admissionReviewVersions`, and changed the
    defaults of failurePolicy (Ignore → Fail), matchPolicy (Exact → Equivalent) and timeoutSeconds (30 → 10):
    the v1beta1 values are written out."""
    for hook in _seq_maps(root.get("webhooks")):
        add = Tree()
        if hook.get("admissionReviewVersions") is None:
            add.append(("admissionReviewVersions", '["v1beta1"]'))
        side = hook.get("sideEffects")
        if side is None:
            add.append(("sideEffects", "None"))
            plan.notes.append("review: `sideEffects: None` declared (v1 requires it; v1beta1 assumed Unknown)")
        elif isinstance(side, YScalar) and side.value in ("Unknown", "Some"):
            new = "None" if side.value == "Unknown" else "NoneOnDryRun"
            plan.add(TextEdit(side.span, quoted_like(side, new)))
            plan.notes.append(f"review: `sideEffects: {side.value}` is not allowed in v1; set to {new}")
        for key, old_default in (("failurePolicy", "Ignore"), ("matchPolicy", "Exact"), ("timeoutSeconds", "30")):
            if hook.get(key) is None:
                add.append((key, old_default))
        if add:
            plan.add(plan.src.add_pairs(hook, add, after="name"))


# ------------------------------------------------------------------------------------------------ CRD

def _printer_column(column: YMap) -> Tree:
    return Tree(("jsonPath" if k.text == "JSONPath" else k, v) for k, v in column.pairs)


def _crd(root: YMap, plan: Plan, source: str) -> None:
    """apiextensions.k8s.io/v1beta1 → v1 (Convert_v1beta1_CustomResourceDefinitionSpec_To_apiextensions_*):
    the top-level `version`, `validation`, `subresources` and `additionalPrinterColumns` move into every
    entry of `versions`; `JSONPath` becomes `jsonPath`; the conversion webhook moves under `webhook`; v1
    needs a schema per version and `preserveUnknownFields: false`."""
    spec = _map(root.get("spec"))
    if spec is None or spec.flow:
        return
    g = spec.get
    schema = _path(spec, "validation", "openAPIV3Schema")
    preserve = g("preserveUnknownFields")
    preserving = not (isinstance(preserve, YScalar) and preserve.value is False)
    columns = g("additionalPrinterColumns")
    subresources = g("subresources")

    def v1_schema(node: YMap) -> Tree:
        """An openAPIV3Schema as v1 needs it: a type at the root, and the old default of keeping unknown
        fields (at the top level) unless `preserveUnknownFields: false`."""
        inner = Tree((k, v) for k, v in node.pairs)
        if node.get("type") is None:  # v1: "must not be empty at the root"
            inner.insert(0, ("type", "object"))
        if preserving and node.get("x-kubernetes-preserve-unknown-fields") is None:
            inner.append(("x-kubernetes-preserve-unknown-fields", "true"))
            if node.get("properties") is not None:
                plan.notes.append("review: v1 prunes unknown fields below the schema's top level "
                                  "(x-kubernetes-preserve-unknown-fields: true is set at the top)")
        return inner

    def version_tree(pairs: list[tuple[Key, Value]], has: set[str]) -> Tree:
        tree = Tree(pairs)
        if "schema" not in has:
            if isinstance(schema, YMap):
                tree.append(("schema", Tree([("openAPIV3Schema", v1_schema(schema))])))
            else:
                tree.append(("schema", Tree([("openAPIV3Schema", Tree([
                    ("type", "object"), ("x-kubernetes-preserve-unknown-fields", "true")]))])))
        if subresources is not None and "subresources" not in has:
            tree.append(("subresources", subresources))
        if isinstance(columns, YSeq) and "additionalPrinterColumns" not in has:
            tree.append(("additionalPrinterColumns", Items(_printer_column(c) for c in _seq_maps(columns))))
        elif "additionalPrinterColumns" in has:
            pass
        return tree

    versions = Items()
    listed = g("versions")
    if isinstance(listed, YSeq):
        for item in _seq_maps(listed):
            pairs: list[tuple[Key, Value]] = []
            for k, v in item.pairs:
                if k.text == "additionalPrinterColumns" and isinstance(v, YSeq):
                    pairs.append((k, Items(_printer_column(c) for c in _seq_maps(v))))
                elif k.text == "schema" and isinstance(own := _path(item, "schema", "openAPIV3Schema"), YMap) \
                        and isinstance(v, YMap) and (own.get("type") is None or (
                            preserving and own.get("x-kubernetes-preserve-unknown-fields") is None)):
                    rest: list[tuple[Key, Value]] = [(kk, vv) for kk, vv in v.pairs if kk.text != "openAPIV3Schema"]
                    pairs.append((k, Tree([("openAPIV3Schema", v1_schema(own)), *rest])))
                else:
                    pairs.append((k, v))
            versions.append(version_tree(pairs, set(item.keys())))
    else:
        name = g("version")
        if name is None:
            return
        versions.append(version_tree([("name", name), ("served", "true"), ("storage", "true")], set()))
    moved = {"version", "versions", "validation", "subresources", "additionalPrinterColumns", "preserveUnknownFields"}
    tree = Tree()
    for k, v in spec.pairs:
        if k.text in ("versions", "version") and not any(key == "versions" for key, _ in tree):
            tree.append(("versions", versions))
        elif k.text == "conversion" and isinstance(v, YMap):
            tree.append(("conversion", _crd_conversion(v)))
        elif k.text not in moved:
            tree.append((k, v))
    plan.add(plan.src.replace_map(spec, tree))


def _crd_conversion(conversion: YMap) -> Tree:
    tree = Tree()
    webhook = Tree()
    for k, v in conversion.pairs:
        if k.text == "webhookClientConfig":
            webhook.append(("clientConfig", v))
        elif k.text == "conversionReviewVersions":
            webhook.append(("conversionReviewVersions", v))
        else:
            tree.append((k, v))
    if webhook:
        if not any(k == "conversionReviewVersions" for k, _ in webhook):
            webhook.append(("conversionReviewVersions", '["v1beta1"]'))
        tree.append(("webhook", webhook))
    return tree


# ------------------------------------------------------------------------------- smaller conversions

def _priority_level(root: YMap, plan: Plan, source: str) -> None:
    """flowcontrol v1beta1/v1beta2 → v1: `limited.assuredConcurrencyShares` is `nominalConcurrencyShares`."""
    if not source.endswith(("v1beta1", "v1beta2")):
        return
    limited = _map(_path(root, "spec", "limited"))
    if limited is not None:
        plan.add(plan.src.rename_key(limited, "assuredConcurrencyShares", "nominalConcurrencyShares"))


_TOPOLOGY_FIELDS: Final = {"kubernetes.io/hostname": "nodeName", "topology.kubernetes.io/zone": "zone"}


def _endpoint_slice(root: YMap, plan: Plan, source: str) -> None:
    """discovery v1beta1 → v1: an endpoint's `topology` becomes `nodeName`, `zone` and `deprecatedTopology`."""
    for endpoint in _seq_maps(root.get("endpoints")):
        topology = _map(endpoint.get("topology"))
        if topology is None:
            continue
        tree = Tree()
        rest = Tree()
        for k, v in topology.pairs:
            target = _TOPOLOGY_FIELDS.get(str(k.value))
            if target is not None and endpoint.get(target) is None:
                tree.append((target, v))
            else:
                rest.append((k, v))
        if rest:
            tree.append(("deprecatedTopology", rest))
        plan.add(plan.src.replace_pair(endpoint, "topology", tree) if tree else
                 plan.src.delete_pair(endpoint, "topology"))


def _rbac(root: YMap, plan: Plan, source: str) -> None:
    """rbac v1alpha1 subjects name `apiVersion` where v1 names `apiGroup` (Convert_v1alpha1_Subject_To_rbac_Subject)."""
    if not source.endswith("v1alpha1"):
        return
    for subject in _seq_maps(root.get("subjects")):
        av = subject.get("apiVersion")
        if isinstance(av, YScalar) and subject.get("apiGroup") is None:
            group = split_api_version(str(av.value))[0]
            plan.add(plan.src.replace_pair(subject, "apiVersion", Tree([("apiGroup", quoted_like(av, group)
                                                                         if group else '""')])))


def _csr(root: YMap, plan: Plan, source: str) -> None:
    if _path(root, "spec", "signerName") is None:
        plan.notes.append("review: certificates.k8s.io/v1 requires `spec.signerName`")


def _runtime_class(root: YMap, plan: Plan, source: str) -> None:
    """node.k8s.io v1alpha1 → v1: `spec.runtimeHandler`, `spec.overhead`, `spec.scheduling` move to the top
    level (`runtimeHandler` becomes `handler`)."""
    spec = _map(root.get("spec"))
    if not source.endswith("v1alpha1") or spec is None or root.get("handler") is not None:
        return
    tree = Tree(("handler" if k.text == "runtimeHandler" else k, v) for k, v in spec.pairs)
    plan.add(plan.src.replace_pair(root, "spec", tree))


def _nothing(root: YMap, plan: Plan, source: str) -> None:
    """The replacement has the same shape: the apiVersion is all that changes."""


# (kind, target apiVersion) → the conversion.
MIGRATIONS: Final[dict[tuple[str, str], Migration]] = {
    ("Ingress", "networking.k8s.io/v1"): _ingress,
    ("HorizontalPodAutoscaler", "autoscaling/v2"): _hpa,
    ("Deployment", "apps/v1"): _workload,
    ("DaemonSet", "apps/v1"): _workload,
    ("ReplicaSet", "apps/v1"): _workload,
    ("StatefulSet", "apps/v1"): _workload,
    ("PodDisruptionBudget", "policy/v1"): _pdb,
    ("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"): _webhooks,
    ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"): _webhooks,
    ("CustomResourceDefinition", "apiextensions.k8s.io/v1"): _crd,
    ("PriorityLevelConfiguration", "flowcontrol.apiserver.k8s.io/v1"): _priority_level,
    ("EndpointSlice", "discovery.k8s.io/v1"): _endpoint_slice,
    ("CertificateSigningRequest", "certificates.k8s.io/v1"): _csr,
    ("RuntimeClass", "node.k8s.io/v1"): _runtime_class,
    **{(kind, "rbac.authorization.k8s.io/v1"): _rbac for kind in ("Role", "ClusterRole", "RoleBinding",
                                                                    "ClusterRoleBinding")},
}


def migration_fix(root: YMap, av_node: YScalar, api_version: str, kind: str, target: str, lines: list[str],
                  first_line: int) -> Fix:
    """The fix migrating the object `root` (an object of the document whose lines are `lines`, the first of
    them line `first_line` of the text) from `api_version` to `target`."""
    plan = Plan(Source(lines, first_line))
    plan.add(TextEdit(av_node.span, quoted_like(av_node, target)))
    convert = MIGRATIONS.get((kind, target), _nothing)
    try:
        convert(root, plan, api_version)
    except (AttributeError, TypeError, ValueError, StopIteration):  # a shape the conversion does not know
        plan = Plan(plan.src, plan.edits[:1], ["review: only the apiVersion could be changed"])
    structural = len(plan.edits) > 1
    title = f"Migrate to `{target}`" if structural else f"Change apiVersion to `{target}`"
    notes = list(dict.fromkeys(plan.notes))
    if notes:
        title += f" ({'; '.join(notes)})"
    return Fix(title, tuple(plan.edits), safe=False)
