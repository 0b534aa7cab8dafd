"""The pod of an object (`pod_of`: one walk per object, shared by every rule that looks at pods), and the
shared pieces of the API server's pod validation rules (KL230-KL259): which kinds get their pod template
validated, the apimachinery name checks, and small node helpers.

Everything here mirrors k8s.io/apimachinery/pkg/util/validation/validation.go and
pkg/apis/core/validation/validation.go; the messages are the API server's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.model import Fix, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules.base import ObjectContext, key_span
from kube_lsp.workloads import (
    CONTAINER_LISTS,
    WORKLOAD_GROUPS,
    Container,
    PodTemplate,
    containers,
    pod_template,
    schema_template_paths,
    template_at,
)

# Kinds whose pod template the API server validates with ValidatePodTemplateSpec / ValidatePodSpec.
# StatefulSet is not among them: ValidatePodTemplateSpecForStatefulSet checks only labels, annotations,
# restartPolicy and activeDeadlineSeconds (its pods fail later instead).
POD_KINDS: Final = frozenset({"Pod", "PodTemplate", "Deployment", "ReplicaSet", "DaemonSet", "ReplicationController",
                              "Job", "CronJob"})
WORKLOAD_KINDS: Final = POD_KINDS | {"StatefulSet"}

_DNS1123_LABEL: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1123_LABEL_MSG: Final = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                            "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                            "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
_PORT_NAME_CHARSET: Final = re.compile(r"[-a-z0-9]+")
NEGATIVE_MSG: Final = "must be greater than or equal to 0"
PORT_RANGE_MSG: Final = "must be between 1 and 65535, inclusive"


@dataclass(frozen=True, slots=True)
class Pod:
    """The pod an object describes, worked out once per object (`pod_of`, through `ObjectContext.memo`) and
    shared by every rule that looks at pods: the API server's pod validation (KL230-KL259), Pod Security
    (KL400-KL417) and the best practices (KL420-KL436)."""

    template: PodTemplate
    kind: str
    # The pod template of a built-in workload kind (the API server validates it); False: the PodTemplateSpec
    # that a custom resource's CRD schema embeds (only Pod Security and the best practices look at those).
    builtin: bool
    # Init containers first, then containers and ephemeral containers, in file order.
    containers: tuple[Container, ...]
    # (initContainers, containers) only: what most rules walk.
    regular: tuple[Container, ...]
    # Probes and lifecycle handlers that the API server validates (built-in workloads only).
    handlers: tuple[Probe, ...]
    # Whether the pod or any container has a securityContext: most pods have none, and then the checks
    # that only read security contexts have nothing to look at.
    secured: bool

    @property
    def spec(self) -> YMap:
        return self.template.spec

    @property
    def path(self) -> str:
        return self.template.path

    @property
    def security_context(self) -> YMap | None:
        sc = self.spec.get("securityContext")
        return sc if isinstance(sc, YMap) else None

    @property
    def annotations(self) -> YMap | None:
        md = self.template.metadata
        ann = md.get("annotations") if md is not None else None
        return ann if isinstance(ann, YMap) else None

    @property
    def windows(self) -> bool:
        os_ = self.spec.get("os")
        return isinstance(os_, YMap) and os_.get_str("name") == "windows"

    @property
    def user_namespace(self) -> bool:
        """`hostUsers: false`: pod-security-admission relaxes some checks for such pods from v1.35."""
        v = self.spec.get("hostUsers")
        return isinstance(v, YScalar) and v.value is False

    def anchor(self) -> Span:
        """Where a finding about a missing pod-level setting goes: the pod's securityContext key, else the
        PodSpec's first key."""
        if self.security_context is not None:
            return key_span(self.spec, "securityContext")
        return self.spec.pairs[0][0].span if self.spec.pairs else self.spec.span


_UNSET: Final = object()


def pod_of(ctx: ObjectContext) -> Pod | None:
    """The pod the object describes: a built-in workload's pod template, or the first PodTemplateSpec the
    CRD schema of a custom resource embeds (kube_lsp/workloads.py `schema_template_paths`); None when it
    describes none. Computed once per object: every pod rule asks."""
    found = ctx.memo.get("pod", _UNSET)
    if found is _UNSET:
        found = ctx.memo["pod"] = _walk(ctx)
    return found  # type: ignore[no-any-return]


def _walk(ctx: ObjectContext) -> Pod | None:
    builtin = not ctx.is_custom or ctx.group in WORKLOAD_GROUPS
    if builtin:
        tpl = pod_template(ctx.root, ctx.group, ctx.kind)
    else:
        paths = schema_template_paths(ctx.schema.schema) if ctx.schema is not None else ()
        tpl = next((t for t in (template_at(ctx.root, p) for p in paths) if t is not None), None)
    if tpl is None:
        return None
    cs = tuple(containers(tpl))
    secured = tpl.spec.get("securityContext") is not None or any("securityContext" in c.fields for c in cs)
    return Pod(tpl, ctx.kind, builtin, cs, tuple(c for c in cs if c.list_key != "ephemeralContainers"),
               tuple(_handlers(cs)) if builtin else (), secured)


