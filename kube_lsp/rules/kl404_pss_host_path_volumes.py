"""A `hostPath` volume, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports each volume of the pod that is a `hostPath`, where the `baseline` level applies. Under `restricted`,
KL412 (allowed volume types) reports it instead, as pod-security-admission's `restrictedVolumes` check
overrides `hostPathVolumes`.

## Why is this bad?
The standard: "HostPath volumes must be forbidden." A hostPath mount reads or writes the node's file system:
the container runtime socket, kubelet credentials, other pods' data. The API server of an enforcing Namespace
answers `hostPath volumes (volume "x")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logs
spec:
  containers:
    - name: shipper
      image: fluent/fluent-bit:3.0
      volumeMounts:
        - name: varlog
          mountPath: /var/log
  volumes:
    - name: varlog
      hostPath:
        path: /var/log
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logs
spec:
  containers:
    - name: shipper
      image: fluent/fluent-bit:3.0
      volumeMounts:
        - name: scratch
          mountPath: /var/log
  volumes:
    - name: scratch
      emptyDir: {}
```

## Options
`podSecurity` (see KL400).

## References
`CheckHostPathVolumes` in k8s.io/pod-security-admission/policy/check_hostPathVolumes.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (HostPath Volumes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule, key_span, maps_in


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if mode.level == "restricted":
        return  # restrictedVolumes (KL412) overrides hostPathVolumes
    for i, vol in maps_in(pod.spec.get("volumes")):
        if vol.get("hostPath") is not None:
            name = vol.get_str("name") or f"volumes[{i}]"
            yield _pss.Violation(key_span(vol, "hostPath"), f'hostPath volumes (volume "{name}")',
                                 f"{pod.path}.volumes[{i}].hostPath")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL404", name="pss-host-path-volumes", severity=Severity.WARNING, module=__name__,
    summary="A `hostPath` volume, forbidden by the Pod Security Standards from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
