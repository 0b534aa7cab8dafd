"""An autoscaler's `scaleTargetRef` or `targetRef` names no object of the workspace.

## What it does
Resolves `spec.scaleTargetRef` of HorizontalPodAutoscalers and `spec.targetRef` of VerticalPodAutoscalers
(their `kind` and `name`) against the objects of the workspace in the autoscaler's namespace. An object of
that kind with a close name makes it a warning naming it (with a fix when one is clearly meant); otherwise
an information only.

## Why is this bad?
The autoscaler is accepted and then never scales anything: its status says
`FailedGetScale: deployments.apps "fronted" not found`.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: frontend
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: fronted
  minReplicas: 2
  maxReplicas: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: frontend
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: frontend
  minReplicas: 2
  maxReplicas: 10
```

## Fix
Renames the target to the object it most likely means (an unsafe fix: it is a guess).

## References
The HPA controller's `reconcileAutoscaler` (`pkg/controller/podautoscaler/horizontal.go`), which reports
`FailedGetScale`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.via in ("scaleTargetRef", "targetRef"))


RULE = Rule(code="KL507", name="unknown-scale-target", severity=Severity.WARNING,
            summary="An autoscaler's `scaleTargetRef` or `targetRef` names no object of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
