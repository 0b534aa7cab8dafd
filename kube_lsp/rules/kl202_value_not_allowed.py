"""A value outside the field's closed set of values.

## What it does
Fields such as `imagePullPolicy`, `restartPolicy`, port `protocol` or Service `type` accept only a fixed set
of values, compared case-sensitively by the API server.

## Why is this bad?
The API server rejects the object with `Unsupported value`; values are case-sensitive.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      imagePullPolicy: always
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
      imagePullPolicy: Always
```

## Fix
Replaces the value by the allowed one it most resembles (safe).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL202", name="value-not-allowed", severity=Severity.ERROR, module=__name__,
    summary="A value outside the field's closed set of values",
    emitted_by='the schema walk (kube_lsp/schema/validate.py)',
)
