"""Which watch events concern a file's objects. Pure.

A watch covers a whole (namespace, resource): in a busy namespace most of its events are about other
objects. From what was last observed, `Interest` says whether an event's object can change a file's live
state: the object itself (its kind and name); pods, ReplicaSets and Jobs it owns (ownerReferences, also of
the pods it owns: their ReplicaSet or Job), that its selector matches (labels), or named after it (`web-…`: a
ReplicaSet, Job or Pod its controller made before it was observed); Events whose involvedObject is one of
those (by uid, or kind and name); EndpointSlices labelled `kubernetes.io/service-name` with one of its
Services; its PersistentVolumeClaims (claimName). A list after a 410 has no object: it concerns everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from kube_lsp.cluster.live import JSON, Observation, as_map
from kube_lsp.workloads import TEMPLATE_PATHS

SERVICE_NAME: Final = "kubernetes.io/service-name"
_OWNED_KINDS: Final = frozenset({"Pod", "ReplicaSet", "Job"})


def selector_matches(selector: Any, labels: Any) -> bool:
    """Whether a LabelSelector (matchLabels/matchExpressions) or a Service's selector map matches `labels`.
    An absent or empty selector matches nothing here (it selects nothing definite)."""
    if not isinstance(selector, dict) or not selector:
        return False
    have = labels if isinstance(labels, dict) else {}
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(have.get(k) == v for k, v in selector.items())
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return False
    if not isinstance(match_labels, dict) or any(have.get(k) != v for k, v in match_labels.items()):
        return False
    for expr in expressions if isinstance(expressions, list) else ():
        if not isinstance(expr, dict):
            return False
        key, op = expr.get("key"), str(expr.get("operator", ""))
        values = {str(v) for v in expr.get("values") or []}
        if op == "In" and (key not in have or str(have[key]) not in values):
            return False
        if op == "NotIn" and key in have and str(have[key]) in values:
            return False
        if op == "Exists" and key not in have:
            return False
        if op == "DoesNotExist" and key in have:
            return False
    return True


def _meta(obj: JSON) -> JSON:
    return as_map(obj.get("metadata"))


@dataclass
class Interest:
    """What a file's last observation makes relevant, per namespace ("" matches any)."""

    names: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, namespace, name)
    uids: set[str] = field(default_factory=set)  # the objects' and their controllers' (ReplicaSets, Jobs)
    prefixes: set[tuple[str, str]] = field(default_factory=set)  # (namespace, "web-"): what controllers name
    selectors: list[tuple[str, JSON]] = field(default_factory=list)  # (namespace, selector)
    services: set[tuple[str, str]] = field(default_factory=set)  # (namespace, Service name)

    def _has(self, kind: str, ns: str, name: str) -> bool:
        return (kind, ns, name) in self.names or (kind, "", name) in self.names

    def _named_after(self, ns: str, name: str) -> bool:
        return any(name.startswith(p) and n in ("", ns) for n, p in self.prefixes)

    def _owned(self, meta: JSON) -> bool:
        refs = meta.get("ownerReferences")
        return any(isinstance(r, dict) and r.get("uid") in self.uids for r in refs if isinstance(refs, list)) \
            if isinstance(refs, list) else False

    def concerns(self, kind: str, namespace: str | None, obj: JSON | None) -> bool:
        """Whether a watch event on an object of `kind` (None: a fresh list) can change the file's states."""
        if obj is None:
            return True
        meta = _meta(obj)
        ns = str(meta.get("namespace") or namespace or "")
        name = str(meta.get("name") or "")
        if self._has(kind, ns, name) or (meta.get("uid") and meta.get("uid") in self.uids):
            return True
        if kind in _OWNED_KINDS:
            if self._owned(meta) or self._named_after(ns, name):
                return True
            if kind == "Pod" and any(n in ("", ns) and selector_matches(sel, meta.get("labels"))
                                     for n, sel in self.selectors):
                return True
            return False
        if kind == "Event":
            involved = as_map(obj.get("involvedObject") or obj.get("regarding"))
            ikind, iname = str(involved.get("kind") or ""), str(involved.get("name") or "")
            ins = str(involved.get("namespace") or ns)
            if involved.get("uid") and involved.get("uid") in self.uids:
                return True
            return self._has(ikind, ins, iname) or (ikind in _OWNED_KINDS and self._named_after(ins, iname))
        if kind == "EndpointSlice":
            service = as_map(meta.get("labels")).get(SERVICE_NAME)
            return (ns, service) in self.services or ("", service) in self.services
        return False

    def add_observation(self, obs: Observation, claims: Iterable[str] = ()) -> None:
        ns = obs.namespace or ""
        self.names.add((obs.kind, ns, obs.name))
        for claim in claims:
            self.names.add(("PersistentVolumeClaim", ns, claim))
        if obs.kind in TEMPLATE_PATHS and obs.kind != "PodTemplate":
            self.prefixes.add((ns, f"{obs.name}-"))
        if obs.kind == "Service":
            self.services.add((ns, obs.name))
        live = obs.live
        if live is None:
            return
        uid = _meta(live).get("uid")
        if uid:
            self.uids.add(str(uid))
        selector = as_map(live.get("spec")).get("selector")
        if isinstance(selector, dict) and selector and obs.kind != "CronJob":
            self.selectors.append((ns, selector))
        for pod in obs.pods:
            meta = _meta(pod)
            self.names.add(("Pod", str(meta.get("namespace") or ns), str(meta.get("name") or "")))
            if meta.get("uid"):
                self.uids.add(str(meta["uid"]))
            for ref in meta.get("ownerReferences") or []:
                if isinstance(ref, dict) and ref.get("uid"):
                    self.uids.add(str(ref["uid"]))  # its ReplicaSet or Job: their changes count too
                    if ref.get("kind") in _OWNED_KINDS and ref.get("name"):
                        self.names.add((str(ref["kind"]), ns, str(ref["name"])))


__all__ = ["Interest", "selector_matches"]
