"""A Service's named `targetPort` is not a port name of the pods it selects.

## What it does
For every Service port whose `targetPort` is a name, looks at the pod templates of the workspace that the
Service selects (in its namespace) and checks that one of their containers has a port of that name. When
the Service selects templates of the workspace and none defines the name, it reports a warning naming the
ports they do define (with a fix when one name is clearly meant). A Service that selects no template of the
workspace is KL500's business, not this rule's.

## Why is this bad?
The endpoints of a named target port are the pods' ports of that name: pods that have none are left out,
so the Service port has no endpoints (connections are refused) even though the Service selects the pods.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: htp
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
```

## Fix
Renames the target port to the pods' port name it most likely means (an unsafe fix: it is a guess).

## References
`podutil.FindPort` (`pkg/api/v1/pod/util.go`), used by the EndpointSlice controller: a pod without a port
of that name gets no endpoint for the Service port.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import clearly_meant, rename_fix
from kube_lsp.rules.base import Rule, WorkspaceContext
from kube_lsp.suggest import suggest
from kube_lsp.workspace.model import selector_key
from kube_lsp.workspace.names import where

if TYPE_CHECKING:
    from kube_lsp.workspace.index import Obj, Selector
    from kube_lsp.workspace.model import Workspace


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    ws = ctx.ws
    for o in ctx.file.objects:
        if o.kind != "Service" or o.group != "" or o.selector is None or o.partial:
            continue
        named = [p for p in o.ports if isinstance(p.target, str) and p.target_span is not None]
        if not named:
            continue
        sel, ns = o.selector, ws.namespace_of(o)
        # Copies of a Service select the same pods: what they name is worked out once.
        selected, names = ws.memo(("KL510", selector_key(sel), ns), partial(_port_names, ws, sel, ns))
        if not selected:
            continue
        for port in named:
            assert isinstance(port.target, str) and port.target_span is not None
            if port.target in names or "{{" in port.target:
                continue
            pods = ", ".join(f"{p.kind} `{p.name}`" for p in selected[:3])
            close = suggest(port.target, names)
            meant = clearly_meant(port.target, close)
            if close:
                hint = " — did you mean " + ", ".join(f"`{c}` ({names[c]})" for c in close[:3]) + "?"
            elif names:
                hint = "; they define " + ", ".join(f"`{n}`" for n in list(names)[:6])
            else:
                hint = "; they define no named ports"
            quote = ""
            yield ctx.finding(
                RULE, o, port.target_span,
                f"targetPort `{port.target}` is not a port name of the pods this Service selects ({pods}){hint}",
                path=port.path, severity=Severity.WARNING,
                fixes=(rename_fix(port.target_span, quote, port.target, meant),) if meant else (),
                elsewhere=tuple(ctx.place(p, f"{p.kind} {p.name}") for p in selected[:3]))


def _port_names(ws: Workspace, sel: Selector, ns: str | None) -> tuple[list[Obj], dict[str, str]]:
    """The pod templates a selector picks in a namespace, and their port names, each with where the first
    template that names it is."""
    selected = ws.selected(sel, ns)
    names: dict[str, str] = {}
    for pod in selected:
        for cp in pod.ports:
            if cp.name:
                names.setdefault(cp.name, where(ws, pod))
    return selected, names


RULE = Rule(code="KL510", name="unknown-target-port-name", severity=Severity.WARNING,
            summary="A Service's named `targetPort` is not a port name of the pods it selects",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