def _validated(ctx: ObjectContext) -> Pod | None:
    """The pod of a built-in workload (of any kind: StatefulSets included)."""
    pod = pod_of(ctx)
    return pod if pod is not None and pod.builtin else None


def any_pod(ctx: ObjectContext) -> PodTemplate | None:
    """The pod template of any workload kind (StatefulSets included)."""
    pod = _validated(ctx)
    return pod.template if pod is not None else None


def validated_pod(ctx: ObjectContext) -> PodTemplate | None:
    """The pod template of an object whose PodSpec the API server validates in full, else None."""
    return any_pod(ctx) if ctx.kind in POD_KINDS else None


def pod_containers(ctx: ObjectContext, lists: tuple[str, ...] = CONTAINER_LISTS) -> tuple[Container, ...]:
    """The containers of a built-in workload's pod (init containers first, in file order), of the given lists."""
    pod = _validated(ctx)
    if pod is None:
        return ()
    if len(lists) == 3:
        return pod.containers
    if lists == ("initContainers", "containers"):
        return pod.regular
    return tuple(c for c in pod.containers if c.list_key in lists)


def pod_handlers(ctx: ObjectContext) -> tuple[Probe, ...]:
    """Probes and lifecycle handlers that validateContainers / validateInitContainers validate."""
    pod = _validated(ctx)
    return pod.handlers if pod is not None else ()


def dns1123_label_errors(value: str) -> list[str]:
    """validation.IsDNS1123Label."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errs.append("must not contain dots")
        else:
            errs.append(DNS1123_LABEL_MSG)
    return errs


def port_name_errors(port: str) -> list[str]:
    """validation.IsValidPortName: an IANA_SVC_NAME."""
    errs = []
    if len(port) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def as_label(name: str) -> str | None:
    """The DNS-1123 label a slip of `name` most likely meant (`Server` → `server`, `php_redis` → `php-redis`),
    or None when lower-casing and `_`/`.` → `-` does not give one."""
    fixed = name.lower().replace("_", "-").replace(".", "-")
    return fixed if fixed != name and not dns1123_label_errors(fixed) else None


def int_of(node: YNode | None) -> int | None:
    """The integer value of a scalar (not a boolean), else None."""
    if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def str_of(node: YNode | None) -> str | None:
    if isinstance(node, YScalar) and isinstance(node.value, str):
        return node.value
    return None


def present(m: YMap, key: str) -> bool:
    """The key is set to something other than null (kubectl drops nulls: they mean "not set")."""
    node = m.get(key)
    return node is not None and not (isinstance(node, YScalar) and node.value is None and node.style is None)


def key_or_node(m: YMap, key: str) -> Span:
    k = m.key_node(key)
    return k.span if k is not None else m.span


def replace_scalar(node: YScalar, text: str, title: str, safe: bool = True) -> Fix:
    """A fix that rewrites a scalar, keeping its quotes."""
    quote = node.style if node.style in ("'", '"') else ""
    return Fix(title, (TextEdit(node.span, f"{quote}{text}{quote}"),), safe)


def go_quote(value: object) -> str:
    """A value as field errors print it (%q for strings)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


@dataclass(frozen=True, slots=True)
class Probe:
    """A probe or lifecycle handler of a container that ValidatePodSpec validates."""

    node: YMap
    parent: YMap  # the container, or its `lifecycle`
    kind: str  # livenessProbe, readinessProbe, startupProbe, postStart, preStop
    container: Container

    @property
    def is_probe(self) -> bool:
        return self.kind.endswith("Probe")

    @property
    def key(self) -> YScalar | None:
        return self.parent.key_node(self.kind)

    @property
    def path(self) -> str:
        return f"{self.container.path}.{self.kind}" if self.is_probe else f"{self.container.path}.lifecycle.{self.kind}"


def restartable(c: Container) -> bool:
    """A sidecar: an init container with restartPolicy Always (its probes and lifecycle are validated)."""
    return c.get_str("restartPolicy") == "Always"


