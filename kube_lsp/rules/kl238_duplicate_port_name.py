"""Two ports of a container have the same name.

## What it does
Checks that the (valid) names of a container's `ports` are unique within that container. The finding is on
the repeated name and names the first one.

## Why is this bad?
The API server rejects the object: `spec.containers[0].ports[1].name: Duplicate value: "http"`. Services and
probes pick a port by its name, which must therefore be unambiguous.

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
      ports:
        - {name: http, containerPort: 80}
        - {name: http, containerPort: 443}
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
      ports:
        - {name: http, containerPort: 80}
        - {name: https, containerPort: 443}
```

## References
`validateContainerPorts` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, go_quote, pod_containers, port_name_errors, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:  # a patch's ports are merged with the base's
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx):
        seen: dict[str, YScalar] = {}
        for j, port in seq_maps(c.get("ports")):
            node = port.get("name")
            if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                continue
            if port_name_errors(node.value):
                continue  # an invalid name is reported as such, never as a duplicate
            first = seen.get(node.value)
            if first is None:
                seen[node.value] = node
                continue
            yield ctx.finding(RULE, node.span, "", path=f"{c.path}.ports[{j}].name", related=(first.span,), template=(
                f"Duplicate value: {literal(go_quote(node.value))}: the port on line {{0}} of this container has this "
                "name already — port names must be unique within a container"))


RULE = Rule(
    code="KL238", name="duplicate-port-name", severity=Severity.ERROR, module=__name__,
    summary="Two ports of a container have the same name",
    check=check, kinds=POD_KINDS,
)
