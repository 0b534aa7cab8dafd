"""A ConfigMap reference names no ConfigMap of the workspace.

## What it does
Resolves every reference to a ConfigMap — `env[].valueFrom.configMapKeyRef`, `envFrom[].configMapRef`,
`volumes[].configMap` and projected volumes' `configMap` sources — against the ConfigMaps of the workspace
(the files of a `kube-lsp check` run, the editor's workspace folders; a Kustomization's
`configMapGenerator` counts) in the referencing object's namespace. When a ConfigMap of that namespace has
a close name it reports a warning naming it (with a fix renaming the reference when one is clearly meant);
when none does, an information only: the ConfigMap may be created in the cluster or by another tool.
References marked `optional: true` are never reported.

## Why is this bad?
The API server accepts a pod naming a ConfigMap that does not exist; the kubelet then cannot start it
(`CreateContainerConfigError: configmap "app-confg" not found`) or mount its volume, and the pod waits
forever.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      envFrom:
        - configMapRef:
            name: app-confg
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      envFrom:
        - configMapRef:
            name: app-config
```

## Fix
Renames the reference to the ConfigMap it most likely means (not applied by `--fix` without
`--unsafe-fixes`: it is a guess).

## References
The kubelet's `makeEnvironmentVariables` and the configMap volume plugin (`pkg/kubelet/kubelet_pods.go`,
`pkg/volume/configmap`); `ValidatePodSpec` accepts any valid name.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds == ("ConfigMap",))


RULE = Rule(code="KL501", name="unknown-config-map", severity=Severity.WARNING,
            summary="A ConfigMap reference names no ConfigMap of the workspace", module=__name__,
            workspace_check=check, emitted_by="the workspace index")
