"""Two ports of a Service have the same port number (or node port) and protocol.

## What it does
Reports a `spec.ports` item whose `port` and `protocol` (TCP when unset) are those of an earlier item,
and likewise a repeated `nodePort` with the same protocol.

## Why is this bad?
The API server refuses the Service: `spec.ports[1]: Duplicate value: ...` (or
`spec.ports[1].nodePort: Duplicate value: 30080`). The same number may be used once per protocol, e.g.
53/TCP and 53/UDP.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - name: metrics
      port: 80
      targetPort: 9090
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - name: metrics
      port: 9090
      targetPort: 9090
```

## References
`ValidateService` ("Check for duplicate Ports, considering (protocol,port) pairs" and the same for
NodePorts) in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._service import ports
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "" or spec is None:
        return
    seen: dict[tuple[str, int], tuple[YScalar, str]] = {}
    seen_node: dict[tuple[str, int], tuple[YScalar, str]] = {}
    for p in ports(spec):
        proto = p.protocol
        for field, table in (("port", seen), ("nodePort", seen_node)):
            num = p.int_of(field)
            node = p.scalar(field)
            if num is None or node is None or (field == "nodePort" and num == 0):
                continue
            key = (proto, num)
            if key in table:
                first, first_path = table[key]
                path = p.path if field == "port" else p.path + ".nodePort"
                what = "port" if field == "port" else "node port"
                yield ctx.finding(
                    RULE, node.span, "", path=path, related=(first.span,),
                    template=f"{path}: Duplicate value: {what} {num}/{proto} is already used by {first_path} "
                             "(line {0}) — use another number, or another protocol for the same number")
            else:
                table[key] = (node, p.path)


RULE = Rule(
    code="KL216", name="duplicate-service-port", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Service"}),
    summary="Two ports of a Service have the same port number (or node port) and protocol",
)
