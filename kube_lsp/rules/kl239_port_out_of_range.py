"""A container or probe port number is outside 1-65535.

## What it does
Checks `containerPort` (required, 1-65535), `hostPort` (0 for none, else 1-65535) of every container port,
and the port numbers of the probes and lifecycle handlers the API server validates (`httpGet.port`,
`tcpSocket.port`, `grpc.port`).

## Why is this bad?
The API server rejects the object: `spec.containers[0].ports[0].containerPort: Invalid value: 80800: must be
between 1 and 65535, inclusive`. An extra digit is the usual cause.

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
        - containerPort: 80800
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
        - containerPort: 8080
```

## References
`validateContainerPorts` and `ValidatePortNumOrName` (`IsValidPortNum`) in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap
from kube_lsp.rules._pod import POD_KINDS, PORT_RANGE_MSG, int_of, pod_containers, pod_handlers, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    for c in pod_containers(ctx):
        for j, port in seq_maps(c.get("ports")):
            for key in ("containerPort", "hostPort"):
                node = port.get(key)
                value = int_of(node)
                if node is None or value is None:
                    continue
                path = f"{c.path}.ports[{j}].{key}"
                if key == "containerPort" and value == 0:
                    yield ctx.finding(RULE, node.span, "Required value: containerPort must be set to the port the "
                                      "container listens on (1-65535)", path=path)
                elif not 1 <= value <= 65535 and not (key == "hostPort" and value == 0):
                    yield ctx.finding(RULE, node.span, f"Invalid value: {value}: {PORT_RANGE_MSG}", path=path)
    for p in pod_handlers(ctx):
        for action in ("httpGet", "tcpSocket", "grpc"):
            a = p.node.get(action)
            if not isinstance(a, YMap):
                continue
            node = a.get("port")
            value = int_of(node)
            if node is not None and value is not None and not 1 <= value <= 65535:
                yield ctx.finding(RULE, node.span, f"Invalid value: {value}: {PORT_RANGE_MSG}",
                                  path=f"{p.path}.{action}.port")


RULE = Rule(
    code="KL239", name="port-out-of-range", severity=Severity.ERROR, module=__name__,
    summary="A container or probe port number is outside 1-65535",
    check=check, kinds=POD_KINDS,
)
