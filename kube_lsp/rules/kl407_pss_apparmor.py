"""An AppArmor profile other than `RuntimeDefault` or `Localhost`, forbidden from `baseline` on.

## What it does
Reports `securityContext.appArmorProfile.type` of the pod or of a container when it is not `RuntimeDefault`
or `Localhost` (i.e. `Unconfined`), and a `container.apparmor.security.beta.kubernetes.io/*` annotation of the
pod (a workload's pod template) whose value is not empty, `runtime/default` or `localhost/...`, where `baseline`
applies.

## Why is this bad?
The standard: "On supported hosts, the RuntimeDefault AppArmor profile is applied by default. The baseline
policy should prevent overriding or disabling the default AppArmor profile." An enforcing Namespace answers
`forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    appArmorProfile:
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
    appArmorProfile:
      type: RuntimeDefault
  containers:
    - name: web
      image: nginx:1.27
```

## Options
`podSecurity` (see KL400).

## References
`CheckAppArmorProfile` in k8s.io/pod-security-admission/policy/check_appArmorProfile.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (AppArmor).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule

ANNOTATION_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"


def _bad_type(m: YMap | None) -> tuple[str, YScalar] | None:
    profile = _pss.child_map(m, "appArmorProfile")
    node = profile.get("type") if profile is not None else None
    if isinstance(node, YScalar) and node.value not in ("RuntimeDefault", "Localhost"):
        return str(node.value), node
    return None


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    bad = _bad_type(pod.security_context)
    if bad is not None:
        yield _pss.Violation(bad[1].span, f'forbidden AppArmor profile (pod must not set AppArmor profile type to '
                             f'"{bad[0]}")', f"{pod.path}.securityContext.appArmorProfile.type")
    for c in pod.containers:
        bad = _bad_type(_pss.security_context(c))
        if bad is not None:
            yield _pss.Violation(bad[1].span, f'forbidden AppArmor profile (container "{_pss.cname(c)}" must not set '
                                 f'AppArmor profile type to "{bad[0]}")',
                                 f"{c.path}.securityContext.appArmorProfile.type")
    ann = pod.annotations
    if ann is None:
        return
    for k, v in ann.pairs:
        if not k.text.startswith(ANNOTATION_PREFIX) or not isinstance(v, YScalar):
            continue
        value = "" if v.value is None else str(v.value)
        if value and value != "runtime/default" and not value.startswith("localhost/"):
            yield _pss.Violation(v.span, f'forbidden AppArmor profile (annotation must not set AppArmor profile '
                                 f'{k.text}="{value}")', f"{pod.template.metadata_path}.annotations.{k.text}")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL407", name="pss-apparmor", severity=Severity.WARNING, module=__name__,
    summary="An AppArmor profile other than `RuntimeDefault` or `Localhost`, forbidden from `baseline` on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
