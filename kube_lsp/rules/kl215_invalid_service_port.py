"""A Service port has a number out of range, an invalid targetPort, or a missing, invalid or repeated name.

## What it does
Checks each item of a Service's `spec.ports` as `validateServicePort` does: `port` between 1 and 65535;
`targetPort` a number between 1 and 65535 or the name of a container port (an IANA service name: at
most 15 lower-case letters, digits and single `-`, with at least one letter); `name` a lowercase RFC 1123
label, required as soon as there is more than one port, and unique; `appProtocol` a qualified name.

## Why is this bad?
The API server refuses the Service: `spec.ports[0].port: Invalid value: 80800: must be between 1 and
65535, inclusive`, `spec.ports[1].name: Duplicate value: "http"` or `spec.ports[1].name: Required value`.

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
    - name: http
      port: 443
      targetPort: 8443
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
    - name: https
      port: 443
      targetPort: 8443
```

## Fix
Unquotes a `targetPort` written as a quoted number (`"8080"` → `8080`), which the API server reads as a
port name.

## References
`validateServicePort` and `ValidatePortNumOrName` in `pkg/apis/core/validation/validation.go`
(`IsValidPortNum`, `IsValidPortName`, `IsDNS1123Label`); a `targetPort` of 0 or "" is defaulted to `port`
(`SetDefaults_Service`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.parsing.nodes import YScalar
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import absent, ports
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "" or spec is None:
        return
    plist = ports(spec)
    names: dict[str, YScalar] = {}
    for p in plist:
        name = p.scalar("name")
        if name is not None and isinstance(name.value, str) and name.value:
            path = p.path + ".name"
            msgs = am.is_dns1123_label(name.value)
            if msgs:
                yield ctx.finding(RULE, name.span, "; ".join(am.invalid(path, name.value, m) for m in msgs)
                                  + " — a Service port name is a lowercase RFC 1123 label such as `http` or `grpc-web`",
                                  path=path)
            if name.value in names:
                first = names[name.value]
                yield ctx.finding(
                    RULE, name.span, "", path=path, related=(first.span,),
                    template=f"{path}: Duplicate value: {am.go_quote(name.value).replace('{', '{{').replace('}', '}}')}"
                             " — another port of this Service (line {0}) already has this name; give each port its "
                             "own name")
            else:
                names[name.value] = name
        elif len(plist) > 1 and not ctx.partial and absent(p.node.get("name")):
            span = key_span(p.node, "port") if p.node.key_node("port") is not None else p.node.span
            yield ctx.finding(RULE, span, f"{p.path}.name: Required value — a Service with more than one port must "
                              "name each of them", path=p.path + ".name")
        port = p.scalar("port")
        num = p.int_of("port")
        if port is not None and num is not None:
            for m in am.is_valid_port_num(num):
                yield ctx.finding(RULE, port.span, am.invalid(p.path + ".port", num, m)
                                  + " — check the port number for a typo", path=p.path + ".port")
        yield from _target_port(ctx, p.scalar("targetPort"), p.path + ".targetPort")
        app = p.scalar("appProtocol")
        if app is not None and isinstance(app.value, str):
            msgs = am.is_qualified_name(app.value)
            if msgs:
                yield ctx.finding(RULE, app.span, "; ".join(am.invalid(p.path + ".appProtocol", app.value, m)
                                                            for m in msgs)
                                  + " — use a name such as `http`, `kubernetes.io/h2c` or `example.com/custom`",
                                  path=p.path + ".appProtocol")


def _target_port(ctx: ObjectContext, tp: YScalar | None, path: str) -> Iterator[Finding]:
    if tp is None:
        return
    value = tp.value
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if value == 0:
            return  # defaulted to `port`
        for m in am.is_valid_port_num(value):
            yield ctx.finding(RULE, tp.span, am.invalid(path, value, m) + " — check the port number for a typo",
                              path=path)
    elif isinstance(value, str) and value and not am.substituted(value):
        msgs = am.is_valid_port_name(value)
        if msgs:
            hint = ("a string targetPort names a container port (an IANA service name such as `http`)")
            fixes: tuple[Fix, ...] = ()
            if value.isascii() and value.isdigit() and not am.is_valid_port_num(int(value)):
                hint += f"; write the number unquoted: `targetPort: {int(value)}`"
                fixes = (Fix(f"Unquote: `{int(value)}`", (TextEdit(tp.span, str(int(value))),)),)
            yield ctx.finding(RULE, tp.span, "; ".join(am.invalid(path, value, m) for m in msgs) + f" — {hint}",
                              path=path, fixes=fixes)


RULE = Rule(
    code="KL215", name="invalid-service-port", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Service"}),
    summary="A Service port has a number out of range, an invalid targetPort, or a missing, invalid or repeated name",
)