def _handlers(all_containers: tuple[Container, ...]) -> Iterator[Probe]:
    """Probes and lifecycle handlers of regular containers and of restartable init containers (other init
    containers and ephemeral containers may not have them at all)."""
    for c in all_containers:
        if c.list_key == "ephemeralContainers" or (c.list_key == "initContainers" and not restartable(c)):
            continue
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            node = c.get(kind)
            if isinstance(node, YMap):
                yield Probe(node, c.node, kind, c)
        lifecycle = c.get("lifecycle")
        if isinstance(lifecycle, YMap):
            for kind in ("postStart", "preStop"):
                node = lifecycle.get(kind)
                if isinstance(node, YMap):
                    yield Probe(node, lifecycle, kind, c)


def seq_maps(node: YNode | None) -> Iterator[tuple[int, YMap]]:
    if isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            if isinstance(item, YMap):
                yield i, item


# ---- quantities --------------------------------------------------------------------------------------------

QUANTITY_FORMAT_MSG: Final = ("quantities must match the regular expression "
                              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
QUANTITY_SUFFIX_MSG: Final = "unable to parse quantity's suffix"
_DIGITS: Final = "0123456789"
_SUFFIX_CHARS: Final = "eEinumkKMGTP"
_KNOWN_SUFFIXES: Final = frozenset({"", "n", "u", "m", "k", "M", "G", "T", "P", "E",
                                    "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"})
_INT64: Final = re.compile(r"[+-]?[0-9]+")


_PLAIN_QUANTITY: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[numkMGTPE]|[KMGTPE]i)?")


