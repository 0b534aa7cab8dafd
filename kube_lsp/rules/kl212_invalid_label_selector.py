"""A label selector requirement has an unknown operator, or values that do not fit its operator.

## What it does
Checks each `matchExpressions` item of the label selectors the API server validates (workloads, Jobs,
PodDisruptionBudgets, NetworkPolicies, aggregated ClusterRoles, admission webhooks): the operator must be
`In`, `NotIn`, `Exists` or `DoesNotExist`; `In` and `NotIn` need at least one value; `Exists` and
`DoesNotExist` take none.

## Why is this bad?
The API server refuses the object: `spec.selector.matchExpressions[0].values: Required value: must be
specified when `operator` is 'In' or 'NotIn'`.

## Example
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchExpressions:
      - key: app
        operator: In
```

## Use instead
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchExpressions:
      - key: app
        operator: In
        values: [web]
```

## References
`ValidateLabelSelectorRequirement` in `k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._meta import label_selectors
from kube_lsp.rules._service import empty_list
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for sel, path in label_selectors(ctx.root, ctx.group, ctx.kind):
        exprs = sel.get("matchExpressions")
        if not isinstance(exprs, YSeq):
            continue
        for i, expr in enumerate(exprs.items):
            if not isinstance(expr, YMap):
                continue
            epath = f"{path}.matchExpressions[{i}]"
            op = expr.get("operator")
            if not isinstance(op, YScalar) or not isinstance(op.value, str):
                continue  # missing or not a string: the schema says so
            values = expr.get("values")
            n = len(values.items) if isinstance(values, YSeq) else 0
            if op.value in ("In", "NotIn"):
                if empty_list(values):
                    span = key_span(expr, "values") if values is not None else op.span
                    yield ctx.finding(RULE, span, f"{epath}.values: Required value: must be specified when `operator` "
                                      f"is 'In' or 'NotIn' — list the label values to match, or use `Exists`",
                                      path=epath + ".values")
            elif op.value in ("Exists", "DoesNotExist"):
                if n > 0:
                    yield ctx.finding(RULE, key_span(expr, "values"),
                                      f"{epath}.values: Forbidden: may not be specified when `operator` is 'Exists' or "
                                      "'DoesNotExist' — remove `values`, or use `In`/`NotIn`", path=epath + ".values")
            else:
                msg = am.invalid(epath + ".operator", op.value, "not a valid selector operator")
                yield ctx.finding(RULE, op.span, msg + " — use In, NotIn, Exists or DoesNotExist",
                                  path=epath + ".operator")


RULE = Rule(
    code="KL212", name="invalid-label-selector", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "PodDisruptionBudget",
                     "NetworkPolicy", "ClusterRole", "ValidatingWebhookConfiguration",
                     "MutatingWebhookConfiguration"}),
    summary="A label selector requirement has an unknown operator, or values that do not fit its operator",
)
