"""A Secret lacks the data keys its `type` requires, or its docker config is not JSON.

## What it does
Checks a Secret's `data` and `stringData` (merged, as the API server merges them) against its `type`:
`kubernetes.io/tls` needs `tls.crt` and `tls.key`; `kubernetes.io/dockerconfigjson` needs
`.dockerconfigjson` and `kubernetes.io/dockercfg` needs `.dockercfg`, each a JSON object;
`kubernetes.io/basic-auth` needs `username` or `password`; `kubernetes.io/ssh-auth` needs a non-empty
`ssh-privatekey`; `kubernetes.io/service-account-token` needs the
`kubernetes.io/service-account.name` annotation.

## Why is this bad?
The API server refuses the Secret: `data[tls.key]: Required value`.

## Example
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: web-tls
type: kubernetes.io/tls
stringData:
  tls.crt: placeholder-certificate
```

## Use instead
```yaml
apiVersion: v1
kind: Secret
metadata:
  name: web-tls
type: kubernetes.io/tls
stringData:
  tls.crt: placeholder-certificate
  tls.key: placeholder-key
```

## References
`ValidateSecret` in `pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode
from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, json_key
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._service import absent
from kube_lsp.rules.base import ObjectContext, Rule

_UNKNOWN = object()  # a value that is present but not readable here (not base64, not a scalar)


def _merged(ctx: ObjectContext) -> dict[str, tuple[object, YScalar]]:
    """key → (decoded text, key node); stringData wins over data, as on the API server."""
    out: dict[str, tuple[object, YScalar]] = {}
    for bag in ("data", "stringData"):
        m = ctx.root.get(bag)
        if not isinstance(m, YMap):
            continue
        for k, v in m.pairs:
            value: object = _UNKNOWN
            if isinstance(v, YScalar):
                text = v.value if isinstance(v.value, str) else ("" if v.value is None else v.text)
                if bag == "stringData":
                    value = text
                else:
                    try:
                        value = b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
                    except (binascii.Error, ValueError):
                        value = _UNKNOWN
            out[json_key(k)] = (value, k)
    return out


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group != "" or ctx.partial:
        return
    t = ctx.root.get("type")
    if not isinstance(t, YScalar) or not isinstance(t.value, str):
        return
    stype = t.value
    for bag in ("data", "stringData"):
        node = ctx.root.get(bag)
        if node is not None and not isinstance(node, YMap) and not (isinstance(node, YScalar) and node.value is None):
            return  # not a mapping: the schema reports that, and the keys cannot be known
    data = _merged(ctx)

    def required(key: str, hint: str) -> Finding:
        return ctx.finding(RULE, t.span, f"data[{key}]: Required value — a {stype} Secret needs the `{key}` key; "
                           + hint, path=f"data.{key}")

    if stype == "kubernetes.io/service-account-token":
        md = ctx.metadata
        ann = md.get("annotations") if md is not None else None
        name = ann.get("kubernetes.io/service-account.name") if isinstance(ann, YMap) else None
        if absent(name):
            yield ctx.finding(RULE, t.span, "metadata.annotations[kubernetes.io/service-account.name]: Required value "
                              "— name the ServiceAccount the token is for in that annotation",
                              path="metadata.annotations.kubernetes.io/service-account.name")
    elif stype in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if stype == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            yield required(key, "create it with `kubectl create secret docker-registry`")
        else:
            value, knode = data[key]
            if isinstance(value, str) and not _templated(value):
                problem = _json_problem(value)
                if problem:
                    yield ctx.finding(RULE, knode.span, f'data[{key}]: Invalid value: "<secret contents redacted>": '
                                      f"{problem} — the value must be a JSON object (base64-encoded under `data`)",
                                      path=f"data.{key}")
    elif stype == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            yield required("username", "a basic-auth Secret needs `username` or `password` (or both)")
    elif stype == "kubernetes.io/ssh-auth":
        if data.get("ssh-privatekey", ("", None))[0] == "":
            yield required("ssh-privatekey", "put the private key there (it may not be empty)")
    elif stype == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                yield required(key, "a TLS Secret holds the certificate in `tls.crt` and its key in `tls.key`")


def _templated(text: str) -> bool:
    """Template markers or placeholders in the value: only the rendered text is JSON."""
    return "{{" in text or "{%" in text or am.substituted(text)


def _json_problem(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError as exc:
        return f"not valid JSON ({exc})"
    if value is not None and not isinstance(value, dict):
        go_type = {"list": "array", "str": "string", "bool": "bool"}.get(type(value).__name__, "number")
        return f"json: cannot unmarshal {go_type} into Go value of type map[string]interface {{}}"
    return ""


RULE = Rule(
    code="KL222", name="secret-type-keys", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"Secret"}),
    summary="A Secret lacks the data keys its `type` requires, or its docker config is not JSON",
)
