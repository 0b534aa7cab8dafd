"""An object placed in the `default` namespace.

## What it does
Reports `metadata.namespace: default`. Opt-in.

## Why is this bad?
The `default` namespace is where everything lands that nobody placed: applications there share one set of
RBAC rules, quotas and network policies with every stray object, and cannot be removed as a unit. Give each
application a namespace of its own.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: production
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: production
```

## Options
Pack `security`, off by default; `rules: {KL436: warning}` switches it on. An object without
`metadata.namespace` is not reported: it goes where `kubectl -n` or the context sends it.

## References
https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/; kube-linter `use-namespace`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules.base import ObjectContext, Rule, string_at


def check(ctx: ObjectContext) -> Iterator[Finding]:
    found = string_at(ctx.metadata, "namespace")
    if found is not None and found[0] == "default":
        yield ctx.finding(RULE, found[1].span, "this object goes to the `default` namespace; give the application a "
                          "namespace of its own", path="metadata.namespace")


RULE = Rule(
    code="KL436", name="default-namespace", severity=Severity.WARNING, module=__name__,
    summary="An object placed in the `default` namespace",
    check=check, kinds=None, pack="security", enabled=False,
)
