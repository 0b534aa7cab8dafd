"""A Service nodePort is outside the default node port range 30000-32767.

## What it does
Warns about a `spec.ports[].nodePort` of a NodePort or LoadBalancer Service outside 30000-32767, the range
of a cluster started with the default `--service-node-port-range`.

## Why is this bad?
Unless the cluster's range was changed, the API server refuses the Service: `spec.ports[0].nodePort:
Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767`.
It is a warning because the range is a setting of each cluster.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      nodePort: 8080
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      nodePort: 30080
```

## References
The node port allocator (`pkg/registry/core/service/portallocator`), whose range is the API server's
`--service-node-port-range` (default 30000-32767, `kubeoptions.DefaultServiceNodePortRange`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._service import ports, service_type
from kube_lsp.rules.base import ObjectContext, Rule

LOW, HIGH = 30000, 32767


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "" or spec is None or service_type(spec) not in ("NodePort", "LoadBalancer"):
        return  # on a ClusterIP Service any nodePort is forbidden (KL217)
    for p in ports(spec):
        num = p.int_of("nodePort")
        node = p.scalar("nodePort")
        if num is None or node is None or num == 0 or LOW <= num <= HIGH:
            continue
        yield ctx.finding(RULE, node.span, f"{p.path}.nodePort: Invalid value: {num}: provided port is not in the "
                          f"valid range. The range of valid ports is {LOW}-{HIGH} (the default "
                          "--service-node-port-range; your cluster may differ) — pick a port in that range, or leave "
                          "nodePort out to get one assigned", path=p.path + ".nodePort")


RULE = Rule(
    code="KL218", name="node-port-out-of-range", severity=Severity.WARNING, module=__name__, check=check,
    kinds=frozenset({"Service"}),
    summary="A Service nodePort is outside the default node port range 30000-32767",
)
