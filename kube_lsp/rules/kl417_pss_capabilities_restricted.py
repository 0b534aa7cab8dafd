"""A container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE (`restricted`).

## What it does
Where `restricted` applies (policy v1.22 and later), reports every container whose
`securityContext.capabilities.drop` does not contain `ALL`, and every entry of `capabilities.add` other than
`NET_BIND_SERVICE`. From policy v1.25 Windows pods (`spec.os.name: windows`) are exempt. (Under `restricted`
this replaces KL403.)

## Why is this bad?
The standard (Capabilities, v1.22+): "Containers must drop ALL capabilities, and are only permitted to add back
the NET_BIND_SERVICE capability." An enforcing Namespace answers `unrestricted capabilities (container "x"
must set securityContext.capabilities.drop=["ALL"])`.

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
        allowPrivilegeEscalation: false
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
Adds `capabilities: {drop: [ALL]}` to the container's securityContext when it has no `drop` list. Review: a
process that needs a capability (binding port 80 as non-root needs NET_BIND_SERVICE) must add it back.

## Options
`podSecurity` (see KL400).

## References
`CheckCapabilitiesRestricted` in k8s.io/pod-security-admission/policy/check_capabilities_restricted.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted (Capabilities).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _edit, _pss
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not mode.at_least(1, 22) or (mode.at_least(1, 25) and pod.windows):
        return
    for c in pod.containers:
        sc = _pss.security_context(c)
        caps = _pss.child_map(sc, "capabilities")
        dropped = [v for v, _ in _pss.string_items(caps.get("drop"))] if caps is not None else []
        if "ALL" not in dropped:
            has_drop = caps is not None and caps.get("drop") is not None
            fixes = () if has_drop else _edit.set_fix(ctx, c.node, ("securityContext", "capabilities", "drop"),
                                                      "[ALL]", "Drop ALL capabilities")
            anchor = key_span(caps, "drop") if has_drop and caps is not None else (
                key_span(sc, "capabilities") if caps is not None and sc is not None else _pss.container_anchor(c))
            yield _pss.Violation(anchor, f'unrestricted capabilities (container "{_pss.cname(c)}" must set '
                                 'securityContext.capabilities.drop=["ALL"])',
                                 f"{c.path}.securityContext.capabilities.drop", fixes, missing=True)
        if caps is None:
            continue
        for i, (cap, node) in enumerate(_pss.string_items(caps.get("add"))):
            if cap != "NET_BIND_SERVICE":
                yield _pss.Violation(node.span, f'unrestricted capabilities (container "{_pss.cname(c)}" must not '
                                     f'include "{cap}" in securityContext.capabilities.add)',
                                     f"{c.path}.securityContext.capabilities.add[{i}]")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "restricted", _evaluate)


RULE = Rule(
    code="KL417", name="pss-capabilities-restricted", severity=Severity.WARNING, module=__name__,
    summary="A container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE (`restricted`)",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
