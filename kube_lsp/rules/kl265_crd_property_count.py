"""A custom resource's mapping has fewer keys than `minProperties` or more than `maxProperties`.

## What it does
Counts the keys of a mapping whose CRD schema sets `minProperties` or `maxProperties` (free-form maps such as
labels or selectors usually).

## Why is this bad?
The API server rejects the object: `spec.selector in body should have at most 1 properties`.

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
                selector:
                  type: object
                  maxProperties: 1
                  additionalProperties: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  selector: {app: web, tier: front}
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
                selector:
                  type: object
                  maxProperties: 1
                  additionalProperties: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  selector: {app: web}
```

## References
`validate.MaxProperties` / `validate.MinProperties` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL265", name="crd-property-count", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's mapping has fewer keys than `minProperties` or more than `maxProperties`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
