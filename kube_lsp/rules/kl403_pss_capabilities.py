"""A container adds a capability outside the `baseline` default set.

## What it does
Reports each entry of `securityContext.capabilities.add` that is not one of AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT, where `baseline`
applies. Under `restricted` (policy v1.22 and later) KL417 replaces this check, as in pod-security-admission.

## Why is this bad?
The standard: "Adding additional capabilities beyond those listed below must be disallowed." Capabilities such
as SYS_ADMIN or NET_ADMIN give a container most of root's power over the node's kernel. A Namespace
enforcing the level answers `non-default capabilities (container "x" must not include "SYS_ADMIN" in
securityContext.capabilities.add)`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: vpn
spec:
  containers:
    - name: vpn
      image: registry.example.com/vpn:2.1.0
      securityContext:
        capabilities:
          add: [NET_ADMIN]
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: vpn
spec:
  containers:
    - name: vpn
      image: registry.example.com/vpn:2.1.0
      securityContext:
        capabilities:
          add: [NET_BIND_SERVICE]
```

## Options
`podSecurity` (see KL400).

## References
`CheckCapabilitiesBaseline` in k8s.io/pod-security-admission/policy/check_capabilities_baseline.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Capabilities).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule

ALLOWED: Final = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                            "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    if mode.level == "restricted" and mode.at_least(1, 22):
        return  # capabilities_restricted overrides capabilities_baseline from v1.22
    for c in pod.containers:
        caps = _pss.child_map(_pss.security_context(c), "capabilities")
        if caps is None:
            continue
        for i, (cap, node) in enumerate(_pss.string_items(caps.get("add"))):
            if cap not in ALLOWED:
                yield _pss.Violation(node.span, f'non-default capabilities (container "{_pss.cname(c)}" must not '
                                     f'include "{cap}" in securityContext.capabilities.add)',
                                     f"{c.path}.securityContext.capabilities.add[{i}]")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL403", name="pss-capabilities", severity=Severity.WARNING, module=__name__,
    summary="A container adds a capability outside the `baseline` default set",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
