"""The pod template's `restartPolicy` is not allowed for this kind of workload.

## What it does
The pods of Deployments, ReplicaSets, DaemonSets, StatefulSets and ReplicationControllers run until they are
replaced: their template's `restartPolicy` must be `Always` (the default). The pods of Jobs and CronJobs run
to completion: `restartPolicy` must be `OnFailure` or `Never`, and since it defaults to `Always`, a Job's
template must set it.

## Why is this bad?
The API server rejects the object: `spec.template.spec.restartPolicy: Unsupported value: "Never": supported
values: "Always"`, or for a Job `Unsupported value: "Always": supported values: "OnFailure", "Never"`.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      restartPolicy: Never
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
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      restartPolicy: Always
      containers:
        - name: web
          image: nginx:1.27
```

## Fix
Sets `Always` for the long-running kinds (safe); offers `Never` and `OnFailure` for Jobs (to review: they
differ in whether the container restarts in place).

## References
`ValidatePodTemplateSpecForReplicaSet`, `ValidateDaemonSetSpec`, `ValidateStatefulSetSpec`
(`pkg/apis/apps/validation/validation.go`), `ValidatePodTemplateSpecForRC`
(`pkg/apis/core/validation/validation.go`) and `validateJobSpec` (`pkg/apis/batch/validation/validation.go`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity, Span, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules._pod import any_pod, replace_scalar
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.workloads import LONG_RUNNING, TEMPLATE_PATHS

_JOBS = frozenset({"Job", "CronJob"})
_VALID = ("Always", "OnFailure", "Never")


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = any_pod(ctx)
    if pod is None:
        return
    node = pod.spec.get("restartPolicy")
    path = f"{pod.path}.restartPolicy"
    if node is not None and not isinstance(node, YScalar):
        return
    value = node.value if node is not None else None
    if value is not None and value not in _VALID:
        return  # not one of the three: the schema check reports it
    if ctx.kind in LONG_RUNNING:
        if isinstance(node, YScalar) and value in ("OnFailure", "Never"):
            yield ctx.finding(RULE, node.span, f'Unsupported value: "{value}": supported values: "Always" — the pods '
                              f"of a {ctx.kind} run until they are replaced; use a Job for pods that run to completion",
                              path=path, fixes=(replace_scalar(node, "Always", "Set restartPolicy to Always"),))
        return
    if ctx.kind not in _JOBS:
        return
    if isinstance(node, YScalar) and value == "Always":
        yield ctx.finding(RULE, node.span, 'Unsupported value: "Always": supported values: "OnFailure", "Never" — a '
                          f"{ctx.kind}'s pods run to completion", path=path,
                          fixes=tuple(replace_scalar(node, v, f"Set restartPolicy to {v}", safe=False)
                                      for v in ("Never", "OnFailure")))
    elif value is None and not ctx.partial:
        yield ctx.finding(RULE, _spec_key(ctx, pod.spec), 'Unsupported value: "Always": supported values: '
                          f'"OnFailure", "Never" — restartPolicy defaults to Always, which a {ctx.kind} does not '
                          "support; set `restartPolicy: Never` or `OnFailure` in the pod template", path=path,
                          fixes=_insert(pod.spec))


def _spec_key(ctx: ObjectContext, spec: YMap) -> Span:
    node = ctx.root
    for k in TEMPLATE_PATHS[ctx.kind]:
        nxt = node.get(k)
        if not isinstance(nxt, YMap):
            return spec.span
        node = nxt
    key = node.key_node("spec")
    return key.span if key is not None else spec.span


def _insert(spec: YMap) -> tuple[Fix, ...]:
    if spec.flow or not spec.pairs or spec.pairs[0][0].value is None:
        return ()
    first = spec.pairs[0][0].span.start
    indent = " " * first.col
    return tuple(Fix(f"Set restartPolicy: {v}", (TextEdit(Span.point(first.line, first.col),
                                                          f"restartPolicy: {v}\n{indent}"),), safe=False)
                 for v in ("Never", "OnFailure"))


RULE = Rule(
    code="KL246", name="restart-policy-not-allowed", severity=Severity.ERROR, module=__name__,
    summary="The pod template's `restartPolicy` is not allowed for this kind of workload",
    check=check, kinds=LONG_RUNNING | _JOBS,
)
