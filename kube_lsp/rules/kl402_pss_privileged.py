"""A privileged container, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports `securityContext.privileged: true` on any container, init container or ephemeral container where the
`baseline` level (or `restricted`) applies (Namespace labels in the same text, else the `podSecurity` setting).

## Why is this bad?
The standard: "Privileged Pods disable most security mechanisms and must be disallowed." A privileged
container has every capability and every device of the node: escaping to the node is trivial. The API server
of a Namespace enforcing the level answers `privileged (container "x" must not set
securityContext.privileged=true)`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: true
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: false
```

## Options
`podSecurity` (see KL400).

## References
`CheckPrivileged` in k8s.io/pod-security-admission/policy/check_privileged.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Privileged Containers).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    for c in pod.containers:
        sc = _pss.security_context(c)
        if sc is not None and _pss.is_true(sc.get("privileged")):
            yield _pss.Violation(_pss.value_span(sc, "privileged"),
                                 f'privileged (container "{_pss.cname(c)}" must not set '
                                 "securityContext.privileged=true)", f"{c.path}.securityContext.privileged")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL402", name="pss-privileged", severity=Severity.WARNING, module=__name__,
    summary="A privileged container, forbidden by the Pod Security Standards from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
