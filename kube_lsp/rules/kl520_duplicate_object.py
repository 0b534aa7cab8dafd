"""The same object (group, kind, namespace and name) is defined twice among files applied together.

## What it does
Reports every definition of an object that is defined again in the same file, the same directory, or
another file listed by the same Kustomization. Two different definitions in one file or one
Kustomization are an error (both are certainly applied, and whichever comes last silently replaces the
other); in two files of one directory they are a warning (`kubectl apply -f dir/` applies both, but such
files are sometimes alternatives — variants of one example); identical copies are a warning (an all-in-one
bundle next to its parts). A Namespace defined twice is a warning (its later definition only changes labels
and annotations). Each definition gets its own finding, pointing at the other. Kustomize patches, an
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

## Fix
When the copy's file name (a file defining only this object of its kind) or, for a binding, its subject and
role suggest the name it was meant to have, and no object has that name, renames it (an unsafe fix: it is a
guess).

## References
`kubectl apply` (`staging/src/k8s.io/kubectl/pkg/cmd/apply`): each object is patched in turn, so a later
definition overwrites an earlier one.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kube_lsp.model import Finding, Fix, Severity, TextEdit
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.workspace.names import where

if TYPE_CHECKING:
    from kube_lsp.workspace.index import Obj


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    ws = ctx.ws
    per_kind = Counter((x.group, x.kind) for x in ctx.file.objects)
    for o in ctx.file.objects:
        if o.partial or o.templated or "{{" in o.name:
            continue
        ns = ws.shown_namespace(o)
        others = [x for x in ws.named_together(o)
                  if x is not o and not x.partial and not x.templated and x.group == o.group
                  and ws.shown_namespace(x) == ns and (x.origin, x.name_span) != (o.origin, o.name_span)]
        if not others:
            continue
        differ = [x for x in others if x.digest != o.digest]
        other = (differ or others)[0]
        in_ns = f" in namespace `{ns}`" if ns else ""
        also = f" (and {len(others) - 1} more)" if len(others) > 1 else ""
        if differ and ws.certainly_together(o, other) and o.kind != "Namespace":
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
        guesses = _guesses(ctx, o, ns, per_kind[(o.group, o.kind)] == 1)
        fixes: tuple[Fix, ...] = ()
        if guesses:
            msg += " — was it meant to be " + " or ".join(f"`{g}`" for g, _ in guesses) + f" ({guesses[0][1]})?"
            fixes = tuple(Fix(f"Rename to `{g}`", (TextEdit(o.name_span, g),), safe=False) for g, _ in guesses)
        yield ctx.finding(RULE, o, o.name_span, msg, path=f"{o.prefix}metadata.name", severity=sev, fixes=fixes,
                          elsewhere=tuple(ctx.place(x, f"{x.kind} {x.name}") for x in others[:5]),
                          data={"target": {"kind": o.kind, "name": o.name, "namespace": ns}})


_SUFFIXES = ("-service", "-svc", "-controller", "-rc", "-deployment", "-deploy", "-pod", "-statefulset", "-sts",
             "-daemonset", "-ds", "-job", "-configmap", "-cm", "-secret", "-sa", "-pvc", "-ingress")
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _guesses(ctx: WorkspaceContext, o: Obj, ns: str, alone: bool) -> list[tuple[str, str]]:
    """Free names the copy may have been meant to have, and why: its file's name when the file defines only
    this object of its kind (`vtctld-service.yaml` → `vtctld-service`, `vtctld`), a binding's usual
    `<subject>-<role>`."""
    ws = ctx.ws
    out: list[tuple[str, str]] = []

    def free(name: str) -> bool:
        return (name != o.name and _NAME.fullmatch(name) is not None and len(name) <= 63
                and not any(not x.partial and ws.shown_namespace(x) == ns for x in ws.named(o.kind, name))
                and all(name != g for g, _ in out))

    if o.kind in ("RoleBinding", "ClusterRoleBinding"):
        role = next((r.name for r in o.refs if r.via == "roleRef"), None)
        subject = next((r.name for r in o.refs if r.via == "subjects"), None)
        if role and subject:
            name = f"{subject}-{role.replace(':', '-')}".lower()
            if free(name):
                out.append((name, "bindings are usually named after their subject and role"))
    stem = posixpath.basename(o.origin.replace("\\", "/")).rsplit(".", 1)[0].lower()
    if alone and o.name not in stem:
        for name in (stem, *(stem.removesuffix(s) for s in _SUFFIXES if stem.endswith(s))):
            if free(name):
                out.append((name, f"after its file's name, {posixpath.basename(o.origin)}"))
    return out[:2]


RULE = Rule(code="KL520", name="duplicate-object", severity=Severity.ERROR,
            summary="The same object (group, kind, namespace and name) is defined twice among files applied "
                    "together",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
