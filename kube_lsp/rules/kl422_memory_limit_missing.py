"""A container without a memory limit.

## What it does
Reports each container and init container of a pod or pod template that sets no `resources.limits.memory`.
Kustomize patches are not checked (the base may set it).

## Why is this bad?
Without a memory limit nothing stops a leak from taking the node's memory: other pods get OOM-killed or
evicted instead of the leaking container.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
          resources:
            limits:
              memory: 128Mi
```

## Options
Pack `resources`, off by default: most containers of the clean files of the corpora set no resources at all
(bench/pack_counts.py), so a default rule would underline nearly every example.
`packs: {resources: on}` in `.kube-lsp.yaml` switches it on with the rest of the pack (KL421-KL424).
`kube-lsp resources PATH` prints what each workload requests.

## References
https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/; kube-linter `unset-memory-requirements`,
kube-score `container-resources`, Polaris `memoryLimitsMissing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for c in _practice.containers_without(ctx, "memory", "limits"):
        yield ctx.finding(RULE, _practice.anchor(c, "resources"),
                          f"container `{c.name}` sets no memory limit: a leak can take all the node's memory "
                          "(set resources.limits.memory)", path=f"{c.path}.resources.limits.memory")


RULE = Rule(
    code="KL422", name="memory-limit-missing", severity=Severity.WARNING, module=__name__,
    summary="A container without a memory limit",
    check=check, kinds=_practice.POD_KINDS, pack="resources", enabled=False,
)
