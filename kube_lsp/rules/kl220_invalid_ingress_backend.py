"""An Ingress backend sets both or neither of service and resource, or its service name or port is invalid.

## What it does
Checks `spec.defaultBackend` and each `spec.rules[].http.paths[].backend`: exactly one of `service` and
`resource`; a `service` needs a `name` that is a Service name (an RFC 1035 label) and exactly one of
`port.name` (an IANA service name) and `port.number` (1-65535).

## Why is this bad?
The API server refuses the Ingress: `spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set
both port name & port number` or `...backend: Required value: port name or number is required`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
        number: 80
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
```

## References
`validateIngressBackend` in `pkg/apis/networking/validation/validation.go` (`ValidateServiceName`,
`IsValidPortName`, `IsValidPortNum`). A Service name that is an RFC 1123 label but starts with a digit is
only a warning: the `RelaxedServiceNameValidation` feature gate accepts it.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import absent
from kube_lsp.rules.base import ObjectContext, Rule, key_span


def _backends(spec: YMap) -> Iterator[tuple[YMap, YMap, str]]:
    """(parent mapping, backend mapping, path) of every backend."""
    db = spec.get("defaultBackend")
    if isinstance(db, YMap):
        yield spec, db, "spec.defaultBackend"
    rules = spec.get("rules")
    if not isinstance(rules, YSeq):
        return
    for i, rule in enumerate(rules.items):
        http = rule.get("http") if isinstance(rule, YMap) else None
        paths = http.get("paths") if isinstance(http, YMap) else None
        if not isinstance(paths, YSeq):
            continue
        for j, p in enumerate(paths.items):
            if isinstance(p, YMap) and isinstance(b := p.get("backend"), YMap):
                yield p, b, f"spec.rules[{i}].http.paths[{j}].backend"


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "networking.k8s.io" or ctx.version != "v1" or spec is None:
        return
    for parent, backend, path in _backends(spec):
        bspan = key_span(parent, "backend" if path.endswith(".backend") else "defaultBackend")
        svc, res = backend.get("service"), backend.get("resource")
        has_svc, has_res = isinstance(svc, YMap), isinstance(res, YMap)
        if has_svc and has_res:
            yield ctx.finding(RULE, bspan, f'{path}: Invalid value: "": cannot set both resource and service backends '
                              "— keep one of `service` and `resource`", path=path)
            continue
        if not has_svc:
            if not has_res and not ctx.partial and absent(svc) and absent(res):
                yield ctx.finding(RULE, bspan, f'{path}: Invalid value: "": resource or service backend is required '
                                  "— add `service: {name: ..., port: {number: ...}}`", path=path)
            continue
        assert isinstance(svc, YMap)
        name = svc.get("name")
        if isinstance(name, YScalar) and isinstance(name.value, str) and name.value \
                and not am.substituted(name.value):
            msgs = am.name_is_dns1035_label(name.value, False)
            if msgs:
                relaxed = not am.name_is_dns_label(name.value, False)
                npath = path + ".service.name"
                text = "; ".join(am.invalid(npath, name.value, m) for m in msgs)
                if relaxed:
                    yield ctx.finding(RULE, name.span, text + " — rejected unless the cluster enables the "
                                      "RelaxedServiceNameValidation feature gate", path=npath,
                                      severity=Severity.WARNING)
                else:
                    yield ctx.finding(RULE, name.span, text + " — a Service name is a lowercase RFC 1035 label",
                                      path=npath)
        port = svc.get("port")
        pname = port.get("name") if isinstance(port, YMap) else None
        pnum = port.get("number") if isinstance(port, YMap) else None
        has_name = isinstance(pname, YScalar) and isinstance(pname.value, str) and bool(pname.value)
        has_num = isinstance(pnum, YScalar) and isinstance(pnum.value, int) and not isinstance(pnum.value, bool) \
            and pnum.value != 0
        if has_name and has_num:
            assert isinstance(port, YMap)
            yield ctx.finding(RULE, key_span(svc, "port"), f'{path}: Invalid value: "": cannot set both port name & '
                              "port number — keep `number` or `name`", path=path + ".service.port")
        elif has_name:
            assert isinstance(pname, YScalar) and isinstance(pname.value, str)
            if not am.substituted(pname.value):
                msgs = am.is_valid_port_name(pname.value)
                if msgs:
                    ppath = path + ".service.port.name"
                    yield ctx.finding(RULE, pname.span, "; ".join(am.invalid(ppath, pname.value, m) for m in msgs)
                                      + " — `name` is the name of a Service port; use `number` for a port number",
                                      path=ppath)
        elif has_num:
            assert isinstance(pnum, YScalar) and isinstance(pnum.value, int)
            for m in am.is_valid_port_num(pnum.value):
                yield ctx.finding(RULE, pnum.span, am.invalid(path + ".service.port.number", pnum.value, m)
                                  + " — check the port number for a typo", path=path + ".service.port.number")
        elif not ctx.partial and absent(pname) and (absent(pnum) or (isinstance(pnum, YScalar) and pnum.value == 0)):
            span = key_span(svc, "port") if svc.key_node("port") is not None else key_span(backend, "service")
            yield ctx.finding(RULE, span, f"{path}: Required value: port name or number is required — add "
                              "`port: {number: 80}` or `port: {name: http}`", path=path + ".service.port")


RULE = Rule(
    code="KL220", name="invalid-ingress-backend", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Ingress"}),
    summary="An Ingress backend sets both or neither of service and resource, or its service name or port is invalid",
)
