"""A Windows HostProcess container, which the Pod Security Standards forbid from `baseline` on.

## What it does
Reports `securityContext.windowsOptions.hostProcess: true` on the pod or on any container, init container or
ephemeral container, where the `baseline` level (or `restricted`) applies: the object's Namespace in the same
text labels it (`pod-security.kubernetes.io/enforce`, `warn`, `audit`), else the `podSecurity` setting.

## Why is this bad?
The standard: "Windows pods offer the ability to run HostProcess containers which enables privileged access to
the Windows host machine. Privileged access to the host is disallowed in the Baseline policy." In a Namespace
that enforces the level the API server rejects the Pod (for a workload: every pod its controller creates).

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  hostNetwork: false
  containers:
    - name: agent
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
```

## Options
`podSecurity: baseline | restricted | off` in `.kube-lsp.yaml` (or the editor's `kubeLsp.podSecurity`) is the
level where no Namespace of the text says; Namespace labels always win, and make a violation an error
(`enforce`) or a warning (`warn`, `audit`).

## References
`CheckWindowsHostProcess` in k8s.io/pod-security-admission/policy/check_windowsHostProcess.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (HostProcess).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not pod.secured:
        return
    wo = _pss.child_map(pod.security_context, "windowsOptions")
    if wo is not None and _pss.is_true(wo.get("hostProcess")):
        yield _pss.Violation(_pss.value_span(wo, "hostProcess"),
                             "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)",
                             f"{pod.path}.securityContext.windowsOptions.hostProcess")
    for c in pod.containers:
        wo = _pss.child_map(_pss.security_context(c), "windowsOptions")
        if wo is not None and _pss.is_true(wo.get("hostProcess")):
            yield _pss.Violation(_pss.value_span(wo, "hostProcess"),
                                 f'hostProcess (container "{_pss.cname(c)}" must not set '
                                 "securityContext.windowsOptions.hostProcess=true)",
                                 f"{c.path}.securityContext.windowsOptions.hostProcess")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL400", name="pss-host-process", severity=Severity.WARNING, module=__name__,
    summary="A Windows HostProcess container, which the Pod Security Standards forbid from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
