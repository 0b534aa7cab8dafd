"""A container's liveness probe is identical to its readiness probe.

## What it does
Reports a `livenessProbe` that is the same as the container's `readinessProbe` (same handler, same timings).

## Why is this bad?
The two probes answer different questions: readiness "should this pod get traffic now?", liveness "is this
process beyond repair?". When they are the same check, a pod that is only busy (a slow dependency, a long
garbage collection) fails both: it is taken out of the Service and then restarted, and under load this
restarts pods one after another instead of letting them recover. Make the liveness probe check less (the
process answers at all) or fail later (a higher `failureThreshold`).

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
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          livenessProbe:
            httpGet: {path: /ready, port: 8080}
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
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            failureThreshold: 6
```

## Options
Pack `reliability`, off by default: it fires on 10 of the 224 clean corpus files and 17 of the 179 clean
semantic-case files (bench/pack_counts.py), mostly microservices-demo, which checks one gRPC health endpoint for
both on purpose. `packs: {reliability: on}` or `rules: {KL427: warning}` switches it on.

## References
https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/; kube-score
`pod-probes-identical`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, to_python
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None:
        return
    for c in pod.containers:
        live, ready = c.node.get("livenessProbe"), c.node.get("readinessProbe")
        if not isinstance(live, YMap) or not isinstance(ready, YMap) or not live.pairs:
            continue
        if to_python(live) == to_python(ready):
            yield ctx.finding(RULE, key_span(c.node, "livenessProbe"),
                              f"the liveness probe of container `{c.name}` is the same as its readiness probe: a busy "
                              "pod is taken out of the Service and then restarted; check less, or fail later, in "
                              "the liveness probe", path=f"{c.path}.livenessProbe")


RULE = Rule(
    code="KL427", name="identical-probes", severity=Severity.WARNING, module=__name__,
    summary="A container's liveness probe is identical to its readiness probe",
    check=check, kinds=_practice.POD_KINDS, pack="reliability", enabled=False,
)
