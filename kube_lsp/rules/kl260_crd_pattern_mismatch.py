"""A custom resource's string does not match its CRD's `pattern`.

## What it does
A CRD's schema may restrict a string with `pattern`, a regular expression in Go's RE2 syntax that must match
somewhere in the value (anchor it with `^...$` to match the whole value). The expression is evaluated with
RE2, as the API server does; a pattern RE2 cannot compile is ignored.

## Why is this bad?
The API server rejects the object: `Invalid value: "Web": spec.name in body should match '^[a-z]+$'`.

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
                name: {type: string, pattern: '^[a-z]+$'}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  name: Web
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
                name: {type: string, pattern: '^[a-z]+$'}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  name: web
```

## References
`validate.Pattern` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL260", name="crd-pattern-mismatch", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's string does not match its CRD's `pattern`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
