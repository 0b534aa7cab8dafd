"""The pod shares a host namespace (`hostNetwork`, `hostPID`, `hostIPC`), forbidden from `baseline` on.

## What it does
Reports `hostNetwork: true`, `hostPID: true` and `hostIPC: true` in a PodSpec where the `baseline` level (or
`restricted`) applies: the object's Namespace labels in the same text, else the `podSecurity` setting.

## Why is this bad?
The standard: "Sharing the host namespaces must be disallowed." A pod on the host network can bind any node
port and reach node-local services; host PID and IPC let it see and signal every process of the node. In a
Namespace that enforces the level the API server rejects the Pod: `violates PodSecurity "baseline:latest":
host namespaces (hostNetwork=true)`.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      hostNetwork: true
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
        - name: agent
          image: registry.example.com/agent:1.4.2
          ports:
            - containerPort: 9100
```

## Options
`podSecurity` (see KL400). A node agent that needs the host network belongs in a Namespace labelled
`pod-security.kubernetes.io/enforce: privileged`; then this rule is silent for it.

## References
`CheckHostNamespaces` in k8s.io/pod-security-admission/policy/check_hostNamespaces.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Host Namespaces).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if _pss.is_true(pod.spec.get(key)):
            yield _pss.Violation(_pss.value_span(pod.spec, key), f"host namespaces ({key}=true)",
                                 f"{pod.path}.{key}")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL401", name="pss-host-namespaces", severity=Severity.WARNING, module=__name__,
    summary="The pod shares a host namespace (`hostNetwork`, `hostPID`, `hostIPC`), forbidden from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
