"""Two containers of a pod claim the same host port.

## What it does
A host port (with its protocol and host IP) may be claimed once among a pod's containers; each init container
is checked on its own, since init containers run one at a time. The finding is on the repeated `hostPort`
and names the first claim.

## Why is this bad?
The API server rejects the object: `spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"`. A
node can bind a host port only once.

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
        - {containerPort: 80, hostPort: 8080}
    - name: api
      image: busybox:1.36
      ports:
        - {containerPort: 81, hostPort: 8080}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    # Host ports are what Pod Security's baseline level forbids (KL405): say why this pod needs them.
    kube-lsp.io/ignore: "pss-host-ports # runs on dedicated edge nodes"
spec:
  containers:
    - name: web
      image: nginx:1.27
      ports:
        - {containerPort: 80, hostPort: 8080}
    - name: api
      image: busybox:1.36
      ports:
        - {containerPort: 81, hostPort: 8081}
```

## References
`checkHostPortConflicts` / `AccumulateUniqueHostPorts` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.parsing.nodes import YNode
from kube_lsp.rules._pod import POD_KINDS, go_quote, int_of, pod_containers, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.workloads import Container


def _claims(group: tuple[Container, ...]) -> Iterator[tuple[str, YNode, str, str]]:
    for c in group:
        for j, port in seq_maps(c.get("ports")):
            node = port.get("hostPort")
            value = int_of(node)
            if node is None or not value:
                continue
            protocol = port.get_str("protocol") or "TCP"
            host_ip = port.get_str("hostIP") or ""
            yield f"{protocol}/{host_ip}/{value}", node, f"{c.path}.ports[{j}].hostPort", c.path.rsplit(".", 1)[-1]


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    groups: list[tuple[Container, ...]] = [(c,) for c in pod_containers(ctx, ("initContainers",))]
    groups.append(pod_containers(ctx, ("containers",)))
    for group in groups:
        seen: dict[str, tuple[YNode, str]] = {}
        for key, node, path, owner in _claims(group):
            first = seen.get(key)
            if first is None:
                seen[key] = (node, owner)
                continue
            yield ctx.finding(RULE, node.span, "", path=path, related=(first[0].span,), template=(
                f"Duplicate value: {literal(go_quote(key))}: {literal(first[1])} claims this host port already "
                "(line {0}) — use another hostPort, or none"))


RULE = Rule(
    code="KL258", name="duplicate-host-port", severity=Severity.ERROR, module=__name__,
    summary="Two containers of a pod claim the same host port",
    check=check, kinds=POD_KINDS,
)