def quantity_error(text: str) -> str | None:
    """The error resource.Quantity's UnmarshalJSON gives for a string (ParseQuantity after TrimSpace), or None
    when it parses. A port of parseQuantityString and suffixHandler.interpret."""
    if _PLAIN_QUANTITY.fullmatch(text):
        return None  # the usual forms (`500m`, `1.5Gi`, `2`), without the scan below
    s = text.strip(" \t\n\r\v\f")
    if not s:
        return QUANTITY_FORMAT_MSG
    if s == "0":
        return None
    pos, end = 0, len(s)
    if s[0] in "+-":
        pos = 1
    while pos < end and s[pos] == "0":
        pos += 1
    if pos >= end:
        return None
    while pos < end and s[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return None
    if s[pos] == ".":
        pos += 1
        while pos < end and s[pos] in _DIGITS:
            pos += 1
        if pos >= end:
            return None
    suffix_start = pos
    while pos < end and s[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end:
        if s[pos] in "+-":
            pos += 1
        while pos < end and s[pos] in _DIGITS:
            pos += 1
        if pos < end:
            return QUANTITY_FORMAT_MSG
    suffix = s[suffix_start:]
    if suffix in _KNOWN_SUFFIXES:
        return None
    if len(suffix) > 1 and suffix[0] in "eE" and _INT64.fullmatch(suffix[1:]) and abs(int(suffix[1:])) < 2**63:
        return None
    return QUANTITY_SUFFIX_MSG


@dataclass(frozen=True, slots=True)
class QuantityList:
    """A mapping of resource name → quantity (`limits`, `requests`, `overhead`, `hard`, ...)."""

    node: YMap
    path: str
    owner: str  # "container", "pod", "claim", "other": whose resource names these are


def quantity_lists(ctx: ObjectContext) -> Iterator[QuantityList]:
    """Every resource list of the object that the API server decodes as quantities."""
    kind = ctx.kind
    pod = any_pod(ctx)
    if pod is not None:
        for c in pod_containers(ctx):
            res = c.get("resources")
            if isinstance(res, YMap):
                for key in ("limits", "requests"):
                    m = res.get(key)
                    if isinstance(m, YMap):
                        yield QuantityList(m, f"{c.path}.resources.{key}", "container")
        overhead = pod.spec.get("overhead")
        if isinstance(overhead, YMap):
            yield QuantityList(overhead, f"{pod.path}.overhead", "overhead")
        res = pod.spec.get("resources")
        if isinstance(res, YMap):
            for key in ("limits", "requests"):
                m = res.get(key)
                if isinstance(m, YMap):
                    yield QuantityList(m, f"{pod.path}.resources.{key}", "pod")
        for i, vol in seq_maps(pod.spec.get("volumes")):
            eph = vol.get("ephemeral")
            tmpl = eph.get("volumeClaimTemplate") if isinstance(eph, YMap) else None
            spec = tmpl.get("spec") if isinstance(tmpl, YMap) else None
            yield from _claim_resources(spec, f"{pod.path}.volumes[{i}].ephemeral.volumeClaimTemplate.spec")
    spec = ctx.spec
    if spec is None:
        return
    if kind == "HorizontalPodAutoscaler" and ctx.group == "autoscaling":
        for i, metric in seq_maps(spec.get("metrics")):
            for source in ("resource", "pods", "object", "external", "containerResource"):
                src = metric.get(source)
                target = src.get("target") if isinstance(src, YMap) else None
                if isinstance(target, YMap):
                    yield QuantityList(target, f"spec.metrics[{i}].{source}.target", "target")
        return
    if ctx.group not in ("", "apps"):
        return
    if kind == "StatefulSet":
        for i, claim in seq_maps(spec.get("volumeClaimTemplates")):
            yield from _claim_resources(claim.get("spec"), f"spec.volumeClaimTemplates[{i}].spec")
    elif kind == "PersistentVolumeClaim":
        yield from _claim_resources(spec, "spec")
    elif kind == "PersistentVolume":
        cap = spec.get("capacity")
        if isinstance(cap, YMap):
            yield QuantityList(cap, "spec.capacity", "other")
    elif kind == "ResourceQuota":
        hard = spec.get("hard")
        if isinstance(hard, YMap):
            yield QuantityList(hard, "spec.hard", "other")
    elif kind == "LimitRange":
        for i, item in seq_maps(spec.get("limits")):
            for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                m = item.get(key)
                if isinstance(m, YMap):
                    yield QuantityList(m, f"spec.limits[{i}].{key}", "other")


def _claim_resources(spec: YNode | None, path: str) -> Iterator[QuantityList]:
    res = spec.get("resources") if isinstance(spec, YMap) else None
    if isinstance(res, YMap):
        for key in ("limits", "requests"):
            m = res.get(key)
            if isinstance(m, YMap):
                yield QuantityList(m, f"{path}.resources.{key}", "claim")


def single_quantities(ctx: ObjectContext) -> Iterator[tuple[YScalar, str]]:
    """Quantity fields that are not in a resource list: emptyDir.sizeLimit and resourceFieldRef divisors."""
    pod = any_pod(ctx)
    if pod is None:
        return
    for i, vol in seq_maps(pod.spec.get("volumes")):
        base = f"{pod.path}.volumes[{i}]"
        empty = vol.get("emptyDir")
        if isinstance(empty, YMap) and isinstance(size := empty.get("sizeLimit"), YScalar):
            yield size, f"{base}.emptyDir.sizeLimit"
        dapi = vol.get("downwardAPI")
        if isinstance(dapi, YMap):
            yield from _divisors(dapi.get("items"), f"{base}.downwardAPI.items")
        proj = vol.get("projected")
        if isinstance(proj, YMap):
            for j, src in seq_maps(proj.get("sources")):
                d = src.get("downwardAPI")
                if isinstance(d, YMap):
                    yield from _divisors(d.get("items"), f"{base}.projected.sources[{j}].downwardAPI.items")
    for c in pod_containers(ctx):
        for j, env in seq_maps(c.get("env")):
            vf = env.get("valueFrom")
            ref = vf.get("resourceFieldRef") if isinstance(vf, YMap) else None
            if isinstance(ref, YMap) and isinstance(div := ref.get("divisor"), YScalar):
                yield div, f"{c.path}.env[{j}].valueFrom.resourceFieldRef.divisor"


def _divisors(items: YNode | None, path: str) -> Iterator[tuple[YScalar, str]]:
    for k, item in seq_maps(items):
        ref = item.get("resourceFieldRef")
        if isinstance(ref, YMap) and isinstance(div := ref.get("divisor"), YScalar):
            yield div, f"{path}[{k}].resourceFieldRef.divisor"


def is_native(name: str) -> bool:
    """helper.IsNativeResource: unprefixed, or in a *kubernetes.io/ namespace."""
    return "/" not in name or "kubernetes.io/" in name


def overcommit_allowed(name: str) -> bool:
    """helper.IsOvercommitAllowed: native and not hugepages (extended resources and hugepages may not)."""
    return is_native(name) and not name.startswith("hugepages-")


def container_resources(ctx: ObjectContext) -> Iterator[tuple[Container, YMap | None, YMap | None]]:
    """(container, limits, requests) of every container and init container with `resources`."""
    for c in pod_containers(ctx, ("initContainers", "containers")):
        res = c.get("resources")
        if isinstance(res, YMap):
            lim, req = res.get("limits"), res.get("requests")
            yield c, lim if isinstance(lim, YMap) else None, req if isinstance(req, YMap) else None


_QUALIFIED_NAME: Final = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_QUALIFIED_MSG: Final = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                         "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                         "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_SUBDOMAIN_MSG: Final = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                         "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
                         "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def qualified_name_errors(value: str) -> list[str]:
    """validation.IsQualifiedName (content.IsLabelKey)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return [f"a valid label key {_QUALIFIED_MSG} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not _DNS1123_SUBDOMAIN.fullmatch(prefix):
                errs.append(f"prefix part {_SUBDOMAIN_MSG}")
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not _QUALIFIED_NAME.fullmatch(name):
        errs.append(f"name part {_QUALIFIED_MSG}")
    return errs
