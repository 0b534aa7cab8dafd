"""A custom resource's string is shorter than `minLength` or longer than `maxLength`.

## What it does
Lengths are counted in characters (Unicode code points: Go's `utf8.RuneCountInString`), not bytes.

## Why is this bad?
The API server rejects the object: `Too long: may not be longer than 8` or
`Invalid value: "": spec.name in body should be at least 1 chars long`.

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
                name: {type: string, minLength: 1, maxLength: 8}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  name: a-very-long-name
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
                name: {type: string, minLength: 1, maxLength: 8}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  name: short
```

## References
`validate.MaxLength` / `validate.MinLength` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL262", name="crd-string-length", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's string is shorter than `minLength` or longer than `maxLength`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
