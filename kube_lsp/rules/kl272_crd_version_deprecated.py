"""A custom resource uses a version its CRD marks deprecated.

## What it does
The CRD marks the version `deprecated: true`. The finding quotes its `deprecationWarning`, else the API
server's default warning `<group>/<version> <Kind> is deprecated`.

## Why is this bad?
The API server warns on every request, and a deprecated version is usually removed in a later release of the
operator that owns the CRD.

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
    - name: v1beta1
      served: true
      storage: false
      deprecated: true
      deprecationWarning: example.com/v1beta1 Widget is deprecated; use example.com/v1
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: example.com/v1beta1
kind: Widget
metadata:
  name: w
spec:
  size: 1
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
    - name: v1beta1
      served: true
      storage: false
      deprecated: true
      deprecationWarning: example.com/v1beta1 Widget is deprecated; use example.com/v1
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 1
```

## References
`deprecated` and `deprecationWarning` in `CustomResourceDefinitionVersion`; the default text in
`pkg/apiserver/customresource_handler.go` of apiextensions-apiserver.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL272", name="crd-version-deprecated", severity=Severity.WARNING, module=__name__,
    summary='A custom resource uses a version its CRD marks deprecated',
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
