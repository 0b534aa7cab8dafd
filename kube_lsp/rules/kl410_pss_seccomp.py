"""A seccomp profile of type `Unconfined`, forbidden by the Pod Security Standards from `baseline` on.

## What it does
Reports `securityContext.seccompProfile.type` of the pod or of a container when it is not `RuntimeDefault` or
`Localhost`, where `baseline` applies. For policy versions before v1.19 it looks at the annotations of that
time instead (`seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/*`:
allowed `runtime/default`, `docker/default`, `localhost/...`). Under `restricted` (v1.19 and later) KL416
replaces this check, as pod-security-admission does.

## Why is this bad?
The standard: "Seccomp profile must not be explicitly set to Unconfined." Without seccomp every system call
of the kernel is open to the container. An enforcing Namespace answers `seccompProfile (pod must not set
securityContext.seccompProfile.type to "Unconfined")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    seccompProfile:
      type: Unconfined
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
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: nginx:1.27
```

## Fix
Sets the type to `RuntimeDefault` (review: a workload that needs unusual system calls may then fail).

## Options
`podSecurity` (see KL400).

## References
`CheckSeccompBaseline` in k8s.io/pod-security-admission/policy/check_seccompProfile_baseline.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Seccomp).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule

POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION: Final = "container.seccomp.security.alpha.kubernetes.io/"


def bad_type(sc: YMap | None) -> YScalar | None:
    """The seccompProfile.type node of a security context when it is set to a forbidden value."""
    profile = _pss.child_map(sc, "seccompProfile")
    t = profile.get("type") if profile is not None else None
    if isinstance(t, YScalar) and t.value not in ("RuntimeDefault", "Localhost"):
        return t
    return None


def runtime_default(t: YScalar) -> tuple[Fix, ...]:
    return (Fix("Set seccompProfile.type to RuntimeDefault", (TextEdit(t.span, "RuntimeDefault"),), safe=False),)


def _annotations(pod: _pss.Pod) -> Iterator[_pss.Violation]:
    ann = pod.annotations
    if ann is None:
        return
    names = {_pss.cname(c) for c in pod.containers}
    for k, v in ann.pairs:
        if k.text != POD_ANNOTATION and not (k.text.startswith(CONTAINER_ANNOTATION)
                                             and k.text[len(CONTAINER_ANNOTATION):] in names):
            continue
        value = "" if not isinstance(v, YScalar) or v.value is None else str(v.value)
        if value not in ("runtime/default", "docker/default") and not value.startswith("localhost/"):
            yield _pss.Violation(v.span, f'seccompProfile (forbidden annotation {k.text}="{value}")',
                                 f"{pod.template.metadata_path}.annotations.{k.text}")


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not mode.at_least(1, 19):
        yield from _annotations(pod)
        return
    if mode.level == "restricted":
        return  # seccompProfile_restricted (KL416) overrides seccompProfile_baseline from v1.19
    t = bad_type(pod.security_context)
    if t is not None:
        yield _pss.Violation(t.span, f'seccompProfile (pod must not set securityContext.seccompProfile.type to '
                             f'"{t.value}")', f"{pod.path}.securityContext.seccompProfile.type", runtime_default(t))
    for c in pod.containers:
        t = bad_type(_pss.security_context(c))
        if t is not None:
            yield _pss.Violation(t.span, f'seccompProfile (container "{_pss.cname(c)}" must not set '
                                 f'securityContext.seccompProfile.type to "{t.value}")',
                                 f"{c.path}.securityContext.seccompProfile.type", runtime_default(t))


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL410", name="pss-seccomp", severity=Severity.WARNING, module=__name__,
    summary="A seccomp profile of type `Unconfined`, forbidden by the Pod Security Standards from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
