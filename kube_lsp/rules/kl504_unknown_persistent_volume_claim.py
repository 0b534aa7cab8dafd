"""A volume's `persistentVolumeClaim.claimName` names no PersistentVolumeClaim of the workspace.

## What it does
Resolves `volumes[].persistentVolumeClaim.claimName` of every pod template against the
PersistentVolumeClaims of the workspace in the pod's namespace (a StatefulSet's `volumeClaimTemplates` make
claims of their own and are not references). A claim with a close name makes it a warning naming it (with a
fix when one is clearly meant); otherwise an information only (the claim may be created in the cluster).

## Why is this bad?
A pod whose claim does not exist stays `Pending` (`persistentvolumeclaim "data-claim" not found`), with
nothing wrong in its own manifest.

## Example
```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
    - name: db
      image: postgres:17
      volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: datta
```

## Use instead
```yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
    - name: db
      image: postgres:17
      volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: data
```

## Fix
Renames the reference to the claim it most likely means (an unsafe fix: it is a guess).

## References
The scheduler's `VolumeBinding` plugin (`pkg/scheduler/framework/plugins/volumebinding`), which keeps such
pods unschedulable.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds == ("PersistentVolumeClaim",))


RULE = Rule(code="KL504", name="unknown-persistent-volume-claim", severity=Severity.WARNING,
            summary="A volume's `persistentVolumeClaim.claimName` names no PersistentVolumeClaim of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
