"""A PodDisruptionBudget sets both minAvailable and maxUnavailable, or one of them is not a count or percentage.

## What it does
Checks that at most one of `spec.minAvailable` and `spec.maxUnavailable` is set, and that each is a
non-negative number or a percentage such as `50%` of at most 100%.

## Why is this bad?
The API server refuses the budget: `spec: Invalid value: ...: minAvailable and maxUnavailable cannot be
both set`, or `spec.minAvailable: Invalid value: "50": a valid percent string must be a numeric string
followed by an ending '%'`.

## Example
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  maxUnavailable: 1
  selector:
    matchLabels:
      app: web
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
    matchLabels:
      app: web
```

## References
`ValidatePodDisruptionBudgetSpec` in `pkg/apis/policy/validation/validation.go`
(`ValidatePositiveIntOrPercent`, `IsNotMoreThan100Percent` in `pkg/apis/apps/validation`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._intstr import int_or_percent_errors
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "policy" or spec is None:
        return
    set_keys = [k for k in ("minAvailable", "maxUnavailable")
                if isinstance(v := spec.get(k), YScalar) and v.value is not None]
    if len(set_keys) == 2:
        yield ctx.finding(RULE, key_span(spec, "maxUnavailable"), "", path="spec", related=(key_span(spec,
                                                                                                 "minAvailable"),),
                          template="spec: Invalid value: minAvailable and maxUnavailable cannot be both set — keep "
                                   "either maxUnavailable or minAvailable (line {0})")
    for key in set_keys:
        node = spec.get(key)
        assert isinstance(node, YScalar)
        msgs = int_or_percent_errors(node)
        if msgs:
            shown: str | int = node.value if isinstance(node.value, (str, int)) else node.text
            yield ctx.finding(RULE, node.span, "; ".join(am.invalid(f"spec.{key}", shown, m) for m in msgs)
                              + " — use a number of pods such as `1` or a percentage such as `50%`",
                              path=f"spec.{key}")


RULE = Rule(
    code="KL223", name="invalid-pod-disruption-budget", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"PodDisruptionBudget"}),
    summary="A PodDisruptionBudget sets both minAvailable and maxUnavailable, or one of them is not a count or "
            "percentage",
)
