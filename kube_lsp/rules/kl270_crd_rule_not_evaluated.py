"""A CRD's `x-kubernetes-validations` rule was not evaluated.

## What it does
Says which CEL rules KL269 skipped and why: a transition rule (`oldSelf`), a function CEL here does not know
(Kubernetes' `ip()`, `cidr()`, `asInteger()`, `url().getQuery()`, the format library), a
value CEL would see as a timestamp or duration, an evaluation error (such as a field the rule reads that the
object does not set) or the interpreter's iteration budget. Off by default.

## Why is this bad?
It is not: the API server evaluates the rule. The finding tells that kube-lsp could not, so a passing check is
no proof the object satisfies the rule.

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
                - rule: ip(self.size).family() == 4
              properties:
                size: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 1Gi
```

## Use instead
A rule CEL can evaluate here:
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
                - rule: self.size.endsWith('Gi')
              properties:
                size: {type: string}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 1Gi
```

## References
`Validator.Validate` in `pkg/apiserver/schema/cel/validation.go` of apiextensions-apiserver.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL270", name="crd-rule-not-evaluated", severity=Severity.INFO, module=__name__,
    summary="A CRD's `x-kubernetes-validations` rule was not evaluated",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
    enabled=False,
)
