"""A custom resource breaks one of its CRD's `x-kubernetes-validations` CEL rules.

## What it does
Evaluates each CEL rule of `x-kubernetes-validations` with `self` bound to the value the rule is attached to
(its schema's defaults applied, property names escaped as Kubernetes does) using cel-expr-python (cel-cpp,
with the strings and optional extensions, plus Kubernetes' quantity library (`quantity`, `isQuantity`, `sign`,
`compareTo`, `isGreaterThan`, `isLessThan`, `add`, `sub`), `isIP`, `isCIDR`, `isURL` and `url` (for URLs without
escapes), the sets library, the lists library's `isSorted`, `sum`, `min`, `max`, and the regex library's `find`
and `findAll` where Python's regex provably finds what RE2 finds). The finding carries the rule's `message`, else
its `messageExpression`'s value, else `failed rule: <rule>`, and sits on `fieldPath` when the rule names one.
A rule this checker cannot evaluate — `oldSelf` (no old object when checking files), other Kubernetes-only
functions such as `ip()`, `cidr()`, `asInteger()`, `url().getQuery()` or the format library,
timestamps and durations in the object, an evaluation error or an exhausted iteration budget — is never reported
as failing.

## Why is this bad?
The API server rejects the object with the rule's message: `spec: Invalid value: "object": minReplicas must
not exceed maxReplicas`.

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
              x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                  message: minReplicas must not exceed maxReplicas
              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  minReplicas: 5
  maxReplicas: 2
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
              x-kubernetes-validations:
                - rule: self.minReplicas <= self.maxReplicas
                  message: minReplicas must not exceed maxReplicas
              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  minReplicas: 1
  maxReplicas: 2
```

## Options
Rules that cannot be evaluated offline are skipped silently; switch on KL270 (`crd-rule-not-evaluated`) to
see them.

## References
`Validator.Validate` in `pkg/apiserver/schema/cel/validation.go` of apiextensions-apiserver; the CEL
language definition (github.com/google/cel-spec).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL269", name="crd-validation-rule", severity=Severity.ERROR, module=__name__,
    summary="A custom resource breaks one of its CRD's `x-kubernetes-validations` CEL rules",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
