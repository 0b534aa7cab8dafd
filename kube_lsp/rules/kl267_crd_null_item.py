"""A custom resource's list holds a null item its CRD does not allow.

## What it does
The API server drops a null *field* whose schema is not `nullable` (and fills in its default, if any), but a null
*list item* stays and is rejected unless the items' schema says `nullable: true`. An empty item (`- ` with
nothing after it) is null.

## Why is this bad?
The API server rejects the object: `spec.hosts[1] in body must be of type string: "null"`.

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
                hosts:
                  type: array
                  items: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  hosts:
    - a.example.com
    -
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
                hosts:
                  type: array
                  items: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  hosts:
    - a.example.com
```

## References
`PruneNonNullableNullsWithoutDefaults` in `pkg/apiserver/schema/defaulting/prunenulls.go` of
apiextensions-apiserver; `validate.Type` in kube-openapi.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL267", name="crd-null-item", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's list holds a null item its CRD does not allow",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
