"""A count or duration that must not be negative is negative.

## What it does
Checks the integer fields the API server validates with `ValidateNonnegativeField`: `replicas`,
`minReadySeconds`, `revisionHistoryLimit`, `progressDeadlineSeconds`, rolling-update `maxSurge` /
`maxUnavailable` numbers, StatefulSet `partition`, StatefulSet `ordinals.start`, Job `parallelism`, `completions`,
`activeDeadlineSeconds`, `backoffLimit`, `backoffLimitPerIndex`, `maxFailedIndexes`,
`ttlSecondsAfterFinished`, CronJob `startingDeadlineSeconds`, `successfulJobsHistoryLimit`,
`failedJobsHistoryLimit`, and the probe timings (`initialDelaySeconds`, `timeoutSeconds`, `periodSeconds`,
`successThreshold`, `failureThreshold`) of the probes the API server validates.

## Why is this bad?
The API server rejects the object: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: -1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## References
`ValidateNonnegativeField` in `k8s.io/apimachinery/pkg/api/validation/generic.go`, called by
`ValidateDeploymentSpec`, `ValidateReplicaSetSpec`, `ValidateDaemonSetSpec`, `ValidateStatefulSetSpec`,
`ValidatePositiveIntOrPercent` (`pkg/apis/apps/validation/validation.go`), `ValidateReplicationControllerSpec`,
`validateProbe` (`pkg/apis/core/validation/validation.go`), `validateJobSpec` and `ValidateCronJobSpec`
(`pkg/apis/batch/validation/validation.go`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode
from kube_lsp.rules._pod import NEGATIVE_MSG, WORKLOAD_KINDS, int_of, pod_handlers, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.workloads import WORKLOAD_GROUPS

_PROBE_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")
_JOB_FIELDS = ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
               "backoffLimitPerIndex", "maxFailedIndexes")
_SPEC_FIELDS = {
    "Deployment": ("replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"),
    "ReplicaSet": ("replicas", "minReadySeconds"),
    "ReplicationController": ("replicas", "minReadySeconds"),
    "DaemonSet": ("minReadySeconds", "revisionHistoryLimit"),
    "StatefulSet": ("replicas", "minReadySeconds"),
    "Job": _JOB_FIELDS,
    "CronJob": ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"),
}


def _child(node: YNode | None, *keys: str) -> YMap | None:
    for k in keys:
        node = node.get(k) if isinstance(node, YMap) else None
    return node if isinstance(node, YMap) else None


def _fields(m: YMap | None, names: tuple[str, ...], path: str) -> Iterator[tuple[YNode, int, str]]:
    if m is None:
        return
    for name in names:
        node = m.get(name)
        value = int_of(node)
        if node is not None and value is not None and value < 0:
            yield node, value, f"{path}.{name}"


def _rolling(spec: YMap | None, strategy_key: str, names: tuple[str, ...], path: str
             ) -> Iterator[tuple[YNode, int, str]]:
    strategy = _child(spec, strategy_key)
    if strategy is None or strategy.get_str("type") not in (None, "RollingUpdate"):
        return
    yield from _fields(_child(strategy, "rollingUpdate"), names, f"{path}.{strategy_key}.rollingUpdate")


def _negatives(ctx: ObjectContext) -> Iterator[tuple[YNode, int, str]]:
    spec = ctx.spec
    kind = ctx.kind
    yield from _fields(spec, _SPEC_FIELDS.get(kind, ()), "spec")
    if kind == "Deployment":
        yield from _rolling(spec, "strategy", ("maxUnavailable", "maxSurge"), "spec")
    elif kind == "DaemonSet":
        yield from _rolling(spec, "updateStrategy", ("maxUnavailable", "maxSurge"), "spec")
    elif kind == "StatefulSet":
        yield from _fields(_child(spec, "ordinals"), ("start",), "spec.ordinals")
        yield from _rolling(spec, "updateStrategy", ("partition",), "spec")
    elif kind == "CronJob":
        yield from _fields(_child(spec, "jobTemplate", "spec"), _JOB_FIELDS, "spec.jobTemplate.spec")
    pod = validated_pod(ctx)
    if pod is not None:
        for p in pod_handlers(ctx):
            if p.is_probe:
                yield from _fields(p.node, _PROBE_FIELDS, p.path)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group not in WORKLOAD_GROUPS:
        return
    for node, value, path in _negatives(ctx):
        yield ctx.finding(RULE, node.span, f"Invalid value: {value}: {NEGATIVE_MSG}", path=path)


RULE = Rule(
    code="KL243", name="negative-value", severity=Severity.ERROR, module=__name__,
    summary="A count or duration that must not be negative is negative",
    check=check, kinds=WORKLOAD_KINDS,
)
