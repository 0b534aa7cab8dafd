"""A key is valid one level up or down from where it is indented.

## What it does
The key is not a field of the mapping it sits in, but it is a field of the parent or of a neighbouring child
mapping: most likely its block is indented one level off.

## Why is this bad?
The API server rejects the unknown field, or, with older clients, drops it silently: the setting you meant
never takes effect.

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
Re-indents the whole block to where it belongs.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL103", name="wrong-indentation-level", severity=Severity.ERROR, module=__name__,
    summary='A key is valid one level up or down from where it is indented',
    emitted_by='the schema walk (kube_lsp/schema/validate.py)',
)
