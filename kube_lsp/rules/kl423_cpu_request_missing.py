"""A container without a CPU request.

## What it does
Reports each container and init container of a pod or pod template that sets no `resources.requests.cpu`
(a limit alone also sets the request). Kustomize patches are not checked (the base may set it).

## Why is this bad?
Without a CPU request the scheduler places the pod as if it needed no CPU, and under contention the
container gets the smallest CPU share of the node.

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
            requests:
              cpu: 100m
```

## Options
Pack `resources`, off by default: most containers of the clean files of the corpora set no resources at all
(bench/pack_counts.py), so a default rule would underline nearly every example.
`packs: {resources: on}` in `.kube-lsp.yaml` switches it on with the rest of the pack (KL421-KL424).
`kube-lsp resources PATH` prints what each workload requests.

## References
https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/; kube-linter `unset-cpu-requirements`,
kube-score `container-resources`, Polaris `cpuRequestsMissing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for c in _practice.containers_without(ctx, "cpu", "requests"):
        yield ctx.finding(RULE, _practice.anchor(c, "resources"),
                          f"container `{c.name}` sets no CPU request: the scheduler cannot place it by its needs "
                          "(set resources.requests.cpu)", path=f"{c.path}.resources.requests.cpu")


RULE = Rule(
    code="KL423", name="cpu-request-missing", severity=Severity.WARNING, module=__name__,
    summary="A container without a CPU request",
    check=check, kinds=_practice.POD_KINDS, pack="resources", enabled=False,
)
