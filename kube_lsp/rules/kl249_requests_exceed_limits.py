"""A container requests more of a resource than its limit.

## What it does
Compares each container's `resources.requests` with its `resources.limits`: a request must be less than or
equal to the limit of the same resource. Resources that cannot be overcommitted (hugepages and extended
resources such as `nvidia.com/gpu`) must have a limit, and a request equal to it.

## Why is this bad?
The API server rejects the object: `spec.containers[0].resources.requests: Invalid value: "1": must be less than
or equal to cpu limit of 500m`. An extra zero or `Gi` for `Mi` is the usual slip.

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
      resources:
        requests: {cpu: 1000m, memory: 128Mi}
        limits: {cpu: 500m, memory: 128Mi}
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
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 128Mi}
```

## References
`ValidateContainerResourceRequirements` (`validateResourceRequirements`, `helper.IsOvercommitAllowed`) in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.quantity import parse_quantity
from kube_lsp.rules._pod import (
    POD_KINDS,
    container_resources,
    go_quote,
    overcommit_allowed,
    quantity_error,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule


def _value(node: object) -> Decimal | None:
    if isinstance(node, YScalar):
        if isinstance(node.value, str) and quantity_error(node.value) is not None:
            return None
        return parse_quantity(node.value.strip() if isinstance(node.value, str) else node.value)
    return None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c, limits, requests in container_resources(ctx):
        if requests is None:
            continue
        path = f"{c.path}.resources.requests"
        for k, rnode in requests.pairs:
            name = k.text
            if not isinstance(rnode, YScalar):
                continue
            lnode = limits.get(name) if limits is not None else None
            if lnode is not None and isinstance(lnode, YScalar) and lnode.text == rnode.text:
                continue  # equal: fine for every resource
            req = _value(rnode)
            if req is None:
                continue
            if lnode is None:
                if not overcommit_allowed(name) and not ctx.partial:
                    yield ctx.finding(RULE, k.span, f"Required value: Limit must be set for non overcommitable "
                                      f"resources — set `limits.{name}` equal to the request", path=path)
                continue
            if not isinstance(lnode, YScalar) or lnode.text == rnode.text:
                continue  # equal (the usual case) or not a scalar
            lim = _value(lnode)
            if lim is None:
                continue
            if not overcommit_allowed(name):
                if req != lim:
                    template = (f"Invalid value: {literal(go_quote(rnode.text))}: must be equal to {literal(name)} "
                                f"limit of {literal(lnode.text)} (line {{0}}) — it cannot be overcommitted")
                    yield ctx.finding(RULE, rnode.span, "", path=path, related=(lnode.span,), template=template)
            elif req > lim:
                template = (f"Invalid value: {literal(go_quote(rnode.text))}: must be less than or equal to "
                            f"{literal(name)} limit of {literal(lnode.text)} (line {{0}}) — lower the request or "
                            "raise the limit")
                yield ctx.finding(RULE, rnode.span, "", path=path, related=(lnode.span,), template=template)


RULE = Rule(
    code="KL249", name="requests-exceed-limits", severity=Severity.ERROR, module=__name__,
    summary="A container requests more of a resource than its limit",
    check=check, kinds=POD_KINDS,
)
