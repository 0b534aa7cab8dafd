"""A label key or value (in labels or a label selector) is not what the API server accepts.

## What it does
Checks every label the API server validates as a label: `metadata.labels`, the pod template's labels,
a Service's `spec.selector`, and the `matchLabels` keys and values and `matchExpressions` keys and
values of the label selectors of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
PodDisruptionBudgets, NetworkPolicies, aggregated ClusterRoles and admission webhooks.

A key is a qualified name: an optional DNS subdomain prefix (at most 253 characters) and `/`, then a
name of at most 63 characters of `A-Z`, `a-z`, `0-9`, `-`, `_` and `.` that starts and ends with a letter
or digit. A value follows the same rule for the name and may be empty.

## Why is this bad?
The API server refuses the object: `metadata.labels: Invalid value: "redis cart": a valid label must be an
empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an
alphanumeric character`.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: cart
  labels:
    app: redis cart
spec:
  selector:
    app: redis-cart
  ports:
    - port: 6379
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: cart
  labels:
    app: redis-cart
spec:
  selector:
    app: redis-cart
  ports:
    - port: 6379
```

## Fix
When a space or `:` stands for `-` or `/` (or a `/` is doubled) and the corrected text is valid, offers it
as a fix; not applied automatically, since the intended spelling is a guess.

## References
`ValidateLabels`, `ValidateLabelName`, `ValidateLabelSelector` and `ValidateLabelSelectorRequirement` in
`k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go` (`IsQualifiedName`, `IsValidLabelValue`);
`ValidatePodTemplateSpec` and `ValidateService` (`spec.selector`) in `pkg/apis/core/validation`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq, json_key
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._meta import label_maps, label_selectors, label_suggestion, replacement
from kube_lsp.rules.base import ObjectContext, Rule

_KEY_HINT = ("a label key is an optional DNS subdomain prefix and '/' (e.g. `app.kubernetes.io/name`), then "
             "at most 63 letters, digits, '-', '_' or '.'")
_VALUE_HINT = "a label value is at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for labels, path in label_maps(ctx.root, ctx.group, ctx.kind):
        yield from _labels(ctx, labels, path)
    spec = ctx.spec
    if ctx.group == "" and ctx.kind == "Service" and spec is not None and isinstance(sel := spec.get("selector"), YMap):
        yield from _labels(ctx, sel, "spec.selector")
    for sel, path in label_selectors(ctx.root, ctx.group, ctx.kind):
        if isinstance(ml := sel.get("matchLabels"), YMap):
            yield from _labels(ctx, ml, path + ".matchLabels")
        exprs = sel.get("matchExpressions")
        if not isinstance(exprs, YSeq):
            continue
        for i, expr in enumerate(exprs.items):
            if not isinstance(expr, YMap):
                continue
            epath = f"{path}.matchExpressions[{i}]"
            key = expr.get("key")
            if isinstance(key, YScalar) and isinstance(key.value, str):
                yield from _key(ctx, key, key.value, epath + ".key")
            values = expr.get("values")
            if isinstance(values, YSeq):
                for j, v in enumerate(values.items):
                    if isinstance(v, YScalar) and isinstance(v.value, str):
                        yield from _value(ctx, v, f"{epath}.values[{j}]")


def _labels(ctx: ObjectContext, labels: YMap, path: str) -> Iterator[Finding]:
    for k, v in labels.pairs:
        if ctx.partial and k.text.startswith("$"):
            continue  # a strategic-merge directive (`$patch: delete`) in a Kustomize patch
        yield from _key(ctx, k, json_key(k), path)
        if isinstance(v, YScalar) and isinstance(v.value, str):
            yield from _value(ctx, v, path)


def _key(ctx: ObjectContext, node: YScalar, key: str, path: str) -> Iterator[Finding]:
    msgs = [] if am.substituted(key) else am.is_qualified_name(key)
    if msgs:
        yield _finding(ctx, node, key, path, msgs, _KEY_HINT, label_suggestion(key, key=True))


def _value(ctx: ObjectContext, node: YScalar, path: str) -> Iterator[Finding]:
    value = node.value
    assert isinstance(value, str)
    msgs = [] if am.substituted(value) else am.is_label_value(value)
    if msgs:
        yield _finding(ctx, node, value, path, msgs, _VALUE_HINT, label_suggestion(value, key=False))


def _finding(ctx: ObjectContext, node: YScalar, text: str, path: str, msgs: list[str], hint: str,
             suggestion: str) -> Finding:
    fixes = (Fix(f"Change to `{suggestion}`", (replacement(node, suggestion),), safe=False),) if suggestion else ()
    if suggestion:
        hint = f"did you mean `{suggestion}`? ({hint})"
    return ctx.finding(RULE, node.span, "; ".join(am.invalid(path, text, m) for m in msgs) + f" — {hint}", path=path,
                       fixes=fixes)


RULE = Rule(
    code="KL211", name="invalid-label", severity=Severity.ERROR, module=__name__, check=check,
    summary="A label key or value (in labels or a label selector) is not what the API server accepts",
)
