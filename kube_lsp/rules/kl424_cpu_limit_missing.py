"""A container without a CPU limit.

## What it does
Reports each container and init container of a pod or pod template that sets no `resources.limits.cpu`.
Kustomize patches are not checked (the base may set it).

## Why is this bad?
Some platforms require CPU limits to cap noisy neighbours. Many teams deliberately leave CPU unlimited,
because a limit throttles the container even on an idle node: so no CPU-limit nagging by default.

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
              cpu: 500m
```

## Options
Pack `resources`, off by default: most containers of the clean files of the corpora set no resources at all
(bench/pack_counts.py), so a default rule would underline nearly every example.
`packs: {resources: on}` switches it on with the whole pack; add `rules: {KL424: off}`
to keep CPU limits out, or `rules: {KL424: warning}` alone to check only them.
`kube-lsp resources PATH` prints what each workload requests.

## References
https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/; kube-linter `unset-cpu-requirements`,
kube-score `container-resources`, Polaris `cpuLimitsMissing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    for c in _practice.containers_without(ctx, "cpu", "limits"):
        yield ctx.finding(RULE, _practice.anchor(c, "resources"),
                          f"container `{c.name}` sets no CPU limit: it may use every idle core of the node "
                          "(set resources.limits.cpu)", path=f"{c.path}.resources.limits.cpu")


RULE = Rule(
    code="KL424", name="cpu-limit-missing", severity=Severity.WARNING, module=__name__,
    summary="A container without a CPU limit",
    check=check, kinds=_practice.POD_KINDS, pack="resources", enabled=False,
)
