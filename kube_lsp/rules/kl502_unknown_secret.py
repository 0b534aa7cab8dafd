"""A Secret reference names no Secret of the workspace.

## What it does
Resolves every reference to a Secret — `env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`,
`volumes[].secret`, projected volumes' `secret` sources, `imagePullSecrets`, an Ingress's `tls[].secretName`
and a Gateway listener's `certificateRefs` — against the Secrets of the workspace (a Kustomization's
`secretGenerator` counts) in the referencing object's namespace. A Secret of that namespace with a close name
makes it a warning naming it (with a fix when one is clearly meant); otherwise it is an information only:
Secrets are often created in the cluster (by hand, by a sealed-secrets or external-secrets controller).
References marked `optional: true` are never reported.

## Why is this bad?
The pod is accepted and then never starts (`CreateContainerConfigError: secret "db-pasword" not found`, or a
volume that cannot be mounted); a missing pull secret shows as `ImagePullBackOff`.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: db-password
stringData:
  password: s3cr3t
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: nginx:1.27
      env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db-pasword
              key: password
```

## Use instead
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: db-password
stringData:
  password: s3cr3t
---
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: nginx:1.27
      env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db-password
              key: password
```

## Fix
Renames the reference to the Secret it most likely means (an unsafe fix: it is a guess).

## References
The kubelet's `makeEnvironmentVariables` and the secret volume plugin (`pkg/kubelet/kubelet_pods.go`,
`pkg/volume/secret`); `ValidatePodSpec` accepts any valid name.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds == ("Secret",))


RULE = Rule(code="KL502", name="unknown-secret", severity=Severity.WARNING,
            summary="A Secret reference names no Secret of the workspace", module=__name__,
            workspace_check=check, emitted_by="the workspace index")
