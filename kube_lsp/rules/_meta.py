"""Shared pieces of the API-server validation rules for object metadata (not a rule): which name function
each kind's validation passes to ValidateObjectMeta, the namespaced kinds, and replacement edits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from kube_lsp.model import TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq, resolve_plain
from kube_lsp.rules import _apimachinery as am
from kube_lsp.workloads import TEMPLATE_PATHS, WORKLOAD_GROUPS

CORE: Final = ""
# (group, kind) -> (name function, its Go name, what the hint calls the format). Every kind not listed
# here and not a custom resource is left alone (aggregated APIs have rules of their own).
SUBDOMAIN: Final = (am.name_is_dns_subdomain, "NameIsDNSSubdomain", "a lowercase RFC 1123 subdomain")
_LABEL: Final = (am.name_is_dns_label, "NameIsDNSLabel", "a lowercase RFC 1123 label")
_DNS1035: Final = (am.name_is_dns1035_label, "NameIsDNS1035Label", "an RFC 1035 label")
_PATH_SEGMENT: Final = (am.path_segment_name, "ValidateRBACName (path.IsValidPathSegmentName)",
                        "a path segment")

NameRule = tuple[am.NameFunc, str, str]

NAME_FUNCS: Final[dict[tuple[str, str], NameRule]] = {
    **{(CORE, k): SUBDOMAIN for k in (
        "Pod", "ReplicationController", "Node", "LimitRange", "ResourceQuota", "Secret", "ServiceAccount",
        "Endpoints", "ConfigMap", "PersistentVolume", "PersistentVolumeClaim", "PodTemplate")},
    (CORE, "Service"): _DNS1035,  # ValidateServiceName
    (CORE, "Namespace"): _LABEL,  # ValidateNamespaceName
    ("apps", "Deployment"): SUBDOMAIN,
    ("apps", "DaemonSet"): SUBDOMAIN,
    ("apps", "ReplicaSet"): SUBDOMAIN,
    ("apps", "ControllerRevision"): SUBDOMAIN,
    ("apps", "StatefulSet"): _LABEL,  # ValidateStatefulSetName
    ("extensions", "Deployment"): SUBDOMAIN,
    ("extensions", "DaemonSet"): SUBDOMAIN,
    ("extensions", "ReplicaSet"): SUBDOMAIN,
    ("extensions", "Ingress"): SUBDOMAIN,
    ("batch", "Job"): SUBDOMAIN,
    ("batch", "CronJob"): SUBDOMAIN,
    ("autoscaling", "HorizontalPodAutoscaler"): SUBDOMAIN,
    # ValidatePodDisruptionBudget does not validate the metadata: only the generic check of
    # rest.BeforeCreate (ValidateObjectMetaAccessor with path.ValidatePathSegmentName) applies.
    ("policy", "PodDisruptionBudget"): (am.path_segment_name, "ValidatePathSegmentName", "a path segment"),
    ("networking.k8s.io", "Ingress"): SUBDOMAIN,
    ("networking.k8s.io", "IngressClass"): SUBDOMAIN,
    ("networking.k8s.io", "NetworkPolicy"): SUBDOMAIN,
    **{("rbac.authorization.k8s.io", k): _PATH_SEGMENT for k in (
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
    ("apiextensions.k8s.io", "CustomResourceDefinition"): SUBDOMAIN,  # + the plural.group rule (KL210)
    ("storage.k8s.io", "StorageClass"): SUBDOMAIN,
    ("storage.k8s.io", "VolumeAttachment"): SUBDOMAIN,
    ("scheduling.k8s.io", "PriorityClass"): SUBDOMAIN,
    ("coordination.k8s.io", "Lease"): SUBDOMAIN,
    ("discovery.k8s.io", "EndpointSlice"): SUBDOMAIN,
    ("node.k8s.io", "RuntimeClass"): SUBDOMAIN,
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): SUBDOMAIN,
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): SUBDOMAIN,
    **{("admissionregistration.k8s.io", k): SUBDOMAIN for k in (
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding")},
}
# The API server warns (does not refuse) when these are named with dots: their pods take the name as
# hostname (kubernetes#114412, 1.27).
DNS_LABEL_RECOMMENDED: Final = frozenset({(CORE, "Pod"), (CORE, "ReplicationController"), ("apps", "Deployment"),
                                          ("apps", "ReplicaSet"), ("batch", "Job"), ("batch", "CronJob")})
CUSTOM_RESOURCE: Final = SUBDOMAIN  # customresource strategy: ValidateObjectMetaAccessor(..., NameIsDNSSubdomain)

# Namespaced built-in kinds: ValidateObjectMeta checks metadata.namespace (ValidateNamespaceName) only for
# these; a cluster-scoped object's namespace is cleared before validation.
NAMESPACED: Final = frozenset({
    (CORE, "Pod"), (CORE, "Service"), (CORE, "ConfigMap"), (CORE, "Secret"), (CORE, "ServiceAccount"),
    (CORE, "ReplicationController"), (CORE, "Endpoints"), (CORE, "LimitRange"), (CORE, "ResourceQuota"),
    (CORE, "PersistentVolumeClaim"), (CORE, "PodTemplate"),
    ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("apps", "ReplicaSet"),
    ("apps", "ControllerRevision"), ("batch", "Job"), ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"), ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"), ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "RoleBinding"),
    ("coordination.k8s.io", "Lease"), ("discovery.k8s.io", "EndpointSlice"),
})


def replacement(node: YScalar, new: str) -> TextEdit:
    """An edit putting `new` in place of the scalar `node`, in the same quoting (quoted when a plain
    scalar would read as something other than that string)."""
    if node.style == "'":
        text = "'" + new.replace("'", "''") + "'"
    elif node.style == '"':
        text = am.go_quote(new)
    elif node.style is None and isinstance(resolve_plain(new), str) and new == new.strip() and new:
        text = new
    else:
        text = '"' + new + '"'
    return TextEdit(node.span, text)


# ---- where labels and label selectors are validated ------------------------------------------------------

_WORKLOAD_SELECTOR_GROUPS: Final = frozenset({"apps", "extensions"})


def _walk(node: YNode | None, keys: tuple[str, ...]) -> YNode | None:
    for k in keys:
        if not isinstance(node, YMap):
            return None
        node = node.get(k)
    return node


def template_metadata(root: YMap, group: str, kind: str) -> tuple[YMap, str] | None:
    """The pod template's metadata mapping of a workload object and its path (ValidatePodTemplateSpec checks
    its labels and annotations)."""
    if group not in WORKLOAD_GROUPS or kind not in TEMPLATE_PATHS or kind == "Pod":
        return None
    keys = (*TEMPLATE_PATHS[kind], "metadata")
    md = _walk(root, keys)
    return (md, ".".join(keys)) if isinstance(md, YMap) else None


def label_maps(root: YMap, group: str, kind: str) -> Iterator[tuple[YMap, str]]:
    """Every label set ValidateLabels checks as labels: the object's and its pod template's."""
    md = root.get("metadata")
    if isinstance(md, YMap) and isinstance(labels := md.get("labels"), YMap):
        yield labels, "metadata.labels"
    tmd = template_metadata(root, group, kind)
    if tmd is not None and isinstance(labels := tmd[0].get("labels"), YMap):
        yield labels, tmd[1] + ".labels"


def label_selectors(root: YMap, group: str, kind: str) -> Iterator[tuple[YMap, str]]:
    """Every metav1.LabelSelector that the kind's validation passes to ValidateLabelSelector."""
    spec = root.get("spec")
    spec = spec if isinstance(spec, YMap) else None
    found: list[tuple[YNode | None, str]] = []
    if spec is not None:
        if (group in _WORKLOAD_SELECTOR_GROUPS and kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")) \
                or (group == "batch" and kind == "Job") or (group == "policy" and kind == "PodDisruptionBudget"):
            found.append((spec.get("selector"), "spec.selector"))
        elif group == "networking.k8s.io" and kind == "NetworkPolicy":
            found.append((spec.get("podSelector"), "spec.podSelector"))
            for direction, peers in (("ingress", "from"), ("egress", "to")):
                rules = spec.get(direction)
                if not isinstance(rules, YSeq):
                    continue
                for i, rule in enumerate(rules.items):
                    plist = rule.get(peers) if isinstance(rule, YMap) else None
                    if not isinstance(plist, YSeq):
                        continue
                    for j, peer in enumerate(plist.items):
                        if isinstance(peer, YMap):
                            for sel in ("podSelector", "namespaceSelector"):
                                found.append((peer.get(sel), f"spec.{direction}[{i}].{peers}[{j}].{sel}"))
    if group == "rbac.authorization.k8s.io" and kind == "ClusterRole":
        sels = _walk(root, ("aggregationRule", "clusterRoleSelectors"))
        if isinstance(sels, YSeq):
            for i, s in enumerate(sels.items):
                found.append((s, f"aggregationRule.clusterRoleSelectors[{i}]"))
    if group == "admissionregistration.k8s.io" and kind in ("ValidatingWebhookConfiguration",
                                                             "MutatingWebhookConfiguration"):
        hooks = root.get("webhooks")
        if isinstance(hooks, YSeq):
            for i, hook in enumerate(hooks.items):
                if isinstance(hook, YMap):
                    for sel in ("namespaceSelector", "objectSelector"):
                        found.append((hook.get(sel), f"webhooks[{i}].{sel}"))
    for node, path in found:
        if isinstance(node, YMap):
            yield node, path


def label_suggestion(value: str, *, key: bool) -> str:
    """The label key or value a person most likely meant (a space or `:` typed for `-` or `/`, a doubled
    `/`), or "" when that guess is not valid either. Offered as a fix that is not applied automatically."""
    cand = value.strip()
    if key:
        cand = re.sub("/{2,}", "/", cand)
        if "/" not in cand and cand.count(":") == 1 and "." in cand.split(":")[0]:
            cand = cand.replace(":", "/")
    cand = re.sub(r"\s+", "-", cand)
    ok = not (am.is_qualified_name(cand) if key else am.is_label_value(cand))
    return cand if ok and cand != value else ""
