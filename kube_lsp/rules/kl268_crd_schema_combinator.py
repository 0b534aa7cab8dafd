"""A custom resource's value does not satisfy its CRD's `allOf`, `anyOf`, `oneOf` or `not`.

## What it does
Structural schemas may constrain values with `allOf`, `anyOf`, `oneOf` and `not` (e.g. "exactly one of
`url` and `service`" as `oneOf: [{required: [url]}, {required: [service]}]`). Each branch is judged with the
keywords this checker evaluates; a branch it cannot judge makes it report nothing.

## Why is this bad?
The API server rejects the object: `spec in body must validate one and only one schema (oneOf)`.

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
              oneOf:
                - required: [url]
                - required: [service]
              properties:
                url: {type: string}
                service: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  url: https://example.com
  service: web
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
              oneOf:
                - required: [url]
                - required: [service]
              properties:
                url: {type: string}
                service: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  url: https://example.com
```

## References
`validate.schemaPropsValidator` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL268", name="crd-schema-combinator", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's value does not satisfy its CRD's `allOf`, `anyOf`, `oneOf` or `not`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
