"""An init container that is not a sidecar has probes or lifecycle hooks.

## What it does
An init container runs to completion before the app containers start, so it may not have a
`livenessProbe`, `readinessProbe`, `startupProbe` or `lifecycle` — unless it is a sidecar, marked with
`restartPolicy: Always`.

## Why is this bad?
The API server rejects the object: `spec.initContainers[0].livenessProbe: Forbidden: may not be set for init
containers without restartPolicy=Always`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      readinessProbe:
        tcpSocket: {port: 9901}
  containers:
    - name: web
      image: nginx:1.27
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      restartPolicy: Always
      readinessProbe:
        tcpSocket: {port: 9901}
  containers:
    - name: web
      image: nginx:1.27
```

## References
`validateInitContainers` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._pod import POD_KINDS, key_or_node, pod_containers, present, restartable, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule

_FIELDS = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx, ("initContainers",)):
        if restartable(c) or (ctx.partial and "restartPolicy" not in c.node.keys()):
            continue
        for key in _FIELDS:
            if present(c.node, key):
                yield ctx.finding(RULE, key_or_node(c.node, key), "Forbidden: may not be set for init containers "
                                  "without restartPolicy=Always — add `restartPolicy: Always` to make it a sidecar, or "
                                  f"remove `{key}`", path=f"{c.path}.{key}")


RULE = Rule(
    code="KL256", name="init-container-probe", severity=Severity.ERROR, module=__name__,
    summary="An init container that is not a sidecar has probes or lifecycle hooks",
    check=check, kinds=POD_KINDS,
)
