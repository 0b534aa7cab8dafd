"""A container sets `procMount` other than `Default`, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports `securityContext.procMount` other than `Default` (i.e. `Unmasked`) on any container where `baseline`
applies. From policy v1.35 `baseline` allows it for pods in a user namespace (`hostUsers: false`); `restricted`
never does (pod-security-admission's `procMount_restricted`).

## Why is this bad?
The standard: "The default /proc masks are set up to reduce attack surface, and should be required." An
unmasked /proc exposes kernel interfaces of the node. An enforcing Namespace answers `procMount (container "x"
must not set securityContext.procMount to "Unmasked")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: builder
spec:
  containers:
    - name: buildkit
      image: moby/buildkit:v0.15.0
      securityContext:
        procMount: Unmasked
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: builder
spec:
  hostUsers: false
  containers:
    - name: buildkit
      image: moby/buildkit:v0.15.0
      securityContext:
        procMount: Unmasked
```

## Options
`podSecurity` (see KL400).

## References
`CheckProcMountBaseline` and `CheckProcMountRestricted` in
k8s.io/pod-security-admission/policy/check_procMount_baseline.go and check_procMount_restricted.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (/proc Mount Type).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    if mode.level == "baseline" and mode.at_least(1, 35) and pod.user_namespace:
        return
    for c in pod.containers:
        sc = _pss.security_context(c)
        pm = sc.get("procMount") if sc is not None else None
        if isinstance(pm, YScalar) and pm.value is not None and pm.value != "Default":
            yield _pss.Violation(pm.span, f'procMount (container "{_pss.cname(c)}" must not set '
                                 f'securityContext.procMount to "{pm.value}")', f"{c.path}.securityContext.procMount")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL409", name="pss-proc-mount", severity=Severity.WARNING, module=__name__,
    summary="A container sets `procMount` other than `Default`, forbidden by the Pod Security Standards from "
            "`baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
