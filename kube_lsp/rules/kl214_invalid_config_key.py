"""A ConfigMap or Secret data key is not a valid config key, or is in both `data` and `binaryData`.

## What it does
Checks the keys of a ConfigMap's `data` and `binaryData` and of a Secret's `data` and `stringData`:
at most 253 characters of `A-Z`, `a-z`, `0-9`, `-`, `_` and `.`, and not `.`, `..` or starting with
`..` (keys become file names when the object is mounted). A ConfigMap key may not be in both `data` and
`binaryData`. Also checks that the data add up to at most 1 MiB.

## Why is this bad?
The API server refuses the object: `data[config/app.yaml]: Invalid value: "config/app.yaml": a valid
config key must consist of alphanumeric characters, '-', '_' or '.'`.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  config/app.yaml: |
    mode: fast
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  app.yaml: |
    mode: fast
```

## References
`ValidateConfigMap` and `ValidateSecret` in `pkg/apis/core/validation/validation.go` (`IsConfigMapKey` in
`k8s.io/apimachinery/pkg/util/validation`, `MaxSecretSize`).
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, json_key
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules.base import ObjectContext, Rule, key_span

MAX_SECRET_SIZE = 1 * 1024 * 1024


def check(ctx: ObjectContext) -> Iterator[Finding]:
    if ctx.group != "":
        return
    secret = ctx.kind == "Secret"
    bags = ("data", "stringData") if secret else ("data", "binaryData")
    maps = {b: m for b in bags if isinstance(m := ctx.root.get(b), YMap)}
    total = 0
    sized = True
    for bag, m in maps.items():
        binary = bag == "binaryData" or (secret and bag == "data")
        for k, v in m.pairs:
            key = json_key(k)
            if ctx.partial and key.startswith("$"):
                continue  # a strategic-merge directive in a Kustomize patch
            # stringData is merged into data before validation: the API server names `data[key]`.
            path = f"{'data' if secret else bag}[{key}]"
            msgs = [] if am.substituted(key) else am.is_config_map_key(key)
            if msgs:
                hint = "a key becomes a file name when mounted: use letters, digits, '-', '_' or '.' only"
                yield ctx.finding(RULE, k.span, "; ".join(am.invalid(path, key, msg) for msg in msgs) + f" — {hint}",
                                  path=f"{bag}.{key}")
            if not secret and bag == "data" and "binaryData" in maps and maps["binaryData"].key_node(key) is not None:
                yield ctx.finding(RULE, k.span, am.invalid(path, key, "duplicate of key present in binaryData")
                                  + " — keep the key in only one of `data` and `binaryData`", path=f"{bag}.{key}")
            size = _size(v, binary)
            if size is None:
                sized = False
            else:
                total += size
    if sized and total > MAX_SECRET_SIZE:
        bag = next(iter(maps))
        where = "data: " if secret else ""
        yield ctx.finding(RULE, key_span(ctx.root, bag), f"{where}Too long: may not be more than {MAX_SECRET_SIZE} "
                          f"bytes (the values add up to {total} bytes) — split the data over several objects",
                          path=bag)


def _size(v: object, binary: bool) -> int | None:
    if not isinstance(v, YScalar):
        return None
    text = v.value if isinstance(v.value, str) else v.text
    if not binary:
        return am.blen(text)
    try:
        return len(b64decode("".join(text.split()), validate=True))
    except (binascii.Error, ValueError):
        return None


RULE = Rule(
    code="KL214", name="invalid-config-key", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"ConfigMap", "Secret"}),
    summary="A ConfigMap or Secret data key is not a valid config key, or is in both `data` and `binaryData`",
)
