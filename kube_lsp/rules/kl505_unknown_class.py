"""A PriorityClass, StorageClass, IngressClass, RuntimeClass or GatewayClass name matches none of the workspace.

## What it does
Resolves `priorityClassName` and `runtimeClassName` of pod templates, `storageClassName` of
PersistentVolumeClaims, claim templates and ephemeral volumes, an Ingress's `ingressClassName` and a
Gateway's `gatewayClassName` against the cluster-scoped class objects of the workspace. The built-in
PriorityClasses `system-cluster-critical` and `system-node-critical` are never reported. A class with a close
name makes it a warning naming it (with a fix when one is clearly meant); otherwise an information only:
classes usually come with the cluster.

## Why is this bad?
A pod with an unknown `priorityClassName` or `runtimeClassName` is refused at admission
(`no PriorityClass with name fast-lane was found`); a claim of an unknown StorageClass stays `Pending`; an
Ingress of an unknown class is served by no controller.

## Example
```yaml
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  priorityClassName: high-priorty
  containers:
    - name: api
      image: nginx:1.27
```

## Use instead
```yaml
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  priorityClassName: high-priority
  containers:
    - name: api
      image: nginx:1.27
```

## Fix
Renames the reference to the class it most likely means (an unsafe fix: it is a guess).

## References
The `Priority` and `RuntimeClass` admission plugins (`plugin/pkg/admission/priority`,
`plugin/pkg/admission/runtimeclass`), the PersistentVolume controller's `findProvisionablePlugin`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext

CLASSES: Final = frozenset({("PriorityClass",), ("StorageClass",), ("IngressClass",), ("RuntimeClass",),
                            ("GatewayClass",)})


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds in CLASSES)


RULE = Rule(code="KL505", name="unknown-class", severity=Severity.WARNING,
            summary="A PriorityClass, StorageClass, IngressClass, RuntimeClass or GatewayClass name "
                    "matches none of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
