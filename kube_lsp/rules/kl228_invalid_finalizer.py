"""A finalizer name is not a qualified name, or not fully qualified where a built-in kind requires it.

## What it does
Checks `metadata.finalizers` (and a Namespace's `spec.finalizers`): each must be a qualified name (an
optional DNS subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` or `.`), `orphan` and
`foregroundDeletion` may not both be set, and on the built-in kinds of the core, apps, batch,
autoscaling, networking and RBAC APIs a name without a `/` must be one of the standard finalizers
(`kubernetes`, `orphan`, `foregroundDeletion`).

## Why is this bad?
The API server refuses the object: `metadata.finalizers[0]: Invalid value: "cleanup": name is neither a
standard finalizer name nor is it fully qualified`.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  finalizers:
    - cleanup
data:
  mode: fast
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  finalizers:
    - example.com/cleanup
data:
  mode: fast
```

## References
`ValidateFinalizers` and `ValidateFinalizerName` in `k8s.io/apimachinery/pkg/api/validation/objectmeta.go`;
`ValidateObjectMeta`, `validateKubeFinalizerName` and `ValidateNamespace` in
`pkg/apis/core/validation/validation.go` (`IsStandardFinalizerName`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, YSeq
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules.base import ObjectContext, Rule, key_span

STANDARD = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
# API groups whose validation calls pkg/apis/core/validation.ValidateObjectMeta (with the kube finalizer
# check) rather than apimachinery's generic ValidateObjectMeta.
_KUBE_CHECKED_GROUPS = frozenset({"", "apps", "batch", "autoscaling", "networking.k8s.io",
                                  "rbac.authorization.k8s.io", "extensions"})


def check(ctx: ObjectContext) -> Iterator[Finding]:
    kube = not ctx.is_custom and ctx.group in _KUBE_CHECKED_GROUPS
    md = ctx.metadata
    if md is not None and isinstance(fins := md.get("finalizers"), YSeq):
        yield from _finalizers(ctx, md, fins, "metadata.finalizers", kube)
    if ctx.group == "" and ctx.kind == "Namespace" and ctx.spec is not None \
            and isinstance(fins := ctx.spec.get("finalizers"), YSeq):
        yield from _finalizers(ctx, ctx.spec, fins, "spec.finalizers", True, indexed=False)


def _finalizers(ctx: ObjectContext, parent: YMap, fins: YSeq, path: str, kube: bool,
                indexed: bool = True) -> Iterator[Finding]:
    names = []
    for i, item in enumerate(fins.items):
        if not (isinstance(item, YScalar) and isinstance(item.value, str)) or am.substituted(item.value):
            continue
        name = item.value
        names.append(name)
        # ValidateFinalizers names the list, core's ValidateObjectMeta the item; spec.finalizers names the list.
        msgs = [am.invalid(path, name, m) for m in am.is_qualified_name(name)]
        if kube and "/" not in name and name not in STANDARD:
            where = f"{path}[{i}]" if indexed else path
            msgs.append(am.invalid(where, name, "name is neither a standard finalizer name nor is it fully qualified"))
        if msgs:
            yield ctx.finding(RULE, item.span, "; ".join(msgs) + " — name a finalizer after a domain you own, e.g. "
                              f"`example.com/{name if am.full(am.LABEL_KEY_RE, name) else 'cleanup'}`",
                              path=f"{path}[{i}]")
    if "orphan" in names and "foregroundDeletion" in names:
        yield ctx.finding(RULE, key_span(parent, "finalizers"), f"{path}: Invalid value: finalizer orphan and "
                          "foregroundDeletion cannot be both set — keep one deletion propagation", path=path)


RULE = Rule(
    code="KL228", name="invalid-finalizer", severity=Severity.ERROR, module=__name__, check=check,
    summary="A finalizer name is not a qualified name, or not fully qualified where a built-in kind requires it",
)
