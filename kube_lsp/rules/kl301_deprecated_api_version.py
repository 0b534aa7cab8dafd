"""The apiVersion is deprecated in the target Kubernetes version.

## What it does
The API server still serves it but warns, and a later release removes it.

## Why is this bad?
A later release removes the apiVersion, and the object then stops applying.

## Example
```yaml
apiVersion: v1
kind: ComponentStatus
metadata:
  name: scheduler
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
    code="KL301", name="deprecated-api-version", severity=Severity.WARNING, module=__name__,
    summary='The apiVersion is deprecated in the target Kubernetes version',
    emitted_by='the apiVersion check (kube_lsp/schema/apiversions.py)',
)
