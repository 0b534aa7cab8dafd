"""A count or duration that must not be negative is negative.

## What it does
Checks the integer fields the API server validates with `ValidateNonnegativeField`: `replicas`,
`minReadySeconds`, `revisionHistoryLimit`, `progressDeadlineSeconds`, rolling-update `maxSurge` /
`maxUnavailable` numbers, StatefulSet `partition`, StatefulSet `ordinals.start`, Job `parallelism`, `completions`,
`activeDeadlineSeconds`, `backoffLimit`, `backoffLimitPerIndex`, `maxFailedIndexes`,
`ttlSecondsAfterFinished`, CronJob `startingDeadlineSeconds`, `successfulJobsHistoryLimit`,
`failedJobsHistoryLimit`, and the probe timings (`initialDelaySeconds`, `timeoutSeconds`, `periodSeconds`,
`successThreshold`, `failureThreshold`) of the probes the API server validates (a PodDisruptionBudget's
negative `minAvailable` / `maxUnavailable` is KL223's). User and group IDs (`runAsUser`, `runAsGroup`, `fsGroup`,
`supplementalGroups`) must be between 0 and 2147483647.

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
(`pkg/apis/batch/validation/validation.go`); `IsValidUserID` / `IsValidGroupID` (via `ValidateSecurityContext`
and `validatePodSpecSecurityContext`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules._pod import NEGATIVE_MSG, WORKLOAD_KINDS, int_of, pod_containers, pod_handlers, validated_pod
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


def _fields(m: YMap | None, names: tuple[str, ...], path: str, low: bool = True
            ) -> Iterator[tuple[YNode, int, str]]:
    """Negative integers among `names` of `m` (with `low` False: those out of 0..2147483647)."""
    if m is None:
        return
    pairs = m.pairs if not m.merges else [(k, v) for k in m.keys() if (v := m.get(k)) is not None]
    for k, node in pairs:
        name = k.text if isinstance(k, YScalar) else k
        if name not in names:
            continue
        value = int_of(node)
        if value is not None and (value < 0 if low else not 0 <= value <= _ID_MAX):
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


_ID_MAX = 2147483647
_POD_IDS = ("runAsUser", "runAsGroup", "fsGroup")
_CONTAINER_IDS = ("runAsUser", "runAsGroup")


def _ids(ctx: ObjectContext) -> Iterator[tuple[YNode, int, str]]:
    """User and group IDs out of 0..2147483647 (IsValidUserID / IsValidGroupID)."""
    pod = validated_pod(ctx)
    if pod is None:
        return
    sc = _child(pod.spec, "securityContext")
    yield from _fields(sc, _POD_IDS, f"{pod.path}.securityContext", low=False)
    if sc is not None and isinstance(groups := sc.get("supplementalGroups"), YSeq):
        for i, g in enumerate(groups.items):
            gid = int_of(g)
            if gid is not None and not 0 <= gid <= _ID_MAX:
                yield g, gid, f"{pod.path}.securityContext.supplementalGroups[{i}]"
    for c in pod_containers(ctx):
        csc = c.get("securityContext")
        if isinstance(csc, YMap):
            yield from _fields(csc, _CONTAINER_IDS, f"{c.path}.securityContext", low=False)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group not in WORKLOAD_GROUPS:
        return
    for node, value, path in _negatives(ctx):
        yield ctx.finding(RULE, node.span, f"Invalid value: {value}: {NEGATIVE_MSG}", path=path)
    for node, value, path in _ids(ctx):
        yield ctx.finding(RULE, node.span, f"Invalid value: {value}: must be between 0 and {_ID_MAX}, inclusive",
                          path=path)


RULE = Rule(
    code="KL243", name="negative-value", severity=Severity.ERROR, module=__name__,
    summary="A count or duration that must not be negative is negative",
    check=check, kinds=WORKLOAD_KINDS,
)
