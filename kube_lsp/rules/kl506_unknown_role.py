"""A RoleBinding's or ClusterRoleBinding's `roleRef` names no Role or ClusterRole of the workspace.

## What it does
Resolves `roleRef` (its `kind` and `name`) of every RoleBinding and ClusterRoleBinding against the Roles (in
the binding's namespace) and ClusterRoles of the workspace. The default ClusterRoles (`cluster-admin`,
`admin`, `edit`, `view`) and `system:` roles are never reported. A role of that kind with a close name makes
it a warning naming it (with a fix when one is clearly meant); otherwise an information only (the role may
be created in the cluster).

## Why is this bad?
The API server accepts a binding to a role that does not exist; it simply grants nothing, and the workload
gets `forbidden` errors at run time.

## Example
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
subjects:
  - kind: User
    name: jane
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-raeder
  apiGroup: rbac.authorization.k8s.io
```

## Use instead
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
subjects:
  - kind: User
    name: jane
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
```

## Fix
Renames `roleRef.name` to the role it most likely means (an unsafe fix: it is a guess).

## References
The RBAC authorizer's `GetRoleReferenceRules` (`pkg/registry/rbac/validation/rule.go`), which skips a
binding whose role is not found.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.via == "roleRef")


RULE = Rule(code="KL506", name="unknown-role", severity=Severity.WARNING,
            summary="A RoleBinding's or ClusterRoleBinding's `roleRef` names no Role or ClusterRole of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
