"""An annotation key is not a qualified name, or the annotations are larger than 256 KiB.

## What it does
Checks the keys of `metadata.annotations` and of the pod template's annotations as the API server does:
each key, lower-cased, must be a qualified name (an optional DNS subdomain prefix and one `/`, then at
most 63 letters, digits, `-`, `_` or `.` starting and ending with a letter or digit); and all keys and
values together must not exceed 262144 bytes.

## Why is this bad?
The API server refuses the object: `metadata.annotations: Invalid value: "sidecar.istio.io:inject": name
part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an
alphanumeric character`.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  annotations:
    example.com:owner: team-a
data:
  mode: fast
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  annotations:
    example.com/owner: team-a
data:
  mode: fast
```

## Fix
When a `:` or a space stands for `/` or `-` (or a `/` is doubled) and the corrected key is valid, offers it
as a fix; not applied automatically.

## References
`ValidateAnnotations` and `ValidateAnnotationsSize` (`TotalAnnotationSizeLimitB`) in
`k8s.io/apimachinery/pkg/api/validation/objectmeta.go`; `ValidatePodTemplateSpec` in
`pkg/apis/core/validation/validation.go`.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Fix, Severity
from kube_lsp.parsing.nodes import YMap, YScalar, json_key
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._meta import label_suggestion, replacement, template_metadata
from kube_lsp.rules.base import ObjectContext, Rule, key_span

TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10)


def check(ctx: ObjectContext) -> Iterator[Finding]:
    places: list[tuple[YMap, str]] = []
    md = ctx.metadata
    if md is not None:
        places.append((md, "metadata"))
    tmd = template_metadata(ctx.root, ctx.group, ctx.kind)
    if tmd is not None:
        places.append(tmd)
    for parent, ppath in places:
        ann = parent.get("annotations")
        if not isinstance(ann, YMap):
            continue
        path = ppath + ".annotations"
        total = 0
        for k, v in ann.pairs:
            key = json_key(k)
            if ctx.partial and key.startswith("$"):
                continue  # a strategic-merge directive in a Kustomize patch
            total += am.blen(key)
            if isinstance(v, YScalar):
                total += am.blen(v.value if isinstance(v.value, str) else v.text)
            msgs = [] if am.substituted(key) else am.is_qualified_name(key.lower())
            if msgs:
                hint = ("an annotation key is an optional DNS subdomain prefix and one '/' (e.g. "
                        "`example.com/owner`), then at most 63 letters, digits, '-', '_' or '.'")
                # The check is on the lower-cased key; the fix keeps the key's own case.
                lowered = label_suggestion(key.lower(), key=True)
                guess = next((g for g in (label_suggestion(key, key=True),) if g and g.lower() == lowered), "")
                if lowered and not guess:
                    guess = key.replace("//", "/") if "//" in key else key.replace(":", "/", 1)
                    guess = guess if guess.lower() == lowered else ""
                fixes = (Fix(f"Change to `{guess}`", (replacement(k, guess),), safe=False),) if guess else ()
                if guess:
                    hint += f"; did you mean `{guess}`?"
                yield ctx.finding(RULE, k.span, "; ".join(am.invalid(path, key, m) for m in msgs) + f" — {hint}",
                                  path=path, fixes=fixes)
        if total > TOTAL_ANNOTATION_SIZE_LIMIT_B:
            yield ctx.finding(RULE, key_span(parent, "annotations"),
                              f"{path}: Too long: may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT_B} bytes (the keys "
                              f"and values add up to {total} bytes) — move large data into a ConfigMap", path=path)


RULE = Rule(
    code="KL213", name="invalid-annotation", severity=Severity.ERROR, module=__name__, check=check,
    summary="An annotation key is not a qualified name, or the annotations are larger than 256 KiB",
)
