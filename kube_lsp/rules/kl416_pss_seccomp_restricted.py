"""Neither the pod nor the container sets a seccomp profile (`RuntimeDefault` or `Localhost`), as `restricted` requires.

## What it does
Where `restricted` applies (policy v1.19 and later), reports a pod or container `seccompProfile.type` other
than `RuntimeDefault` or `Localhost`, and every container that sets none when the pod sets no allowed one.
From policy v1.25 Windows pods (`spec.os.name: windows`) are exempt.

## Why is this bad?
The standard (Seccomp, v1.19+): "Seccomp profile must be explicitly set to one of the allowed values. Both the
Unconfined profile and the absence of a profile are prohibited." An enforcing Namespace answers
`seccompProfile (pod or container "x" must set securityContext.seccompProfile.type to "RuntimeDefault" or
"Localhost")`.

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

## Fix
Sets `seccompProfile: {type: RuntimeDefault}` in the pod's securityContext (or a forbidden type to
`RuntimeDefault`). Review: the runtime's default profile blocks rarely used system calls.

## Options
`podSecurity` (see KL400).

## References
`CheckSeccompProfileRestricted` in k8s.io/pod-security-admission/policy/check_seccompProfile_restricted.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Seccomp).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _edit, _pss
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.rules.kl410_pss_seccomp import bad_type, runtime_default


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not mode.at_least(1, 19) or (mode.at_least(1, 25) and pod.windows):
        return
    psc = pod.security_context
    profile = _pss.child_map(psc, "seccompProfile")
    pod_ok = profile is not None and profile.get_str("type") in ("RuntimeDefault", "Localhost")
    t = bad_type(psc)
    if t is not None:
        yield _pss.Violation(t.span, f'seccompProfile (pod must not set securityContext.seccompProfile.type to '
                             f'"{t.value}")', f"{pod.path}.securityContext.seccompProfile.type", runtime_default(t))
    for c in pod.containers:
        sc = _pss.security_context(c)
        if sc is not None and sc.get("seccompProfile") is not None:
            t = bad_type(sc)
            if t is not None:
                yield _pss.Violation(t.span, f'seccompProfile (container "{_pss.cname(c)}" must not set '
                                     f'securityContext.seccompProfile.type to "{t.value}")',
                                     f"{c.path}.securityContext.seccompProfile.type", runtime_default(t))
        elif not pod_ok:
            fixes = () if psc is not None and psc.get("seccompProfile") is not None else _edit.set_fix(
                ctx, pod.spec, ("securityContext", "seccompProfile", "type"), "RuntimeDefault",
                "Set seccompProfile.type: RuntimeDefault for the pod")
            yield _pss.Violation(_pss.container_anchor(c), f'seccompProfile (pod or container "{_pss.cname(c)}" must '
                                 'set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
                                 f"{pod.path}.securityContext.seccompProfile", fixes, missing=True)


def _explicit_first(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> list[_pss.Violation]:
    """As pod-security-admission: explicit bad values are reported; only without them, the missing ones."""
    found = list(_evaluate(pod, mode, ctx))
    explicit = [v for v in found if not v.missing]
    return explicit or found


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _explicit_first)


RULE = Rule(
    code="KL416", name="pss-seccomp-restricted", severity=Severity.WARNING, module=__name__,
    summary="Neither the pod nor the container sets a seccomp profile (`RuntimeDefault` or `Localhost`), as "
            "`restricted` requires",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
