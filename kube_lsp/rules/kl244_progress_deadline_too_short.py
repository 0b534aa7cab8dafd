"""A Deployment's `progressDeadlineSeconds` is not greater than its `minReadySeconds`.

## What it does
Compares `spec.progressDeadlineSeconds` with `spec.minReadySeconds` (0 when unset) of a Deployment.

## Why is this bad?
The API server rejects the object: `spec.progressDeadlineSeconds: Invalid value: 30: must be greater than
minReadySeconds`. A rollout could never make progress in time: a new pod counts only after it has been ready
for `minReadySeconds`.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  minReadySeconds: 60
  progressDeadlineSeconds: 60
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

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  minReadySeconds: 60
  progressDeadlineSeconds: 600
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

## References
`ValidateDeploymentSpec` in `pkg/apis/apps/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._pod import int_of
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.workloads import WORKLOAD_GROUPS


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if spec is None or ctx.group not in WORKLOAD_GROUPS:
        return
    node = spec.get("progressDeadlineSeconds")
    deadline = int_of(node)
    min_ready_node = spec.get("minReadySeconds")
    min_ready = int_of(min_ready_node)
    if min_ready_node is not None and min_ready is None:
        return  # not an integer: the schema check reports it
    if node is None or deadline is None or deadline < 0:
        return  # unset, not an integer, or negative (reported by KL243)
    if deadline <= (min_ready or 0):
        yield ctx.finding(RULE, node.span, f"Invalid value: {deadline}: must be greater than minReadySeconds "
                          f"({min_ready or 0}) — a new pod counts only after minReadySeconds, so the rollout could "
                          "never progress in time", path="spec.progressDeadlineSeconds")


RULE = Rule(
    code="KL244", name="progress-deadline-too-short", severity=Severity.ERROR, module=__name__,
    summary="A Deployment's `progressDeadlineSeconds` is not greater than its `minReadySeconds`",
    check=check, kinds=frozenset({"Deployment"}),
)
