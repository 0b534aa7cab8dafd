"""A PodDisruptionBudget that can never allow an eviction of the workload it selects.

## What it does
For a PodDisruptionBudget and the workloads of the same text whose pod template labels its selector matches
(in the same namespace), reports `maxUnavailable: 0` (or `0%`), and a `minAvailable` that is at least the
number of replicas those workloads declare (a missing `replicas` is 1). Percentages are rounded up, as the
disruption controller does. A workload scaled by a HorizontalPodAutoscaler of the same text is left out
(its replica count is not known).

## Why is this bad?
Such a budget allows zero disruptions: `kubectl drain` and cluster upgrades wait forever on the node that
runs the pod ("Cannot evict pod as it would violate the pod's disruption budget"), and the only way forward
is deleting the budget by hand.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: api}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: api}
```

## Options
Pack `reliability`; on by default (no clean corpus file has such a budget). Only workloads in the same text
are known; a budget in another file is not checked.

## References
`GetScaledValueFromIntOrPercent` (rounding up) in pkg/controller/disruption/disruption.go;
https://kubernetes.io/docs/tasks/run-application/configure-pdb/; Polaris `pdbDisruptionsIsZero` (the budget
alone; this rule also weighs the replicas of the workload beside it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.textindex import selector_matches


def _scaled(node: YScalar, replicas: int) -> int | None:
    """An IntOrString (`2`, `"50%"`) against `replicas`, rounded up; None when it is neither."""
    v = node.value
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str) and v.endswith("%") and v[:-1].isdigit():
        return math.ceil(int(v[:-1]) * replicas / 100)
    return None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if spec is None or not ctx.index.workloads:
        return
    selector = spec.get("selector")
    if not isinstance(selector, YMap):
        return
    md = ctx.metadata
    ns = md.get_str("namespace") if md is not None else None
    matched = []
    for w in ctx.index.workloads:
        if w.namespace != ns:
            continue
        hit = selector_matches(selector, dict(w.labels))
        if hit is None:
            return  # a selector this rule cannot read: conclude nothing
        if hit:
            if ctx.index.autoscaler_for(w.kind, w.name, w.namespace) is not None:
                return
            matched.append(w)
    if not matched:
        return
    replicas = sum(1 if w.replicas is None else w.replicas for w in matched)
    if replicas == 0:
        return  # scaled to zero on purpose: nothing to evict
    names = ", ".join(f"{w.kind} `{w.name}`" for w in matched)
    has = f"{names} {'has' if len(matched) == 1 else 'have'} {replicas} replica{'s' if replicas != 1 else ''}"
    for key in ("maxUnavailable", "minAvailable"):
        node = spec.get(key)
        if not isinstance(node, YScalar):
            continue
        value = _scaled(node, replicas)
        if value is None:
            continue
        if (key == "maxUnavailable" and value == 0) or (key == "minAvailable" and value >= replicas):
            yield ctx.finding(RULE, node.span,
                              f"this PodDisruptionBudget never allows an eviction: {has} and {key} is {node.text}; "
                              "`kubectl drain` and node upgrades will wait forever (\"Cannot evict pod as it would "
                              "violate the pod's disruption budget\")", path=f"spec.{key}")


RULE = Rule(
    code="KL428", name="pdb-blocks-eviction", severity=Severity.WARNING, module=__name__,
    summary="A PodDisruptionBudget that can never allow an eviction of the workload it selects",
    check=check, kinds=frozenset({"PodDisruptionBudget"}), pack="reliability",
)
