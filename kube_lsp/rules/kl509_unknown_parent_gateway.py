"""A Gateway API route's `parentRefs` entry names no Gateway of the workspace.

## What it does
Resolves the `parentRefs` of HTTPRoute, GRPCRoute, TCPRoute, TLSRoute and UDPRoute objects (kind `Gateway`
unless given, in the namespace they give, else the route's) against the Gateways of the workspace. A
Gateway with a close name makes it a warning naming it (with a fix when one is clearly meant); otherwise an
information only (gateways are often shared, created by the platform team in another repository).

## Why is this bad?
A route attached to a Gateway that does not exist is accepted and routes nothing; its status stays empty.

## Example
(The CustomResourceDefinitions stand in for Gateway API's, which the cluster would have.)

```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: Gateway, plural: gateways}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
spec:
  listeners:
    - name: http
      protocol: HTTP
      port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: pubic
```

## Use instead
```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: Gateway, plural: gateways}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
spec:
  group: gateway.networking.k8s.io
  names: {kind: HTTPRoute, plural: httproutes}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
spec:
  listeners:
    - name: http
      protocol: HTTP
      port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: public
```

## Fix
Renames the reference to the Gateway it most likely means (an unsafe fix: it is a guess).

## References
Gateway API's route attachment (`ParentReference`, the `Accepted` condition of `RouteParentStatus`).
"""

from __future__ import annotations

from collections.abc import Iterator

from kube_lsp.model import Finding, Severity
from kube_lsp.rules._references import check_references
from kube_lsp.rules.base import Rule, WorkspaceContext


def check(ctx: WorkspaceContext) -> Iterator[Finding]:
    return check_references(ctx, RULE, lambda o, r: r.via == "parentRefs")


RULE = Rule(code="KL509", name="unknown-parent-gateway", severity=Severity.WARNING,
            summary="A Gateway API route's `parentRefs` entry names no Gateway of the workspace",
            module=__name__, workspace_check=check, emitted_by="the workspace index")
