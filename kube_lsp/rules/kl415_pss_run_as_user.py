"""The pod or a container sets `runAsUser: 0` (root), forbidden by the `restricted` level from policy v1.23.

## What it does
Reports `securityContext.runAsUser: 0` on the pod or on any container where `restricted` applies (policy
v1.23 and later). From v1.35 pods in a user namespace (`hostUsers: false`) are exempt.

## Why is this bad?
The standard (Running as Non-root user, v1.23+): "Containers must not set runAsUser to 0." An enforcing
Namespace answers `runAsUser=0 (pod must not set runAsUser=0)`.

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
    runAsUser: 0
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: nginxinc/nginx-unprivileged:1.27
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
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
```

## Options
`podSecurity` (see KL400).

## References
`CheckRunAsUser` in k8s.io/pod-security-admission/policy/check_runAsUser.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Running as Non-root user).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _root(sc: YMap | None) -> YScalar | None:
    node = sc.get("runAsUser") if sc is not None else None
    if isinstance(node, YScalar) and node.value == 0 and not isinstance(node.value, bool):
        return node
    return None


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    if not mode.at_least(1, 23) or (mode.at_least(1, 35) and pod.user_namespace):
        return
    node = _root(pod.security_context)
    if node is not None:
        yield _pss.Violation(node.span, "runAsUser=0 (pod must not set runAsUser=0)",
                             f"{pod.path}.securityContext.runAsUser")
    for c in pod.containers:
        node = _root(_pss.security_context(c))
        if node is not None:
            yield _pss.Violation(node.span, f'runAsUser=0 (container "{_pss.cname(c)}" must not set runAsUser=0)',
                                 f"{c.path}.securityContext.runAsUser")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _evaluate)


RULE = Rule(
    code="KL415", name="pss-run-as-user", severity=Severity.WARNING, module=__name__,
    summary="The pod or a container sets `runAsUser: 0` (root), forbidden by the `restricted` level from policy "
            "v1.23",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
