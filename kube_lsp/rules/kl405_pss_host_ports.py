"""A container port with a `hostPort`, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports each `ports[].hostPort` other than 0 of any container, init container or ephemeral container, where
`baseline` applies. (The standard allows "a known list" of host ports; pod-security-admission, which enforces
it, allows none, and so does this rule.)

## Why is this bad?
The standard: "HostPorts should be disallowed entirely (recommended) or restricted to a known list." A host
port binds the node's address, bypasses NetworkPolicies made for pod addresses and limits the pod to one per
node. An enforcing Namespace answers `hostPort (container "x" uses hostPort 8080)`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      ports:
        - containerPort: 80
          hostPort: 8080
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      ports:
        - containerPort: 80
```

## Options
`podSecurity` (see KL400).

## References
`CheckHostPorts` in k8s.io/pod-security-admission/policy/check_hostPorts.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Host Ports).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule, maps_in


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    for c in pod.containers:
        for j, port in maps_in(c.node.get("ports")):
            hp = port.get("hostPort")
            if isinstance(hp, YScalar) and isinstance(hp.value, int) and not isinstance(hp.value, bool) \
                    and hp.value != 0:
                yield _pss.Violation(hp.span, f'hostPort (container "{_pss.cname(c)}" uses hostPort {hp.value})',
                                     f"{c.path}.ports[{j}].hostPort")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL405", name="pss-host-ports", severity=Severity.WARNING, module=__name__,
    summary="A container port with a `hostPort`, forbidden by the Pod Security Standards from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
