"""A custom resource's number is outside its CRD's `minimum`/`maximum` or not a `multipleOf`.

## What it does
Checks `minimum`, `maximum` (with OpenAPI v3.0's boolean `exclusiveMinimum`/`exclusiveMaximum`) and
`multipleOf` on integers and numbers. A quotient within float precision of an integer counts as a multiple,
as kube-openapi does.

## Why is this bad?
The API server rejects the object: `Invalid value: 0: spec.replicas in body should be greater than or equal to 1`.

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
                replicas: {type: integer, minimum: 1, maximum: 10}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  replicas: 0
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
                replicas: {type: integer, minimum: 1, maximum: 10}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  replicas: 3
```

## References
`validate.Minimum`, `validate.Maximum`, `validate.MultipleOf` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL263", name="crd-number-out-of-range", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's number is outside its CRD's `minimum`/`maximum` or not a `multipleOf`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
