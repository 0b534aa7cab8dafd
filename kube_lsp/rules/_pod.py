"""Shared pieces of the API server's pod validation rules (KL230-KL259): which kinds get their pod template
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
from kube_lsp.rules.base import ObjectContext
from kube_lsp.workloads import Container, PodTemplate, containers, pod_template

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


def validated_pod(ctx: ObjectContext) -> PodTemplate | None:
    """The pod template of an object whose PodSpec the API server validates in full, else None."""
    if ctx.kind not in POD_KINDS:
        return None
    return pod_template(ctx.root, ctx.group, ctx.kind)


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
    key: YScalar | None
    kind: str  # livenessProbe, readinessProbe, startupProbe, postStart, preStop
    path: str
    container: Container

    @property
    def is_probe(self) -> bool:
        return self.kind.endswith("Probe")


def restartable(c: Container) -> bool:
    """A sidecar: an init container with restartPolicy Always (its probes and lifecycle are validated)."""
    return c.node.get_str("restartPolicy") == "Always"


def handlers(pod: PodTemplate) -> Iterator[Probe]:
    """Probes and lifecycle handlers that validateContainers / validateInitContainers validate: those of
    regular containers and of restartable init containers (other init containers and ephemeral containers may
    not have them at all)."""
    for c in containers(pod, ("initContainers", "containers")):
        if c.list_key == "initContainers" and not restartable(c):
            continue
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            node = c.node.get(kind)
            if isinstance(node, YMap):
                yield Probe(node, c.node.key_node(kind), kind, f"{c.path}.{kind}", c)
        lifecycle = c.node.get("lifecycle")
        if isinstance(lifecycle, YMap):
            for kind in ("postStart", "preStop"):
                node = lifecycle.get(kind)
                if isinstance(node, YMap):
                    yield Probe(node, lifecycle.key_node(kind), kind, f"{c.path}.lifecycle.{kind}", c)


def seq_maps(node: YNode | None) -> Iterator[tuple[int, YMap]]:
    if isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            if isinstance(item, YMap):
                yield i, item
