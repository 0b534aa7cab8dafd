"""SELinux options that the Pod Security Standards forbid from `baseline` on (a custom type, user or role).

## What it does
Reports, in `securityContext.seLinuxOptions` of the pod or of any container, a `type` other than
`container_t`, `container_init_t`, `container_kvm_t` or (policy v1.31 and later) `container_engine_t`, and any
`user` or `role`, where `baseline` applies.

## Why is this bad?
The standard: "Setting the SELinux type is restricted, and setting a custom SELinux user or role option is
forbidden." Another type (`spc_t`, `unconfined_t`) lifts the container's confinement. An enforcing Namespace
answers `seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    seLinuxOptions:
      type: spc_t
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
    seLinuxOptions:
      level: "s0:c123,c456"
  containers:
    - name: web
      image: nginx:1.27
```

## Options
`podSecurity` (see KL400).

## References
`CheckSELinuxOptions` in k8s.io/pod-security-admission/policy/check_seLinuxOptions.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (SELinux).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule

TYPES_1_0: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
TYPES_1_31: Final = TYPES_1_0 | {"container_engine_t"}


def _options(sc: YMap | None, who: str, path: str, allowed: frozenset[str]) -> Iterator[_pss.Violation]:
    opts = _pss.child_map(sc, "seLinuxOptions")
    if opts is None:
        return
    t = opts.get("type")
    if isinstance(t, YScalar) and t.value is not None and str(t.value) not in allowed:
        yield _pss.Violation(t.span, f'seLinuxOptions ({who} set forbidden securityContext.seLinuxOptions: type '
                             f'"{t.value}")', f"{path}.securityContext.seLinuxOptions.type")
    for key in ("user", "role"):
        v = opts.get(key)
        if isinstance(v, YScalar) and v.value not in (None, ""):
            yield _pss.Violation(v.span, f"seLinuxOptions ({who} set forbidden securityContext.seLinuxOptions: "
                                 f"{key} may not be set)", f"{path}.securityContext.seLinuxOptions.{key}")


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    allowed = TYPES_1_31 if mode.at_least(1, 31) else TYPES_1_0
    yield from _options(pod.security_context, "pod", pod.path, allowed)
    for c in pod.containers:
        yield from _options(_pss.security_context(c), f'container "{_pss.cname(c)}"', c.path, allowed)


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL408", name="pss-selinux", severity=Severity.WARNING, module=__name__,
    summary="SELinux options that the Pod Security Standards forbid from `baseline` on (a custom type, user or role)",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
