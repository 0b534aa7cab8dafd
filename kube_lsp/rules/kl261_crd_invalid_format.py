"""A custom resource's string does not have its CRD's `format`.

## What it does
The API server validates these `format`s of CRD schemas (kube-openapi's strfmt registry): `uuid`, `uuid3`,
`uuid4`, `uuid5`, `date`, `date-time`, `duration`, `ipv4`, `ipv6`, `cidr`, `mac`, `hostname`, `hexcolor`,
`rgbcolor`, `bsonobjectid`, `ssn`, `byte` (base64) and `uri` (`password` takes any string). Other formats
(`int32`, `int64`, `float`, `double`, ...) are stripped from CRD schemas and not checked; `email`, `isbn` and
`creditcard` are left to the API server (their Go parsers are not mirrored). Where Go's parsers and Python's could
differ (IPv4 leading zeros, zones, line breaks), nothing is reported.

## Why is this bad?
The API server rejects the object: `Invalid value: "10.0.0.300": spec.address in body must be of type ipv4`.

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
                address: {type: string, format: ipv4}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  address: 10.0.0.300
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
                address: {type: string, format: ipv4}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  address: 10.0.0.30
```

## References
`formatValidator` in `pkg/validation/validate`
in kube-openapi (the validator the apiextensions-apiserver runs on custom resources); `supportedVersionedFormats` in
`pkg/apiserver/validation/formats.go` of apiextensions-apiserver.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL261", name="crd-invalid-format", severity=Severity.ERROR, module=__name__,
    summary="A custom resource's string does not have its CRD's `format`",
    emitted_by="the custom-resource walk (kube_lsp/schema/crd_checks.py)",
)
