"""A container sets the same environment variable twice.

## What it does
Reports every `env` entry of a container (init, regular or ephemeral) whose `name` an earlier entry of the
same container already set, pointing at the earlier one. When another container of the workspace sets a
variable to the same value under another name that this container lacks, the message asks whether that
name was meant (a copy-paste slip usually renames the wrong line).

## Why is this bad?
The API server accepts it with a warning (`spec.containers[0].env[2]: hides previous definition of
"LOG_LEVEL", which may be dropped when using apply`): the container sees the last value only, and
`kubectl apply`'s merge by name may drop one of them on the next change.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      env:
        - name: LOG_LEVEL
          value: info
        - name: LOG_LEVEL
          value: debug
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      env:
        - name: LOG_LEVEL
          value: info
        - name: TRACE_LEVEL
          value: debug
```

## References
`warningsForPodSpecAndMeta` in `pkg/api/pod/warnings.go` (the duplicate env var warning).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kube_lsp.model import Finding, Severity, literal
from kube_lsp.rules.base import Rule, WorkspaceContext

if TYPE_CHECKING:
    from kube_lsp.workspace.index import EnvVar, Obj
    from kube_lsp.workspace.model import Workspace


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    for o in ctx.file.objects:
        if o.partial or not o.env:
            continue
        by_container: dict[str, dict[str, EnvVar]] = {}
        for e in o.env:
            seen = by_container.setdefault(e.container, {})
            first = seen.get(e.name)
            if first is None:
                seen[e.name] = e
                continue
            path = f"{e.container}.env[{e.index}]"
            names = {x.name for x in o.env if x.container == e.container}
            hint = _meant(ctx.ws, o, e, names)
            yield Finding.referring(
                literal(f"{path}: hides previous definition of \"{e.name}\", which may be dropped when using apply "
                        "(set on line ") + "{0}" + literal(f"); one of the values is lost{hint}"),
                (first.span,), span=e.span, severity=RULE.severity, code=RULE.code, path=f"{path}.name", doc=o.doc)


def _meant(ws: Workspace, o: Obj, e: EnvVar, names: set[str]) -> str:
    """" — was it meant to be `X` …?" when other containers set this value under a name this one lacks."""
    if not e.value:
        return ""
    seen: Counter[str] = Counter()
    where: dict[str, str] = {}
    for other, x in ws.memo("KL530 values", lambda: _by_value(ws)).get(e.value, ()):
        if x.name not in names:
            seen[x.name] += 1
            where.setdefault(x.name, f"{ws.label(other.origin)}:{x.span.start.line + 1}")
    if not seen:
        return ""
    best = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return f" — was it meant to be `{best}` (set to the same value at {where[best]})?"


def _by_value(ws: Workspace) -> dict[str, list[tuple[Obj, EnvVar]]]:
    """Every `env` entry of the workspace with a value, by that value (in index order)."""
    out: dict[str, list[tuple[Obj, EnvVar]]] = {}
    for other in ws.objects():
        for x in other.env:
            if x.value:
                out.setdefault(x.value, []).append((other, x))
    return out


RULE = Rule(code="KL530", name="duplicate-env-var", severity=Severity.WARNING,
            summary="A container sets the same environment variable twice", module=__name__,
            workspace_check=check, emitted_by="the workspace index")
