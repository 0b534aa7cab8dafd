"""A tab character is used for indentation.

## What it does
YAML forbids tabs in indentation. The fix replaces them with spaces at the file's indentation width.

## Why is this bad?
The YAML specification forbids tabs in indentation, so every YAML parser, kubectl's included, refuses the
file.

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
Replaces the tabs with spaces (safe).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL101", name="tab-indentation", severity=Severity.ERROR, module=__name__,
    summary='A tab character is used for indentation',
    emitted_by='the YAML parser (kube_lsp/parsing)',
)
