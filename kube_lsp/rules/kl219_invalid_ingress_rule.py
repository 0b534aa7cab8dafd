"""An Ingress host, path or TLS host is not what the API server accepts.

## What it does
Checks `spec.rules[].host` (a DNS name, not an IP address; no scheme, port or path; a wildcard `*` only
as the whole first label, as in `*.example.com`), `spec.rules[].http.paths[].path` (an absolute path
starting with `/`; for `Exact` and `Prefix` also without `//`, `/./`, `/../`, `%2f` and not ending in
`/.` or `/..`), that an `http` rule has paths, `spec.tls[].hosts` and `spec.tls[].secretName`,
`spec.ingressClassName`, that rules or a default backend are given, and that the
`kubernetes.io/ingress.class` annotation agrees with `ingressClassName`.

## Why is this bad?
The API server refuses the Ingress: `spec.rules[0].host: Invalid value: "https://example.com": a lowercase
RFC 1123 subdomain must consist of ...` or `spec.rules[0].http.paths[0].path: Invalid value: "api": must
be an absolute path`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: https://example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
```

## Use instead
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
```

## Fix
Removes a `http://` or `https://` scheme, a `:port` and a trailing `/path` from a host, and adds the
missing leading `/` to a path, when the result is valid.

## References
`ValidateIngressSpec`, `validateIngressRules`, `validateHTTPIngressPath`, `validateIngressTLS` and
`ValidateIngressCreate` in `pkg/apis/networking/validation/validation.go`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._meta import replacement
from kube_lsp.rules.base import ObjectContext, Rule, key_span

_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES = ("/..", "/.")
_URLISH = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?([^/:]+)(?::[0-9]*)?(?:/.*)?$")


def _host_errors(host: str) -> list[str]:
    errs = []
    if am.parse_ip_sloppy(host):
        errs.append("must be a DNS name, not an IP address")
    if "*" in host:
        errs.extend(am.is_wildcard_dns1123_subdomain(host))
    else:
        errs.extend(am.is_dns1123_subdomain(host))
    return errs


def _str(node: object) -> YScalar | None:
    return node if isinstance(node, YScalar) and isinstance(node.value, str) else None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "networking.k8s.io" or ctx.version != "v1" or spec is None:
        return
    rules = spec.get("rules")
    has_rules = isinstance(rules, YSeq) and bool(rules.items)
    if not ctx.partial and not has_rules and spec.get("defaultBackend") is None:
        yield ctx.finding(RULE, key_span(ctx.root, "spec"), "spec: Invalid value: either `defaultBackend` or `rules` "
                          "must be specified — add a rule, or a default backend", path="spec")
    if isinstance(rules, YSeq):
        for i, rule in enumerate(rules.items):
            if not isinstance(rule, YMap):
                continue
            rpath = f"spec.rules[{i}]"
            host = _str(rule.get("host"))
            if host is not None and host.value and not am.substituted(host.value):
                yield from _host(ctx, host, rpath + ".host")
            http = rule.get("http")
            if isinstance(http, YMap):
                yield from _http(ctx, http, rpath + ".http")
    tls = spec.get("tls")
    if isinstance(tls, YSeq):
        for i, item in enumerate(tls.items):
            if not isinstance(item, YMap):
                continue
            hosts = item.get("hosts")
            if isinstance(hosts, YSeq):
                for j, h in enumerate(hosts.items):
                    hs = _str(h)
                    if hs is not None and not am.substituted(hs.value):
                        # validateIngressTLS checks the wildcard or subdomain format, not IP addresses.
                        msgs = (am.is_wildcard_dns1123_subdomain(hs.value) if "*" in hs.value
                                else am.is_dns1123_subdomain(hs.value))
                        if msgs:
                            yield _finding(ctx, hs, f"spec.tls[{i}].hosts[{j}]", msgs, _fixed_host(hs.value, False))
            secret = _str(item.get("secretName"))
            if secret is not None and secret.value and not am.substituted(secret.value):
                msgs = am.name_is_dns_subdomain(secret.value, False)
                if msgs:
                    yield _finding(ctx, secret, f"spec.tls[{i}].secretName", msgs, "")
    icn = _str(spec.get("ingressClassName"))
    if icn is not None and not am.substituted(icn.value):
        msgs = am.name_is_dns_subdomain(icn.value, False)
        if msgs:
            yield _finding(ctx, icn, "spec.ingressClassName", msgs, "")
        md = ctx.metadata
        ann = md.get("annotations") if md is not None else None
        cls = _str(ann.get("kubernetes.io/ingress.class")) if isinstance(ann, YMap) else None
        if cls is not None and cls.value != icn.value:
            yield ctx.finding(RULE, cls.span, am.invalid("annotations.kubernetes.io/ingress.class", cls.value,
                                                         "must match `ingressClassName` when both are specified")
                              + f" — `ingressClassName` is {icn.value!r}; drop the deprecated annotation",
                              path="metadata.annotations.kubernetes.io/ingress.class")


def _host(ctx: ObjectContext, host: YScalar, path: str) -> Iterator[Finding]:
    value = host.value
    assert isinstance(value, str)
    msgs = _host_errors(value)
    if msgs:
        yield _finding(ctx, host, path, msgs, _fixed_host(value, True))


def _fixed_host(value: str, rule_host: bool) -> str:
    m = _URLISH.match(value.strip())
    if m is None:
        return ""
    cand = m.group(1).lower()
    if cand == value or (_host_errors(cand) if rule_host else am.is_dns1123_subdomain(cand)):
        return ""
    return cand


def _http(ctx: ObjectContext, http: YMap, hpath: str) -> Iterator[Finding]:
    paths = http.get("paths")
    if not isinstance(paths, YSeq) or not paths.items:
        if not ctx.partial and not (paths is not None and not isinstance(paths, YSeq)):
            span = key_span(http, "paths") if http.key_node("paths") is not None else http.span
            yield ctx.finding(RULE, span, f"{hpath}.paths: Required value — an `http` rule needs at least one path",
                              path=hpath + ".paths")
        return
    for j, item in enumerate(paths.items):
        if not isinstance(item, YMap):
            continue
        ppath = f"{hpath}.paths[{j}]"
        pt = _str(item.get("pathType"))
        if pt is None:
            continue  # missing pathType: the schema reports it; the API server stops here too
        path = _str(item.get("path"))
        value = path.value if path is not None else ""
        if path is not None and am.substituted(value):
            continue
        msgs: list[str] = []
        if pt.value in ("Exact", "Prefix"):
            if not value.startswith("/"):
                msgs.append("must be an absolute path")
            if value:
                msgs.extend(f"must not contain '{s}'" for s in _INVALID_SEQUENCES if s in value)
                msgs.extend(f"cannot end with '{s}'" for s in _INVALID_SUFFIXES if value.endswith(s))
        elif pt.value == "ImplementationSpecific":
            if value and not value.startswith("/"):
                msgs.append("must be an absolute path")
        if not msgs:
            continue
        fixed = "/" + value if not value.startswith("/") and msgs == ["must be an absolute path"] else ""
        if path is None:
            yield ctx.finding(RULE, key_span(item, "pathType"), f'{ppath}.path: Invalid value: "": must be an '
                              f"absolute path — pathType {pt.value} needs a `path` such as `/`", path=ppath + ".path")
        else:
            yield _finding(ctx, path, ppath + ".path", msgs, fixed)


def _finding(ctx: ObjectContext, node: YScalar, path: str, msgs: list[str], fixed: str) -> Finding:
    value = node.value
    assert isinstance(value, str)
    fixes = (Fix(f"Change to `{fixed}`", (replacement(node, fixed),)),) if fixed else ()
    hint = f" — did you mean `{fixed}`?" if fixed else ""
    if path.endswith(".host") and not fixed:
        hint = " — a host is a DNS name such as `example.com` or `*.example.com`, without scheme, port or path"
    return ctx.finding(RULE, node.span, "; ".join(am.invalid(path, value, m) for m in msgs) + hint, path=path,
                       fixes=fixes)


RULE = Rule(
    code="KL219", name="invalid-ingress-rule", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Ingress"}),
    summary="An Ingress host, path or TLS host is not what the API server accepts",
)
