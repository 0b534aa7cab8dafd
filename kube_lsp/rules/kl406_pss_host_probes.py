"""A probe or lifecycle hook sets `host`, forbidden by the Pod Security Standards from policy v1.34 on.

## What it does
Reports a non-empty `host` in the `httpGet` or `tcpSocket` of a liveness, readiness or startup probe or of a
`postStart`/`preStop` hook, where `baseline` applies with policy version v1.34 or later (the latest, unless a
`*-version` label or the target Kubernetes version says older).

## Why is this bad?
The standard (Host Probes / Lifecycle Hooks, v1.34+): "The Host field in probes and lifecycle hooks must be
disallowed." The kubelet makes those requests from the node, so `host` lets a pod make the node call any
address (server-side request forgery). An enforcing Namespace answers `probe or lifecycle host (container "x"
uses probe or lifecycle host "10.0.0.1")`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      livenessProbe:
        httpGet:
          host: 169.254.169.254
          path: /
          port: 80
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      livenessProbe:
        httpGet:
          path: /
          port: 80
```

## Options
`podSecurity` (see KL400).

## References
`CheckHostProbesAndHostLifecycle` in k8s.io/pod-security-admission/policy/check_hostProbesAndhostLifecycle.go;
https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline (Host Probes / Lifecycle Hooks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _pss
from kube_lsp.rules.base import ObjectContext, Rule


def _evaluate(pod: _pss.Pod, mode: _pss.Mode, ctx: ObjectContext) -> Iterator[_pss.Violation]:
    if not mode.at_least(1, 34):
        return
    for c in pod.containers:
        handlers = [(p, c.node.get(p)) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = _pss.child_map(c.node, "lifecycle")
        handlers += [(f"lifecycle.{h}", lifecycle.get(h) if lifecycle is not None else None)
                     for h in ("postStart", "preStop")]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                m = _pss.child_map(handler, action)
                host = m.get_str("host") if m is not None else None
                if m is not None and host:
                    yield _pss.Violation(_pss.value_span(m, "host"),
                                         f'probe or lifecycle host (container "{_pss.cname(c)}" uses probe or '
                                         f'lifecycle host "{host}")', f"{c.path}.{where}.{action}.host")


def check(ctx: ObjectContext) -> Iterable[Finding]:
    return _pss.report(ctx, RULE, "baseline", _evaluate)


RULE = Rule(
    code="KL406", name="pss-host-probes", severity=Severity.WARNING, module=__name__,
    summary="A probe or lifecycle hook sets `host`, forbidden by the Pod Security Standards from policy v1.34 on",
    check=check, kinds=_pss.POD_KINDS, pack="pod-security",
)
