"""A Service's fields do not fit its type (ExternalName without externalName, a headless NodePort, ...).

## What it does
Checks the cross-field rules of `ValidateService` after defaulting (`type` is ClusterIP when unset):

- `ports` is required unless the Service is headless (`clusterIP: None`) or of type ExternalName;
- a NodePort or LoadBalancer Service may not be headless;
- an ExternalName Service needs `externalName`, a DNS subdomain (a trailing `.` is fine), and may not set
  `clusterIP`, `ipFamilies` or `ipFamilyPolicy`;
- `nodePort` may not be used when the type is ClusterIP;
- `loadBalancerSourceRanges` and `allocateLoadBalancerNodePorts` only with type LoadBalancer;
- `externalTrafficPolicy` only for externally reachable Services (NodePort, LoadBalancer, or ClusterIP
  with `externalIPs`); `healthCheckNodePort` only for LoadBalancer with `externalTrafficPolicy: Local`;
- `sessionAffinityConfig` may not be set when `sessionAffinity` is None.

## Why is this bad?
The API server refuses the Service, e.g. `spec.externalName: Required value` or `spec.clusterIPs[0]:
Invalid value: "None": may not be set to 'None' for NodePort services`.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  type: ExternalName
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  type: ExternalName
  externalName: db.example.com
```

## References
`ValidateService`, `validateServiceExternalTrafficPolicy` in `pkg/apis/core/validation/validation.go`;
`ExternallyAccessible` and `NeedsHealthCheck` in `pkg/api/service/util.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import (
    KNOWN_TYPES,
    absent,
    cluster_ips,
    empty_list,
    is_headless,
    ports,
    present,
    service_type,
)
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "" or spec is None:
        return
    stype = service_type(spec)
    if stype not in KNOWN_TYPES or any("{{" in ip or am.substituted(ip) for ip in cluster_ips(spec)):
        return  # a type or clusterIP the API server does not know (KL202), or one a template fills in
    headless = is_headless(spec)
    type_node = spec.get("type")
    type_span = type_node.span if isinstance(type_node, YScalar) else key_span(ctx.root, "spec")

    def f(key: str, message: str) -> Finding:
        return ctx.finding(RULE, key_span(spec, key) if spec.key_node(key) is not None else type_span,
                           message, path=f"spec.{key}")

    if not ctx.partial and empty_list(spec.get("ports")) and not headless and stype != "ExternalName":
        span = key_span(spec, "ports") if spec.key_node("ports") is not None else key_span(ctx.root, "spec")
        yield ctx.finding(RULE, span, "spec.ports: Required value — a Service needs at least one port (unless it "
                          "is headless, `clusterIP: None`, or of type ExternalName)", path="spec.ports")
    if stype in ("LoadBalancer", "NodePort") and headless:
        ip = spec.get("clusterIP") if spec.key_node("clusterIP") is not None else spec.get("clusterIPs")
        span = ip.span if isinstance(ip, YScalar) else (ip.items[0].span if isinstance(ip, YSeq) and ip.items
                                                        else type_span)
        yield ctx.finding(RULE, span, f'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for '
                          f"{stype} services — remove `clusterIP: None`, or use type ClusterIP for a headless Service",
                          path="spec.clusterIP")
    if stype == "ExternalName":
        if cluster_ips(spec):
            key = "clusterIP" if spec.key_node("clusterIP") is not None else "clusterIPs"
            yield f(key, "spec.clusterIPs: Forbidden: may not be set for ExternalName services — remove "
                         f"`{key}`")
        for key in ("ipFamilies", "ipFamilyPolicy"):
            node = spec.get(key)
            if present(node) and not (isinstance(node, YSeq) and not node.items):
                yield f(key, f"spec.{key}: Forbidden: may not be set for ExternalName services — remove `{key}`")
        en = spec.get("externalName")
        name = en.value if isinstance(en, YScalar) and isinstance(en.value, str) else ""
        cname = name.removesuffix(".")
        if cname:
            msgs = [] if am.substituted(cname) else am.is_dns1123_subdomain(cname)
            if msgs and isinstance(en, YScalar):
                yield ctx.finding(RULE, en.span, "; ".join(am.invalid("spec.externalName", cname, m) for m in msgs)
                                  + " — externalName is a DNS name such as `db.example.com` (no scheme, port or path)",
                                  path="spec.externalName")
        elif not ctx.partial and absent(en):
            yield f("externalName", "spec.externalName: Required value — an ExternalName Service needs the DNS name "
                                    "it stands for, e.g. `externalName: db.example.com`")
    if stype == "ClusterIP":
        for p in ports(spec):
            np = p.int_of("nodePort")
            node = p.scalar("nodePort")
            if np and node is not None:
                yield ctx.finding(RULE, node.span, f"{p.path}.nodePort: Forbidden: may not be used when `type` is "
                                  "'ClusterIP' — remove it, or set `type: NodePort`", path=p.path + ".nodePort")
    if stype != "LoadBalancer":
        lbsr = spec.get("loadBalancerSourceRanges")
        if isinstance(lbsr, YSeq) and lbsr.items:
            yield f("loadBalancerSourceRanges", "spec.LoadBalancerSourceRanges: Forbidden: may only be used when "
                                                "`type` is 'LoadBalancer'")
        if present(spec.get("allocateLoadBalancerNodePorts")):
            yield f("allocateLoadBalancerNodePorts", "spec.allocateLoadBalancerNodePorts: Forbidden: may only be "
                                                     "used when `type` is 'LoadBalancer'")
    ext_ips = spec.get("externalIPs")
    externally = stype in ("LoadBalancer", "NodePort") or (stype == "ClusterIP" and isinstance(ext_ips, YSeq)
                                                          and bool(ext_ips.items))
    etp = spec.get("externalTrafficPolicy")
    if not externally and isinstance(etp, YScalar) and isinstance(etp.value, str) and etp.value:
        yield ctx.finding(RULE, etp.span, am.invalid("spec.externalTrafficPolicy", etp.value,
                                                     "may only be set for externally-accessible services")
                          + f" — remove it (a {stype} Service is not reachable from outside the cluster)",
                          path="spec.externalTrafficPolicy")
    needs_hc = stype == "LoadBalancer" and isinstance(etp, YScalar) and etp.value == "Local"
    hc = spec.get("healthCheckNodePort")
    if not needs_hc and isinstance(hc, YScalar) and isinstance(hc.value, int) and not isinstance(hc.value, bool) \
            and hc.value != 0:
        yield ctx.finding(RULE, hc.span, am.invalid("spec.healthCheckNodePort", hc.value, "may only be set when "
                                                    "`type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
                          path="spec.healthCheckNodePort")
    sa = spec.get("sessionAffinity")
    affinity = sa.value if isinstance(sa, YScalar) and isinstance(sa.value, str) and sa.value else "None"
    if affinity == "None" and present(spec.get("sessionAffinityConfig")):
        yield f("sessionAffinityConfig", "spec.sessionAffinityConfig: Forbidden: must not be set when session "
                                         "affinity is None — remove it, or set `sessionAffinity: ClientIP`")


RULE = Rule(
    code="KL217", name="invalid-service-spec", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Service"}),
    summary="A Service's fields do not fit its type (ExternalName without externalName, a headless NodePort, ...)",
)
