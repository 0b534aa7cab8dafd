"""A Kubernetes API group does not have this kind.

## What it does
The apiVersion belongs to Kubernetes itself, but no kind of that name exists in it.

## Why is this bad?
The API server answers `no matches for kind` and applies nothing.

## Example
```yaml
apiVersion: v1
kind: Pd
metadata:
  name: web
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

## Fix
Replaces the kind by the closest existing one (safe).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL205", name="unknown-kind", severity=Severity.ERROR, module=__name__,
    summary='A Kubernetes API group does not have this kind',
    emitted_by='the apiVersion check (kube_lsp/schema/apiversions.py)',
)
