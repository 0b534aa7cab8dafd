"""Two containers of one pod give a port the same name.

## What it does
Reports a container port whose `name` (with the same protocol) a port of another container of the same
pod already has (the API server checks port names per container only). Init containers that are not
sidecars (`restartPolicy: Always`) run before the others and are left out.

## Why is this bad?
A Service `targetPort` or a probe naming that port reaches whichever container the lookup finds first
(`FindPort` takes the first match in container order), so traffic meant for one container may go to the
other.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      ports:
        - name: http
          containerPort: 8080
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      ports:
        - name: http
          containerPort: 9901
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      ports:
        - name: http
          containerPort: 8080
    - name: proxy
      image: envoyproxy/envoy:v1.31.0
      ports:
        - name: admin
          containerPort: 9901
```

## References
`validateContainerPorts` in `pkg/apis/core/validation/validation.go` (names unique per container only);
`FindPort` in `pkg/api/v1/pod/util.go` (the first container's port of that name wins).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import pod_containers
from kube_lsp.rules.base import ObjectContext, Rule, maps_in, string_at
from kube_lsp.workloads import TEMPLATE_PATHS


def check(ctx: ObjectContext) -> Iterator[Finding]:
    owner: dict[tuple[str, str], tuple[str, YScalar]] = {}
    for c in pod_containers(ctx, ("initContainers", "containers")):
        if c.list_key == "initContainers" and c.get_str("restartPolicy") != "Always":
            continue
        mine: set[str] = set()
        for j, port in maps_in(c.get("ports")):
            got = string_at(port, "name")
            if got is None:
                continue
            name, node = got
            if name in mine:
                continue  # a duplicate within one container is the API server's (KL2xx) business
            mine.add(name)
            proto = port.get_str("protocol") or "TCP"  # FindPort matches the protocol too
            first = owner.get((name, proto))
            if first is None:
                owner[(name, proto)] = (c.name or "?", node)
                continue
            yield ctx.finding(
                RULE, node.span, "", path=f"{c.path}.ports[{j}].name", related=(first[1].span,),
                template=literal(f"port name `{name}` is also used by container `{first[0]}` (line ") + "{0}"
                + literal(f"): a Service targetPort or probe naming `{name}` reaches `{first[0]}` only"))


RULE = Rule(code="KL531", name="port-name-shared-by-containers", severity=Severity.WARNING,
            summary="Two containers of one pod give a port the same name", module=__name__, check=check,
            kinds=frozenset(TEMPLATE_PATHS))
