"""Several CustomResourceDefinitions define this apiVersion and kind.

## What it does
Two or more CRDs among the checked files define the same group, version and kind (copies of a chart's CRDs, an
old and a new release of one). The custom resource is validated against the nearest: in the same file, else in
the same directory, else under the closest common parent directory. The finding names the one used; the others
are its related information. Every finding about a custom resource names the CRD it was checked against.

## Why is this bad?
When the CRDs differ, the object may be valid against one and not the other; knowing which one was used
explains the findings.

## Example
```yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  labels: {copy: a}
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
                size: {type: integer}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  labels: {copy: b}
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
                size: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
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
                size: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
```
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL206", name="ambiguous-crd", severity=Severity.INFO, module=__name__,
    summary='Several CustomResourceDefinitions define this apiVersion and kind',
    emitted_by='the engine (kube_lsp/engine.py)',
)
