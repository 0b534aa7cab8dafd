"""What the objects of one analysed text tell the rules about each other: the Pod Security labels of its
Namespaces, its workloads' replica counts and pod labels, its HorizontalPodAutoscalers.

Built once per text from the parsed documents (a cheap walk of a few top-level fields of the objects whose
kind matters), before the object rules run; it holds no positions, so a document's findings stay valid
when other documents move. `key` is what a cached document result must match to be reused.

Across files: `Engine(namespaces=...)` takes Namespace policies found elsewhere (a workspace index, the
cluster); the Namespaces of the text itself win over them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.workloads import TEMPLATE_PATHS, WORKLOAD_GROUPS, pod_template

LEVELS: Final = ("privileged", "baseline", "restricted")
MODES: Final = ("enforce", "audit", "warn")
LABEL_PREFIX: Final = "pod-security.kubernetes.io/"
# Kinds whose objects this index reads; a text without any of them gets the empty index.
INDEXED_KINDS: Final = ("Namespace", "PodDisruptionBudget", "HorizontalPodAutoscaler")


# pod-security-admission's versionRegexp (api/helpers.go).
_VERSION_RE: Final = re.compile(r"v1\.([0-9]|[1-9][0-9]*)")


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


@dataclass(frozen=True, slots=True)
class ModePolicy:
    """One mode of a Namespace's Pod Security labels: a level and the policy version (None: latest)."""

    level: str
    version: tuple[int, int] | None

    @property
    def label(self) -> str:
        v = "latest" if self.version is None else f"v{self.version[0]}.{self.version[1]}"
        return f"{self.level}:{v}"


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """The Pod Security labels of one Namespace, by mode (a mode without a level label is absent)."""

    name: str
    modes: tuple[tuple[str, ModePolicy], ...]

    def mode(self, mode: str) -> ModePolicy | None:
        return next((p for m, p in self.modes if m == mode), None)


def parse_policy_version(text: str | None) -> tuple[tuple[int, int] | None, bool]:
    """A `*-version` label value as (version or None for latest, valid). Invalid values mean latest, as
    pod-security-admission's ParseVersion says."""
    if text is None or text == "latest":
        return None, True
    m = _VERSION_RE.fullmatch(text)
    return ((1, int(m.group(1))), True) if m else (None, False)


def namespace_policy(root: YMap) -> NamespacePolicy | None:
    """The Pod Security policy a Namespace object's labels set, or None when they set no level."""
    md = root.get("metadata")
    if not isinstance(md, YMap):
        return None
    name = md.get_str("name")
    labels = md.get("labels")
    if not name or not isinstance(labels, YMap):
        return None
    return policy_from_labels(name, labels.get_str)


def policy_from_labels(name: str, label: Callable[[str], str | None]) -> NamespacePolicy | None:
    """The Pod Security policy of Namespace `name` whose label values `label(key)` gives (None: absent), or
    None when they set no level. For Namespaces of a text and those listed from a cluster alike."""
    modes = []
    for mode in MODES:
        level = label(LABEL_PREFIX + mode)
        if level not in LEVELS:
            continue  # absent or invalid: the cluster's default applies, which this text cannot know
        version, _ = parse_policy_version(label(f"{LABEL_PREFIX}{mode}-version"))
        modes.append((mode, ModePolicy(level, version)))
    return NamespacePolicy(name, tuple(modes)) if modes else None


@dataclass(frozen=True, slots=True)
class Workload:
    """A workload object of the text: what a PodDisruptionBudget or an HPA needs to know about it."""

    kind: str
    name: str
    namespace: str | None
    replicas: int | None  # None: not given (the API server defaults it to 1)
    labels: tuple[tuple[str, str], ...]  # of its pod template


@dataclass(frozen=True, slots=True)
class Autoscaler:
    name: str
    namespace: str | None
    target_kind: str
    target_name: str
    min_replicas: int | None
    max_replicas: int | None


@dataclass(frozen=True, slots=True)
class TextIndex:
    namespaces: Mapping[str, NamespacePolicy] = field(default_factory=dict)
    workloads: tuple[Workload, ...] = ()
    autoscalers: tuple[Autoscaler, ...] = ()

    @property
    def key(self) -> object:
        """A hashable summary: equal keys give equal findings."""
        return (tuple(sorted(self.namespaces.items())), self.workloads, self.autoscalers)

    def autoscaler_for(self, kind: str, name: str, namespace: str | None) -> Autoscaler | None:
        return next((a for a in self.autoscalers if a.target_kind == kind and a.target_name == name
                     and a.namespace == namespace), None)


EMPTY: Final = TextIndex()


def _int(node: YNode | None) -> int | None:
    if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _namespace_of(root: YMap) -> str | None:
    md = root.get("metadata")
    return md.get_str("namespace") if isinstance(md, YMap) else None


def _name_of(root: YMap) -> str | None:
    md = root.get("metadata")
    return md.get_str("name") if isinstance(md, YMap) else None


