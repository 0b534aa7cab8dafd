"""A `serviceAccountName` or RoleBinding subject names no ServiceAccount of the workspace.

## What it does
Resolves a pod template's `serviceAccountName` (and the deprecated `serviceAccount`) and the
`ServiceAccount` subjects of RoleBindings and ClusterRoleBindings against the ServiceAccounts of the
workspace, in the namespace they look in. `default` exists in every namespace and is never reported. A
ServiceAccount with a close name makes it a warning naming it (with a fix when one is clearly meant);
otherwise an information only (it may be created in the cluster or by another tool).

## Why is this bad?
Pods of a ServiceAccount that does not exist are refused by the ServiceAccount admission plugin
(`error looking up service account default/bakend: serviceaccount "bakend" not found`): the Deployment
exists, its ReplicaSet never gets a pod. A binding to a missing account grants nothing.

## Example
```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: backend
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  serviceAccountName: bakend
  containers:
    - name: api
      image: nginx:1.27
```

## Use instead
```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: backend
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  serviceAccountName: backend
  containers:
    - name: api
      image: nginx:1.27
```

## Fix
Renames the reference to the ServiceAccount it most likely means (an unsafe fix: it is a guess).

## References
The ServiceAccount admission plugin (`plugin/pkg/admission/serviceaccount/admission.go`, `getServiceAccount`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds == ("ServiceAccount",))


RULE = Rule(code="KL503", name="unknown-service-account", severity=Severity.WARNING,
            summary="A `serviceAccountName` or RoleBinding subject names no ServiceAccount of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
