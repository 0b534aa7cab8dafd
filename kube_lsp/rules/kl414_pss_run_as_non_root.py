"""The pod does not run as non-root (`runAsNonRoot: true`), as the `restricted` level requires.

## What it does
Where `restricted` applies, reports `runAsNonRoot: false` on the pod or a container, and every container that
does not set `runAsNonRoot` when the pod does not set `runAsNonRoot: true`. From policy v1.35 pods in a user
namespace (`hostUsers: false`) are exempt, as in pod-security-admission.

## Why is this bad?
The standard: "Containers must be required to run as non-root users." Root in a container is root on the node
after any escape. An enforcing Namespace answers `runAsNonRoot != true (pod or container "x" must set
securityContext.runAsNonRoot=true)`.

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

## Fix
Sets `runAsNonRoot: true` in the pod's securityContext (or turns an explicit `false` into `true`). Review:
the kubelet then refuses to start an image whose user is root (`runAsUser` can choose another).

## Options
`podSecurity` (see KL400).

## References
`CheckRunAsNonRoot` in k8s.io/pod-security-admission/policy/check_runAsNonRoot.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Running as Non-root).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _edit, _pss
from kube_lsp.rules.base import ObjectContext, Rule

TITLE = "Set runAsNonRoot: true"


def _to_true(node: YScalar) -> tuple[Fix, ...]:
    return (Fix(TITLE, (TextEdit(node.span, "true"),), safe=False),)


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if mode.at_least(1, 35) and pod.user_namespace:
        return
    psc = pod.security_context
    pnode = psc.get("runAsNonRoot") if psc is not None else None
    pod_true = isinstance(pnode, YScalar) and pnode.value is True
    if psc is not None and isinstance(pnode, YScalar) and pnode.value is False:
        yield _pss.Violation(pnode.span, "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)",
                             f"{pod.path}.securityContext.runAsNonRoot", _to_true(pnode))
    for c in pod.containers:
        sc = _pss.security_context(c)
        node = sc.get("runAsNonRoot") if sc is not None else None
        if isinstance(node, YScalar) and node.value is not None:
            if node.value is False:
                yield _pss.Violation(node.span, f'runAsNonRoot != true (container "{_pss.cname(c)}" must not set '
                                     "securityContext.runAsNonRoot=false)", f"{c.path}.securityContext.runAsNonRoot",
                                     _to_true(node))
        elif not pod_true:
            fixes = () if pnode is not None else _edit.set_fix(ctx, pod.spec, ("securityContext", "runAsNonRoot"),
                                                               "true", TITLE)
            yield _pss.Violation(_pss.container_anchor(c), f'runAsNonRoot != true (pod or container '
                                 f'"{_pss.cname(c)}" must set securityContext.runAsNonRoot=true)',
                                 f"{pod.path}.securityContext.runAsNonRoot", fixes, missing=True)


def _explicit_first(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> list[_pss.Violation]:
    """As pod-security-admission: explicit bad values are reported; only without them, the missing ones."""
    found = list(_evaluate(pod, mode, ctx))
    explicit = [v for v in found if not v.missing]
    return explicit or found


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _explicit_first)


RULE = Rule(
    code="KL414", name="pss-run-as-non-root", severity=Severity.WARNING, module=__name__,
    summary="The pod does not run as non-root (`runAsNonRoot: true`), as the `restricted` level requires",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