def objects(roots: Iterable[YNode | None]) -> Iterable[YMap]:
    """The objects of documents: each root mapping, and each item of a `v1 List`."""
    for root in roots:
        if not isinstance(root, YMap):
            continue
        if root.get_str("kind") == "List" and root.get_str("apiVersion") == "v1":
            items = root.get("items")
            if isinstance(items, YSeq):
                yield from (i for i in items.items if isinstance(i, YMap))
        else:
            yield root


def namespace_policies(roots: Iterable[YNode | None]) -> dict[str, NamespacePolicy]:
    """The Pod Security policies of the Namespaces among these document roots, by name (the last one wins):
    what `Engine(namespaces=...)` takes from the files other than the analysed text."""
    out: dict[str, NamespacePolicy] = {}
    for obj in objects(roots):
        if obj.get_str("kind") == "Namespace":
            policy = namespace_policy(obj)
            if policy is not None:
                out[policy.name] = policy
    return out


def build_index(roots: Iterable[YNode | None], texts: Iterable[str],
                external: Mapping[str, NamespacePolicy] | None = None) -> TextIndex:
    """The index of the documents with these roots; `texts` are their texts, in the same order, looked at
    first so that documents without any indexed kind (most) cost a substring search."""
    pairs = list(zip(roots, texts, strict=False))
    wanted = [(r, t) for r, t in pairs if any(k in t for k in INDEXED_KINDS)]
    if not wanted:
        return TextIndex(dict(external)) if external else EMPTY
    namespaces: dict[str, NamespacePolicy] = dict(external or {})
    workloads: list[Workload] = []
    autoscalers: list[Autoscaler] = []
    # Per budget: the label values its matchLabels require (None: it has none, any workload may match).
    budgets: list[list[str] | None] = []
    for obj in objects(r for r, _ in wanted):
        kind = obj.get_str("kind")
        if kind == "Namespace":
            policy = namespace_policy(obj)
            if policy is not None:
                namespaces[policy.name] = policy
        elif kind == "PodDisruptionBudget":
            spec = obj.get("spec")
            selector = spec.get("selector") if isinstance(spec, YMap) else None
            ml = selector.get("matchLabels") if isinstance(selector, YMap) else None
            values = [str(v.value) for _, v in ml.pairs if isinstance(v, YScalar)] if isinstance(ml, YMap) else []
            budgets.append(values or None)
        elif kind == "HorizontalPodAutoscaler":
            spec = obj.get("spec")
            name = _name_of(obj)
            target = spec.get("scaleTargetRef") if isinstance(spec, YMap) else None
            if isinstance(spec, YMap) and isinstance(target, YMap) and name:
                tk, tn = target.get_str("kind"), target.get_str("name")
                if tk and tn:
                    autoscalers.append(Autoscaler(name, _namespace_of(obj), tk, tn, _int(spec.get("minReplicas")),
                                                  _int(spec.get("maxReplicas"))))
    if budgets:  # the budgets need the replicas and pod labels of the workloads they may select
        def may_match(text: str) -> bool:
            return "template" in text and any(b is None or all(v in text for v in b) for b in budgets)

        for obj in objects(r for r, t in pairs if may_match(t)):
            workload = _workload(obj)
            if workload is not None:
                workloads.append(workload)
    return TextIndex(namespaces, tuple(workloads), tuple(autoscalers))


def _workload(obj: YMap) -> Workload | None:
    kind, av = obj.get_str("kind"), obj.get_str("apiVersion") or ""
    if kind not in TEMPLATE_PATHS or kind in ("Pod", "PodTemplate", "Job", "CronJob", "DaemonSet"):
        return None
    group = av.split("/", 1)[0] if "/" in av else ""
    pod = pod_template(obj, group, kind) if group in WORKLOAD_GROUPS else None
    name = _name_of(obj)
    if pod is None or not name:
        return None
    labels = pod.labels
    pairs = tuple(sorted((k.text, str(v.value)) for k, v in labels.pairs if isinstance(v, YScalar))
                  ) if labels is not None else ()
    spec = obj.get("spec")
    replicas = _int(spec.get("replicas")) if isinstance(spec, YMap) else None
    return Workload(kind, name, _namespace_of(obj), replicas, pairs)


def selector_matches(selector: YMap, labels: Mapping[str, str]) -> bool | None:
    """Whether a LabelSelector (matchLabels, matchExpressions) selects these labels; None when the selector
    cannot be read (then a rule must not conclude anything). An empty selector selects everything."""
    ml = selector.get("matchLabels")
    if ml is not None:
        if not isinstance(ml, YMap):
            return None
        for k, v in ml.pairs:
            if not isinstance(v, YScalar):
                return None
            if labels.get(k.text) != str(v.value):
                return False
    exprs = selector.get("matchExpressions")
    if exprs is not None:
        if not isinstance(exprs, YSeq):
            return None
        for e in exprs.items:
            if not isinstance(e, YMap):
                return None
            key, op = e.get_str("key"), e.get_str("operator")
            values_node = e.get("values")
            values = [str(v.value) for v in values_node.items if isinstance(v, YScalar)] \
                if isinstance(values_node, YSeq) else []
            if key is None or op is None:
                return None
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and key in labels and labels[key] in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return None
    return True
