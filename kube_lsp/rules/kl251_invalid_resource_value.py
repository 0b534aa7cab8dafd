"""A container resource quantity is negative, fractional where it must be whole, or hugepages are misused.

## What it does
Checks the values of every container's `resources.limits` and `resources.requests`: no quantity may be
negative; extended resources (`nvidia.com/gpu`) are counted in whole units; a `hugepages-<size>` quantity must
be a multiple of the page size, and hugepages need a `cpu` or `memory` request or limit as well.

## Why is this bad?
The API server rejects the object: `spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value:
"500m": must be an integer`, `... Invalid value: "-1": must be greater than or equal to 0`, or
`spec.containers[0].resources: Forbidden: HugePages require cpu or memory`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: train
spec:
  containers:
    - name: train
      image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
      resources:
        limits: {nvidia.com/gpu: 0.5, memory: 8Gi}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: train
spec:
  containers:
    - name: train
      image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
      resources:
        limits: {nvidia.com/gpu: 1, memory: 8Gi}
```

## References
`validateResourceRequirements`, `ValidateResourceQuantityValue` (`ValidateNonnegativeQuantity`) and
`validateResourceQuantityHugePageValue` in `pkg/apis/core/validation/validation.go`; `IsIntegerResourceName` and
`IsHugePageResourceValueDivisible` in `pkg/apis/core/helper/helpers.go`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.quantity import parse_quantity
from kube_lsp.rules._pod import (
    NEGATIVE_MSG,
    POD_KINDS,
    container_resources,
    go_quote,
    is_native,
    qualified_name_errors,
    quantity_error,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule


def _quantity(node: object) -> Decimal | None:
    if not isinstance(node, YScalar):
        return None
    if isinstance(node.value, str):
        if quantity_error(node.value) is not None:
            return None
        return parse_quantity(node.value.strip())
    return parse_quantity(node.value)


def _extended(name: str) -> bool:
    """helper.IsExtendedResourceName (the integer-counted resources of a container)."""
    return not is_native(name) and not name.startswith("requests.") and not qualified_name_errors("requests." + name)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c, limits, requests in container_resources(ctx):
        hugepages = cpu_or_memory = False
        for key, m in (("limits", limits), ("requests", requests)):
            if m is None:
                continue
            for k, vnode in m.pairs:
                name = k.text
                hugepages = hugepages or name.startswith("hugepages-")
                cpu_or_memory = cpu_or_memory or name in ("cpu", "memory")
                if not isinstance(vnode, YScalar):
                    continue
                if not (vnode.text.startswith("-") or "/" in name or name.startswith("hugepages-")):
                    continue  # only a negative, an extended resource or hugepages can be wrong here
                value = _quantity(vnode)
                if value is None:
                    continue
                path = f"{c.path}.resources.{key}[{name}]"
                shown = go_quote(vnode.text)
                if value < 0:
                    yield ctx.finding(RULE, vnode.span, f"Invalid value: {shown}: {NEGATIVE_MSG}", path=path)
                elif _extended(name) and value != value.to_integral_value():
                    yield ctx.finding(RULE, vnode.span, f"Invalid value: {shown}: must be an integer — {name} is "
                                      "counted in whole devices", path=path)
                elif name.startswith("hugepages-"):
                    page = parse_quantity(name.removeprefix("hugepages-"))
                    if page is None or page <= 0 or page != page.to_integral_value() or \
                            int(value) % int(page) != 0:
                        yield ctx.finding(RULE, vnode.span, f"Invalid value: {shown}: {vnode.text} is not positive "
                                          f"integer multiple of {name}", path=path)
        res = c.get("resources")
        if hugepages and not cpu_or_memory and res is not None:
            res_key = c.node.key_node("resources")
            span = res_key.span if res_key is not None else res.span
            yield ctx.finding(RULE, span, "Forbidden: HugePages require cpu or memory — request or limit cpu or "
                              "memory as well", path=f"{c.path}.resources")


RULE = Rule(
    code="KL251", name="invalid-resource-value", severity=Severity.ERROR, module=__name__,
    summary="A container resource quantity is negative, fractional where it must be whole, or hugepages are misused",
    check=check, kinds=POD_KINDS,
)
