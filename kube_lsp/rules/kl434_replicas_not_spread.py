"""A workload with several replicas and nothing that spreads them over nodes or zones.

## What it does
Reports `replicas` above 1 on a Deployment, StatefulSet or ReplicaSet whose pod template has neither
`topologySpreadConstraints` nor a `podAntiAffinity`. Opt-in.

## Why is this bad?
The scheduler's default spreading is a preference weighed against everything else: all replicas may land on one
node or zone, and one node failure then takes the whole workload down.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
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
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels: {app: api}
      containers:
        - name: api
          image: registry.example.com/api:1.8.0
```

## Options
Pack `reliability`, off by default (few clean corpus files spread their replicas);
`rules: {KL434: warning}` switches it on.

## References
https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/; kube-linter
`no-anti-affinity`, kube-score `deployment-has-host-podantiaffinity`, Polaris `topologySpreadConstraint`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    spec = ctx.spec
    if pod is None or spec is None or ctx.partial:
        return
    replicas = spec.get("replicas")
    if not isinstance(replicas, YScalar) or not isinstance(replicas.value, int) or replicas.value < 2:
        return
    if pod.spec.get("topologySpreadConstraints") is not None:
        return
    affinity = pod.spec.get("affinity")
    if isinstance(affinity, YMap) and affinity.get("podAntiAffinity") is not None:
        return
    yield ctx.finding(RULE, replicas.span, f"{replicas.value} replicas and no topologySpreadConstraints or "
                      "podAntiAffinity: they may all run on one node", path="spec.replicas")


RULE = Rule(
    code="KL434", name="replicas-not-spread", severity=Severity.WARNING, module=__name__,
    summary="A workload with several replicas and nothing that spreads them over nodes or zones",
    check=check, kinds=frozenset({"Deployment", "StatefulSet", "ReplicaSet"}), pack="reliability", enabled=False,
)
