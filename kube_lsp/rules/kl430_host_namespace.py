"""The pod shares the node's network, process or IPC namespace, where no Pod Security level reports it.

## What it does
Reports `hostNetwork: true`, `hostPID: true` and `hostIPC: true` in a pod or pod template when Pod Security
checks do not apply to the object (`podSecurity: off` and no Namespace of the text sets a level); KL401 reports
them otherwise.

## Why is this bad?
With the host network a pod binds the node's ports and reaches node-local services; with host PID or IPC it
sees and signals every process of the node.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: tools
spec:
  hostPID: true
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
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
  name: agent
  namespace: tools
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
---
apiVersion: v1
kind: Namespace
metadata:
  name: tools
  labels:
    pod-security.kubernetes.io/enforce: privileged
```

## Options
Pack `security`; on by default.

## References
https://kubernetes.io/docs/concepts/security/pod-security-standards/; kube-linter `host-network`, `host-pid`,
`host-ipc`; Polaris `hostNetworkSet`, `hostPIDSet`, `hostIPCSet`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice, _pss
from kube_lsp.rules.base import ObjectContext, Rule

WHAT = {"hostNetwork": "network", "hostPID": "process (PID)", "hostIPC": "IPC"}


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None or _pss.mode_for(ctx, "baseline", RULE) is not None:
        return
    for key, what in WHAT.items():
        if _pss.is_true(pod.spec.get(key)):
            yield ctx.finding(RULE, _pss.value_span(pod.spec, key),
                              f"`{key}: true`: the pod shares the node's {what} namespace", path=f"{pod.path}.{key}")


RULE = Rule(
    code="KL430", name="host-namespace", severity=Severity.WARNING, module=__name__,
    summary="The pod shares the node's network, process or IPC namespace, where no Pod Security level reports it",
    check=check, kinds=_practice.POD_KINDS, pack="security",
)
