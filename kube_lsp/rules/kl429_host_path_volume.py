"""A `hostPath` volume, where no Pod Security level already reports it.

## What it does
Reports each `hostPath` volume of a pod or pod template when Pod Security checks do not apply to the object
(`podSecurity: off` and no Namespace of the text sets a level): the security pack's own view of the same
risk as KL404, so that switching the Pod Security Standards off does not hide it.

## Why is this bad?
A hostPath volume reads or writes the node's file system: the container runtime's socket, the kubelet's
credentials, other pods' data. Anyone who can run code in the container owns the node.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logs
  namespace: tools
spec:
  containers:
    - name: shipper
      image: fluent/fluent-bit:3.0
  volumes:
    - name: varlog
      hostPath:
        path: /var/log
---
apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: privileged
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logs
  namespace: tools
spec:
  containers:
    - name: shipper
      image: fluent/fluent-bit:3.0
  volumes:
    - name: scratch
      emptyDir: {}
---
apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: privileged
```

## Options
Pack `security`; on by default. A node agent that needs the host's files: suppress it on the object with
the annotation `kube-lsp.io/ignore: "KL429 # reads the node's logs"`.

## References
https://kubernetes.io/docs/concepts/storage/volumes/#hostpath; kube-linter `sensitive-host-mounts` and
`docker-sock` (a list of directories), Polaris `hostPathSet`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap
from kube_lsp.rules import _practice, _pss
from kube_lsp.rules.base import ObjectContext, Rule, key_span, maps_in


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None or _pss.mode_for(ctx, "baseline", RULE) is not None:
        return
    for i, vol in maps_in(pod.spec.get("volumes")):
        host = vol.get("hostPath")
        if host is None:
            continue
        where = host.get_str("path") if isinstance(host, YMap) else None
        what = f" `{where}`" if where else ""
        yield ctx.finding(RULE, key_span(vol, "hostPath"),
                          f"volume `{vol.get_str('name')}` mounts the node's directory{what} (hostPath): a process "
                          "in the container can read or change the node", path=f"{pod.path}.volumes[{i}].hostPath")


RULE = Rule(
    code="KL429", name="host-path-volume", severity=Severity.WARNING, module=__name__,
    summary="A `hostPath` volume, where no Pod Security level already reports it",
    check=check, kinds=_practice.POD_KINDS, pack="security",
)
