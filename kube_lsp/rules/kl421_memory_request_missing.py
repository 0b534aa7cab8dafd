"""A container without a memory request.

## What it does
Reports each container and init container of a pod or pod template that sets no `resources.requests.memory`
(a limit alone also sets the request). Kustomize patches are not checked (the base may set it).

## Why is this bad?
Without a memory request the scheduler places the pod as if it needed no memory: nodes get overcommitted,
and under memory pressure the kubelet evicts such pods first (a pod without any request is QoS BestEffort).

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
              memory: 128Mi
```

## Options
Pack `resources`, off by default: most containers of the clean files of the corpora set no resources at all
(bench/pack_counts.py), so a default rule would underline nearly every example.
`packs: {resources: on}` in `.kube-lsp.yaml` switches it on with the rest of the pack (KL421-KL424).
`kube-lsp resources PATH` prints what each workload requests.

## References
https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/; kube-linter `unset-memory-requirements`,
kube-score `container-resources`, Polaris `memoryRequestsMissing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for c in _practice.containers_without(ctx, "memory", "requests"):
        yield ctx.finding(RULE, _practice.anchor(c, "resources"),
                          f"container `{c.name}` sets no memory request: the scheduler cannot place it by its needs "
                          "(set resources.requests.memory)", path=f"{c.path}.resources.requests.memory")


RULE = Rule(
    code="KL421", name="memory-request-missing", severity=Severity.WARNING, module=__name__,
    summary="A container without a memory request",
    check=check, kinds=_practice.POD_KINDS, pack="resources", enabled=False,
)
