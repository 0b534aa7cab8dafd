"""A probe setting the API server does not allow for that probe.

## What it does
Checks the probe settings that are valid numbers but not allowed: `successThreshold` of a liveness or
startup probe must be 1 (`must be 1`); a readiness probe may not set `terminationGracePeriodSeconds`
(`must not be set for readinessProbes`); a probe's `terminationGracePeriodSeconds` must be greater than 0.
A `successThreshold` of 0 is defaulted to 1 and accepted.

## Why is this bad?
The API server rejects the object: `spec.containers[0].livenessProbe.successThreshold: Invalid value: 3: must
be 1`. Liveness and startup probes succeed once; only readiness probes count successes.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      livenessProbe:
        httpGet: {path: /, port: 80}
        successThreshold: 2
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      livenessProbe:
        httpGet: {path: /, port: 80}
        successThreshold: 1
```

## Fix
Sets a liveness or startup probe's `successThreshold` to 1.

## References
`validateLivenessProbe`, `validateReadinessProbe`, `validateStartupProbe` and `validateProbe` in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, int_of, key_or_node, pod_handlers, replace_scalar, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for p in pod_handlers(ctx):
        if not p.is_probe:
            continue
        node = p.node.get("successThreshold")
        value = int_of(node)
        if p.kind != "readinessProbe" and isinstance(node, YScalar) and value is not None and value > 1:
            yield ctx.finding(RULE, node.span, f"Invalid value: {value}: must be 1 — a {p.kind} succeeds after one "
                              "success; only a readinessProbe counts successes",
                              path=f"{p.path}.successThreshold",
                              fixes=(replace_scalar(node, "1", "Set successThreshold to 1"),))
        grace = p.node.get("terminationGracePeriodSeconds")
        if grace is None or (isinstance(grace, YScalar) and grace.value is None):
            continue
        path = f"{p.path}.terminationGracePeriodSeconds"
        if p.kind == "readinessProbe":
            yield ctx.finding(RULE, key_or_node(p.node, "terminationGracePeriodSeconds"),
                              f"Invalid value: {grace.text if isinstance(grace, YScalar) else '...'}: must not be set "
                              "for readinessProbes — a failing readiness probe never kills the container", path=path)
        elif (g := int_of(grace)) is not None and g <= 0:
            yield ctx.finding(RULE, grace.span, f"Invalid value: {g}: must be greater than 0", path=path)


RULE = Rule(
    code="KL242", name="invalid-probe-setting", severity=Severity.ERROR, module=__name__,
    summary="A probe setting the API server does not allow for that probe",
    check=check, kinds=POD_KINDS,
)
