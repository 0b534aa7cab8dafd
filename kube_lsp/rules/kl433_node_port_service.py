"""A Service of `type: NodePort`.

## What it does
Reports `spec.type: NodePort` on a Service. Opt-in.

## Why is this bad?
A NodePort opens the port on every node of the cluster, on the nodes' own addresses, usually outside what the
platform's ingress and load balancers control and log. An Ingress, a Gateway or `type: LoadBalancer` exposes a
Service deliberately.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - port: 80
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
  selector: {app: web}
  ports:
    - port: 80
```

## Options
Pack `security`, off by default (NodePort is how many examples and local clusters expose a Service);
`rules: {KL433: warning}` switches it on.

## References
https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport; kube-linter
`exposed-services` (opt-in there), kube-score `service-type`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules.base import ObjectContext, Rule, string_at


def check(ctx: ObjectContext) -> Iterator[Finding]:
    found = string_at(ctx.spec, "type")
    if found is not None and found[0] == "NodePort":
        yield ctx.finding(RULE, found[1].span, "`type: NodePort` opens this port on every node of the cluster; "
                          "expose it through an Ingress, a Gateway or a LoadBalancer", path="spec.type")


RULE = Rule(
    code="KL433", name="node-port-service", severity=Severity.WARNING, module=__name__,
    summary="A Service of `type: NodePort`",
    check=check, kinds=frozenset({"Service"}), pack="security", enabled=False,
)
