"""A probe or lifecycle handler names a port the container does not define.

## What it does
A probe or lifecycle handler may give its port by name (`httpGet.port: http`); the kubelet looks the name up
among the `ports` of the same container. This warns when no port of the container has that name.

## Why is this bad?
The API server accepts it, but the kubelet cannot resolve the port: the probe fails every time, so a liveness
probe restarts the container forever and a readiness probe keeps the pod out of its Services.

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
      readinessProbe:
        httpGet: {path: /, port: htpp}
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
      readinessProbe:
        httpGet: {path: /, port: http}
```

## Fix
Renames the reference to the container's one port name that is a typo away.

## References
The kubelet's `findPortByName` (`pkg/kubelet/prober/prober.go`, `pkg/kubelet/lifecycle/handlers.go`); the API
server only checks the name's syntax (`ValidatePortNumOrName` in `pkg/apis/core/validation/validation.go`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules._pod import (
    POD_KINDS,
    go_quote,
    pod_handlers,
    port_name_errors,
    replace_scalar,
    seq_maps,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule
from kube_lsp.suggest import suggest


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.partial:  # the ports may be in the base
        return
    pod = validated_pod(ctx)
    if pod is None:
        return
    for p in pod_handlers(ctx):
        ports = p.container.get("ports")
        names = []
        unknown = False
        for _, port in seq_maps(ports):
            name = port.get("name")
            if isinstance(name, YScalar) and isinstance(name.value, str):
                names.append(name.value)
            elif name is not None:
                unknown = True
        if unknown:
            continue
        for action in ("httpGet", "tcpSocket"):
            a = p.node.get(action)
            if not isinstance(a, YMap):
                continue
            node = a.get("port")
            if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                continue
            if node.value in names or port_name_errors(node.value):
                continue  # found, or not a valid name at all (reported as such)
            close = suggest(node.value, names)
            fixes: tuple[Fix, ...] = ()
            if close:
                hint = f"did you mean `{close[0]}`?"
                if len(close) == 1:
                    fixes = (replace_scalar(node, close[0], f"Use port `{close[0]}`"),)
            elif names:
                hint = "its ports are named " + ", ".join(f"`{n}`" for n in names)
            else:
                hint = "it has no named ports; name the port or use its number"
            yield ctx.finding(RULE, node.span, f"the container has no port named {go_quote(node.value)}: the kubelet "
                              f"cannot resolve it and the {p.kind} always fails — {hint}",
                              path=f"{p.path}.{action}.port", fixes=fixes)


RULE = Rule(
    code="KL240", name="probe-port-not-defined", severity=Severity.WARNING, module=__name__,
    summary="A probe or lifecycle handler names a port the container does not define",
    check=check, kinds=POD_KINDS,
)
