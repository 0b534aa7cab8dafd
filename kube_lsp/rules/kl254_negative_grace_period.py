"""A pod's `terminationGracePeriodSeconds` is negative.

## What it does
Warns when the `terminationGracePeriodSeconds` of a pod or pod template is below 0.

## Why is this bad?
The API server accepts the object with a warning, `spec.terminationGracePeriodSeconds: must be >= 0; negative
values are invalid and will be treated as 1`: the pods get one second to shut down, whatever was meant.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: -1
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
  terminationGracePeriodSeconds: 30
  containers:
    - name: web
      image: nginx:1.27
```

## References
`warningsForPodSpecAndMeta` in `pkg/api/pod/warnings.go` (validation itself, `ValidatePodSpec`, only requires
the field, which defaults to 30).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._pod import WORKLOAD_KINDS, any_pod, int_of
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = any_pod(ctx)
    if pod is None:
        return
    node = pod.spec.get("terminationGracePeriodSeconds")
    value = int_of(node)
    if node is not None and value is not None and value < 0:
        yield ctx.finding(RULE, node.span, "must be >= 0; negative values are invalid and will be treated as 1 — "
                          "use 0 to kill the containers at once, or the seconds they need to shut down",
                          path=f"{pod.path}.terminationGracePeriodSeconds")


RULE = Rule(
    code="KL254", name="negative-grace-period", severity=Severity.WARNING, module=__name__,
    summary="A pod's `terminationGracePeriodSeconds` is negative",
    check=check, kinds=WORKLOAD_KINDS,
)
