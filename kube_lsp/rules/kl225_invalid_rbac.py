"""An RBAC rule, roleRef or subject is not what the API server accepts.

## What it does
Checks Roles and ClusterRoles (each rule has `verbs`; a resource rule has `apiGroups` and `resources`;
`nonResourceURLs` only in a ClusterRole and not mixed with resources; an `aggregationRule` has
`clusterRoleSelectors`) and RoleBindings and ClusterRoleBindings (`roleRef.apiGroup` is
`rbac.authorization.k8s.io`, `roleRef.kind` is `Role` or `ClusterRole` — only `ClusterRole` for a
ClusterRoleBinding — and `roleRef.name` is a path segment; a subject is a `User`, `Group` or
`ServiceAccount`, a ServiceAccount subject has no `apiGroup`, a valid name and, in a ClusterRoleBinding,
a `namespace`).

## Why is this bad?
The API server refuses the object: `rules[0].apiGroups: Required value: resource rules must supply at
least one api group` or `subjects[0].namespace: Required value`.

## Example
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - resources: ["pods"]
    verbs: ["get", "list"]
```

## Use instead
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
```

## References
`ValidatePolicyRule`, `ValidateRoleBinding`, `ValidateClusterRoleBinding`, `ValidateRoleBindingSubject`
and `ValidateClusterRole` in `pkg/apis/rbac/validation/validation.go`; `SetDefaults_Subject` in
`pkg/apis/rbac/v1/defaults.go` (a User or Group subject's empty apiGroup is defaulted).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, Span
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import absent, empty_list
from kube_lsp.rules.base import ObjectContext, Rule, key_span

GROUP = "rbac.authorization.k8s.io"


def _items(node: YNode | None) -> int:
    return len(node.items) if isinstance(node, YSeq) else 0


def _str(node: YNode | None) -> str | None:
    return node.value if isinstance(node, YScalar) and isinstance(node.value, str) else None


def _at(rule: YMap, key: str) -> Span:
    """The key when present, else the rule's first key (the item's start)."""
    if rule.key_node(key) is not None:
        return key_span(rule, key)
    return rule.pairs[0][0].span if rule.pairs else rule.span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group != GROUP:
        return
    if ctx.kind in ("Role", "ClusterRole"):
        yield from _rules(ctx, ctx.kind == "Role")
    else:
        yield from _binding(ctx, ctx.kind == "RoleBinding")


def _rules(ctx: ObjectContext, namespaced: bool) -> Iterator[Finding]:
    rules = ctx.root.get("rules")
    if isinstance(rules, YSeq):
        for i, rule in enumerate(rules.items):
            if not isinstance(rule, YMap):
                continue
            path = f"rules[{i}]"
            if empty_list(rule.get("verbs")):
                yield ctx.finding(RULE, _at(rule, "verbs"), f"{path}.verbs: Required value: verbs must contain at "
                                  'least one value — e.g. `verbs: ["get", "list", "watch"]`', path=path + ".verbs")
            if _items(rule.get("nonResourceURLs")) > 0:
                if namespaced:
                    yield ctx.finding(RULE, key_span(rule, "nonResourceURLs"), f"{path}.nonResourceURLs: Invalid "
                                      "value: namespaced rules cannot apply to non-resource URLs — use a ClusterRole",
                                      path=path + ".nonResourceURLs")
                if any(_items(rule.get(k)) for k in ("apiGroups", "resources", "resourceNames")):
                    yield ctx.finding(RULE, key_span(rule, "nonResourceURLs"), f"{path}.nonResourceURLs: Invalid "
                                      "value: rules cannot apply to both regular resources and non-resource URLs — "
                                      "split them into two rules", path=path + ".nonResourceURLs")
                continue
            if empty_list(rule.get("apiGroups")):
                yield ctx.finding(RULE, _at(rule, "apiGroups"), f"{path}.apiGroups: Required value: resource rules "
                                  'must supply at least one api group — `apiGroups: [""]` is the core group (pods, '
                                  "services, ...)", path=path + ".apiGroups")
            if empty_list(rule.get("resources")):
                yield ctx.finding(RULE, _at(rule, "resources"), f"{path}.resources: Required value: resource rules "
                                  "must supply at least one resource", path=path + ".resources")
    agg = ctx.root.get("aggregationRule")
    if not namespaced and isinstance(agg, YMap) and empty_list(agg.get("clusterRoleSelectors")):
        yield ctx.finding(RULE, key_span(ctx.root, "aggregationRule"), "aggregationRule.clusterRoleSelectors: "
                          "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
                          path="aggregationRule.clusterRoleSelectors")


def _binding(ctx: ObjectContext, namespaced: bool) -> Iterator[Finding]:
    ref = ctx.root.get("roleRef")
    if isinstance(ref, YMap):
        group = ref.get("apiGroup")
        g = _str(group)
        if isinstance(group, YScalar) and g is not None and g != GROUP:
            yield ctx.finding(RULE, group.span, f'roleRef.apiGroup: Unsupported value: {am.go_quote(g)}: supported '
                              f'values: "{GROUP}"', path="roleRef.apiGroup")
        kind = ref.get("kind")
        k = _str(kind)
        allowed = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
        if isinstance(kind, YScalar) and k is not None and k not in allowed:
            values = ", ".join(f'"{a}"' for a in allowed)
            hint = " — a ClusterRoleBinding can only grant a ClusterRole" if k == "Role" else ""
            yield ctx.finding(RULE, kind.span, f"roleRef.kind: Unsupported value: {am.go_quote(k)}: supported values: "
                              f"{values}{hint}", path="roleRef.kind")
        name = ref.get("name")
        n = _str(name)
        if isinstance(name, YScalar) and n and not am.substituted(n):
            for m in am.is_path_segment_name(n):
                yield ctx.finding(RULE, name.span, am.invalid("roleRef.name", n, m), path="roleRef.name")
    subjects = ctx.root.get("subjects")
    if not isinstance(subjects, YSeq):
        return
    for i, s in enumerate(subjects.items):
        if not isinstance(s, YMap):
            continue
        path = f"subjects[{i}]"
        kind, name, group = s.get("kind"), s.get("name"), s.get("apiGroup")
        k, n, g = _str(kind), _str(name), _str(group) or ""
        if k == "ServiceAccount":
            if n and isinstance(name, YScalar) and not am.substituted(n):
                for m in am.name_is_dns_subdomain(n, False):
                    yield ctx.finding(RULE, name.span, am.invalid(path + ".name", n, m), path=path + ".name")
            if g and isinstance(group, YScalar):
                yield ctx.finding(RULE, group.span, f'{path}.apiGroup: Unsupported value: {am.go_quote(g)}: supported '
                                  'values: "" — a ServiceAccount subject has no apiGroup', path=path + ".apiGroup")
            if not namespaced and absent(s.get("namespace")) and not ctx.partial:
                span = key_span(s, "namespace") if s.key_node("namespace") is not None else (
                    kind.span if isinstance(kind, YScalar) else s.span)
                yield ctx.finding(RULE, span, f"{path}.namespace: Required value — a ClusterRoleBinding must say "
                                  "which namespace the ServiceAccount is in", path=path + ".namespace")
        elif k in ("User", "Group"):
            if g and g != GROUP and isinstance(group, YScalar):
                yield ctx.finding(RULE, group.span, f"{path}.apiGroup: Unsupported value: {am.go_quote(g)}: supported "
                                  f'values: "{GROUP}"', path=path + ".apiGroup")
        elif k is not None and isinstance(kind, YScalar):
            yield ctx.finding(RULE, kind.span, f'{path}.kind: Unsupported value: {am.go_quote(k)}: supported values: '
                              '"ServiceAccount", "User", "Group"', path=path + ".kind")


RULE = Rule(
    code="KL225", name="invalid-rbac", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}),
    summary="An RBAC rule, roleRef or subject is not what the API server accepts",
)
