"""An Ingress backend, a route's `backendRefs` or a StatefulSet's `serviceName` names no Service of the workspace.

## What it does
Resolves the Services named by Ingress backends (`service.name`, and `serviceName` of the old
`extensions/v1beta1` form), by HTTPRoute/GRPCRoute/TCPRoute/TLSRoute/UDPRoute `backendRefs` (kind Service,
in the namespace they give) and by a StatefulSet's `serviceName` against the Services of the workspace. A
Service with a close name makes it a warning naming it (with a fix when one is clearly meant); otherwise an
information only (it may be created in the cluster).

## Why is this bad?
An Ingress whose backend Service does not exist answers `503 Service Temporarily Unavailable`; a route's
missing backend gets `ResolvedRefs: False` and no traffic; a StatefulSet's pods get no stable DNS names.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
---
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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: wbe
                port:
                  number: 80
```

## Use instead
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
---
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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
```

## Fix
Renames the reference to the Service it most likely means (an unsafe fix: it is a guess).

## References
Ingress controllers' backend resolution (ingress-nginx `getBackendServers`); Gateway API's `ResolvedRefs`
condition (`BackendNotFound`); the StatefulSet controller's use of `serviceName` for pod DNS.
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.kinds == ("Service",) and r.via != "parentRefs")


RULE = Rule(code="KL508", name="unknown-service", severity=Severity.WARNING,
            summary="An Ingress backend, a route's `backendRefs` or a StatefulSet's `serviceName` "
                    "names no Service of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
