"""The pod gets an API token mounted without saying so (`automountServiceAccountToken` is not `false`).

## What it does
Reports a pod or pod template that does not set `automountServiceAccountToken: false`. Opt-in.

## Why is this bad?
Every pod gets its ServiceAccount's token by default; most applications never talk to the Kubernetes API, and a
token they do not need is one an intruder can use. Set `automountServiceAccountToken: false` where the API is
not needed (on the pod, or on its ServiceAccount).

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
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  automountServiceAccountToken: false
  containers:
    - name: web
      image: nginx:1.27
```

## Fix
Sets `automountServiceAccountToken: false` on the pod (review: an application that calls the API needs it).

## Options
Pack `security`, off by default (nearly every clean corpus file relies on the default);
`rules: {KL432: warning}` switches it on.

## References
https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/; Polaris
`automountServiceAccountToken`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _edit, _practice
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None or ctx.partial:
        return
    node = pod.spec.get("automountServiceAccountToken")
    if isinstance(node, YScalar) and node.value is False:
        return
    span = node.span if node is not None else (key_span(pod.spec, "containers") if pod.spec.key_node("containers")
                                               else pod.spec.span)
    yield ctx.finding(RULE, span, "the pod gets its ServiceAccount's API token mounted; set "
                      "automountServiceAccountToken: false unless it calls the Kubernetes API",
                      path=f"{pod.path}.automountServiceAccountToken",
                      fixes=_edit.set_fix(ctx, pod.spec, ("automountServiceAccountToken",), "false",
                                          "Set automountServiceAccountToken: false"))


RULE = Rule(
    code="KL432", name="service-account-token-mounted", severity=Severity.WARNING, module=__name__,
    summary="The pod gets an API token mounted without saying so (`automountServiceAccountToken` is not `false`)",
    check=check, kinds=_practice.POD_KINDS, pack="security", enabled=False,
)
