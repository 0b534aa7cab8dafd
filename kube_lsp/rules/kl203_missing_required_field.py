"""A required field is missing or empty.

## What it does
The API server rejects the object when a required field is absent or null. Kustomize patches are partial
objects and are not checked for this.

## Why is this bad?
The API server rejects the object with `Required value`.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - image: nginx:1.27
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
```
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL203", name="missing-required-field", severity=Severity.ERROR, module=__name__,
    summary='A required field is missing or empty',
    emitted_by='the schema walk (kube_lsp/schema/validate.py)',
)
