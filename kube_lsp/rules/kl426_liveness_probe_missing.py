"""A long-running workload's container without a liveness probe.

## What it does
Reports each container (not init containers) of a Deployment, StatefulSet, DaemonSet, ReplicaSet or
ReplicationController that has no `livenessProbe`. Pods, Jobs and CronJobs are not checked: they run to completion
or are managed by hand. Kustomize patches are not checked (the base may set it).

## Why is this bad?
Without a liveness probe a process that hangs (a deadlock, a stuck event loop) keeps running and keeps its pod
Ready forever; only a probe makes the kubelet restart it.

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
          ports:
            - containerPort: 8080
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
          ports:
            - containerPort: 8080
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
```

## Options
Pack `reliability`, off by default: most long-running containers of the clean files of the corpora have no
livenessProbe (bench/pack_counts.py). `packs: {reliability: on}` in `.kube-lsp.yaml` switches it on.

## References
https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/; kube-linter `no-liveness-probe`,
kube-score `pod-probes`, Polaris `livenessProbeMissing`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules import _practice
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = _practice.pod_of(ctx)
    if pod is None or ctx.partial:
        return
    for c in pod.containers:
        if c.list_key == "containers" and c.node.get("livenessProbe") is None:
            yield ctx.finding(RULE, _practice.anchor(c),
                              f"container `{c.name}` of this {ctx.kind} has no livenessProbe",
                              path=f"{c.path}.livenessProbe")


RULE = Rule(
    code="KL426", name="liveness-probe-missing", severity=Severity.WARNING, module=__name__,
    summary="A long-running workload's container without a liveness probe",
    check=check, kinds=_practice.LONG_RUNNING, pack="reliability", enabled=False,
)
