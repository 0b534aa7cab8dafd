"""A container does not set `allowPrivilegeEscalation: false`, required by the `restricted` level.

## What it does
Reports every container, init container and ephemeral container whose `securityContext.allowPrivilegeEscalation`
is not `false` (absent or `true`), where `restricted` applies. From policy v1.25 Windows pods
(`spec.os.name: windows`) are exempt, as in pod-security-admission.

## Why is this bad?
The standard: "Privilege escalation (such as via set-user-ID or set-group-ID file mode) should not be
allowed." An enforcing Namespace answers `allowPrivilegeEscalation != false (container "x" must set
securityContext.allowPrivilegeEscalation=false)`.

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

## Fix
Sets `securityContext.allowPrivilegeEscalation: false` in the container (review: a process that relies on
set-user-ID binaries, such as `sudo`, stops working).

## Options
`podSecurity` (see KL400).

## References
`CheckAllowPrivilegeEscalation` in k8s.io/pod-security-admission/policy/check_allowPrivilegeEscalation.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Privilege Escalation).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _edit, _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not mode.at_least(1, 8) or (mode.at_least(1, 25) and pod.windows):
        return
    for c in pod.containers:
        sc = _pss.security_context(c)
        node = sc.get("allowPrivilegeEscalation") if sc is not None else None
        if isinstance(node, YScalar) and node.value is False:
            continue
        fixes = _edit.set_fix(ctx, c.node, ("securityContext", "allowPrivilegeEscalation"), "false",
                              "Set allowPrivilegeEscalation: false")
        message = (f'allowPrivilegeEscalation != false (container "{_pss.cname(c)}" must set '
                   "securityContext.allowPrivilegeEscalation=false)")
        path = f"{c.path}.securityContext.allowPrivilegeEscalation"
        if isinstance(node, YScalar):
            yield _pss.Violation(node.span, message, path, fixes)
        else:
            yield _pss.Violation(_pss.container_anchor(c), message, path, fixes, missing=True)


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _evaluate)


RULE = Rule(
    code="KL413", name="pss-privilege-escalation", severity=Severity.WARNING, module=__name__,
    summary="A container does not set `allowPrivilegeEscalation: false`, required by the `restricted` level",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
