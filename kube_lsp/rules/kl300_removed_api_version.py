"""The apiVersion is not served by the target Kubernetes version.

## What it does
The apiVersion was removed, is not served yet, or never existed for this kind in the target release; the API
server answers 'no matches for kind'. The finding names the release that removed (or brings) it and an
apiVersion that the target serves: not deprecated there if possible, then the most stable (GA, then beta, then
alpha).

## Why is this bad?
`kubectl apply` fails with `no matches for kind` on the target cluster.

## Example
```yaml
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
```

## Fix
Rewrites the apiVersion to its replacement (review: the new version may need more fields).
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL300", name="removed-api-version", severity=Severity.ERROR, module=__name__,
    summary='The apiVersion is not served by the target Kubernetes version',
    emitted_by='the apiVersion check (kube_lsp/schema/apiversions.py)',
)
