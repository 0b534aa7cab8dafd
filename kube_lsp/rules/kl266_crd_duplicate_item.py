"""A custom resource's list repeats an item its CRD declares unique.

## What it does
A list with `x-kubernetes-list-type: set` (or `uniqueItems: true`) may not hold the same value twice; a list with
`x-kubernetes-list-type: map` may not hold two items with the same `x-kubernetes-list-map-keys` (a key missing
from an item counts with its default). The finding is on the later item.

## Why is this bad?
The API server rejects the object: `spec.ports[1]: Duplicate value: map[string]interface {}{"port":80}`;
server-side apply could not merge such a list either.

## Example
```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [port]
                  items:
                    type: object
                    required: [port]
                    properties:
                      port: {type: integer}
                      name: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  ports:
    - port: 80
      name: http
    - port: 80
      name: web
```

## Use instead
```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                ports:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [port]
                  items:
                    type: object
                    required: [port]
                    properties:
                      port: {type: integer}
                      name: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  ports:
    - port: 80
      name: http
    - port: 443
      name: https
```

## References
`validateListSetsAndMaps` in `pkg/apiserver/schema/listtype/validation.go` of apiextensions-apiserver;
`validate.UniqueItems` in kube-openapi.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL266", name="crd-duplicate-item", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's list repeats an item its CRD declares unique",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
