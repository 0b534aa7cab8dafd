"""Label and field selectors as the API server parses and applies them (for the API server double).

Label selectors follow `k8s.io/apimachinery/pkg/labels` (`Parse`): `key`, `!key`, `key=value`, `key==value`,
`key!=value`, `key in (a,b)`, `key notin (a,b)`, joined by commas. Field selectors follow
`k8s.io/apimachinery/pkg/fields` (`ParseSelector`): `field=value`, `field==value`, `field!=value`, joined by
commas, with `\\` escaping; each resource supports only its documented field labels (`metadata.name` and
`metadata.namespace` everywhere, plus the kind's own, e.g. `involvedObject.name` for Events and `status.phase`
for Pods); others are refused with "field label not supported".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


class SelectorError(ValueError):
    """A selector the API server would refuse (400 BadRequest)."""


# --- label selectors -------------------------------------------------------------------------------------------------

_KEY = r"(?:[a-z0-9A-Z.\-]+/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET_RE = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_CMP_RE = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")
_EXISTS_RE = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")


@dataclass(frozen=True)
class LabelRequirement:
    key: str
    op: str  # exists, !, =, !=, in, notin
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        if self.op in ("=", "in"):
            return has and value in self.values
        # != and notin also match objects without the label, as labels.Requirement.Matches does
        return not has or value not in self.values


def _split_terms(text: str) -> list[str]:
    terms, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    terms.append("".join(cur))
    return [t for t in terms if t.strip()]


def parse_label_selector(text: str) -> list[LabelRequirement]:
    out: list[LabelRequirement] = []
    for term in _split_terms(text):
        if m := _SET_RE.match(term):
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            out.append(LabelRequirement(m.group(1), m.group(2), values))
        elif m := _CMP_RE.match(term):
            op = "=" if m.group(2) in ("=", "==") else "!="
            out.append(LabelRequirement(m.group(1), op, (m.group(3),)))
        elif m := _EXISTS_RE.match(term):
            out.append(LabelRequirement(m.group(2), "!" if m.group(1) else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: found '{term.strip()}', expected: identifier")
    return out


def labels_match(reqs: list[LabelRequirement], obj: JSON) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(r.matches(labels) for r in reqs)


# --- field selectors -------------------------------------------------------------------------------------------------

def _get(path: str) -> Callable[[JSON], str]:
    keys = path.split(".")

    def get(obj: JSON) -> str:
        cur: Any = obj
        for k in keys:
            cur = cur.get(k) if isinstance(cur, dict) else None
        if cur is None:
            return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return get


def _pod_ips(obj: JSON) -> str:
    ips = (obj.get("status") or {}).get("podIPs") or []
    return ",".join(str(i.get("ip", "")) for i in ips if isinstance(i, dict))


# The field labels each kind supports (the fields.Set of its registry strategy's GetAttrs / field label
# conversion funcs), beyond metadata.name and metadata.namespace.
FIELD_LABELS: dict[str, dict[str, Callable[[JSON], str]]] = {
    "Pod": {p: _get(p) for p in ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                 "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
                                 "status.nominatedNodeName")} | {"status.podIPs": _pod_ips},
    "Event": {p: _get(p) for p in ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                   "involvedObject.uid", "involvedObject.apiVersion",
                                   "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                                   "reportingComponent", "type")} | {"source": _get("source.component")},
    "Secret": {"type": _get("type")},
    "Namespace": {"status.phase": _get("status.phase")},
    "Node": {"spec.unschedulable": _get("spec.unschedulable")},
    "ReplicaSet": {"status.replicas": _get("status.replicas")},
    "Job": {"status.successful": _get("status.succeeded")},
    "Service": {"spec.clusterIP": _get("spec.clusterIP"), "spec.type": _get("spec.type")},
    "PersistentVolumeClaim": {},
    "ReplicationController": {"status.replicas": _get("status.replicas")},
}
_COMMON = {"metadata.name": _get("metadata.name"), "metadata.namespace": _get("metadata.namespace")}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    equal: bool
    value: str


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def parse_field_selector(text: str, kind: str) -> list[FieldRequirement]:
    """Parse and check against the kind's field labels; SelectorError as the API server words it."""
    out: list[FieldRequirement] = []
    supported = FIELD_LABELS.get(kind, {})
    for term in _split_unescaped(text, ","):
        if not term:
            continue
        m = re.match(r"^((?:[^=!\\]|\\.)*)(!=|==|=)(.*)$", term)
        if m is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, value = m.group(1), m.group(2), _unescape(m.group(3))
        if field not in _COMMON and field not in supported:
            raise SelectorError(f"field label not supported: {field}")
        out.append(FieldRequirement(field, op != "!=", value))
    return out


def fields_match(reqs: list[FieldRequirement], obj: JSON, kind: str) -> bool:
    getters = _COMMON | FIELD_LABELS.get(kind, {})
    return all((getters[r.field](obj) == r.value) == r.equal for r in reqs)
