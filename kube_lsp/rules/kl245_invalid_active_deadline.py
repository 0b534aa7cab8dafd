"""A pod's `activeDeadlineSeconds` is out of range, or set where it is not supported.

## What it does
In a Pod, a PodTemplate or a Job's pod template, `activeDeadlineSeconds` must be between 1 and 2147483647.
The pod templates of Deployments, ReplicaSets, DaemonSets, StatefulSets and ReplicationControllers may not
set it at all: their pods are meant to run until they are replaced.

## Why is this bad?
The API server rejects the object: `spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds
in ReplicaSet is not Supported`, or `spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and
2147483647, inclusive`.

## Example
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
      activeDeadlineSeconds: 3600
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

## References
`ValidatePodSpec` in `pkg/apis/core/validation/validation.go`; `ValidatePodTemplateSpecForReplicaSet`,
`ValidateDaemonSetSpec`, `ValidateStatefulSetSpec` (`pkg/apis/apps/validation/validation.go`) and
`ValidatePodTemplateSpecForRC` (`pkg/apis/core/validation/validation.go`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import WORKLOAD_KINDS, any_pod, int_of, key_or_node
from kube_lsp.rules.base import ObjectContext, Rule

# Whose validation forbids the field, as the message names it (Deployments use the ReplicaSet's).
_FORBIDDEN_IN = {"Deployment": "ReplicaSet", "ReplicaSet": "ReplicaSet", "DaemonSet": "DaemonSet",
                 "StatefulSet": "StatefulSet", "ReplicationController": "ReplicationController"}
_MAX = 2147483647


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = any_pod(ctx)
    if pod is None:
        return
    node = pod.spec.get("activeDeadlineSeconds")
    if node is None or (isinstance(node, YScalar) and node.value is None):
        return  # not set
    value = int_of(node)
    path = f"{pod.path}.activeDeadlineSeconds"
    owner = _FORBIDDEN_IN.get(ctx.kind)
    if owner is not None:
        yield ctx.finding(RULE, key_or_node(pod.spec, "activeDeadlineSeconds"),
                          f"Forbidden: activeDeadlineSeconds in {owner} is not Supported — remove it; its pods run "
                          "until they are replaced", path=path)
    elif value is not None and not 1 <= value <= _MAX:
        yield ctx.finding(RULE, node.span, f"Invalid value: {value}: must be between 1 and {_MAX}, inclusive",
                          path=path)


RULE = Rule(
    code="KL245", name="invalid-active-deadline", severity=Severity.ERROR, module=__name__,
    summary="A pod's `activeDeadlineSeconds` is out of range, or set where it is not supported",
    check=check, kinds=WORKLOAD_KINDS,
)
