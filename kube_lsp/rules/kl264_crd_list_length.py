"""A custom resource's list has fewer items than `minItems` or more than `maxItems`.

## What it does
Counts the items of a list whose CRD schema sets `minItems` or `maxItems`.

## Why is this bad?
The API server rejects the object: `Too many: 3: must have at most 2 items`.

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
                  maxItems: 2
                  items: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  hosts: [a.example.com, b.example.com, c.example.com]
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
                  maxItems: 2
                  items: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  hosts: [a.example.com, b.example.com]
```

## References
`validate.MaxItems` / `validate.MinItems` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL264", name="crd-list-length", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's list has fewer items than `minItems` or more than `maxItems`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
