"""A volume type that the `restricted` level does not allow (such as `hostPath`, `nfs` or a cloud disk).

## What it does
Reports each volume of the pod whose type is not one of `configMap`, `csi`, `downwardAPI`, `emptyDir`,
`ephemeral`, `image`, `persistentVolumeClaim`, `projected` or `secret`, where the `restricted` level
applies. (Under `restricted` this replaces KL404's hostPath check.)

## Why is this bad?
The standard: "The Restricted policy only permits the following volume types." Other types (`hostPath`,
`nfs`, `iscsi`, in-tree cloud disks) mount storage directly from the node or the network, outside the
PersistentVolume machinery an administrator controls. An enforcing Namespace answers `restricted volume types
(volume "x" uses restricted volume type "nfs")`.

## Example
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: nginxinc/nginx-unprivileged:1.27
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
      volumeMounts:
        - name: shared
          mountPath: /usr/share/nginx/html
  volumes:
    - name: shared
      nfs:
        server: nfs.example.com
        path: /exports/site
```

## Use instead
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: nginxinc/nginx-unprivileged:1.27
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
      volumeMounts:
        - name: shared
          mountPath: /usr/share/nginx/html
  volumes:
    - name: shared
      persistentVolumeClaim:
        claimName: site
```

## Options
`podSecurity` (see KL400).

## References
`CheckRestrictedVolumes` in k8s.io/pod-security-admission/policy/check_restrictedVolumes.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Volume Types).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule, key_span, maps_in

ALLOWED: Final = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                            "persistentVolumeClaim", "projected", "secret"})


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    for i, vol in maps_in(pod.spec.get("volumes")):
        types = [k for k in vol.keys() if k != "name"]
        if not types or any(t in ALLOWED for t in types):
            continue
        name = vol.get_str("name") or f"volumes[{i}]"
        yield _pss.Violation(key_span(vol, types[0]), f'restricted volume types (volume "{name}" uses restricted '
                             f'volume type "{types[0]}")', f"{pod.path}.volumes[{i}].{types[0]}")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _evaluate)


RULE = Rule(
    code="KL412", name="pss-volume-types", severity=Severity.WARNING, module=__name__,
    summary="A volume type that the `restricted` level does not allow (such as `hostPath`, `nfs` or a cloud disk)",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
