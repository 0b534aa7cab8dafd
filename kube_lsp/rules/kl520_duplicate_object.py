"""The same object (group, kind, namespace and name) is defined twice among files applied together.

## What it does
Reports every definition of an object that is defined again in the same file, the same directory, or
another file listed by the same Kustomization. Two different definitions in one file or one
Kustomization are an error (both are certainly applied, and whichever comes last silently replaces the
other); in two files of one directory they are a warning (`kubectl apply -f dir/` applies both, but such
files are sometimes alternatives — variants of one example); identical copies are a warning (an all-in-one
bundle next to its parts). Each definition gets its own finding, pointing at the other. Kustomize patches, an
overlay's version of a base's object and objects whose name is templated are not definitions of their own;
files in unrelated directories (two example folders each defining `web`) are alternatives, not duplicates.

## Why is this bad?
`kubectl apply -f dir/` applies both; the last one wins without a word, so half of what the files say is
never in the cluster — typically a copy-pasted object whose rename was forgotten.

## Example
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: safe
```

## Use instead
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-fast
data:
  mode: fast
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-safe
data:
  mode: safe
```

## References
`kubectl apply` (`staging/src/k8s.io/kubectl/pkg/cmd/apply`): each object is patched in turn, so a later
definition overwrites an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.workspace.model import where


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    ws = ctx.ws
    for o in ctx.file.objects:
        if o.partial or o.templated or "{{" in o.name:
            continue
        ns = ws.shown_namespace(o)
        others = [x for x in ws.named(o.kind, o.name)
                  if x is not o and not x.partial and not x.templated and x.group == o.group
                  and ws.shown_namespace(x) == ns and ws.applied_together(o, x)
                  and (x.origin, x.name_span) != (o.origin, o.name_span)]
        if not others:
            continue
        differ = [x for x in others if x.digest != o.digest]
        other = (differ or others)[0]
        in_ns = f" in namespace `{ns}`" if ns else ""
        also = f" (and {len(others) - 1} more)" if len(others) > 1 else ""
        if differ and ws.certainly_together(o, other):
            msg = (f"{o.kind} `{o.name}`{in_ns} is also defined at {where(ws, other)}{also}, differently: whichever "
                   f"is applied last silently replaces the other")
            sev = Severity.ERROR
        elif differ:
            msg = (f"{o.kind} `{o.name}`{in_ns} is also defined, differently, at {where(ws, other)}{also}: applied "
                   f"together (`kubectl apply -f` of the directory), the last one silently replaces the other")
            sev = Severity.WARNING
        else:
            msg = (f"{o.kind} `{o.name}`{in_ns} is also defined, identically, at {where(ws, other)}{also}: keep "
                   f"one copy")
            sev = Severity.WARNING
        yield ctx.finding(RULE, o, o.name_span, msg, path=f"{o.prefix}metadata.name", severity=sev,
                          elsewhere=tuple(ctx.place(x, f"{x.kind} {x.name}") for x in others[:5]),
                          data={"target": {"kind": o.kind, "name": o.name, "namespace": ns}})


RULE = Rule(code="KL520", name="duplicate-object", severity=Severity.ERROR,
            summary="The same object (group, kind, namespace and name) is defined twice among files applied "
                    "together",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
