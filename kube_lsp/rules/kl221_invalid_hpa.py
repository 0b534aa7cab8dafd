"""A HorizontalPodAutoscaler's replica bounds or metrics are not what the API server accepts.

## What it does
Checks `spec.minReplicas` (at least 1: scaling to zero needs the alpha `HPAScaleToZero` feature gate),
`spec.maxReplicas` (at least 1, and at least `minReplicas`), `spec.scaleTargetRef` names, and for
`autoscaling/v2` each metric: its `type` names the one source that is filled in (`resource` for
`Resource`, ...), a Resource or ContainerResource metric targets `averageUtilization` or `averageValue`
(not both), a Pods metric an `averageValue`, targets are positive, metric names are path segments (no
`/` or `%`), a ContainerResource `container` is a DNS label, and `behavior` windows and policies are in
range.

## Why is this bad?
The API server refuses the object: `spec.maxReplicas: Invalid value: 3: must be greater than or equal to
`minReplicas``.

## Example
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 10
  maxReplicas: 3
```

## Use instead
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 3
```

## References
`ValidateHorizontalPodAutoscaler`, `validateHorizontalPodAutoscalerSpec`, `ValidateCrossVersionObjectReference`,
`validateMetricSpec`, `validateMetricTarget`, `validateMetricIdentifier`,
`validateContainerResourceSource` and `validateScalingRules` in
`pkg/apis/autoscaling/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.quantity import parse_quantity
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules.base import ObjectContext, Rule, key_span

_SOURCES = {"Object": "object", "Pods": "pods", "Resource": "resource", "External": "external",
            "ContainerResource": "containerResource"}
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600


def _int(node: YNode | None) -> int | None:
    if isinstance(node, YScalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "autoscaling" or spec is None:
        return
    mn_node, mx_node = spec.get("minReplicas"), spec.get("maxReplicas")
    mn, mx = _int(mn_node), _int(mx_node)
    if mn is not None and mn < 1 and isinstance(mn_node, YScalar):
        yield ctx.finding(RULE, mn_node.span, am.invalid("spec.minReplicas", mn, "must be greater than or equal to 1")
                          + " — scaling to zero needs the alpha HPAScaleToZero feature gate", path="spec.minReplicas")
    if mx is not None and isinstance(mx_node, YScalar):
        if mx < 1:
            yield ctx.finding(RULE, mx_node.span, am.invalid("spec.maxReplicas", mx, "must be greater than 0"),
                              path="spec.maxReplicas")
        if mn is not None and mx < mn and isinstance(mn_node, YScalar):
            text = am.invalid("spec.maxReplicas", mx, "must be greater than or equal to `minReplicas`")
            yield ctx.finding(RULE, mx_node.span, "", path="spec.maxReplicas", related=(mn_node.span,),
                              template=text + f" — minReplicas is {mn} (line {{0}}); raise maxReplicas or lower "
                                              "minReplicas")
    ref = spec.get("scaleTargetRef")
    if isinstance(ref, YMap):
        yield from _object_ref(ctx, ref, "spec.scaleTargetRef")
    if ctx.version == "v1":
        return
    metrics = spec.get("metrics")
    if isinstance(metrics, YSeq):
        for i, m in enumerate(metrics.items):
            if isinstance(m, YMap):
                yield from _metric(ctx, m, f"spec.metrics[{i}]")
    behavior = spec.get("behavior")
    if isinstance(behavior, YMap):
        for direction in ("scaleUp", "scaleDown"):
            rules = behavior.get(direction)
            if isinstance(rules, YMap):
                yield from _scaling_rules(ctx, rules, f"spec.behavior.{direction}")


def _object_ref(ctx: ObjectContext, ref: YMap, path: str) -> Iterator[Finding]:
    for key in ("kind", "name"):
        node = ref.get(key)
        if isinstance(node, YScalar) and isinstance(node.value, str) and node.value:
            for msg in am.is_path_segment_name(node.value):
                yield ctx.finding(RULE, node.span, am.invalid(f"{path}.{key}", node.value, msg), path=f"{path}.{key}")


def _metric(ctx: ObjectContext, m: YMap, path: str) -> Iterator[Finding]:
    t = m.get("type")
    if not isinstance(t, YScalar) or not isinstance(t.value, str) or t.value not in _SOURCES:
        return  # missing or unknown type: the schema's enum says so
    expected = _SOURCES[t.value]
    source = m.get(expected)
    if not isinstance(source, YMap):
        if not ctx.partial:
            yield ctx.finding(RULE, t.span, f"{path}.{expected}: Required value: must populate information for the "
                              f"given metric source — a metric of type {t.value} needs a `{expected}:` section",
                              path=f"{path}.{expected}")
    else:
        yield from _source(ctx, t.value, source, f"{path}.{expected}")
    for other in _SOURCES.values():
        if other != expected and other in m.keys() and isinstance(m.get(other), YMap):
            yield ctx.finding(RULE, key_span(m, other), f"{path}.{other}: Forbidden: must populate the given metric "
                              f"source only — the metric's type is {t.value}: remove `{other}` or change the type",
                              path=f"{path}.{other}")


def _source(ctx: ObjectContext, kind: str, src: YMap, path: str) -> Iterator[Finding]:
    metric = src.get("metric")
    mname = metric.get("name") if isinstance(metric, YMap) else None
    if kind in ("Object", "Pods", "External") and isinstance(mname, YScalar) and isinstance(mname.value, str) \
            and not am.substituted(mname.value):
        for msg in am.is_path_segment_name(mname.value):  # validateMetricIdentifier
            yield ctx.finding(RULE, mname.span, am.invalid(f"{path}.metric.name", mname.value, msg),
                              path=f"{path}.metric.name")
    container = src.get("container")
    if kind == "ContainerResource" and isinstance(container, YScalar) and isinstance(container.value, str) \
            and container.value and not am.substituted(container.value):
        for msg in am.is_dns1123_label(container.value):
            yield ctx.finding(RULE, container.span, am.invalid(f"{path}.container", container.value, msg)
                              + " — name a container of the target's pods", path=f"{path}.container")
    target = src.get("target")
    if not isinstance(target, YMap):
        return  # required by the schema
    tpath = path + ".target"
    for key in ("value", "averageValue"):
        node = target.get(key)
        if isinstance(node, YScalar) and node.value is not None:
            q = parse_quantity(node.value)
            if q is not None and q <= 0:
                yield ctx.finding(RULE, node.span, am.invalid(f"{tpath}.{key}", node.text, "must be positive"),
                                  path=f"{tpath}.{key}")
    util = target.get("averageUtilization")
    u = _int(util)
    if u is not None and u < 1 and isinstance(util, YScalar):
        yield ctx.finding(RULE, util.span, am.invalid(f"{tpath}.averageUtilization", u, "must be greater than 0"),
                          path=f"{tpath}.averageUtilization")
    has = {k: target.get(k) is not None for k in ("value", "averageValue", "averageUtilization")}
    tspan = key_span(src, "target")
    if kind in ("Resource", "ContainerResource"):
        if not has["averageUtilization"] and not has["averageValue"]:
            yield ctx.finding(RULE, tspan, f"{tpath}.averageUtilization: Required value: must set either a target raw "
                              "value or a target utilization — add `averageUtilization` (percent of the request) or "
                              "`averageValue`", path=f"{tpath}.averageUtilization")
        elif has["averageUtilization"] and has["averageValue"]:
            yield ctx.finding(RULE, key_span(target, "averageValue"), f"{tpath}.averageValue: Forbidden: may not set "
                              "both a target raw value and a target utilization", path=f"{tpath}.averageValue")
    elif kind == "Pods" and not has["averageValue"]:
        yield ctx.finding(RULE, tspan, f"{tpath}.averageValue: Required value: must specify a positive target "
                          "averageValue", path=f"{tpath}.averageValue")
    elif kind in ("Object", "External") and not has["value"] and not has["averageValue"]:
        what = "must set either a target value or averageValue" if kind == "Object" else \
            "must set either a target value for metric or a per-pod target"
        yield ctx.finding(RULE, tspan, f"{tpath}.averageValue: Required value: {what}", path=f"{tpath}.averageValue")
    elif kind == "External" and has["value"] and has["averageValue"]:
        yield ctx.finding(RULE, key_span(target, "value"), f"{tpath}.value: Forbidden: may not set both a target "
                          "value for metric and a per-pod target", path=f"{tpath}.value")


def _scaling_rules(ctx: ObjectContext, rules: YMap, path: str) -> Iterator[Finding]:
    sw = rules.get("stabilizationWindowSeconds")
    s = _int(sw)
    if s is not None and isinstance(sw, YScalar):
        if s < 0:
            yield ctx.finding(RULE, sw.span, am.invalid(f"{path}.stabilizationWindowSeconds", s,
                                                        "must be greater than or equal to zero"),
                              path=f"{path}.stabilizationWindowSeconds")
        elif s > MAX_STABILIZATION_WINDOW_SECONDS:
            limit = f"must be less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}"
            yield ctx.finding(RULE, sw.span, am.invalid(f"{path}.stabilizationWindowSeconds", s, limit),
                              path=f"{path}.stabilizationWindowSeconds")
    policies = rules.get("policies")
    if not isinstance(policies, YSeq):
        return
    for i, p in enumerate(policies.items):
        if not isinstance(p, YMap):
            continue
        ppath = f"{path}.policies[{i}]"
        for key in ("value", "periodSeconds"):
            node = p.get(key)
            v = _int(node)
            if v is None or not isinstance(node, YScalar):
                continue
            if v <= 0:
                yield ctx.finding(RULE, node.span, am.invalid(f"{ppath}.{key}", v, "must be greater than zero"),
                                  path=f"{ppath}.{key}")
            elif key == "periodSeconds" and v > MAX_PERIOD_SECONDS:
                yield ctx.finding(RULE, node.span, am.invalid(f"{ppath}.{key}", v,
                                                              f"must be less than or equal to {MAX_PERIOD_SECONDS}"),
                                  path=f"{ppath}.{key}")


RULE = Rule(
    code="KL221", name="invalid-hpa", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"HorizontalPodAutoscaler"}),
    summary="A HorizontalPodAutoscaler's replica bounds or metrics are not what the API server accepts",
)
