"""An admission webhook's name, side effects, review versions, timeout, client config or rules are invalid.

## What it does
Checks each webhook of a ValidatingWebhookConfiguration or MutatingWebhookConfiguration
(`admissionregistration.k8s.io/v1`): `name` is a DNS subdomain of at least three segments
(`check.example.com`) and unique in the object; `sideEffects` is `None` or `NoneOnDryRun`;
`admissionReviewVersions` is not empty, has no repeats and includes `v1` or `v1beta1`; `timeoutSeconds` is
1-30; `clientConfig` has exactly one of `url` (https, with a host, no user, query or fragment) and
`service` (a name, a namespace, a port 1-65535 and a path whose segments are DNS subdomains); each rule
lists `operations`, `apiGroups`, `apiVersions` and `resources`, and `*` alone.

## Why is this bad?
The API server refuses the configuration: `webhooks[0].name: Invalid value: "validate": should be a
domain with at least three segments separated by dots`.

## Example
```yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service:
        name: policy
        namespace: policy-system
        path: /validate
```

## Use instead
```yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    sideEffects: None
    admissionReviewVersions: ["v1"]
    clientConfig:
      service:
        name: policy
        namespace: policy-system
        path: /validate
```

## References
`validateValidatingWebhook`, `validateMutatingWebhook`, `validateAdmissionReviewVersions`,
`validateRuleWithOperations` and `validateRule` in `pkg/apis/admissionregistration/validation/validation.go`;
`IsFullyQualifiedName` in `k8s.io/apimachinery/pkg/util/validation`; `ValidateWebhookURL` and
`ValidateWebhookService` in `k8s.io/apiserver/pkg/util/webhook/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YNode, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import absent
from kube_lsp.rules.base import ObjectContext, Rule, key_span

_FORM = "; desired format: https://host[/path]"
_OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")


def _str(node: YNode | None) -> str | None:
    return node.value if isinstance(node, YScalar) and isinstance(node.value, str) else None


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group != "admissionregistration.k8s.io" or ctx.version != "v1":
        return
    hooks = ctx.root.get("webhooks")
    if not isinstance(hooks, YSeq):
        return
    names: dict[str, YScalar] = {}
    for i, hook in enumerate(hooks.items):
        if not isinstance(hook, YMap):
            continue
        path = f"webhooks[{i}]"
        name = hook.get("name")
        n = _str(name)
        if isinstance(name, YScalar) and n and not am.substituted(n):
            yield from _name(ctx, name, n, path + ".name")
            if n in names:
                yield ctx.finding(RULE, name.span, "", path=path + ".name", related=(names[n].span,),
                                  template=f"{path}.name: Duplicate value: {am.go_quote(n)} — another webhook "
                                           "(line {0}) has this name; webhook names must be unique")
            else:
                names[n] = name
        se = _str(hook.get("sideEffects"))
        se_node = hook.get("sideEffects")
        if se is not None and isinstance(se_node, YScalar) and se not in ("None", "NoneOnDryRun"):
            yield ctx.finding(RULE, se_node.span, f'{path}.sideEffects: Unsupported value: {am.go_quote(se)}: '
                              'supported values: "None", "NoneOnDryRun" — in admissionregistration.k8s.io/v1 a '
                              "webhook must have no side effects, or skip them on dry runs", path=path + ".sideEffects")
        yield from _review_versions(ctx, hook, path)
        to = hook.get("timeoutSeconds")
        if isinstance(to, YScalar) and isinstance(to.value, int) and not isinstance(to.value, bool) \
                and not 1 <= to.value <= 30:
            yield ctx.finding(RULE, to.span, am.invalid(path + ".timeoutSeconds", to.value,
                                                        "the timeout value must be between 1 and 30 seconds"),
                              path=path + ".timeoutSeconds")
        cc = hook.get("clientConfig")
        if isinstance(cc, YMap):
            yield from _client_config(ctx, hook, cc, path + ".clientConfig")
        rules = hook.get("rules")
        if isinstance(rules, YSeq):
            for j, rule in enumerate(rules.items):
                if isinstance(rule, YMap):
                    yield from _rule(ctx, rule, f"{path}.rules[{j}]")


def _name(ctx: ObjectContext, node: YScalar, name: str, path: str) -> Iterator[Finding]:
    errs = am.is_dns1123_subdomain(name)
    if errs:
        msg = ",".join(errs)
    elif len(name.split(".")) < 3:
        msg = "should be a domain with at least three segments separated by dots"
    else:
        return
    yield ctx.finding(RULE, node.span, am.invalid(path, name, msg) + " — name the webhook like a domain you own, "
                      "e.g. `validate.policy.example.com`", path=path)


def _review_versions(ctx: ObjectContext, hook: YMap, path: str) -> Iterator[Finding]:
    node = hook.get("admissionReviewVersions")
    if not isinstance(node, YSeq):
        return  # absent: the schema's required field
    vpath = path + ".admissionReviewVersions"
    if not node.items:
        yield ctx.finding(RULE, key_span(hook, "admissionReviewVersions"), f"{vpath}: Required value: must specify "
                          'one of v1, v1beta1 — e.g. `admissionReviewVersions: ["v1"]`', path=vpath)
        return
    seen: set[str] = set()
    accepted = False
    for k, item in enumerate(node.items):
        v = _str(item)
        if v is None or not isinstance(item, YScalar):
            continue
        if v in seen:
            yield ctx.finding(RULE, item.span, am.invalid(f"{vpath}[{k}]", v, "duplicate version"),
                              path=f"{vpath}[{k}]")
            continue
        seen.add(v)
        for m in am.is_dns1035_label(v):
            yield ctx.finding(RULE, item.span, am.invalid(f"{vpath}[{k}]", v, m), path=f"{vpath}[{k}]")
        accepted = accepted or v in ("v1", "v1beta1")
    if not accepted and seen:
        yield ctx.finding(RULE, key_span(hook, "admissionReviewVersions"), f"{vpath}: Invalid value: must include at "
                          "least one of v1, v1beta1", path=vpath)


def _client_config(ctx: ObjectContext, hook: YMap, cc: YMap, path: str) -> Iterator[Finding]:
    url, svc = cc.get("url"), cc.get("service")
    has_url, has_svc = not absent(url), not absent(svc)
    if has_url == has_svc:
        if not ctx.partial:
            yield ctx.finding(RULE, key_span(hook, "clientConfig"), f"{path}: Required value: exactly one of url or "
                              "service is required", path=path)
        return
    if has_url:
        u = _str(url)
        if u is None or am.substituted(u) or not isinstance(url, YScalar):
            return
        try:
            parts = urlsplit(u)
        except ValueError as exc:
            yield ctx.finding(RULE, url.span, f"{path}.url: Required value: url must be a valid URL: {exc}{_FORM}",
                              path=path + ".url")
            return
        msgs = []
        if parts.scheme != "https":
            msgs.append(am.invalid(path + ".url", parts.scheme, "'https' is the only allowed URL scheme" + _FORM))
        if not parts.netloc.rpartition("@")[2]:
            msgs.append(am.invalid(path + ".url", "", "host must be specified" + _FORM))
        if "@" in parts.netloc:
            msgs.append(am.invalid(path + ".url", parts.netloc.rpartition("@")[0],
                                   "user information is not permitted in the URL"))
        if parts.fragment:
            msgs.append(am.invalid(path + ".url", parts.fragment, "fragments are not permitted in the URL"))
        if parts.query:
            msgs.append(am.invalid(path + ".url", parts.query, "query parameters are not permitted in the URL"))
        if msgs:
            yield ctx.finding(RULE, url.span, "; ".join(msgs), path=path + ".url")
        return
    assert isinstance(svc, YMap)
    spath = path + ".service"
    for key in ("name", "namespace"):
        if not _str(svc.get(key)) and not ctx.partial and svc.get(key) is None:
            yield ctx.finding(RULE, key_span(cc, "service"), f"{spath}.{key}: Required value: service {key} is "
                              "required", path=f"{spath}.{key}")
    port = svc.get("port")
    if isinstance(port, YScalar) and isinstance(port.value, int) and not isinstance(port.value, bool):
        errs = am.is_valid_port_num(port.value)
        if errs:
            yield ctx.finding(RULE, port.span, am.invalid(spath + ".port", port.value, "port is not valid: "
                                                          + ", ".join(errs)), path=spath + ".port")
    p = svc.get("path")
    pv = _str(p)
    if isinstance(p, YScalar) and pv and pv != "/" and not am.substituted(pv):
        msgs = _service_path_errors(pv)
        if msgs:
            yield ctx.finding(RULE, p.span, "; ".join(am.invalid(spath + ".path", pv, m) for m in msgs),
                              path=spath + ".path")


def _service_path_errors(path: str) -> list[str]:
    if path == "//":
        return ["segment[0] may not be empty"]
    errs = []
    if not path.startswith("/"):
        errs.append("must start with a '/'")
    check = path[1:]
    if check.endswith("/"):
        check = check[:-1]
    for i, step in enumerate(check.split("/")):
        if not step:
            errs.append(f"segment[{i}] may not be empty")
            continue
        errs.extend(f"segment[{i}]: {m}" for m in am.is_dns1123_subdomain(step))
    return errs


def _rule(ctx: ObjectContext, rule: YMap, path: str) -> Iterator[Finding]:
    ops = rule.get("operations")
    first = rule.pairs[0][0].span if rule.pairs else rule.span
    if ctx.partial:
        return
    for key in ("operations", "apiGroups", "apiVersions", "resources"):
        node = rule.get(key)
        if not isinstance(node, YSeq) or not node.items:
            if node is None or isinstance(node, YSeq) or (isinstance(node, YScalar) and node.value is None):
                span = key_span(rule, key) if rule.key_node(key) is not None else first
                yield ctx.finding(RULE, span, f"{path}.{key}: Required value — list the {key} the webhook is for, "
                                  'or `["*"]` for all', path=f"{path}.{key}")
            continue
        values = [_str(v) for v in node.items]
        if len(values) > 1 and "*" in values:
            what = {"operations": "operations", "apiGroups": "API groups", "apiVersions": "API versions",
                    "resources": "resources"}[key]
            if key != "resources":
                yield ctx.finding(RULE, key_span(rule, key), f"{path}.{key}: Invalid value: if '*' is present, must "
                                  f"not specify other {what}", path=f"{path}.{key}")
    if isinstance(ops, YSeq):
        for k, op in enumerate(ops.items):
            v = _str(op)
            if v is not None and v not in _OPERATIONS and isinstance(op, YScalar):
                supported = ", ".join(f'"{o}"' for o in _OPERATIONS)
                yield ctx.finding(RULE, op.span, f"{path}.operations[{k}]: Unsupported value: {am.go_quote(v)}: "
                                  f"supported values: {supported}", path=f"{path}.operations[{k}]")


RULE = Rule(
    code="KL227", name="invalid-webhook-configuration", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}),
    summary="An admission webhook's name, side effects, review versions, timeout, client config or rules are "
            "invalid",
)
