"""A value has the wrong type.

## What it does
The API server decodes manifests strictly: a string where an integer is required, a mapping where a list is
required, or a number where a string is required is rejected. YAML 1.1 rules apply as in kubectl: `yes`, `no`,
`on`, `off` and a lone `y` or `n` are booleans.

## Why is this bad?
The API server refuses the whole object with `cannot unmarshal` or `Invalid value`.

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
      ports:
        - containerPort: "80"
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
      ports:
        - containerPort: 80
```

## Fix
Removes quotes around a number, or quotes a number where a string is required (safe).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL201", name="wrong-type", severity=Severity.ERROR, module=__name__,
    summary='A value has the wrong type',
    emitted_by='the schema walk (kube_lsp/schema/validate.py)',
)
