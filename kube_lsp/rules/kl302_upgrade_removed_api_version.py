"""An apiVersion that a release of the upgrade removes.

## What it does
Reported by `kube-lsp upgrade --from X.Y --to X.Y`: the object uses an apiVersion that a release up to the
target no longer serves, naming the release that removed it (also when it was removed before `--from`: such
an object does not apply on the current cluster either) and the apiVersion to use instead.

## Why is this bad?
After the upgrade `kubectl apply` fails with `no matches for kind`, and Helm releases holding the object
cannot be upgraded.

## Upgrade example
`kube-lsp upgrade --from 1.25 --to 1.37` on:
```yaml
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: health
spec:
  priorityLevelConfiguration:
    name: exempt
```
reports `removed in Kubernetes 1.32; use flowcontrol.apiserver.k8s.io/v1`.

## Fix
An unsafe fix migrates the object to the replacement: the apiVersion and, where the API changed, its
structure (e.g. an Ingress backend `serviceName`/`servicePort` becomes `service.name`/`service.port`).

## References
`schemas/api-versions.yaml` (from the Kubernetes deprecated API migration guide) and the bundled schemas.
"""

from __future__ import annotations

from kube_lsp.model import Severity
from kube_lsp.rules.base import Rule

RULE = Rule(
    code="KL302", name="upgrade-removed-api-version", severity=Severity.ERROR, module=__name__,
    summary="An apiVersion that a release of the upgrade removes",
    emitted_by="`kube-lsp upgrade` (kube_lsp/upgrade/analyse.py)",
)
