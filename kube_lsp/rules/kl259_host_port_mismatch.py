"""A pod on the host network sets a `hostPort` other than its `containerPort`.

## What it does
With `hostNetwork: true` a container listens on the node itself, so a port's `hostPort`, when set, must be
its `containerPort` (an unset one is filled in with it).

## Why is this bad?
The API server rejects the object: `spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match
`containerPort` when `hostNetwork` is true`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  hostNetwork: true
  containers:
    - name: agent
      image: busybox:1.36
      ports:
        - {containerPort: 9100, hostPort: 19100}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
  annotations:
    # The host network and ports are what Pod Security's baseline level forbids (KL401, KL405).
    kube-lsp.io/ignore: "pss-host-namespaces, pss-host-ports # a node exporter"
spec:
  hostNetwork: true
  containers:
    - name: agent
      image: busybox:1.36
      ports:
        - {containerPort: 9100, hostPort: 9100}
```

## Fix
Sets `hostPort` to the `containerPort`.

## References
`validatePodHostNetworkDeps` in `pkg/apis/core/validation/validation.go`; `SetDefaults_PodSpec`
(`defaultHostNetworkPorts`) in `pkg/apis/core/v1/defaults.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules._pod import POD_KINDS, int_of, pod_containers, replace_scalar, seq_maps, validated_pod
from kube_lsp.rules.base import ObjectContext, Rule


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    host = pod.spec.get("hostNetwork")
    if not (isinstance(host, YScalar) and host.value is True):
        return
    for c in pod_containers(ctx, ("containers",)):
        for j, port in seq_maps(c.get("ports")):
            node = port.get("hostPort")
            hp, cp = int_of(node), int_of(port.get("containerPort"))
            if not isinstance(node, YScalar) or hp is None or cp is None or hp == 0 or hp == cp:
                continue
            yield ctx.finding(RULE, node.span, f"Invalid value: {hp}: must match `containerPort` when `hostNetwork` "
                              f"is true — the container listens on the node's port {cp}",
                              path=f"{c.path}.ports[{j}].hostPort",
                              fixes=(replace_scalar(node, str(cp), f"Set hostPort to {cp}"),))


RULE = Rule(
    code="KL259", name="host-port-mismatch", severity=Severity.ERROR, module=__name__,
    summary="A pod on the host network sets a `hostPort` other than its `containerPort`",
    check=check, kinds=POD_KINDS,
)
