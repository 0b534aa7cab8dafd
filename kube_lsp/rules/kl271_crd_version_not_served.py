"""A custom resource uses a version its CRD does not serve.

## What it does
The CRD lists the version with `served: false`: the API server knows the version (it may still be the storage
version of old objects) but does not serve it.

## Why is this bad?
`kubectl apply` fails with `no matches for kind "Widget" in version "example.com/v1alpha1"`.

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
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: example.com/v1alpha1
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
    - name: v1alpha1
      served: false
      storage: false
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
`served` in `CustomResourceDefinitionVersion` (`pkg/apis/apiextensions/types.go` of apiextensions-apiserver).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL271", name="crd-version-not-served", severity=Severity.ERROR, module=__name__,
    summary='A custom resource uses a version its CRD does not serve',
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
