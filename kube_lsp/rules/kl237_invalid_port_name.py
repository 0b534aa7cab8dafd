"""A port name is not a valid IANA service name.

## What it does
Checks the `name` of every container port, and every probe or lifecycle handler port given by name
(`httpGet.port`, `tcpSocket.port`), against the API server's rule for port names (an IANA_SVC_NAME): at most
15 characters, only lower-case letters, digits and `-`, at least one letter, no `-` at either end and no
`--`. A quoted number (`port: "8080"`) is a name, not a number, and fails the same way.

## Why is this bad?
The API server rejects the object: `spec.containers[0].ports[0].name: Invalid value: "HTTP_API": must contain
only alpha-numeric characters (a-z, 0-9), and hyphens (-)`.

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
        - {name: http_web, containerPort: 80}
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
        - {name: http-web, containerPort: 80}
```

## Fix
Lower-cases the name and turns `_` and `.` into `-` when that gives a valid name no other port of the
container uses (probes that refer to the old name are renamed with it); unquotes a quoted port number.

## References
`validateContainerPorts` and `ValidatePortNumOrName` in `pkg/apis/core/validation/validation.go`;
`IsValidPortName` in `k8s.io/apimachinery/pkg/util/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules._pod import (
    POD_KINDS,
    Probe,
    go_quote,
    pod_containers,
    pod_handlers,
    port_name_errors,
    seq_maps,
    validated_pod,
)
from kube_lsp.rules.base import ObjectContext, Rule


def _handler_ports(probes: list[Probe]) -> Iterator[tuple[Probe, str, YScalar]]:
    for p in probes:
        for action in ("httpGet", "tcpSocket"):
            a = p.node.get(action)
            if isinstance(a, YMap):
                port = a.get("port")
                if isinstance(port, YScalar) and isinstance(port.value, str):
                    yield p, action, port


def check(ctx: ObjectContext) -> Iterator[Finding]:
    pod = validated_pod(ctx)
    if pod is None:
        return
    probes = list(pod_handlers(ctx))
    for c in pod_containers(ctx):
        named = [(j, port, port.get("name")) for j, port in seq_maps(c.get("ports"))]
        used = {n.value for _, _, n in named if isinstance(n, YScalar) and isinstance(n.value, str)}
        for j, _, node in named:
            if not isinstance(node, YScalar) or not isinstance(node.value, str) or not node.value:
                continue
            errs = port_name_errors(node.value)
            if not errs:
                continue
            better = node.value.lower().replace("_", "-").replace(".", "-")
            fixes: tuple[Fix, ...] = ()
            hint = "use at most 15 lower-case letters, digits and '-'"
            if better != node.value and not port_name_errors(better) and better not in used:
                refs = [p for p, _, pnode in _handler_ports(probes)
                        if p.container.node is c.node and pnode.value == node.value]
                edits = [TextEdit(node.span, _quoted(node, better))]
                edits += [TextEdit(pn.span, _quoted(pn, better)) for _, _, pn in _handler_ports(refs)
                          if pn.value == node.value]
                fixes = (Fix(f"Rename the port to `{better}`", tuple(edits)),)
                hint = f"did you mean `{better}`?"
            yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(node.value)}: {', '.join(errs)} — {hint}",
                              path=f"{c.path}.ports[{j}].name", fixes=fixes)
    for p, action, node in _handler_ports(probes):
        errs = port_name_errors(node.value)
        if not errs:
            continue
        fixes = ()
        hint = "a port name must be a valid IANA service name"
        if node.value.isdigit() and node.style in ("'", '"'):
            fixes = (Fix(f"Use the port number {int(node.value)}", (TextEdit(node.span, str(int(node.value))),)),)
            hint = "a quoted number is a port name; remove the quotes to use the number"
        yield ctx.finding(RULE, node.span, f"Invalid value: {go_quote(node.value)}: {', '.join(errs)} — {hint}",
                          path=f"{p.path}.{action}.port", fixes=fixes)


def _quoted(node: YScalar, text: str) -> str:
    quote = node.style if node.style in ("'", '"') else ""
    return f"{quote}{text}{quote}"


RULE = Rule(
    code="KL237", name="invalid-port-name", severity=Severity.ERROR, module=__name__,
    summary="A port name is not a valid IANA service name",
    check=check, kinds=POD_KINDS,
)
