"""A workload's selector does not match its pod template's labels.

## What it does
The `spec.selector` of a Deployment, ReplicaSet, DaemonSet or StatefulSet (its `matchLabels` and
`matchExpressions`), or a ReplicationController's `spec.selector` map, must select the labels of its own pod
template. The finding is on the selector requirement that the template's labels fail, and names the template
label it differs from. An empty selector (`{}`) is rejected too for the apps kinds.

In a Kustomize patch the labels may come from the base, so patches are not checked.

## Why is this bad?
The API server rejects the object: `spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector`
does not match template `labels``. A controller must own the pods it creates.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: wbe}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## Fix
When a selector's key or value is a typo of the template label's, rewrites the selector to the template's
spelling, or the template to the selector's (to review: a Deployment's selector cannot change after creation,
and Services may select either spelling).

## References
`ValidateDeploymentSpec`, `ValidateReplicaSetSpec`, `ValidatePodTemplateSpecForReplicaSet`,
`ValidateDaemonSetSpec`, `ValidateStatefulSetSpec` (`pkg/apis/apps/validation/validation.go`) and
`ValidatePodTemplateSpecForRC` (`pkg/apis/core/validation/validation.go`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity, Span, literal
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.rules._pod import any_pod, key_or_node, replace_scalar
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.suggest import suggest
from kube_lsp.workloads import TEMPLATE_PATHS

_APPS = frozenset({"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"})
_EMPTY_NAME = {"Deployment": "deployment", "ReplicaSet": "deployment", "DaemonSet": "daemonset",
               "StatefulSet": "statefulset"}


def _string_map(m: YMap) -> dict[str, tuple[YScalar, YScalar]] | None:
    """key → (key node, value node) when every key and value is a string, else None."""
    out: dict[str, tuple[YScalar, YScalar]] = {}
    if m.merges:
        return None
    for k, v in m.pairs:
        if not isinstance(k.value, str) or not isinstance(v, YScalar) or not isinstance(v.value, str):
            if isinstance(v, YScalar) and v.value is None and v.style is None:
                return None  # a templated or null value: unknown
            return None
        out[k.value] = (k, v)
    return out


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:
        return
    spec = ctx.spec
    pod = any_pod(ctx)
    if spec is None or pod is None:
        return
    selector = spec.get("selector")
    if not isinstance(selector, YMap):
        return
    template_md = pod.metadata
    if template_md is None and _misspelt_metadata(ctx):
        return  # the labels may be under a misspelt `metadata` (reported as an unknown field)
    raw_labels = template_md.get("labels") if template_md is not None else None
    if raw_labels is not None and not isinstance(raw_labels, YMap):
        return
    labels = _string_map(raw_labels) if isinstance(raw_labels, YMap) else {}
    if labels is None:
        return
    labels_key = template_md.key_node("labels") if template_md is not None else None
    labels_span = labels_key.span if labels_key is not None else (template_md or pod.spec).span
    if ctx.kind == "ReplicationController":
        sel = _string_map(selector)
        if not sel:
            return  # empty: defaulted from the template's labels
        yield from _match_labels(ctx, sel, labels, labels_span)
        return
    match_labels = selector.get("matchLabels")
    exprs = selector.get("matchExpressions")
    ml = _string_map(match_labels) if isinstance(match_labels, YMap) else {}
    if ml is None or (match_labels is not None and not isinstance(match_labels, YMap)):
        return
    if exprs is not None and not isinstance(exprs, YSeq):
        return
    items = exprs.items if isinstance(exprs, YSeq) else []
    if not ml and not items:
        yield ctx.finding(RULE, key_or_node(spec, "selector"), f"Invalid value: {{}}: empty selector is invalid for "
                          f"{_EMPTY_NAME[ctx.kind]} — select the template's labels", path="spec.selector")
        return
    yield from _match_labels(ctx, ml, labels, labels_span)
    for i, item in enumerate(items):
        if not isinstance(item, YMap):
            return
        ok = _expression_matches(item, labels)
        if ok is False:
            yield ctx.finding(RULE, item.span, "", path=f"spec.selector.matchExpressions[{i}]",
                              related=(labels_span,), template=(
                                  "`selector` does not match template `labels` (line {0}): the template's labels "
                                  "fail this expression"))


def _misspelt_metadata(ctx: ObjectContext) -> bool:
    template = ctx.root
    for k in TEMPLATE_PATHS[ctx.kind]:
        nxt = template.get(k)
        if not isinstance(nxt, YMap):
            return False
        template = nxt
    return any(k not in ("spec", "metadata") for k in template.keys())


def _match_labels(ctx: ObjectContext, sel: dict[str, tuple[YScalar, YScalar]],
                  labels: dict[str, tuple[YScalar, YScalar]], labels_span: Span) -> Iterator[Finding]:
    for key, (knode, vnode) in sel.items():
        want = vnode.value
        have = labels.get(key)
        if have is not None and have[1].value == want:
            continue
        base = f"`selector` does not match template `labels`: the selector requires {literal(key)}={literal(want)}"
        if have is not None:
            got = have[1].value
            fixes: tuple[Fix, ...] = ()
            if suggest(want, [got]) or suggest(got, [want]):
                fixes = (replace_scalar(vnode, got, f"Select {key}={got} (the template's label)", safe=False),
                         replace_scalar(have[1], want, f"Label the template {key}={want}", safe=False))
            yield ctx.finding(RULE, vnode.span, "", related=(have[1].span,), fixes=fixes,
                              path=f"spec.selector.matchLabels.{key}" if ctx.kind != "ReplicationController"
                              else f"spec.selector.{key}",
                              template=f"{base}, the template has {literal(key)}={literal(got)} (line {{0}})")
            continue
        # The key is missing from the template: a typo of one of its keys with the same value?
        close = [k for k in suggest(key, list(labels)) if labels[k][1].value == want and k not in sel]
        fixes = ()
        if len(close) == 1:
            fixes = (replace_scalar(knode, close[0], f"Select {close[0]}={want} (the template's label)", safe=False),)
            template = f"{base}, the template has {literal(close[0])}={literal(want)} (line {{0}})"
            related = (labels[close[0]][0].span,)
        else:
            template = f"{base}, the template has no {literal(key)} label (labels on line {{0}})"
            related = (labels_span,)
        yield ctx.finding(RULE, knode.span, "", related=related, fixes=fixes, template=template,
                          path=f"spec.selector.matchLabels.{key}" if ctx.kind != "ReplicationController"
                          else f"spec.selector.{key}")


def _expression_matches(item: YMap, labels: dict[str, tuple[YScalar, YScalar]]) -> bool | None:
    """labels.Requirement.Matches; None when the expression is not understood (reported elsewhere)."""
    key = item.get_str("key")
    op = item.get_str("operator")
    values_node = item.get("values")
    values: list[str] = []
    if isinstance(values_node, YSeq):
        for v in values_node.items:
            if not isinstance(v, YScalar) or not isinstance(v.value, str):
                return None
            values.append(v.value)
    elif values_node is not None and not (isinstance(values_node, YScalar) and values_node.value is None):
        return None
    if key is None or op is None:
        return None
    have = labels[key][1].value if key in labels else None
    if op == "In":
        return have is not None and have in values if values else None
    if op == "NotIn":
        return have is None or have not in values if values else None
    if op == "Exists":
        return have is not None
    if op == "DoesNotExist":
        return have is None
    return None


RULE = Rule(
    code="KL247", name="selector-mismatch", severity=Severity.ERROR, module=__name__,
    summary="A workload's selector does not match its pod template's labels",
    check=check, kinds=_APPS | {"ReplicationController"},
)
