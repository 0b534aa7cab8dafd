"""A field that the object's schema does not have.

## What it does
The API server's strict field validation (the default of kubectl since 1.27) rejects unknown fields; older
clients silently drop them, which is worse. When a field with a similar name exists, the finding suggests it
and the fix renames the key.

## Why is this bad?
With strict field validation the object is rejected; without it the field is dropped and the setting silently
never applies.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  contianers:
    - name: web
      image: nginx:1.27
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

## Fix
Renames the key to the suggested field (safe).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL200", name="unknown-field", severity=Severity.ERROR, module=__name__,
    summary="A field that the object's schema does not have",
    emitted_by='the schema walk (kube_lsp/schema/validate.py)',
)
