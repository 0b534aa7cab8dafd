"""A key appears twice in the same mapping.

## What it does
kubectl and the API server reject a mapping with a repeated key; even tools that accept it keep only one of
the values. The finding is on the second occurrence and names the first.

## Why is this bad?
kubectl refuses the file; tools that accept it keep one of the two values silently, so what is applied is not
what you read.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
  name: api
spec:
  containers:
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
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL102", name="duplicate-key", severity=Severity.ERROR, module=__name__,
    summary='A key appears twice in the same mapping',
    emitted_by='the YAML parser (kube_lsp/parsing)',
)
