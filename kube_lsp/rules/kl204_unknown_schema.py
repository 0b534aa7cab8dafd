"""No schema is known for this apiVersion and kind.

## What it does
A custom resource whose CustomResourceDefinition is not among the checked files, so only its YAML syntax is
checked. Add the CRD's file to the checked paths to validate it. When a CRD of that kind is there but does not
define the version, the finding is a warning that names the CRD and the versions it defines: the API server
would answer 'no matches for kind'.

## Why is this bad?
Nothing but the YAML syntax of the object is checked, so a typo in it will only show at apply time.

## Example
```yaml
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
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
    code="KL204", name="unknown-schema", severity=Severity.INFO, module=__name__,
    summary='No schema is known for this apiVersion and kind',
    emitted_by='the engine (kube_lsp/engine.py)',
)
