"""The document is not valid YAML.

## What it does
The YAML parser cannot read this document, so kubectl cannot either. The finding names the line that is most
likely wrong; for indentation problems it says which columns would line up.

## Why is this bad?
Nothing can apply a document that does not parse: `kubectl apply` fails on the whole file.

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
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL100", name="yaml-syntax", severity=Severity.ERROR, module=__name__,
    summary='The document is not valid YAML',
    emitted_by='the YAML parser (kube_lsp/parsing)',
)
