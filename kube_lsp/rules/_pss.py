"""What the Pod Security rules (KL400-KL417) share: which level and policy version apply to an object, the
pods an object describes, and findings worded as pod-security-admission words its rejections.

The level, for each rule: the first mode of the object's Namespace (found in the same text, or given to the
engine from elsewhere) whose level reaches the rule's level: `enforce` gives an error (the API server rejects
the Pod; for a workload, the pods its controller creates), `warn` and `audit` a warning. A Namespace that
sets no level (or an object without `metadata.namespace`) leaves it to the `podSecurity` setting, which
gives the rule's own severity. The policy version is the Namespace's `*-version` label, else the target
Kubernetes version of the run, else the latest.

Pods are those of built-in workloads and of custom resources whose CRD schema embeds a PodTemplateSpec
(kube_lsp/rules/_pod.py `pod_of`, shared with the other pod rules). Checks follow
k8s.io/pod-security-admission/policy/check_*.go, version by version, including which
restricted checks replace baseline ones (`OverrideCheckIDs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from kube_lsp.model import Finding, Fix, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar
from kube_lsp.rules._pod import Pod as Pod  # the pod rules' one walk, re-exported for the Pod Security checks
from kube_lsp.rules._pod import pod_of as pod_of
from kube_lsp.rules.base import CUSTOM_RESOURCES, ObjectContext, Rule, key_span
from kube_lsp.textindex import level_rank
from kube_lsp.workloads import Container

Version = tuple[int, int] | None  # None: latest

POD_KINDS: Final = frozenset({"Pod", "PodTemplate", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                              "ReplicationController", "Job", "CronJob", CUSTOM_RESOURCES})


@dataclass(frozen=True, slots=True)
class Mode:
    """How a level applies to one object: the level and policy version, the severity of a violation and
    what the message says about where the level comes from."""

    level: str
    version: Version
    severity: Severity
    prefix: str

    def at_least(self, major: int, minor: int) -> bool:
        return self.version is None or self.version >= (major, minor)


@dataclass(frozen=True, slots=True)
class Violation:
    span: Span
    message: str  # "allowPrivilegeEscalation != false (container "web" must set ...)"
    path: str
    fixes: tuple[Fix, ...] = ()
    # True when the violation is a setting that is missing: not reported for partial objects (a Kustomize
    # patch), whose base may have it.
    missing: bool = False


def security_context(c: Container) -> YMap | None:
    sc = c.node.get("securityContext")
    return sc if isinstance(sc, YMap) else None


def container_anchor(c: Container) -> Span:
    """Where a finding about a setting missing from a container goes: its securityContext key, else its
    `name` key, else its first key."""
    for key in ("securityContext", "name"):
        if c.node.key_node(key) is not None:
            return key_span(c.node, key)
    return c.node.pairs[0][0].span if c.node.pairs else c.node.span


def cname(c: Container) -> str:
    return c.name or f"{c.list_key}[{c.index}]"


def value_span(m: YMap, key: str) -> Span:
    """The value's span for a scalar, the key's for anything else."""
    v = m.get(key)
    return v.span if isinstance(v, YScalar) else key_span(m, key)


def child_map(m: YNode | None, key: str) -> YMap | None:
    v = m.get(key) if isinstance(m, YMap) else None
    return v if isinstance(v, YMap) else None


def is_true(node: YNode | None) -> bool:
    return isinstance(node, YScalar) and node.value is True


def _version_label(v: Version) -> str:
    return "latest" if v is None else f"v{v[0]}.{v[1]}"


def mode_for(ctx: ObjectContext, rule_level: str, rule: Rule) -> Mode | None:
    """How the rule's level applies to this object, or None when it does not (once per object and level:
    a rule's own severity only matters for the setting's level, and all Pod Security rules share it)."""
    key = f"pss-mode:{rule_level}:{rule.severity}"
    if key in ctx.memo:
        return ctx.memo[key]  # type: ignore[no-any-return]
    mode = ctx.memo[key] = _mode_for(ctx, rule_level, rule)
    return mode


def _mode_for(ctx: ObjectContext, rule_level: str, rule: Rule) -> Mode | None:
    md = ctx.metadata
    ns = md.get_str("namespace") if md is not None else None
    policy = ctx.index.namespaces.get(ns) if ns else None
    need = level_rank(rule_level)
    if policy is not None:
        for mode in ("enforce", "warn", "audit"):
            p = policy.mode(mode)
            if p is None or level_rank(p.level) < need:
                continue
            what = f'PodSecurity "{p.label}"'
            if mode == "enforce":
                target = "this Pod" if ctx.kind == "Pod" else f"the pods of this {ctx.kind}"
                prefix = f"the API server will reject {target}: namespace `{ns}` enforces {what}"
                return Mode(p.level, p.version, Severity.ERROR, prefix)
            if mode == "warn":
                return Mode(p.level, p.version, Severity.WARNING,
                            f"kubectl will warn: namespace `{ns}` warns on {what}, this would violate it")
            return Mode(p.level, p.version, Severity.WARNING,
                        f"namespace `{ns}` audits {what}: the audit log will record a violation")
        return None  # the Namespace says which levels apply: the setting does not add any
    level = ctx.settings.pod_security
    if level == "off" or level_rank(level) < need:
        return None
    version = ctx.settings.kube_version
    return Mode(level, version, rule.severity,
                f'would violate PodSecurity "{level}:{_version_label(version)}" (the podSecurity setting)')


Evaluate = Callable[[Pod, Mode, ObjectContext], Iterable[Violation]]


def report(ctx: ObjectContext, rule: Rule, level: str, evaluate: Evaluate) -> Iterator[Finding]:
    """The findings of one Pod Security check on the object's pod (the rule's level: baseline/restricted)."""
    mode = mode_for(ctx, level, rule)
    if mode is None:
        return
    pod = pod_of(ctx)
    if pod is None:
        return
    for v in evaluate(pod, mode, ctx):
        if v.missing and ctx.partial:
            continue
        yield ctx.finding(rule, v.span, f"{mode.prefix}: {v.message}", path=v.path, fixes=v.fixes,
                          severity=mode.severity)


def string_items(node: YNode | None) -> Iterator[tuple[str, YScalar]]:
    """The string items of a sequence node (capabilities, ...)."""
    from kube_lsp.parsing.nodes import YSeq

    if isinstance(node, YSeq):
        for item in node.items:
            if isinstance(item, YScalar) and isinstance(item.value, str):
                yield item.value, item
